"""`python -m soak`: the webhook soak, mode by mode, and a verdict (see soak/__init__.py).

Exit status: 0 when every mode has 0 lost and 0 unexpected duplicates, every check of the
run's validity passed and (outage) every failed attempt names its real cause; 1 otherwise
(the failed checks are printed), also when the harness failed or the global deadline
passed; 130 on Ctrl-C. Every subprocess is stopped on the way out.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
import traceback
from types import FrameType

from bench.procs import HarnessError, Reaper
from bench.report import say, section, table

from .run import DESCRIBE, MODES, Deadline, Plan, Result, run_mode


def options(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m soak", description=__doc__.splitlines()[0])
    p.add_argument(
        "--short",
        action="store_true",
        help="the CI form: 600 jobs, a 3 s outage, a 120 s deadline (well under a minute)",
    )
    p.add_argument("--jobs", type=int, help="jobs per mode (10,000; --short: 600)")
    p.add_argument(
        "--outage-seconds", type=float, help="how long the sink is down (10; --short: 3)"
    )
    p.add_argument(
        "--submit-seconds",
        type=float,
        help="the submits are spread over this many seconds (default: twice the outage)",
    )
    p.add_argument(
        "--fail-first",
        type=int,
        help="flaky mode: the sink answers its first N callbacks 500 (jobs / 10, 20..300)",
    )
    p.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"comma-separated, any of {', '.join(MODES)} (default: all three)",
    )
    p.add_argument("--time-scale", type=float, default=0.02, help="the mock's (0.02)")
    p.add_argument("--deadline", type=float, help="seconds for the whole run (1800; --short: 120)")
    args = p.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or set(args.modes) - set(MODES):
        p.error(f"--modes: choose among {', '.join(MODES)}")
    if args.jobs is None:
        args.jobs = 600 if args.short else 10_000
    if args.outage_seconds is None:
        args.outage_seconds = 3.0 if args.short else 10.0
    if args.submit_seconds is None:
        args.submit_seconds = 2 * args.outage_seconds
    if args.fail_first is None:
        args.fail_first = min(300, max(20, args.jobs // 10))
    if args.deadline is None:
        args.deadline = 120.0 if args.short else 1800.0
    if args.jobs < 1 or args.outage_seconds <= 0 or args.submit_seconds <= args.outage_seconds:
        p.error("need --jobs >= 1 and 0 < --outage-seconds < --submit-seconds")
    return args


def report_mode(result: Result) -> None:
    rss = result.rss_mb
    table(
        ["mode", "accepted", "terminal", "callbacks expected", "delivered", "lost",
         "unexpected dups", "given up", "failed attempts", "RSS MB before/after/reset"],
        [[result.mode, f"{result.accepted:,}", f"{result.terminal:,}", f"{result.expected:,}",
          f"{result.delivered:,}", f"{result.lost:,}", f"{result.duplicates:,}",
          f"{result.given_up:,}", f"{result.failed:,}",
          f"{rss[0]:.0f} / {rss[1]:.0f} / {rss[2]:.0f}"]],
    )  # fmt: skip
    kinds = "; ".join(f"{kind} {n:,}" for kind, n in result.errors.most_common()) or "none"
    say(f"  failed attempts by error: {kinds}")
    for kind, text in result.examples.items():
        say(f"    e.g. {kind}: {text[:160]}")
    for c in result.checks:
        say(f"  [{'PASS' if c.ok else 'FAIL'}] {c.name}: {c.detail}")
    say(f"  mode took {result.seconds:.1f} s")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: the finally stops every child


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    signal.signal(signal.SIGTERM, _terminate)
    plan = Plan(
        jobs=args.jobs,
        outage=args.outage_seconds,
        window=args.submit_seconds,
        fail_first=args.fail_first,
        time_scale=args.time_scale,
        reset_pause=0.5 if args.short else 1.0,
    )
    deadline = Deadline(args.deadline)
    reaper = Reaper()
    results: list[Result] = []
    broken: list[str] = []
    started = time.monotonic()
    try:
        section(
            f"Webhook soak: {plan.jobs:,} jobs per mode over {plan.window:g} s, time scale "
            f"{plan.time_scale:g}, modes {', '.join(args.modes)}"
        )
        for mode in args.modes:
            text = DESCRIBE[mode].format(fail_first=plan.fail_first, outage=plan.outage)
            section(f"{mode}: {text}")
            try:
                result = run_mode(mode, plan, reaper, deadline)
            except (HarnessError, OSError, ValueError, subprocess.SubprocessError) as e:
                broken.append(mode)
                say(f"  HARNESS ERROR in {mode}: {type(e).__name__}: {e}")
                traceback.print_exc(file=sys.stderr)
                if deadline.left() <= 0:
                    break
                continue
            results.append(result)
            report_mode(result)
        section("Soak summary")
        for r in results:
            verdict = "PASS" if r.passed else "FAIL"
            say(
                f"  [{verdict}] {r.mode}: {r.lost:,} lost, {r.duplicates:,} unexpected "
                f"duplicates, {r.given_up:,} given up, {r.delivered:,} of {r.expected:,} "
                "callbacks delivered"
            )
            for c in r.checks:
                if not c.ok:
                    say(f"      failed check: {c.name}: {c.detail}")
        for mode in broken:
            say(f"  [FAIL] {mode}: the harness failed (see above)")
        for mode in args.modes[len(results) + len(broken) :]:
            say(f"  [FAIL] {mode}: not run (the deadline passed)")
        ok = not broken and len(results) == len(args.modes) and all(r.passed for r in results)
        say(f"  soak {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s")
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopping every subprocess", file=sys.stderr)
        return 130
    finally:
        reaper.stop_all()


if __name__ == "__main__":
    sys.exit(main())
