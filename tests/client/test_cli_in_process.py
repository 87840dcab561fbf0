"""`pixazo` in the test process: `main([...])` with the environment set by monkeypatch and the
output read with capsys, so that mutation testing (which changes the code in this process) sees
every line of `pixazo_client.cli`. tests/client/test_pixazo_cli.py runs the installed console
script in a subprocess; this file checks the same behaviour, and more exactly.

The gateway is the mock on a manual clock. The CLI builds its own `AsyncPixazoClient`; here
that class is wrapped so that the client sleeps on simulated time (`sim.sleep` advances the
mock's clock) while everything else (the base URL, the key, the poll interval) still comes
from the command line and the environment, as in real use. With `PIXAZO_POLL_INTERVAL=100`
one poll gap ends any job, so a wait to the end is two polls and one 100 s sleep, exactly.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import io
import json
import os
import socket
import stat
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mock_gateway.running import RunningGateway
from pixazo_client import AsyncPixazoClient, cli
from pixazo_client.cli import EXIT_CODES, Progress, exit_code, main, out_problem, progress_line
from pixazo_client.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    GatewayError,
    InsufficientBalanceError,
    JobFailedError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SubmitOutcomeUnknownError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WaitTimeoutError,
)
from pixazo_client.models import JobStatus, Model, State, Submission

from .conftest import CAT, FIBO_SUBMIT, PNG_MAGIC, RMBG_SUBMIT, TEST_RETRY, SimTime, journal

LONG_KEY = "sk-live-cli-0123456789abcdef0123456789abcdef"
UUID_EXAMPLE = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
GEN2_UNKNOWN = f"bria-rmbg-2-0-682_{UUID_EXAMPLE}"
FIBO_RESULT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"
CLEAR = "\r\x1b[K"  # what each redraw of the progress line starts with
NO_ESTIMATE = "no estimate from the gateway"


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def pixazo(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """`pixazo ARGS` in this process: its exit code and what it wrote."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "sk-live-cli" not in out + err, "the key is never printed, not even in part"
    return Ran(code, out, err)


def printed(data: dict[str, Any]) -> str:
    """Exactly what `_print_json` writes for `data`: indented JSON and a newline."""
    return json.dumps(data, indent=2) + "\n"


@pytest.fixture
def cli_gw(gw: RunningGateway, sim: SimTime, monkeypatch: pytest.MonkeyPatch) -> RunningGateway:
    """The mock with a $10 key in PIXAZO_API_KEY, and the CLI's client on simulated time."""
    gw.put_key(LONG_KEY, balance_usd=10)
    monkeypatch.setenv("PIXAZO_API_KEY", LONG_KEY)
    monkeypatch.setenv("PIXAZO_BASE_URL", gw.url)
    monkeypatch.setenv("PIXAZO_POLL_INTERVAL", "100")

    def client(**kwargs: Any) -> AsyncPixazoClient:
        # Whatever the CLI passes (its base_url) goes through; `sim.sleep` is looked up at
        # each call, so a test may swap it for one that does something else.
        return AsyncPixazoClient(
            **kwargs, sleep=lambda s: sim.sleep(s), clock=sim.clock, retry=TEST_RETRY
        )

    monkeypatch.setattr(cli, "AsyncPixazoClient", client)
    return gw


def gateway_status(gw: RunningGateway, request_id: str) -> dict[str, Any]:
    """The job's generation-2 status body, read straight from the mock (not through the CLI)."""
    ask = urllib.request.Request(
        f"{gw.url}/v2/requests/status/{request_id}",
        headers={"Ocp-Apim-Subscription-Key": LONG_KEY},
    )
    with urllib.request.urlopen(ask, timeout=30) as answer:
        body: dict[str, Any] = json.load(answer)
    return body


def completed(gw: RunningGateway, request_id: str, model_id: str) -> dict[str, Any]:
    """What `pixazo` prints for a finished generation-2 job, field by field."""
    raw = gateway_status(gw, request_id)
    assert raw["status"] == "COMPLETED"
    url = f"{gw.url}/_mock/cdn/v1/{request_id}/output.png"
    return {
        "request_id": request_id,
        "status": "COMPLETED",
        "model_id": model_id,
        "generation": 2,
        "media_urls": [url],
        "media_type": "image/png",
        "error": None,
        "estimated_seconds": None,
        "raw": raw,
    }


class Terminal(io.StringIO):
    """A stderr that says whether it is a terminal, and counts its flushes."""

    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty
        self.flushes = 0

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


class ClosedPipe:
    """A stream whose reader has gone (`| head -c 1` quit): every write and flush raises
    BrokenPipeError. `fd` is a descriptor on a file of the test's own (never 1 or 2, which
    pixazo would point at /dev/null), or the exception that asking for one raises."""

    def __init__(self, fd: int | Exception) -> None:
        self.fd = fd

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def fileno(self) -> int:
        if isinstance(self.fd, Exception):
            raise self.fd
        return self.fd

    def isatty(self) -> bool:
        return False


class Healthy(Terminal):
    """A stream still open, on a file descriptor of the test's own."""

    def __init__(self, fd: int) -> None:
        super().__init__(tty=False)
        self.fd = fd

    def fileno(self) -> int:
        return self.fd


class Clock:
    """Stands in for the `time` module in cli (only `Progress` reads it)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


def is_devnull(fd: int) -> bool:
    found, null = os.fstat(fd), os.stat(os.devnull)
    return stat.S_ISCHR(found.st_mode) and found.st_rdev == null.st_rdev


@pytest.fixture
def own_fds(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """Two file descriptors on files of the test's own, for streams that must have one."""
    fds = (
        os.open(tmp_path / "out.txt", os.O_WRONLY | os.O_CREAT),
        os.open(tmp_path / "err.txt", os.O_WRONLY | os.O_CREAT),
    )
    yield fds
    for fd in fds:
        os.close(fd)


def gen1_status(**fields: Any) -> JobStatus:
    return JobStatus(**{"request_id": "abc", "model_id": "m", "generation": 1, **fields})


# -- exit codes ---------------------------------------------------------------------------------


def test_the_exit_code_table_lists_each_code_once_in_order() -> None:
    assert [code for code, _ in EXIT_CODES] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 130, 141]


