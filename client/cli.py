"""`pixazo`: submit, follow and fetch Pixazo jobs from the shell.

Results are JSON on stdout; errors one line on stderr with an exit code from `EXIT_CODES`;
while waiting, a live progress line on stderr when it is a terminal. The key comes from
`$PIXAZO_API_KEY` only (an argument would show in `ps` and shell history) and is never printed.

Arguments are checked before anything is sent or paid: an `--out` that cannot be written
(its directory missing or not writable, or the path a directory) exits 2 with nothing sent.

When the reader of stdout (or stderr) goes away early, as in `pixazo status ID | head -c 1`,
`pixazo` exits quietly with 141 (128 + SIGPIPE, what a shell reports for a command killed by
SIGPIPE, e.g. `yes | head`): no traceback, no message, and `set -o pipefail` still sees that
the output was cut short.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .async_client import AsyncPixazoClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    GatewayError,
    InsufficientBalanceError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    PixazoError,
    RateLimitError,
    SubmitOutcomeUnknownError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)
from .models import JobStatus, Submission

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["EXIT_CODES", "exit_code", "main", "out_problem", "progress_line"]

# code, meaning: printed in `pixazo --help`; exit_code() follows it.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (1, "network or local I/O error (no answer from the gateway, saving --out failed)"),
    (
        2,
        "bad usage or invalid parameters (checked locally, HTTP 400, model not found, "
        "no PIXAZO_API_KEY, an --out that cannot be written)",
    ),
    (3, "authentication or permission refused (HTTP 401, 403)"),
    (4, "not found (HTTP 404: unknown request id or endpoint)"),
    (5, "insufficient balance (HTTP 402)"),
    (6, "rate limited (HTTP 429, still after the retries of a read)"),
    (7, "server error (HTTP 5xx) or another unexpected answer"),
    (8, "the job ended FAILED or ERROR (its status is still printed on stdout)"),
    (9, "timed out waiting (--timeout)"),
    (
        10,
        "a submit was sent but its answer was lost (connection reset, closed, cut short, "
        "not HTTP, timed out): the job may exist and be charged; look before resubmitting",
    ),
    (130, "interrupted (Ctrl-C)"),
    (141, "stdout or stderr closed early (e.g. `| head`): quietly, as if killed by SIGPIPE"),
)
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE

EXIT_SUBMIT_UNKNOWN = 10

_BY_CLASS: tuple[tuple[type[BaseException], int], ...] = (
    (SubmitOutcomeUnknownError, EXIT_SUBMIT_UNKNOWN),  # before TransportError, its base
    (TransportError, 1),
    (WaitTimeoutError, 9),  # before OSError: it is also a TimeoutError
    (OSError, 1),
    (ConfigurationError, 2),
    (ValidationError, 2),
    (BadRequestError, 2),
    (AuthenticationError, 3),
    (PermissionDeniedError, 3),
    (NotFoundError, 4),
    (InsufficientBalanceError, 5),
    (RateLimitError, 6),
    (JobFailedError, 8),
    (GatewayError, 7),
)


def exit_code(error: BaseException) -> int:
    """The exit code for an error, from the table in `EXIT_CODES`."""
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            if cls is GatewayError and 400 <= getattr(error, "status_code", 0) < 500:
                return 2  # an undocumented 4xx (e.g. 413): the request was at fault
            return code
    return 1


def progress_line(status: JobStatus | None, elapsed: float) -> str:
    """The live line: request, state, time waited, and the gateway's estimate if it gave one."""
    if status is None:
        return f"pixazo: waiting for the first status · {elapsed:.0f}s elapsed"
    if status.estimated_seconds is not None:
        estimate = f"~{status.estimated_seconds}s left (gateway estimate)"
    else:
        estimate = "no estimate from the gateway"
    return f"pixazo: {status.request_id} {status.status} · {elapsed:.0f}s elapsed · {estimate}"


