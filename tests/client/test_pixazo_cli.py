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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mock_gateway.running import RunningGateway, running
from pixazo_client.cli import EXIT_CODES, progress_line
from pixazo_client.models import JobStatus, State

from .conftest import CAT, PNG_MAGIC

PIXAZO = str(Path(sys.executable).parent / "pixazo")
LONG_KEY = "sk-live-cli-0123456789abcdef0123456789abcdef"
TIMEOUT = 30.0


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


def test_generation_1_ids_need_a_model_on_the_command_line(fast: RunningGateway) -> None:
    fast.put_key(LONG_KEY, api_generation=1)
    env = env_for(fast)
    job = pixazo("rmbg", CAT, env=env).json
    assert job["generation"] == 1 and "_" not in job["request_id"]
    refused = pixazo("wait", job["request_id"], env=env)
    assert refused.code == 2 and "--model rmbg" in refused.one_line_error()
    done = pixazo("wait", job["request_id"], "--model", "rmbg", env=env)
    assert done.code == 0 and done.json["status"] == "COMPLETED" and done.json["generation"] == 1


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
        (None, ["status", "bria-rmbg-2-0-682_0000"], 4, "HTTP 404: Request not found"),
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


def test_an_unwritable_out_file_exits_1(fast: RunningGateway, tmp_path: Path) -> None:
    out = tmp_path / "no-such-dir" / "o.png"
    result = pixazo("rmbg", CAT, "--out", str(out), env=env_for(fast))
    assert result.code == 1
    assert "No such file or directory" in result.one_line_error()


def test_a_warning_is_one_line_too(manual: RunningGateway) -> None:
    manual.put_key(LONG_KEY, api_generation=1)
    hook = ["--webhook-url", "https://example.com/hook"]
    result = pixazo("rmbg", CAT, *hook, env=env_for(manual))
    assert result.code == 0 and result.json["generation"] == 1
    assert result.err == (
        "pixazo: warning: this key gets generation-1 answers, which send no webhooks: "
        "poll instead\n"
    )
