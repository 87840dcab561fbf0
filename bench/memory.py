"""Section 2: the memory one million jobs hold, built in-process without HTTP.

`python -m bench.memory --jobs N` runs in a fresh process (so the harness's own
allocations do not count), builds the real Gateway with the real input resolver and a
manual clock, submits N jobs the way the submit route does (validate, then submit), and
prints one JSON line: jobs held, RSS before and after, peak RSS and seconds taken.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from mock_gateway.launch import ALLOCATOR, serve_allocator

from .procs import ROOT, HarnessError, Reaper
from .report import Targets, note, say, table

LIMIT_BYTES = 1 << 30
BYTES_PER_JOB_TARGET = 500  # issue 14
BASE_URL = "http://127.0.0.1:8080"

_SUBJECTS = (
    "A red fox asleep on a mossy log",
    "An old lighthouse on a rocky cliff",
    "A bowl of ramen with a soft egg",
    "A vintage bicycle against a blue wall",
    "A snow leopard on a mountain ridge",
    "A cozy reading nook with a window seat",
    "A hot air balloon over lavender fields",
    "A robot watering a rooftop garden",
)
_SCENES = (
    "in a misty autumn forest",
    "at golden hour",
    "under a stormy sky",
    "on a quiet city street",
    "in soft morning light",
    "at dusk with neon reflections",
)
_STYLES = (
    "photorealistic, 35mm",
    "watercolor illustration",
    "cinematic wide shot, shallow depth",
    "studio product photo, softbox lighting",
    "isometric 3D render",
    "film grain, Kodak Portra",
)


def rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident set size (or another /proc/self/status field), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def requests(count: int, fibo: Any, rmbg: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(model, body) pairs: FIBO prompts (~100 chars, with a seed) and RMBG remote URLs in turn.

    Each body is a fresh dict of fresh strings, like one the server decodes from JSON.
    """
    for n in range(count):
        if n % 2:
            yield rmbg, {"image_url": f"https://images.example.com/photos/{n}.jpg"}
        else:
            prompt = (
                f"{_SUBJECTS[n % 8]} {_SCENES[n // 8 % 6]}, {_STYLES[n // 48 % 6]}, "
                f"highly detailed, variation {n}"
            )
            yield fibo, {"prompt": prompt, "seed": n * 7919 % 2**31}


def measure(count: int) -> dict[str, float]:
    """Submit `count` jobs to a fresh in-process gateway; returns the measurements."""
    from mock_gateway.core.clock import ManualClock
    from mock_gateway.core.scenarios import Effects
    from mock_gateway.gateway import Gateway
    from mock_gateway.media.inputs import Inputs
    from mock_gateway.settings import KeyConfig, Settings

    def no_session() -> Any:
        # Remote URLs get synthetic stand-ins: nothing here may open a connection.
        raise RuntimeError("the memory benchmark must not fetch anything")

    settings = Settings()
    gateway = Gateway(settings, Inputs(settings, no_session), ManualClock())
    account = gateway.put_key(KeyConfig("bench-key", Decimal(100_000_000)), set())
    fibo, rmbg = gateway.models["bria-fibo-bbq-preview"], gateway.models["bria-rmbg-2-0-682"]
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    for n, (model, body) in enumerate(requests(count, fibo, rmbg), 1):
        gateway.submit(account, model, gateway.validate(model, body), Effects(), BASE_URL)
        if n % 200_000 == 0:
            rate = n / (time.perf_counter() - started)
            print(f"  .. {n:,} jobs submitted ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_bytes()
    stand_ins = sum(1 for job in gateway.jobs.newest_first() if job.input is not None)
    held = len(gateway.jobs)
    peak = rss_bytes("VmHWM")
    gateway.reset()  # what a reset gives back (it collects and trims after many jobs)
    return {
        "jobs": held,
        "stand_ins": stand_ins,
        "rss_before": before,
        "rss_after": after,
        "rss_peak": peak,
        "rss_reset": rss_bytes(),
        "seconds": seconds,
    }


def run(reaper: Reaper, count: int, targets: Targets) -> None:
    """Run `measure` in a fresh subprocess, print the results and check the target."""
    note(f"submitting {count:,} jobs in-process in a fresh interpreter")
    # On the allocator `mock-gateway serve` runs on (mock_gateway/launch.py), or yours.
    yours = os.environ.get("PYTHONMALLOC")
    chosen = {} if yours else serve_allocator(os.environ)
    allocator = f"PYTHONMALLOC={yours or ALLOCATOR}"
    if "LD_PRELOAD" in chosen:
        allocator += " (jemalloc)"
    proc = reaper.spawn(
        [sys.executable, "-m", "bench.memory", "--jobs", str(count)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **chosen},
    )
    out, _ = proc.communicate(timeout=1200)
    reaper.stop(proc)
    if proc.returncode != 0:
        raise HarnessError(f"bench.memory exited with {proc.returncode}")
    m = json.loads(out.decode().strip().splitlines()[-1])
    growth = m["rss_after"] - m["rss_before"]
    mib = 1 << 20
    table(
        [
            "jobs held",
            "RMBG inputs resolved",
            "RSS before MB",
            "RSS after MB (total)",
            "peak MB",
            "after reset MB",
            "growth MB",
            "bytes/job",
            "submit s",
            "jobs/s in-core",
        ],
        [
            [
                f"{m['jobs']:,}",
                f"{m['stand_ins']:,}",
                f"{m['rss_before'] / mib:.0f}",
                f"{m['rss_after'] / mib:.0f}",
                f"{m['rss_peak'] / mib:.0f}",
                f"{m['rss_reset'] / mib:.0f}",
                f"{growth / mib:.0f}",
                f"{growth / max(1, m['jobs']):,.0f}",
                f"{m['seconds']:.1f}",
                f"{m['jobs'] / m['seconds']:,.0f}",
            ]
        ],
    )
    say("  (jobs/s covers building each body, validate() and submit(), one core, no HTTP)")
    say(f"  ({allocator}: Python's own allocator, pymalloc, holds about 8% less than glibc's)")
    say()
    if m["jobs"] != count:
        raise HarnessError(f"the gateway holds {m['jobs']:,} jobs, not {count:,}")
    targets.check(
        f"RSS with {count:,} jobs < 1 GiB",
        m["rss_after"] < LIMIT_BYTES,
        f"{m['rss_after'] / mib:.0f} MB total, {growth / max(1, m['jobs']):,.0f} bytes/job",
    )
    per_job = growth / max(1, m["jobs"])
    targets.check(
        f"<= {BYTES_PER_JOB_TARGET} bytes per job in memory",
        per_job <= BYTES_PER_JOB_TARGET,
        f"{per_job:,.0f} bytes/job",
    )
    back = m["rss_reset"] / m["rss_before"] - 1
    targets.check(
        "RSS after reset within 20% of RSS before the jobs",
        back <= 0.2,
        f"{m['rss_before'] / mib:.0f} -> {m['rss_reset'] / mib:.0f} MB ({back:+.0%})",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Memory held by N in-process jobs (JSON out).")
    parser.add_argument("--jobs", type=int, default=1_000_000)
    args = parser.parse_args()
    try:
        print(json.dumps(measure(args.jobs)), flush=True)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the harness reports it
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
