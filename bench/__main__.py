"""`python -m bench`: run every benchmark once and print the report (see bench/__init__.py).

Exit status: 0 when the run completed (a missed target is reported, not an error),
1 when the harness itself failed, 130 on Ctrl-C. Every subprocess is stopped on the way out.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType

import aiohttp

from mock_gateway import launch
from mock_gateway.launch import ALLOCATOR

from . import inspector, memory, plugin, shared, slow_clients, startup, throughput, webhooks
from .load import LoadGenerator, PythonClient, Wrk, find_wrk
from .procs import HarnessError, Reaper, apt_install, cpu_split
from .report import Targets, note, say, section


def options() -> argparse.Namespace:
    """Command-line options; the defaults are the standard run (about 3 minutes)."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    # wrk takes whole seconds only.
    p.add_argument(
        "--seconds", type=int, default=6, help="measured seconds per server and workload (6)"
    )
    p.add_argument("--rounds", type=int, default=2, help="alternations mock/ceiling (2)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up seconds per server (1)")
    p.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    p.add_argument("--pool", type=int, default=1000, help="request ids polled by 'status' (1000)")
    p.add_argument("--jobs", type=int, default=1_000_000, help="jobs in the memory test (1e6)")
    p.add_argument("--startup-runs", type=int, default=3, help="cold starts to time (3)")
    p.add_argument("--callbacks", type=int, default=1000, help="jobs with webhooks (1000)")
    p.add_argument("--slow", type=int, default=1000, help="slow connections (1000)")
    p.add_argument(
        "--inspector-jobs", type=int, default=100_000, help="jobs behind the inspector (1e5)"
    )
    p.add_argument(
        "--baseline",
        metavar="REF",
        help="also load the mock of git REF (e.g. HEAD~1) in turn with today's: a change's "
        "cost on the hot path, side by side in one run",
    )
    p.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk, installed if missing and root; else the Python fallback",
    )
    return p.parse_args()


def load_generator(choice: str) -> LoadGenerator:
    """wrk when possible; the Python client (with a loud warning) otherwise."""
    if choice != "python":
        path = find_wrk(say)
        if path:
            return Wrk(path, throughput.KEY)
        if choice == "wrk":
            raise HarnessError("wrk was asked for but is not available")
    say("WARNING: wrk is not available; using the Python fallback load generator. It is slower")
    say("WARNING: than the servers it loads, so req/s and ratios below are CLIENT-BOUND.")
    return PythonClient(throughput.KEY)


def machine_facts(generator: LoadGenerator) -> None:
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    say(f"date            {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    say(f"nproc           {usable} usable ({cpus} online), load average {load}")
    say(
        f"python          {platform.python_version()} ({platform.python_implementation()}, "
        f"{sys.executable})"
    )
    say(f"aiohttp         {aiohttp.__version__}")
    say(f"servers         the mock as `mock-gateway serve` runs: {mock_runtime()};")
    say("                the ceiling on the default asyncio loop (issue 14's peer)")
    say(f"load generator  {generator.describe()}")
    say(f"kernel          {platform.system()} {platform.release()} {platform.machine()}")
    say(f"python speed    {python_speed():.0f} ms for {SPEED_STEPS:,} steps of a loop (best of 5)")


SPEED_STEPS = 1_000_000


def python_speed() -> float:
    """Milliseconds this host takes now for a fixed loop of plain Python: one description
    of the host beside the others, for comparing runs made on different hosts or hours.
    It does not capture everything: the loopback's system calls can be slow on a host
    whose Python is fast (README, Performance)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for step in range(SPEED_STEPS):
            total += step
        best = min(best, time.perf_counter() - started)
    return best * 1000


def mock_runtime() -> str:
    """The loop and allocator `mock-gateway serve` picks here (cli.loop_factory, launch.py)."""
    try:
        loop = f"uvloop {importlib.metadata.version('uvloop')}"
    except importlib.metadata.PackageNotFoundError:
        loop = "asyncio (uvloop not installed)"
    chosen = os.environ.get("PYTHONMALLOC")
    if chosen:
        return f"{loop}, PYTHONMALLOC={chosen} (yours)"
    preload = launch.serve_allocator(os.environ).get("LD_PRELOAD")
    return f"{loop}, PYTHONMALLOC={ALLOCATOR}" + (f", LD_PRELOAD={preload}" if preload else "")


def run_section(title: str, body: Callable[[], None], failures: list[str]) -> None:
    """Run one section; a harness error is reported and remembered, the run goes on."""
    section(title)
    started = time.perf_counter()
    try:
        body()
    except (HarnessError, RuntimeError, OSError, ValueError, subprocess.SubprocessError) as e:
        failures.append(title)
        say(f"  HARNESS ERROR in this section: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    note(f"{title}: {time.perf_counter() - started:.0f} s")


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C, so the finally below still stops every child.
    raise KeyboardInterrupt


def main() -> int:
    args = options()
    signal.signal(signal.SIGTERM, _terminate)
    reaper = Reaper()
    targets = Targets()
    failures: list[str] = []
    generator: LoadGenerator | None = None
    started = time.perf_counter()
    try:
        section("Mock gateway benchmark")
        generator = load_generator(args.loadgen)
        if launch.find_jemalloc() is None:  # what `serve` runs on where it is installed
            apt_install("libjemalloc2", "jemalloc is not installed", say)
        machine_facts(generator)
        load = throughput.Options(
            args.seconds,
            args.warmup,
            max(1, args.rounds),
            args.connections,
            args.pool,
            args.baseline,
            cpu_split(),
        )
        gen = generator  # a name the lambda can close over with its narrowed type
        run_section(
            "1. Throughput: mock vs bare-aiohttp ceiling",
            lambda: throughput.run(reaper, gen, load, targets),
            failures,
        )
        run_section(
            "1b. The shared store: the flow in memory, on Redis, on Redis with 2 workers",
            lambda: shared.run(reaper, gen, load, targets),
            failures,
        )
        run_section(
            f"2. Memory: {args.jobs:,} jobs in one gateway",
            lambda: memory.run(reaper, args.jobs, targets),
            failures,
        )
        run_section(
            "3. Startup: spawn to first 200 on /_mock/health",
            lambda: startup.run(reaper, args.startup_runs, targets),
            failures,
        )
        run_section(
            f"4. Webhooks: {args.callbacks:,} terminal callbacks in flight, over HTTPS",
            lambda: webhooks.run(reaper, args.callbacks, targets),
            failures,
        )
        run_section(
            "5. pytest plugin: session start and reset between tests",
            lambda: plugin.run(targets),
            failures,
        )
        run_section(
            f"6. Slow clients: {args.slow:,} idle or slowloris connections",
            lambda: slow_clients.run(reaper, gen, args.slow, targets),
            failures,
        )
        run_section(
            f"7. Inspector: the page with {args.inspector_jobs:,} jobs in the store",
            lambda: inspector.run(targets, args.inspector_jobs),
            failures,
        )
        targets.summary()
        say(
            f"  run took {time.perf_counter() - started:.0f} s"
            + (f"; HARNESS FAILED in: {', '.join(failures)}" if failures else "")
        )
        return 1 if failures else 0
    except KeyboardInterrupt:
        print("\ninterrupted; stopping every subprocess", file=sys.stderr)
        return 130
    except HarnessError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    finally:
        reaper.stop_all()
        if generator is not None:
            generator.close()


if __name__ == "__main__":
    sys.exit(main())