class Progress:
    """Redraws the progress line on each poll and once a second between polls."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self._last: JobStatus | None = None

    def update(self, status: JobStatus) -> None:
        self._last = status
        self.draw()

    def draw(self) -> None:
        line = progress_line(self._last, time.monotonic() - self._started)
        self._stream.write(f"\r\x1b[K{line}")
        self._stream.flush()

    async def tick(self) -> None:
        while True:
            self.draw()
            await asyncio.sleep(1.0)

    def finish(self) -> None:
        self._stream.write("\n")
        self._stream.flush()


@dataclass
class _Run:
    """What one invocation has done so far (to say how to resume after an error)."""

    submitted: Submission | None = None


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that `--help` into a closed pipe is not ignored silently
    (argparse drops write errors) but exits like any other output cut short."""

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        (file or sys.stdout).write(self.format_help())


def build_parser() -> argparse.ArgumentParser:
    table = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES)
    parser = _Parser(
        prog="pixazo",
        description="Bria RMBG 2.0 and FIBO through the Pixazo gateway (or its mock). "
        "JSON results on stdout.",
        epilog="environment:\n"
        "  PIXAZO_API_KEY        the subscription key (required; never printed)\n"
        "  PIXAZO_BASE_URL       the gateway (default https://gateway.pixazo.ai)\n"
        "  PIXAZO_POLL_INTERVAL  fixed seconds between polls (default 5-10 s)\n\n"
        f"exit codes:\n{table}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--base-url", help="override PIXAZO_BASE_URL")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    rmbg = commands.add_parser("rmbg", help="remove an image's background ($0.018)")
    rmbg.add_argument("image_url", metavar="IMAGE_URL")
    _submit_options(rmbg)

    fibo = commands.add_parser("fibo", help="generate an image from a prompt ($0.04)")
    fibo.add_argument("prompt", metavar="PROMPT")
    fibo.add_argument("--aspect-ratio", metavar="R", help="16:9, 4:3, 1:1 (default) or 9:16")
    fibo.add_argument("--seed", type=int, metavar="N")
    fibo.add_argument("--steps", type=int, metavar="N", help="denoising steps (default 30)")
    fibo.add_argument("--guidance", type=float, metavar="G", help="guidance scale, 5-10")
    _submit_options(fibo)

    status = commands.add_parser("status", help="a job's status now")
    status.add_argument("request_id", metavar="REQUEST_ID")
    _model_option(status)

    wait = commands.add_parser("wait", help="wait for a job to end")
    wait.add_argument("request_id", metavar="REQUEST_ID")
    _model_option(wait)
    _wait_options(wait)
    return parser


def _submit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--webhook-url", metavar="U", help="https URL to call back at the end")
    parser.add_argument("--webhook-mode", metavar="M", help="terminal (default) or sync")
    parser.add_argument("--wait", action="store_true", help="wait for the end (--out implies it)")
    _wait_options(parser)


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="give up waiting after S seconds (default 600)",
    )
    parser.add_argument("--out", metavar="FILE", help="save the picture here")


def _model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="M",
        help="rmbg or fibo: for a generation-1 id (a bare UUID), ask only that model's "
        "result endpoint (default: try both)",
    )


def out_problem(path: str) -> str | None:
    """Why `path` cannot be written as --out (None if it can): checked before any request,
    so a bad path costs neither money nor the wait."""
    if not path:
        return "an empty path"
    target = Path(path)
    if target.is_dir():
        return "it is a directory"
    parent = target.parent
    if not parent.exists():
        return f"the directory {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"the directory {parent} is not writable"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run `pixazo`; the exit code (`EXIT_CODES`)."""
    try:
        try:
            return _run_cli(argv)
        finally:  # --help and usage errors leave through SystemExit: flush for them too
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_closed_output()
        return EXIT_BROKEN_PIPE