def gateway(cls: type[GatewayError], status: int, **kwargs: Any) -> GatewayError:
    return cls(f"HTTP {status}: x", status_code=status, **kwargs)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SubmitOutcomeUnknownError("lost", kind="reset"), 10),  # before its base, TransportError
        (TransportError("refused", kind="connect"), 1),
        (TransportError("reset", kind="reset", attempts=3), 1),
        (WaitTimeoutError("r", 1.0, None), 9),  # before OSError, though a TimeoutError
        (OSError("disk"), 1),
        (FileNotFoundError(2, "No such file or directory"), 1),
        (TimeoutError(), 1),
        (ConfigurationError("no key"), 2),
        (ValidationError("bad", field="seed"), 2),
        (gateway(BadRequestError, 400), 2),
        (gateway(ModelNotFoundError, 400), 2),
        (gateway(AuthenticationError, 401), 3),
        (gateway(PermissionDeniedError, 403), 3),
        (gateway(NotFoundError, 404), 4),
        (gateway(InsufficientBalanceError, 402), 5),
        (gateway(RateLimitError, 429), 6),
        (JobFailedError(JobStatus("r", State.FAILED, "m", error="no")), 8),
        (JobFailedError(JobStatus("r", State.ERROR, "m")), 8),
        (gateway(ServerError, 500), 7),
        (gateway(ServerError, 503), 7),
        (gateway(UnexpectedResponseError, 200), 7),
        (gateway(GatewayError, 500), 7),
        # Not an error class of the table: whatever else escapes is a plain failure.
        (RuntimeError("bug"), 1),
        (ValueError("not a ConfigurationError"), 1),
        (KeyError("k"), 1),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_every_error_class_has_its_exit_code_from_the_table(
    error: BaseException, code: int
) -> None:
    assert exit_code(error) == code


@pytest.mark.parametrize(
    ("status", "code"),
    [(399, 7), (400, 2), (413, 2), (499, 2), (500, 7), (200, 7)],
)
def test_an_undocumented_status_exits_2_only_when_it_is_a_4xx(status: int, code: int) -> None:
    # A plain GatewayError is a status the pages do not document: the edges of 4xx matter.
    assert exit_code(GatewayError("HTTP x", status_code=status)) == code


# -- pieces: the progress line, --out checks, the one-line messages -----------------------------


@pytest.mark.parametrize(
    ("status", "elapsed", "line"),
    [
        (None, 0.0, "pixazo: waiting for the first status · 0s elapsed"),
        (None, 59.6, "pixazo: waiting for the first status · 60s elapsed"),
        (
            JobStatus("abc", State.QUEUED, "m"),
            2.5,  # rounds half to even, as format does
            f"pixazo: abc QUEUED · 2s elapsed · {NO_ESTIMATE}",
        ),
        (
            gen1_status(status=State.PROCESSING, estimated_seconds=12),
            3.4,
            "pixazo: abc PROCESSING · 3s elapsed · ~12s left (gateway estimate)",
        ),
        (
            gen1_status(status=State.PROCESSING, estimated_seconds=0),  # 0 is an estimate too
            7.0,
            "pixazo: abc PROCESSING · 7s elapsed · ~0s left (gateway estimate)",
        ),
        (
            JobStatus("abc", State.COMPLETED, "m"),
            100.0,
            f"pixazo: abc COMPLETED · 100s elapsed · {NO_ESTIMATE}",
        ),
        (
            JobStatus("abc", State.FAILED, "m"),
            1.0,
            f"pixazo: abc FAILED · 1s elapsed · {NO_ESTIMATE}",
        ),
        (
            JobStatus("abc", State.ERROR, "m"),
            1.0,
            f"pixazo: abc ERROR · 1s elapsed · {NO_ESTIMATE}",
        ),
    ],
)
def test_the_progress_line_says_the_state_the_time_waited_and_the_estimate(
    status: JobStatus | None, elapsed: float, line: str
) -> None:
    assert progress_line(status, elapsed) == line


def test_progress_redraws_one_line_in_place_and_ends_it_with_a_newline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(1000.0)  # the start is not 0: the elapsed time is a difference
    monkeypatch.setattr(cli, "time", clock)
    stream = Terminal()
    progress = Progress(stream)
    assert stream.getvalue() == "" and stream.flushes == 0, "nothing until the first draw"
    clock.now = 1002.6
    progress.draw()  # before any status
    clock.now = 1004.2
    progress.update(gen1_status(status=State.PROCESSING, estimated_seconds=9))
    clock.now = 1010.0
    progress.draw()  # between polls: the last status, the time moved on
    assert stream.flushes == 3, "each redraw is flushed at once"
    progress.finish()
    assert stream.getvalue() == (
        f"{CLEAR}pixazo: waiting for the first status · 3s elapsed"
        f"{CLEAR}pixazo: abc PROCESSING · 4s elapsed · ~9s left (gateway estimate)"
        f"{CLEAR}pixazo: abc PROCESSING · 10s elapsed · ~9s left (gateway estimate)"
        "\n"
    )
    assert stream.flushes == 4


def test_progress_ticks_a_redraw_every_second_between_polls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(50.0)
    monkeypatch.setattr(cli, "time", clock)
    slept: list[float] = []

    class Enough(Exception):
        pass

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds
        if len(slept) == 3:
            raise Enough  # the ticker runs until cancelled; three beats are enough to see

    monkeypatch.setattr(cli, "asyncio", SimpleNamespace(sleep=sleep))
    stream = Terminal()
    progress = Progress(stream)
    with pytest.raises(Enough):
        asyncio.run(progress.tick())
    assert slept == [1.0, 1.0, 1.0]
    assert stream.getvalue() == "".join(
        f"{CLEAR}pixazo: waiting for the first status · {s}s elapsed" for s in (0, 1, 2)
    )
    assert stream.flushes == 3


