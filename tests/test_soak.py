"""The webhook soak (`python -m soak`, soak/) in a small form: its verdict and its summary.

About 20 s (three modes, each a mock and an HTTPS sink as processes, jobs spread over 4 s):
one of the slowest tests of the suite, kept because it is the only end-to-end proof that a
receiver's outage loses and duplicates nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.processes import child_env

ROOT = Path(__file__).resolve().parent.parent


def test_the_short_soak_loses_and_duplicates_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "soak", "--short", "--jobs", "120", "--outage-seconds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,
        env=child_env(),
        stdin=subprocess.DEVNULL,
    )
    report = done.stdout
    assert done.returncode == 0, report + done.stderr[-3000:]
    summary = report.partition("Soak summary")[2]
    for mode in ("steady", "flaky", "outage"):
        line = re.search(rf"^  \[PASS\] {mode}: (.*)$", summary, re.M)
        assert line, f"no passing summary line for {mode}:\n{report}"
        assert line[1].startswith("0 lost, 0 unexpected duplicates, 0 given up"), line[0]
    assert re.search(r"failed attempts by error: connection refused [\d,]+", report)
    assert "no answer within" not in report  # a refused connection is never a timeout
    assert re.search(r"^  soak passed in [\d.]+ s$", report, re.M)