def _silence_closed_output() -> None:
    """Point whichever of stdout and stderr leads into a closed pipe at /dev/null: what it
    still buffers can never be delivered, and the interpreter's last flush must not report
    it ("Exception ignored ... BrokenPipeError"). A stream still open is left alone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BrokenPipeError:
                with contextlib.suppress(OSError, ValueError):  # no file descriptor
                    os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def _run_cli(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    out = getattr(args, "out", None)
    if out is not None and (problem := out_problem(out)) is not None:
        shown = out or "''"
        _fail(f"cannot write --out {shown}: {problem} (nothing was sent)", None)
        return EXIT_USAGE
    run = _Run()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warn
            return asyncio.run(_main(args, run))
    except KeyboardInterrupt:
        _fail("interrupted", run)
        return 130
    except JobFailedError as e:
        _print_json(e.status.to_dict())
        _fail(str(e), None)
        return exit_code(e)
    except BrokenPipeError:
        raise  # not an error to report: main() exits quietly
    except (PixazoError, OSError) as e:
        _fail(_explain(e), run)
        return exit_code(e)


def _explain(e: BaseException) -> str:
    """The error's message, with what a shell user can do about it."""
    message = str(e) or type(e).__name__
    if isinstance(e, AuthenticationError):
        message += " (check PIXAZO_API_KEY)"
    elif isinstance(e, RateLimitError) and e.retry_after is not None:
        message += f" (retry after {e.retry_after:g} s)"
    elif isinstance(e, ValidationError) and e.field == "model":
        message += " (on the command line: --model rmbg or --model fibo)"
    return message


async def _main(args: argparse.Namespace, run: _Run) -> int:
    async with AsyncPixazoClient(base_url=args.base_url) as pixazo:
        if args.command == "status":
            _print_json((await pixazo.status(args.request_id, model=args.model)).to_dict())
            return 0
        ref: Submission | str
        if args.command == "wait":
            ref = args.request_id
        else:
            ref = run.submitted = await _submit(pixazo, args)
            if not (args.wait or args.out):
                _print_json(run.submitted.to_dict())
                return 0
        done = await _wait(pixazo, ref, args)
        result = done.to_dict()
        if args.out:
            result["file"] = str(await pixazo.download(done, args.out))
        _print_json(result)
        return 0


async def _submit(pixazo: AsyncPixazoClient, args: argparse.Namespace) -> Submission:
    webhook = {"webhook_url": args.webhook_url, "webhook_mode": args.webhook_mode}
    if args.command == "rmbg":
        return await pixazo.remove_background(args.image_url, **webhook)
    return await pixazo.text_to_image(
        args.prompt,
        aspect_ratio=args.aspect_ratio,
        seed=args.seed,
        steps_num=args.steps,
        guidance_scale=args.guidance,
        **webhook,
    )


async def _wait(pixazo: AsyncPixazoClient, ref: Submission | str, args: Any) -> JobStatus:
    if not sys.stderr.isatty():
        return await pixazo.wait(ref, timeout=args.timeout, model=getattr(args, "model", None))
    progress = Progress(sys.stderr)
    ticker = asyncio.create_task(progress.tick())
    try:
        return await pixazo.wait(
            ref, timeout=args.timeout, on_update=progress.update, model=getattr(args, "model", None)
        )
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        progress.finish()


def _warn(message: Warning | str, *args: object, **kwargs: object) -> None:
    print(f"pixazo: warning: {message}", file=sys.stderr)


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2))


def _fail(message: str, run: _Run | None) -> None:
    """One line on stderr; after a submit, how to pick the job up again."""
    line = " ".join(message.split())
    if run is not None and run.submitted is not None:
        sub = run.submitted
        model = f" --model {sub.model.name.lower()}" if sub.generation == 1 else ""
        line += f" (request {sub.request_id} was accepted: `pixazo wait {sub.request_id}{model}`)"
    print(f"pixazo: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