def test_out_problem_names_each_reason_and_accepts_a_writable_path(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert out_problem(str(tmp_path / "new.png")) is None
    assert out_problem(str(tmp_path / "notes.txt")) is None, "an existing file is replaced"
    assert out_problem("") == "an empty path"
    assert out_problem(str(tmp_path)) == "it is a directory"
    assert out_problem(str(tmp_path / "a" / "b.png")) == (
        f"the directory {tmp_path / 'a'} does not exist"
    )
    assert out_problem(str(tmp_path / "notes.txt" / "b.png")) == (
        f"{tmp_path / 'notes.txt'} is not a directory"
    )


def test_out_problem_asks_for_write_and_search_permission_on_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root, who may write anywhere: os.access is asked, and answers no.
    asked: list[tuple[Path, int]] = []

    def access(path: Path, mode: int) -> bool:
        asked.append((path, mode))
        return mode == os.F_OK  # it exists, but may not be written or entered

    monkeypatch.setattr(os, "access", access)
    assert out_problem(str(tmp_path / "new.png")) == f"the directory {tmp_path} is not writable"
    assert asked == [(tmp_path, os.W_OK | os.X_OK)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_out_problem_refuses_a_read_only_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        assert out_problem(str(locked / "x.png")) == f"the directory {locked} is not writable"
    finally:
        locked.chmod(0o755)


def test_a_warning_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    cli._warn(UserWarning("poll instead"), UserWarning, "client.py", 7)
    assert capsys.readouterr() == ("", "pixazo: warning: poll instead\n")
    cli._warn("a plain text", UserWarning, "client.py", 7)
    assert capsys.readouterr() == ("", "pixazo: warning: a plain text\n")


def test_a_failure_is_one_line_whatever_spacing_the_message_had(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli._fail("first line\n  second\tline  ", None)
    assert capsys.readouterr() == ("", "pixazo: first line second line\n")
    cli._fail("before the submit", cli._Run())
    assert capsys.readouterr() == ("", "pixazo: before the submit\n")


@pytest.mark.parametrize(
    ("submitted", "hint"),
    [
        (Submission("bria-fibo-bbq-preview_u", Model.FIBO, 2, "s"), ""),
        (Submission("u-1", Model.RMBG, 1, "s"), " --model rmbg"),
        (Submission("u-2", Model.FIBO, 1, "s"), " --model fibo"),
    ],
)
def test_after_a_submit_a_failure_says_how_to_pick_the_job_up_again(
    capsys: pytest.CaptureFixture[str], submitted: Submission, hint: str
) -> None:
    # A generation-2 id names its model; a generation-1 id (a bare UUID) does not.
    cli._fail("timed out", cli._Run(submitted=submitted))
    rid = submitted.request_id
    assert capsys.readouterr() == (
        "",
        f"pixazo: timed out (request {rid} was accepted: `pixazo wait {rid}{hint}`)\n",
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            AuthenticationError("HTTP 401: Invalid", status_code=401),
            "HTTP 401: Invalid (check PIXAZO_API_KEY)",
        ),
        (
            RateLimitError("HTTP 429: slow", status_code=429, headers={"Retry-After": "30"}),
            "HTTP 429: slow (retry after 30 s)",
        ),
        (
            RateLimitError("HTTP 429: slow", status_code=429, headers={"Retry-After": "0"}),
            "HTTP 429: slow (retry after 0 s)",  # 0 s is still a retry-after to give
        ),
        (RateLimitError("HTTP 429: slow", status_code=429), "HTTP 429: slow"),
        (
            ValidationError("unknown model 'x'", field="model"),
            "unknown model 'x' (on the command line: --model rmbg or --model fibo)",
        ),
        (ValidationError("seed: not an integer", field="seed"), "seed: not an integer"),
        (ValidationError("no field"), "no field"),
        (PermissionDeniedError("HTTP 403: no", status_code=403), "HTTP 403: no"),
        (OSError(), "OSError"),  # no message: the class says what happened
        (FileNotFoundError(), "FileNotFoundError"),
        (OSError("disk full"), "disk full"),
    ],
)
def test_an_error_message_says_what_a_shell_user_can_do(error: Exception, message: str) -> None:
    assert cli._explain(error) == message


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        (
            Submission("bria-rmbg-2-0-682_u", Model.RMBG, 2, "http://gw/v2/requests/status/x"),
            {
                "request_id": "bria-rmbg-2-0-682_u",
                "status": "QUEUED",
                "model_id": "bria-rmbg-2-0-682",
                "generation": 2,
                "status_url": "http://gw/v2/requests/status/x",
                "price_usd": "0.018",
            },
        ),
        (
            Submission("u", Model.FIBO, 1, "http://gw/result", {"status": "IN_QUEUE"}),
            {
                "request_id": "u",
                "status": "QUEUED",
                "model_id": "bria-fibo-bbq-preview",
                "generation": 1,
                "status_url": "http://gw/result",
                "price_usd": "0.04",
            },
        ),
    ],
)
def test_a_submission_as_a_dict_is_exactly_its_fields_and_price(
    submission: Submission, expected: dict[str, Any]
) -> None:
    found = submission.to_dict()
    assert found == expected
    assert list(found) == list(expected), "the order JSON shows them in"


# -- --help ---------------------------------------------------------------------------------------

EXIT_TABLE = """\
exit codes:
    0  success
    1  network or local I/O error (no answer from the gateway, saving --out failed)
    2  bad usage or invalid parameters (checked locally, HTTP 400, model not found, \
no PIXAZO_API_KEY, an --out that cannot be written)
    3  authentication or permission refused (HTTP 401, 403)
    4  not found (HTTP 404: unknown request id or endpoint)
    5  insufficient balance (HTTP 402)
    6  rate limited (HTTP 429, still after the retries of a read)
    7  server error (HTTP 5xx) or another unexpected answer
    8  the job ended FAILED or ERROR (its status is still printed on stdout)
    9  timed out waiting (--timeout)
   10  a submit was sent but its answer was lost (connection reset, closed, cut short, \
not HTTP, timed out): the job may exist and be charged; look before resubmitting
  130  interrupted (Ctrl-C)
  141  stdout or stderr closed early (e.g. `| head`): quietly, as if killed by SIGPIPE
"""

