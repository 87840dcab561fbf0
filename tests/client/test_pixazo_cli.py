"""`pixazo` end to end: the console script in a subprocess, PIXAZO_BASE_URL on a mock.

Flows that must finish run against a mock on a real clock sped up 100 times with a 50 ms poll
interval; errors run against a manual clock, where nothing ends unless told to.
"""

from __future__ import annotations

import io
import json
import os
import pty
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mock_gateway.running import RunningGateway, running
from pixazo_client.cli import EXIT_CODES, out_problem, progress_line
from pixazo_client.models import JobStatus, State

from .conftest import CAT, PNG_MAGIC

PIXAZO = str(Path(sys.executable).parent / "pixazo")
LONG_KEY = "sk-live-cli-0123456789abcdef0123456789abcdef"
TIMEOUT = 30.0
UUID_EXAMPLE = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
GEN2_UNKNOWN = f"bria-rmbg-2-0-682_{UUID_EXAMPLE}"
RMBG_RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
FIBO_RESULT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def one_line_error(self) -> str:
        assert self.err.endswith("\n") and self.err.count("\n") == 1, self.err
        assert self.err.startswith("pixazo: ") and "Traceback" not in self.err
        return self.err.strip()


def env_for(gw: RunningGateway | None, key: str | None = LONG_KEY, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAZO_")}
    env |= {"PYTHONIOENCODING": "utf-8", "PIXAZO_POLL_INTERVAL": "0.05"}
    if gw is not None:
        env["PIXAZO_BASE_URL"] = gw.url
    if key is not None:
        env["PIXAZO_API_KEY"] = key
    return env | extra


def pixazo(*args: str, env: dict[str, str], cwd: Path | None = None) -> Result:
    done = subprocess.run(
        [PIXAZO, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )
    result = Result(done.returncode, done.stdout, done.stderr)
    assert LONG_KEY not in result.out + result.err, "the key is never printed"
    assert "sk-live-cli" not in result.out + result.err
    return result


@pytest.fixture
def fast() -> Iterator[RunningGateway]:
    with running(manual_clock=False, time_scale=0.01) as gw:
        gw.put_key(LONG_KEY, balance_usd=10)
        yield gw


@pytest.fixture
def manual(gw: RunningGateway) -> RunningGateway:
    gw.put_key(LONG_KEY, balance_usd=10)
    return gw


# -- success ------------------------------------------------------------------------------------


def test_help_shows_the_commands_and_the_exit_code_table() -> None:
    result = pixazo("--help", env=env_for(None))
    assert result.code == 0
    for command in ("rmbg", "fibo", "status", "wait"):
        assert command in result.out
    assert "exit codes:" in result.out and "PIXAZO_API_KEY" in result.out
    for code, meaning in EXIT_CODES:
        assert f"{code:>3}  {meaning[:30]}" in result.out


def test_a_submit_prints_the_submission_as_json(manual: RunningGateway) -> None:
    result = pixazo("fibo", "a lighthouse", "--seed", "7", env=env_for(manual))
    assert (result.code, result.err) == (0, "")
    job = result.json
    assert job["status"] == "QUEUED" and job["generation"] == 2
    assert job["model_id"] == "bria-fibo-bbq-preview" and job["price_usd"] == "0.04"
    assert [j["request_id"] for j in manual.jobs] == [job["request_id"]]
    assert manual.jobs[0]["params"]["seed"] == 7


def test_rmbg_wait_out_saves_the_cut_out(fast: RunningGateway, tmp_path: Path) -> None:
    out = tmp_path / "cut.png"
    result = pixazo("rmbg", CAT, "--wait", "--out", str(out), env=env_for(fast))
    assert (result.code, result.err) == (0, ""), "no progress line when stderr is not a terminal"
    done = result.json
    assert done["status"] == "COMPLETED" and done["file"] == str(out)
    assert done["media_urls"] == done["raw"]["output"]["media_url"]
    with Image.open(out) as picture:
        assert picture.mode == "RGBA"


def test_fibo_with_every_option_and_out_implying_wait(fast: RunningGateway, tmp_path: Path) -> None:
    args = ["--aspect-ratio", "16:9", "--seed", "1", "--steps", "20", "--guidance", "6"]
    result = pixazo(
        "fibo", "a lighthouse", *args, "--out", "f.png", env=env_for(fast), cwd=tmp_path
    )
    assert result.code == 0, result.err
    assert result.json["status"] == "COMPLETED"
    data = (tmp_path / "f.png").read_bytes()
    assert data.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (1344, 768)
    assert fast.jobs[0]["params"] == {
        "prompt": "a lighthouse",
        "aspect_ratio": "16:9",
        "seed": 1,
        "steps_num": 20,
        "guidance_scale": 6,
    }


def test_status_and_wait_on_an_earlier_request(fast: RunningGateway, tmp_path: Path) -> None:
    env = env_for(fast)
    request_id = pixazo("rmbg", CAT, env=env).json["request_id"]
    status = pixazo("status", request_id, env=env)
    assert status.code == 0 and status.json["request_id"] == request_id
    assert status.json["status"] in ("QUEUED", "PROCESSING", "COMPLETED")
    waited = pixazo("wait", request_id, "--out", str(tmp_path / "o.png"), env=env)
    assert waited.code == 0 and waited.json["status"] == "COMPLETED"
    assert (tmp_path / "o.png").read_bytes().startswith(PNG_MAGIC)


def test_a_live_progress_line_when_stderr_is_a_terminal(fast: RunningGateway) -> None:
    fast.scenario(latency_ms=300, match={"on": "status"})  # long enough to see a redraw
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [PIXAZO, "rmbg", CAT, "--wait"],
            env=env_for(fast),
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=TIMEOUT,
        )
    finally:
        os.close(follower)
        reader.join(timeout=5)
        os.close(leader)
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "COMPLETED", "stdout stays pure JSON"
    shown = b"".join(chunks).decode()
    assert "\r\x1b[K" in shown and "elapsed" in shown
    assert "bria-rmbg-2-0-682_" in shown and "COMPLETED" in shown
    assert LONG_KEY not in shown


def test_the_progress_line_says_state_elapsed_and_estimate() -> None:
    running_job = JobStatus("abc", State.PROCESSING, "m", estimated_seconds=12, generation=1)
    assert progress_line(running_job, 3.4) == (
        "pixazo: abc PROCESSING · 3s elapsed · ~12s left (gateway estimate)"
    )
    queued = JobStatus("abc", State.QUEUED, "m")
    assert (
        progress_line(queued, 0) == "pixazo: abc QUEUED · 0s elapsed · no estimate from the gateway"
    )
    assert progress_line(None, 1.0).startswith("pixazo: waiting for the first status")


# -- failures: one line, an exit code from the table ---------------------------------------------


def test_invalid_parameters_exit_2_before_any_request(manual: RunningGateway) -> None:
    result = pixazo("fibo", "a lighthouse", "--guidance", "11", env=env_for(manual))
    assert result.code == 2 and result.out == ""
    assert result.one_line_error() == (
        "pixazo: guidance_scale: 11.0 is greater than the maximum of 10"
    )
    assert manual.requests == []


def test_bad_usage_exits_2() -> None:
    assert pixazo("fibo", env=env_for(None)).code == 2
    assert pixazo("fibo", "x", "--seed", "abc", env=env_for(None)).code == 2
    assert pixazo(env=env_for(None)).code == 2


def test_no_key_exits_2_and_says_where_the_key_comes_from(manual: RunningGateway) -> None:
    result = pixazo("rmbg", CAT, env=env_for(manual, key=None))
    assert result.code == 2
    assert "PIXAZO_API_KEY" in result.one_line_error()
    assert manual.requests == []


@pytest.mark.parametrize(
    ("setup", "args", "code", "says"),
    [
        ("unknown-key", ["rmbg", CAT], 3, "HTTP 401: Invalid or missing authentication"),
        ("rmbg-only", ["fibo", "x"], 3, "HTTP 403: Access denied for this operation"),
        (None, ["status", GEN2_UNKNOWN], 4, "HTTP 404: Request not found"),
        ("poor", ["rmbg", CAT], 5, "HTTP 402: Insufficient Balance"),
        ("tight", ["rmbg", CAT], 6, "(retry after 1000 s)"),
        ("http-500", ["rmbg", CAT], 7, "HTTP 500: An unexpected error occurred"),
        ("http-502", ["fibo", "x"], 7, "HTTP 502: Bad gateway"),
    ],
)
def test_each_gateway_error_is_one_line_and_its_exit_code(
    manual: RunningGateway, setup: str | None, args: list[str], code: int, says: str
) -> None:
    key = LONG_KEY
    if setup == "unknown-key":
        key = LONG_KEY + "-unknown"
    elif setup == "rmbg-only":
        manual.put_key(LONG_KEY, models=["bria-rmbg-2-0-682"])
    elif setup == "poor":
        manual.put_key(LONG_KEY, balance_usd=0)
    elif setup == "tight":
        manual.put_key(LONG_KEY, rate_limit={"requests": 1, "per_seconds": 1000})
        assert pixazo("rmbg", CAT, env=env_for(manual)).code == 0
    elif setup is not None:
        manual.scenario(http=int(setup[5:]))
    result = pixazo(*args, env=env_for(manual, key=key, PIXAZO_POLL_INTERVAL="0.01"))
    assert result.code == code
    assert says in result.one_line_error()
    assert result.out == ""
    assert key not in result.err


def test_a_failed_job_exits_8_with_its_status_on_stdout(fast: RunningGateway) -> None:
    fast.scenario(outcome="FAILED", error="Content refused")
    result = pixazo("fibo", "a volcano", "--wait", env=env_for(fast))
    assert result.code == 8
    assert result.json["status"] == "FAILED" and result.json["error"] == "Content refused"
    assert result.one_line_error().endswith("ended FAILED: Content refused")


def test_waiting_too_long_exits_9_and_says_how_to_resume(manual: RunningGateway) -> None:
    result = pixazo("fibo", "a lighthouse", "--wait", "--timeout", "0.2", env=env_for(manual))
    assert result.code == 9 and result.out == ""
    [job] = manual.jobs
    line = result.one_line_error()
    assert f"request {job['request_id']} still QUEUED after 0.2 s" in line
    assert f"`pixazo wait {job['request_id']}`" in line


def test_no_gateway_exits_1(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = env_for(None, PIXAZO_BASE_URL=f"http://127.0.0.1:{port}")
    result = pixazo("rmbg", CAT, env=env)
    assert result.code == 1
    assert result.one_line_error().startswith(f"pixazo: POST http://127.0.0.1:{port}/bria-rmbg")


def test_a_warning_is_one_line_too(manual: RunningGateway) -> None:
    manual.put_key(LONG_KEY, api_generation=1)
    hook = ["--webhook-url", "https://example.com/hook"]
    result = pixazo("rmbg", CAT, *hook, env=env_for(manual))
    assert result.code == 0 and result.json["generation"] == 1
    assert result.err == (
        "pixazo: warning: this key gets generation-1 answers, which send no webhooks: "
        "poll instead\n"
    )


# -- an --out that cannot be written is refused before anything is sent or paid -----------------


def balance(gw: RunningGateway) -> float:
    """The key's wallet, read on the control API (which the gateway journal does not list)."""
    with urllib.request.urlopen(f"{gw.url}/_mock/keys/{LONG_KEY}", timeout=TIMEOUT) as answer:
        return float(json.load(answer)["balance_usd"])


# Every command that writes a file: both submits (--out implies --wait) and `wait`.
WRITING_COMMANDS = [["fibo", "a lighthouse"], ["rmbg", CAT, "--wait"], ["wait", GEN2_UNKNOWN]]


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("case", ["missing-directory", "a-directory", "parent-is-a-file"])
def test_an_out_that_cannot_be_written_exits_2_before_any_request(
    manual: RunningGateway, tmp_path: Path, command: list[str], case: str
) -> None:
    if case == "missing-directory":
        out = tmp_path / "no-such-dir" / "x.png"
        reason = f"the directory {out.parent} does not exist"
    elif case == "a-directory":
        out = tmp_path
        reason = "it is a directory"
    else:
        (tmp_path / "notes.txt").write_text("not a directory")
        out = tmp_path / "notes.txt" / "x.png"
        reason = f"{out.parent} is not a directory"
    result = pixazo(*command, "--out", str(out), env=env_for(manual))
    assert (result.code, result.out) == (2, "")
    assert (
        result.one_line_error() == f"pixazo: cannot write --out {out}: {reason} (nothing was sent)"
    )
    assert manual.requests == [] and manual.jobs == []
    assert balance(manual) == 10.0


def test_the_newcomer_example_out_in_a_nonexistent_directory(manual: RunningGateway) -> None:
    result = pixazo("fibo", "x", "--out", "/nonexistent/dir/x.png", env=env_for(manual))
    assert (result.code, result.out) == (2, "")
    assert result.one_line_error() == (
        "pixazo: cannot write --out /nonexistent/dir/x.png: "
        "the directory /nonexistent/dir does not exist (nothing was sent)"
    )
    assert manual.requests == [] and balance(manual) == 10.0


def test_a_relative_out_is_checked_from_the_working_directory(
    manual: RunningGateway, tmp_path: Path
) -> None:
    result = pixazo("fibo", "x", "--out", "sub/x.png", env=env_for(manual), cwd=tmp_path)
    assert result.code == 2
    assert result.one_line_error() == (
        "pixazo: cannot write --out sub/x.png: the directory sub does not exist (nothing was sent)"
    )
    assert manual.requests == []


def test_an_empty_out_is_refused_rather_than_ignored(manual: RunningGateway) -> None:
    result = pixazo("fibo", "x", "--out", "", env=env_for(manual))
    assert result.code == 2
    assert (
        result.one_line_error() == "pixazo: cannot write --out '': an empty path (nothing was sent)"
    )
    assert manual.requests == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_an_out_in_a_read_only_directory_exits_2_before_any_request(
    manual: RunningGateway, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        result = pixazo("fibo", "x", "--out", str(locked / "x.png"), env=env_for(manual))
    finally:
        locked.chmod(0o755)
    assert result.code == 2
    assert result.one_line_error() == (
        f"pixazo: cannot write --out {locked / 'x.png'}: "
        f"the directory {locked} is not writable (nothing was sent)"
    )
    assert manual.requests == [] and balance(manual) == 10.0


def test_out_problem_names_each_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert out_problem(str(tmp_path / "new.png")) is None
    assert out_problem(str(tmp_path / "notes.txt")) is None, "an existing file is replaced"
    assert out_problem("") == "an empty path"
    assert out_problem(str(tmp_path)) == "it is a directory"
    assert (
        out_problem(str(tmp_path / "a" / "b.png"))
        == f"the directory {tmp_path / 'a'} does not exist"
    )
    assert out_problem(str(tmp_path / "notes.txt" / "b.png")) == (
        f"{tmp_path / 'notes.txt'} is not a directory"
    )
    # Root may write anywhere, so the permission check is shown with os.access saying no.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert out_problem(str(tmp_path / "new.png")) == f"the directory {tmp_path} is not writable"


def test_a_write_that_fails_after_the_check_still_exits_1_and_says_how_to_resume(
    fast: RunningGateway, tmp_path: Path
) -> None:
    # The directory is fine when checked but gone when the picture arrives: a local I/O error.
    out = tmp_path / "gone" / "o.png"
    out.parent.mkdir()
    fast.scenario(latency_ms=300, match={"on": "status"})
    child = subprocess.Popen(
        [PIXAZO, "rmbg", CAT, "--out", str(out)],
        env=env_for(fast),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not fast.jobs and time.monotonic() < deadline:
            time.sleep(0.01)
        out.parent.rmdir()
        out_text, err_text = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    result = Result(child.returncode, out_text, err_text)
    assert result.code == 1 and result.out == ""
    [job] = fast.jobs
    line = result.one_line_error()
    assert "No such file or directory" in line
    assert line.endswith(
        f"(request {job['request_id']} was accepted: `pixazo wait {job['request_id']}`)"
    )


# -- status and wait: a generation-1 id needs no --model; a typo is named as one -----------------


def test_status_of_a_generation_1_id_asks_both_result_endpoints_without_model(
    manual: RunningGateway,
) -> None:
    manual.put_key(LONG_KEY, api_generation=1)
    env = env_for(manual)
    rmbg = pixazo("rmbg", CAT, env=env).json["request_id"]
    fibo = pixazo("fibo", "a lighthouse", env=env).json["request_id"]
    first = len(manual.requests)
    rmbg_status = pixazo("status", rmbg, env=env)
    assert (rmbg_status.code, rmbg_status.err) == (0, "")
    assert rmbg_status.json["generation"] == 1
    assert rmbg_status.json["model_id"] == "bria-rmbg-2-0-682"
    fibo_status = pixazo("status", fibo, env=env)
    assert (fibo_status.code, fibo_status.err) == (0, "")
    assert fibo_status.json["model_id"] == "bria-fibo-bbq-preview"
    assert fibo_status.json["status"] == "QUEUED"
    assert [(e["path"], e["status"]) for e in manual.requests[first:]] == [
        (RMBG_RESULT, 200),  # the RMBG id: the first endpoint knows it
        (RMBG_RESULT, 404),  # the FIBO id: unknown there, so the FIBO endpoint is asked
        (FIBO_RESULT, 200),
    ]


def test_status_with_model_asks_only_that_endpoint(manual: RunningGateway) -> None:
    manual.put_key(LONG_KEY, api_generation=1)
    env = env_for(manual)
    fibo = pixazo("fibo", "a lighthouse", env=env).json["request_id"]
    first = len(manual.requests)
    assert pixazo("status", fibo, "--model", "fibo", env=env).code == 0
    assert [(e["path"], e["status"]) for e in manual.requests[first:]] == [(FIBO_RESULT, 200)]


def test_wait_on_a_generation_1_id_needs_no_model(fast: RunningGateway, tmp_path: Path) -> None:
    fast.put_key(LONG_KEY, api_generation=1)
    env = env_for(fast)
    job = pixazo("fibo", "a lighthouse", env=env).json
    assert job["generation"] == 1 and "_" not in job["request_id"]
    done = pixazo("wait", job["request_id"], "--out", str(tmp_path / "f.png"), env=env)
    assert (done.code, done.err) == (0, "")
    assert done.json["status"] == "COMPLETED" and done.json["generation"] == 1
    assert (tmp_path / "f.png").read_bytes().startswith(PNG_MAGIC)


def test_a_generation_1_id_unknown_to_both_endpoints_is_one_line_and_exit_4(
    manual: RunningGateway,
) -> None:
    manual.put_key(LONG_KEY, api_generation=1)
    result = pixazo("status", UUID_EXAMPLE, env=env_for(manual))
    assert (result.code, result.out) == (4, "")
    assert result.one_line_error() == (
        f"pixazo: request {UUID_EXAMPLE} is unknown to both generation-1 result endpoints "
        "for this key (RMBG and FIBO each answered HTTP 404)"
    )
    assert [(e["path"], e["status"]) for e in manual.requests] == [
        (RMBG_RESULT, 404),
        (FIBO_RESULT, 404),
    ]


@pytest.mark.parametrize("command", ["status", "wait"])
@pytest.mark.parametrize(
    "typo",
    ["abc", "0193a1b2-c3d4-7e5f-8a9b", "bria-rmbg-2-0-682_0000", f"{UUID_EXAMPLE}x", "a/b"],
)
def test_a_typo_is_not_a_request_id_and_shows_the_accepted_shapes(
    manual: RunningGateway, command: str, typo: str
) -> None:
    result = pixazo(command, typo, env=env_for(manual))
    assert (result.code, result.out) == (2, "")
    assert result.one_line_error() == (
        f"pixazo: {typo!r} is not a request id: expected <model id>_<uuid> (generation 2) "
        "or a bare <uuid> (generation 1), a <uuid> looking like "
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    )
    assert manual.requests == []


# -- stdout closed early (`| head`): a quiet exit 141 -----------------------------------------


def run_into_closed_pipe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run pixazo with a stdout whose reader is already gone (as after `head -c 1` quit)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [PIXAZO, *args],
            env=env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize(
    "args", [["--help"], ["status", "SUBMITTED"], ["fibo", "a lighthouse"]], ids=lambda a: a[0]
)
def test_a_closed_stdout_exits_141_quietly(manual: RunningGateway, args: list[str]) -> None:
    env = env_for(manual)
    if "SUBMITTED" in args:
        args = ["status", pixazo("rmbg", CAT, env=env).json["request_id"]]
    done = run_into_closed_pipe(*args, env=env)
    assert (done.returncode, done.stderr) == (141, "")


def test_piping_into_a_reader_that_quits_early_is_quiet(fast: RunningGateway) -> None:
    # `true` exits without reading; the job takes a moment, so pixazo writes after it left.
    fast.scenario(latency_ms=200, match={"on": "status"})
    done = subprocess.run(
        ["bash", "-c", f'"{PIXAZO}" fibo "a lighthouse" --wait | true; echo "${{PIPESTATUS[0]}}"'],
        env=env_for(fast),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert (done.stdout, done.stderr) == ("141\n", "")


def test_a_closed_stdout_and_stderr_together_are_quiet_too(manual: RunningGateway) -> None:
    # `pixazo ... 2>&1 | head -c 1`: the error line cannot be written either.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [PIXAZO, "status", GEN2_UNKNOWN],
            env=env_for(manual),
            stdout=writer,
            stderr=writer,
            timeout=TIMEOUT,
        )
    finally:
        os.close(writer)
    assert done.returncode == 141