TOP_HELP = [
    "usage: pixazo [-h] [--base-url BASE_URL] COMMAND ...",
    "",
    "Bria RMBG 2.0 and FIBO through the Pixazo gateway (or its mock). JSON results on stdout.",
    "",
    "positional arguments:",
    "COMMAND",
    "rmbg remove an image's background ($0.018)",
    "fibo generate an image from a prompt ($0.04)",
    "status a job's status now",
    "wait wait for a job to end",
    "",
    "options:",
    "-h, --help show this help message and exit",
    "--base-url BASE_URL override PIXAZO_BASE_URL",
    "",
    "environment:",
    "PIXAZO_API_KEY the subscription key (required; never printed)",
    "PIXAZO_BASE_URL the gateway (default https://gateway.pixazo.ai)",
    "PIXAZO_POLL_INTERVAL fixed seconds between polls (default 5-10 s)",
    "",
]
SUBMIT_OPTIONS = [
    "--webhook-url U https URL to call back at the end",
    "--webhook-mode M terminal (default) or sync",
    "--wait wait for the end (--out implies it)",
]
WAIT_OPTIONS = [
    "--timeout S give up waiting after S seconds (default 600)",
    "--out FILE save the picture here",
]
MODEL_OPTION = (
    "--model M rmbg or fibo: for a generation-1 id (a bare UUID), ask only that model's "
    "result endpoint (default: try both)"
)
HELP_LINE = "-h, --help show this help message and exit"
SUBCOMMAND_HELP = {
    "rmbg": [
        "usage: pixazo rmbg [-h] [--webhook-url U] [--webhook-mode M] [--wait] [--timeout S] "
        "[--out FILE] IMAGE_URL",
        "",
        "positional arguments:",
        "IMAGE_URL",
        "",
        "options:",
        HELP_LINE,
        *SUBMIT_OPTIONS,
        *WAIT_OPTIONS,
    ],
    "fibo": [
        "usage: pixazo fibo [-h] [--aspect-ratio R] [--seed N] [--steps N] [--guidance G] "
        "[--webhook-url U] [--webhook-mode M] [--wait] [--timeout S] [--out FILE] PROMPT",
        "",
        "positional arguments:",
        "PROMPT",
        "",
        "options:",
        HELP_LINE,
        "--aspect-ratio R 16:9, 4:3, 1:1 (default) or 9:16",
        "--seed N",
        "--steps N denoising steps (default 30)",
        "--guidance G guidance scale, 5-10",
        *SUBMIT_OPTIONS,
        *WAIT_OPTIONS,
    ],
    "status": [
        "usage: pixazo status [-h] [--model M] REQUEST_ID",
        "",
        "positional arguments:",
        "REQUEST_ID",
        "",
        "options:",
        HELP_LINE,
        MODEL_OPTION,
    ],
    "wait": [
        "usage: pixazo wait [-h] [--model M] [--timeout S] [--out FILE] REQUEST_ID",
        "",
        "positional arguments:",
        "REQUEST_ID",
        "",
        "options:",
        HELP_LINE,
        MODEL_OPTION,
        *WAIT_OPTIONS,
    ],
}


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as leaving:
        main([*args, "--help"])
    assert leaving.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def lines_of(text: str) -> list[str]:
    """Each line with its runs of spaces made one (argparse aligns columns by the longest)."""
    return [" ".join(line.split()) for line in text.splitlines()]


def test_help_shows_the_commands_the_environment_and_every_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps at the terminal's width
    out = help_of(capsys)
    # The epilog is printed raw: the table exactly as `pixazo --help` shows it.
    assert out.endswith("\n\n" + EXIT_TABLE)
    assert lines_of(out) == TOP_HELP + lines_of(EXIT_TABLE)


@pytest.mark.parametrize("command", list(SUBCOMMAND_HELP))
def test_each_command_help_shows_its_arguments_and_options(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert lines_of(help_of(capsys, command)) == SUBCOMMAND_HELP[command]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "pixazo: error: the following arguments are required: COMMAND"),
        (["fibo"], "pixazo fibo: error: the following arguments are required: PROMPT"),
        (["fibo", "x", "--seed", "abc"], "pixazo fibo: error: argument --seed: invalid int value"),
        (["fibo", "x", "--steps", "2.5"], "pixazo fibo: error: argument --steps: invalid int"),
        (
            ["fibo", "x", "--guidance", "g"],
            "pixazo fibo: error: argument --guidance: invalid float",
        ),
        (
            ["wait", "x", "--timeout", "soon"],
            "pixazo wait: error: argument --timeout: invalid float",
        ),
        (["rmbg", CAT, "--wait", "yes"], "pixazo: error: unrecognized arguments: yes"),
        (["paint"], "pixazo: error: argument COMMAND: invalid choice: 'paint'"),
    ],
)
def test_bad_usage_exits_2_with_argparse_saying_what_is_wrong(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(args)
    assert leaving.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: pixazo") and says in err


def test_help_into_a_closed_stdout_exits_141_rather_than_being_dropped(
    monkeypatch: pytest.MonkeyPatch, own_fds: tuple[int, int]
) -> None:
    # argparse's own print_help ignores write errors; pixazo's must not.
    out_fd, err_fd = own_fds
    monkeypatch.setattr("sys.stdout", ClosedPipe(out_fd))
    monkeypatch.setattr("sys.stderr", Healthy(err_fd))
    assert main(["--help"]) == 141
    assert is_devnull(out_fd), "what stdout still buffers goes nowhere, quietly"
    assert not is_devnull(err_fd)


# -- submit -----------------------------------------------------------------------------------


def test_rmbg_prints_its_submission_as_json(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = pixazo(capsys, "rmbg", CAT)
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == printed(
        {
            "request_id": rid,
            "status": "QUEUED",
            "model_id": "bria-rmbg-2-0-682",
            "generation": 2,
            "status_url": f"{cli_gw.url}/v2/requests/status/{rid}",
            "price_usd": "0.018",
        }
    )
    assert job["params"] == {"image_url": CAT}
    assert journal(cli_gw) == [("POST", RMBG_SUBMIT, 202)], "no --wait: no polling"
    assert sim.sleeps == []


def test_fibo_sends_every_option_with_its_type_and_prints_its_submission(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--aspect-ratio", "16:9", "--seed", "7", "--steps", "20", "--guidance", "6.5"]
    ran = pixazo(capsys, "fibo", "a lighthouse", *options)
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == printed(
        {
            "request_id": rid,
            "status": "QUEUED",
            "model_id": "bria-fibo-bbq-preview",
            "generation": 2,
            "status_url": f"{cli_gw.url}/v2/requests/status/{rid}",
            "price_usd": "0.04",
        }
    )
    assert job["params"] == {
        "prompt": "a lighthouse",
        "aspect_ratio": "16:9",
        "seed": 7,
        "steps_num": 20,
        "guidance_scale": 6.5,
    }
    assert journal(cli_gw) == [("POST", FIBO_SUBMIT, 202)]


def test_fibo_without_options_sends_only_the_prompt(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pixazo(capsys, "fibo", "a lighthouse").code == 0
    [job] = cli_gw.jobs
    # The gateway's defaults (and a seed of its choosing), not values the CLI made up.
    params = dict(job["params"])
    assert isinstance(params.pop("seed"), int)
    assert params == {
        "prompt": "a lighthouse",
        "aspect_ratio": "1:1",
        "steps_num": 30,
        "guidance_scale": 7.5,
    }
    assert job["webhook_url"] is None and job["webhook_mode"] is None


@pytest.mark.parametrize("command", [["rmbg", CAT], ["fibo", "a lighthouse"]], ids=lambda c: c[0])
def test_the_webhook_options_reach_the_gateway(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    hook = "https://127.0.0.1:9/hook"  # never called: on the manual clock the job never ends
    ran = pixazo(capsys, *command, "--webhook-url", hook, "--webhook-mode", "terminal")
    assert (ran.code, ran.err) == (0, "")
    [job] = cli_gw.jobs
    assert (job["webhook_url"], job["webhook_mode"]) == (hook, "terminal")


def test_base_url_on_the_command_line_overrides_the_environment(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIXAZO_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    ran = pixazo(capsys, "--base-url", cli_gw.url, "rmbg", CAT)
    assert (ran.code, ran.err) == (0, "")
    assert ran.json["status_url"].startswith(f"{cli_gw.url}/v2/requests/status/")
    assert journal(cli_gw) == [("POST", RMBG_SUBMIT, 202)]


# -- wait, status, --out ----------------------------------------------------------------------


def test_rmbg_wait_out_saves_the_picture_and_prints_the_final_status_with_the_file(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "cut.png"
    ran = pixazo(capsys, "rmbg", CAT, "--wait", "--out", str(out))
    [job] = cli_gw.jobs
    rid = job["request_id"]
    status_path = f"/v2/requests/status/{rid}"
    assert journal(cli_gw) == [
        ("POST", RMBG_SUBMIT, 202),
        ("GET", status_path, 200),
        ("GET", status_path, 200),
    ]
    assert sim.sleeps == [100.0], "PIXAZO_POLL_INTERVAL is the gap between the two polls"
    assert (ran.code, ran.err) == (0, ""), "no progress line: stderr is not a terminal"
    expected = completed(cli_gw, rid, "bria-rmbg-2-0-682") | {"file": str(out)}
    assert ran.out == printed(expected)
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_out_alone_implies_waiting(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "f.png"
    ran = pixazo(capsys, "fibo", "a lighthouse", "--out", str(out))
    [job] = cli_gw.jobs
    assert (ran.code, ran.err) == (0, "")
    expected = completed(cli_gw, job["request_id"], "bria-fibo-bbq-preview")
    assert ran.out == printed(expected | {"file": str(out)})
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_wait_alone_prints_the_final_status_and_saves_nothing(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ran = pixazo(capsys, "fibo", "a lighthouse", "--wait")
    [job] = cli_gw.jobs
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == printed(completed(cli_gw, job["request_id"], "bria-fibo-bbq-preview"))
    assert "/_mock/cdn/" not in str(journal(cli_gw)), "nothing downloaded"


def test_status_prints_the_job_as_it_is_now(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = pixazo(capsys, "rmbg", CAT).json["request_id"]
    ran = pixazo(capsys, "status", rid)
    assert journal(cli_gw)[1:] == [("GET", f"/v2/requests/status/{rid}", 200)]
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == printed(
        {
            "request_id": rid,
            "status": "QUEUED",
            "model_id": "bria-rmbg-2-0-682",
            "generation": 2,
            "media_urls": [],
            "media_type": None,
            "error": None,
            "estimated_seconds": None,
            "raw": gateway_status(cli_gw, rid),
        }
    )


def test_wait_on_an_earlier_request_saves_its_picture(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rid = pixazo(capsys, "rmbg", CAT).json["request_id"]
    out = tmp_path / "o.png"
    ran = pixazo(capsys, "wait", rid, "--out", str(out))
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == printed(completed(cli_gw, rid, "bria-rmbg-2-0-682") | {"file": str(out)})
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert sim.sleeps == [100.0]


def test_status_and_wait_with_model_ask_only_that_generation_1_endpoint(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_gw.put_key(LONG_KEY, api_generation=1)
    rid = pixazo(capsys, "fibo", "a lighthouse").json["request_id"]
    first = len(cli_gw.requests)
    status = pixazo(capsys, "status", rid, "--model", "fibo")
    assert (status.code, status.err) == (0, "")
    assert (status.json["request_id"], status.json["status"]) == (rid, "QUEUED")
    assert (status.json["generation"], status.json["model_id"]) == (1, "bria-fibo-bbq-preview")
    waited = pixazo(capsys, "wait", rid, "--model", "fibo")
    assert (waited.code, waited.err) == (0, "")
    assert (waited.json["status"], waited.json["generation"]) == ("COMPLETED", 1)
    # Without --model a fresh CLI would ask RMBG's endpoint first (a 404) for this id.
    assert [(e["path"], e["status"]) for e in cli_gw.requests[first:]] == [(FIBO_RESULT, 200)] * 3


def test_a_generation_1_submission_prints_its_response_url(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_gw.put_key(LONG_KEY, api_generation=1)
    ran = pixazo(capsys, "rmbg", CAT)
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.err) == (0, "")
    assert "_" not in rid, "a generation-1 id is a bare UUID"
    assert ran.out == printed(
        {
            "request_id": rid,
            "status": "QUEUED",  # generation 1's IN_QUEUE, in generation 2's words
            "model_id": "bria-rmbg-2-0-682",
            "generation": 1,
            "status_url": f"{cli_gw.url}/fal-ai/bria/requests/{rid}",  # the mock's fal queue
            "price_usd": "0.018",
        }
    )


# -- the progress line while waiting ------------------------------------------------------------


@pytest.fixture
def terminal(sim: SimTime, monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """A stderr that is a terminal (the test puts it in place: capsys puts its own back at the
    start of the test's call); the progress line's clock is the simulated one, and its ticker
    draws once then stays parked until cancelled, so what is drawn depends on no timing."""
    stream = Terminal()
    monkeypatch.setattr(cli, "time", SimpleNamespace(monotonic=sim.clock))
    real_sleep = asyncio.sleep

    async def parked(seconds: float) -> None:
        assert seconds == 1.0
        await real_sleep(10)
        raise AssertionError("the ticker outlived the wait: it should have been cancelled")

    fake = SimpleNamespace(
        run=asyncio.run,
        create_task=asyncio.create_task,
        sleep=parked,
        CancelledError=asyncio.CancelledError,
    )
    monkeypatch.setattr(cli, "asyncio", fake)
    return stream


def test_a_live_progress_line_is_drawn_on_a_terminal_while_waiting(
    cli_gw: RunningGateway,
    terminal: Terminal,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr", terminal)
    code = main(["rmbg", CAT, "--wait"])
    out, _ = capsys.readouterr()
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert code == 0
    assert out == printed(completed(cli_gw, rid, "bria-rmbg-2-0-682")), "stdout stays pure JSON"
    assert terminal.getvalue() == (
        f"{CLEAR}pixazo: waiting for the first status · 0s elapsed"  # the ticker's first beat
        f"{CLEAR}pixazo: {rid} QUEUED · 0s elapsed · {NO_ESTIMATE}"  # the first poll
        f"{CLEAR}pixazo: {rid} COMPLETED · 100s elapsed · {NO_ESTIMATE}"  # after one gap
        "\n"  # the line is ended, so the shell's prompt starts on its own
    )


def test_waiting_on_a_terminal_shows_the_gateway_estimate_and_asks_only_the_model_given(
    cli_gw: RunningGateway,
    terminal: Terminal,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr", terminal)
    cli_gw.put_key(LONG_KEY, api_generation=1)
    assert main(["fibo", "a lighthouse"]) == 0
    rid = json.loads(capsys.readouterr().out)["request_id"]
    cli_gw.advance(6)  # FIBO queues 2-5 s then processes 8-15 s: processing now
    assert main(["status", rid, "--model", "fibo"]) == 0
    estimate = json.loads(capsys.readouterr().out)["estimated_seconds"]
    assert isinstance(estimate, int) and estimate > 0
    first = len(cli_gw.requests)
    assert main(["wait", rid, "--model", "fibo"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "COMPLETED"
    assert terminal.getvalue() == (
        f"{CLEAR}pixazo: waiting for the first status · 0s elapsed"
        f"{CLEAR}pixazo: {rid} PROCESSING · 0s elapsed · ~{estimate}s left (gateway estimate)"
        f"{CLEAR}pixazo: {rid} COMPLETED · 100s elapsed · {NO_ESTIMATE}"
        "\n"
    )
    assert [(e["path"], e["status"]) for e in cli_gw.requests[first:]] == [(FIBO_RESULT, 200)] * 2


def test_on_a_terminal_an_error_line_starts_below_the_progress_line(
    cli_gw: RunningGateway,
    terminal: Terminal,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["fibo", "a lighthouse", "--wait", "--timeout", "1.5"]) == 9
    assert capsys.readouterr().out == ""
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert terminal.getvalue() == (
        f"{CLEAR}pixazo: waiting for the first status · 0s elapsed"
        f"{CLEAR}pixazo: {rid} QUEUED · 0s elapsed · {NO_ESTIMATE}"
        f"{CLEAR}pixazo: {rid} QUEUED · 2s elapsed · {NO_ESTIMATE}"  # 1.5 s: --timeout's gap
        "\n"
        f"pixazo: request {rid} still QUEUED after 1.5 s "
        f"(request {rid} was accepted: `pixazo wait {rid}`)\n"
    )


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = Terminal(tty=False)
    monkeypatch.setattr("sys.stderr", stream)
    assert main(["rmbg", CAT, "--wait"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "COMPLETED"
    assert stream.getvalue() == ""


# -- failures: one line on stderr, an exit code from the table ---------------------------------


def test_waiting_too_long_exits_9_naming_the_state_and_how_to_resume(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = pixazo(capsys, "fibo", "a lighthouse", "--wait", "--timeout", "0.2")
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.out) == (9, "")
    assert ran.err == (
        f"pixazo: request {rid} still QUEUED after 0.2 s "
        f"(request {rid} was accepted: `pixazo wait {rid}`)\n"
    )
    assert sim.sleeps == [0.2], "the last gap is cut to the time left"


def test_waiting_gives_up_after_600_seconds_by_default(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    async def clock_only(seconds: float) -> None:  # the job never moves on
        sim.sleeps.append(seconds)
        sim.now += seconds

    monkeypatch.setattr(sim, "sleep", clock_only)
    rid = pixazo(capsys, "rmbg", CAT).json["request_id"]
    ran = pixazo(capsys, "wait", rid)
    assert (ran.code, ran.out) == (9, "")
    assert ran.err == f"pixazo: request {rid} still QUEUED after 600 s\n", "no submit: no hint"
    assert sim.sleeps == [100.0] * 6 and sim.now == 600.0


def test_a_generation_1_resume_hint_names_the_model(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_gw.put_key(LONG_KEY, api_generation=1)
    ran = pixazo(capsys, "rmbg", CAT, "--wait", "--timeout", "0.5")
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.out) == (9, "")
    assert ran.err == (
        f"pixazo: request {rid} still QUEUED after 0.5 s "
        f"(request {rid} was accepted: `pixazo wait {rid} --model rmbg`)\n"
    )


@pytest.mark.parametrize(
    ("outcome", "error"),
    [("FAILED", "Content refused"), ("ERROR", "Internal processing error; not charged")],
)
def test_a_failed_job_exits_8_with_its_final_status_on_stdout(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], outcome: str, error: str
) -> None:
    cli_gw.scenario(outcome=outcome, error=error)
    ran = pixazo(capsys, "fibo", "a volcano", "--wait")
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert ran.code == 8
    raw = gateway_status(cli_gw, rid)
    assert ran.out == printed(
        {
            "request_id": rid,
            "status": outcome,
            "model_id": "bria-fibo-bbq-preview",
            "generation": 2,
            "media_urls": [],
            "media_type": None,
            "error": error,
            "estimated_seconds": None,
            "raw": raw,
        }
    )
    # The status is printed, so the job needs no picking up again: no resume hint.
    assert ran.err == f"pixazo: request {rid} ended {outcome}: {error}\n"


@pytest.mark.parametrize(
    ("setup", "args", "code", "line"),
    [
        (
            "unknown-key",
            ["rmbg", CAT],
            3,
            "HTTP 401: Invalid or missing authentication (check PIXAZO_API_KEY)",
        ),
        ("rmbg-only", ["fibo", "x"], 3, "HTTP 403: Access denied for this operation"),
        (
            "unknown-id",
            ["status", GEN2_UNKNOWN],
            4,
            f"HTTP 404: Request not found: No request with id '{GEN2_UNKNOWN}'",
        ),
        (
            "poor",
            ["rmbg", CAT],
            5,
            "HTTP 402: Insufficient Balance: Your wallet does not have enough balance.",
        ),
        (
            "tight",
            ["rmbg", CAT],
            6,
            "HTTP 429: Rate limit exceeded, please retry later (retry after 1000 s)",
        ),
        (
            "http-400",
            ["rmbg", CAT],
            2,
            "HTTP 400: Invalid request parameters: Forced by a mock scenario",
        ),
        ("http-413", ["rmbg", CAT], 2, "HTTP 413: HTTP 413: Forced by a mock scenario"),
        (
            "http-500",
            ["rmbg", CAT],
            7,
            "HTTP 500: An unexpected error occurred, please try again "
            "later: Forced by a mock scenario",
        ),
        ("http-502", ["fibo", "x"], 7, "HTTP 502: Bad gateway: Forced by a mock scenario"),
    ],
    ids=["401", "403", "404", "402", "429", "400", "413", "500", "502"],
)
def test_each_gateway_error_is_one_line_with_its_exit_code(
    cli_gw: RunningGateway,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    args: list[str],
    code: int,
    line: str,
) -> None:
    if setup == "unknown-key":
        monkeypatch.setenv("PIXAZO_API_KEY", LONG_KEY + "-unknown")
    elif setup == "rmbg-only":
        cli_gw.put_key(LONG_KEY, models=["bria-rmbg-2-0-682"])
    elif setup == "poor":
        cli_gw.put_key(LONG_KEY, balance_usd=0)
    elif setup == "tight":
        cli_gw.put_key(LONG_KEY, rate_limit={"requests": 1, "per_seconds": 1000})
        assert pixazo(capsys, "rmbg", CAT).code == 0
    elif setup.startswith("http-"):
        cli_gw.scenario(http=int(setup[5:]), times=1)
    ran = pixazo(capsys, *args)
    assert (ran.code, ran.out) == (code, "")
    assert ran.err == f"pixazo: {line}\n"
    assert cli_gw.jobs[1 if setup == "tight" else 0 :] == [], "refused: no job"


def test_a_lost_submit_answer_exits_10_and_says_the_job_may_exist(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_gw.scenario(fault="fault-reset", match={"on": "submit"}, times=1)
    ran = pixazo(capsys, "rmbg", CAT)
    assert (ran.code, ran.out) == (10, "")
    assert ran.err.count("\n") == 1 and ran.err.endswith(".\n")
    assert ran.err.startswith(
        f"pixazo: POST {cli_gw.url}{RMBG_SUBMIT}: the connection was reset, after the submit "
        "was sent: the job may exist and may have been charged; the client cannot know, and "
        "did not submit again. Before submitting again, look for it: on the mock, "
        f"GET {cli_gw.url}/_mock/requests lists this request"
    )
    assert "(request " not in ran.err, "no request id came back: nothing to resume"
    assert len(cli_gw.requests) == 1, "never submitted twice"


def test_no_gateway_exits_1_and_says_nothing_was_charged(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as bound:  # bound, not listening: a connection is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        monkeypatch.setenv("PIXAZO_BASE_URL", f"http://127.0.0.1:{port}")
        ran = pixazo(capsys, "rmbg", CAT)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err.startswith(f"pixazo: POST http://127.0.0.1:{port}{RMBG_SUBMIT}: ")
    assert ran.err.endswith(": nothing was sent, so nothing was charged (safe to submit again)\n")
    assert ran.err.count("\n") == 1
    assert cli_gw.requests == []


def test_a_read_that_keeps_failing_exits_1_naming_the_fault_and_the_attempts(
    cli_gw: RunningGateway, sim: SimTime, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = pixazo(capsys, "rmbg", CAT).json["request_id"]
    cli_gw.scenario(fault="fault-reset", match={"on": "status"}, times=3)
    ran = pixazo(capsys, "status", rid)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err == (
        f"pixazo: GET {cli_gw.url}/v2/requests/status/{rid}: the connection was reset "
        "(3 attempts)\n"
    )
    assert sim.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("PIXAZO_API_KEY", None, "no API key: pass api_key=... or set PIXAZO_API_KEY"),
        ("PIXAZO_API_KEY", "   ", "no API key: pass api_key=... or set PIXAZO_API_KEY"),
        (
            "PIXAZO_POLL_INTERVAL",
            "soon",
            "PIXAZO_POLL_INTERVAL must be a positive number of seconds",
        ),
        (
            "PIXAZO_BASE_URL",
            "ftp://127.0.0.1",
            "base URL must be http(s)://host[:port][/path], not 'ftp://127.0.0.1'",
        ),
    ],
)
def test_a_configuration_problem_exits_2_before_any_request(
    cli_gw: RunningGateway,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str | None,
    line: str,
) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    ran = pixazo(capsys, "rmbg", CAT)
    assert (ran.code, ran.out, ran.err) == (2, "", f"pixazo: {line}\n")
    assert cli_gw.requests == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["fibo", "x", "--guidance", "11"],
            "guidance_scale: 11.0 is greater than the maximum of 10",
        ),
        (
            ["rmbg", CAT, "--webhook-url", "http://127.0.0.1:9/hook"],
            "webhook_url: must be an absolute https:// URL (the gateway refuses plain http)",
        ),
        (
            ["rmbg", CAT, "--webhook-url", "https://127.0.0.1:9/h", "--webhook-mode", "bogus"],
            "webhook_mode: must be 'terminal' or 'sync', not 'bogus'",
        ),
        (
            ["status", "abc"],
            "'abc' is not a request id: expected <model id>_<uuid> (generation 2) or a bare "
            "<uuid> (generation 1), a <uuid> looking like 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        ),
        (
            ["wait", UUID_EXAMPLE, "--model", "foo"],
            "unknown model 'foo'; known: rmbg (bria-rmbg-2-0-682), fibo (bria-fibo-bbq-preview) "
            "(on the command line: --model rmbg or --model fibo)",
        ),
    ],
)
def test_parameters_refused_locally_exit_2_before_any_request(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    ran = pixazo(capsys, *args)
    assert (ran.code, ran.out, ran.err) == (2, "", f"pixazo: {line}\n")
    assert cli_gw.requests == []


@pytest.mark.parametrize(
    "command", [["fibo", "x"], ["rmbg", CAT, "--wait"], ["wait", GEN2_UNKNOWN]]
)
@pytest.mark.parametrize("case", ["empty", "missing-directory", "a-directory", "parent-is-a-file"])
def test_an_out_that_cannot_be_written_exits_2_and_sends_nothing(
    cli_gw: RunningGateway,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: list[str],
    case: str,
) -> None:
    if case == "empty":
        out, shown, reason = "", "''", "an empty path"
    elif case == "missing-directory":
        out = shown = str(tmp_path / "no-such-dir" / "x.png")
        reason = f"the directory {tmp_path / 'no-such-dir'} does not exist"
    elif case == "a-directory":
        out, shown, reason = str(tmp_path), str(tmp_path), "it is a directory"
    else:
        (tmp_path / "notes.txt").write_text("not a directory")
        out = shown = str(tmp_path / "notes.txt" / "x.png")
        reason = f"{tmp_path / 'notes.txt'} is not a directory"
    ran = pixazo(capsys, *command, "--out", out)
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == f"pixazo: cannot write --out {shown}: {reason} (nothing was sent)\n"
    assert cli_gw.requests == [] and cli_gw.jobs == []


def test_an_out_that_cannot_be_written_is_refused_even_without_a_key(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The path is checked first of all, before the client is even built.
    monkeypatch.delenv("PIXAZO_API_KEY")
    ran = pixazo(capsys, "fibo", "x", "--out", "/nonexistent/dir/x.png")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "pixazo: cannot write --out /nonexistent/dir/x.png: "
        "the directory /nonexistent/dir does not exist (nothing was sent)\n"
    )


def test_a_save_that_fails_after_the_check_exits_1_and_says_how_to_resume(
    cli_gw: RunningGateway,
    sim: SimTime,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The directory is there when checked, gone when the picture arrives: a local I/O error.
    out = tmp_path / "gone" / "o.png"
    out.parent.mkdir()
    advance = sim.sleep

    async def and_remove_the_directory(seconds: float) -> None:
        await advance(seconds)
        out.parent.rmdir()

    monkeypatch.setattr(sim, "sleep", and_remove_the_directory)
    ran = pixazo(capsys, "rmbg", CAT, "--out", str(out))
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.out) == (1, "")
    # The picture goes to a part file beside --out first (a name with the process id).
    assert ran.err.startswith(f"pixazo: [Errno 2] No such file or directory: '{out.parent}/.o.png.")
    assert ran.err.endswith(f".part' (request {rid} was accepted: `pixazo wait {rid}`)\n")
    assert ran.err.count("\n") == 1


def test_ctrl_c_while_waiting_exits_130_and_says_how_to_resume(
    cli_gw: RunningGateway,
    sim: SimTime,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "sleep", interrupted)
    ran = pixazo(capsys, "rmbg", CAT, "--wait")
    [job] = cli_gw.jobs
    rid = job["request_id"]
    assert (ran.code, ran.out) == (130, "")
    assert ran.err == f"pixazo: interrupted (request {rid} was accepted: `pixazo wait {rid}`)\n"


@pytest.mark.filterwarnings("always::UserWarning")  # the suite makes warnings errors
def test_a_warning_from_the_client_is_one_line_on_stderr(
    cli_gw: RunningGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_gw.put_key(LONG_KEY, api_generation=1)
    ran = pixazo(capsys, "rmbg", CAT, "--webhook-url", "https://127.0.0.1:9/hook")
    assert (ran.code, ran.json["generation"]) == (0, 1)
    assert ran.err == (
        "pixazo: warning: this key gets generation-1 answers, which send no webhooks: "
        "poll instead\n"
    )


# -- stdout or stderr closed early: a quiet 141 -------------------------------------------------


def test_a_closed_stdout_exits_141_and_only_stdout_is_silenced(
    cli_gw: RunningGateway,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    own_fds: tuple[int, int],
) -> None:
    rid = pixazo(capsys, "rmbg", CAT).json["request_id"]
    out_fd, err_fd = own_fds
    stderr = Healthy(err_fd)
    monkeypatch.setattr("sys.stdout", ClosedPipe(out_fd))
    monkeypatch.setattr("sys.stderr", stderr)
    assert main(["status", rid]) == 141
    assert stderr.getvalue() == "", "no traceback, no message"
    assert is_devnull(out_fd), "the interpreter's last flush of stdout must go nowhere"
    assert not is_devnull(err_fd), "a stream still open is left alone"


def test_a_closed_stderr_while_reporting_an_error_exits_141(
    cli_gw: RunningGateway,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    own_fds: tuple[int, int],
) -> None:
    # `pixazo status ID 2>&1 | head -c 1`: even the error line cannot be written.
    out_fd, err_fd = own_fds
    stdout = Healthy(out_fd)
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", ClosedPipe(err_fd))
    assert main(["status", GEN2_UNKNOWN]) == 141
    assert stdout.getvalue() == ""
    assert is_devnull(err_fd) and not is_devnull(out_fd)


@pytest.mark.parametrize(
    "fd",
    [
        io.UnsupportedOperation("fileno"),  # no descriptor at all, as a StringIO
        ValueError("I/O operation on closed file"),  # a file already closed
        -1,  # a descriptor dup2 refuses (OSError EBADF)
    ],
    ids=["no-descriptor", "closed-file", "bad-descriptor"],
)
def test_a_closed_stream_whose_descriptor_cannot_be_replaced_is_tolerated(
    monkeypatch: pytest.MonkeyPatch, own_fds: tuple[int, int], fd: int | Exception
) -> None:
    _, err_fd = own_fds
    monkeypatch.setattr("sys.stdout", ClosedPipe(fd))
    monkeypatch.setattr("sys.stderr", Healthy(err_fd))
    gc.collect()  # a file an earlier test left to the collector is not closed in the middle
    before = set(os.listdir("/proc/self/fd"))
    assert main(["--help"]) == 141
    # none left open (one closed meanwhile by another thread or the collector is no concern)
    assert set(os.listdir("/proc/self/fd")) <= before, "/dev/null is opened and closed again"
    assert not is_devnull(err_fd)


def test_silencing_both_streams_when_both_are_closed(
    monkeypatch: pytest.MonkeyPatch, own_fds: tuple[int, int]
) -> None:
    out_fd, err_fd = own_fds
    monkeypatch.setattr("sys.stdout", ClosedPipe(out_fd))
    monkeypatch.setattr("sys.stderr", ClosedPipe(err_fd))
    cli._silence_closed_output()
    assert is_devnull(out_fd) and is_devnull(err_fd)
