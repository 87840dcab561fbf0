"""Under `make mutation` (mutmut sets MUTANT_UNDER_TEST to a mutant's name), tests/conftest.py
runs a mutant's tests in the order most likely to kill it soon, and stops a test that hangs as
a timeout. Outside a mutant's run it changes nothing. Each case runs pytest in a child, in a
folder that stands for mutmut's mutants/ (its statistics file, with each test's time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANT = "mock_gateway.core.jobs.xǁJobǁto_status__mutmut_1"

SLEEPER = """
import time

def test_quick():
    pass

def test_hangs():
    time.sleep(60)
"""


def pytest_in(folder: Path, mutant: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MUTANT_UNDER_TEST"}
    if mutant is not None:
        env["MUTANT_UNDER_TEST"] = mutant
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", f"--rootdir={ROOT}", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def stats(folder: Path, seconds: dict[str, float]) -> None:
    (folder / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": seconds}))


def collected(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("tests/")]


# A file with no statistics at all, one whose quickest test is slow, one with a quick one.
VALIDATION = "tests/core/test_validation.py::test_a_rejection_is_still_explained_by_jsonschema"
CLOCK = "tests/core/test_clock.py::test_manual_clock_is_frozen_until_advanced"
CLOCK_SLOW = "tests/core/test_clock.py::test_system_advance_backwards_raises"
JOBS = "tests/core/test_jobs.py::test_plain_is_the_webhook_second_form"
IDS = [VALIDATION, CLOCK_SLOW, CLOCK, JOBS]


def test_a_mutants_tests_run_its_own_file_first_then_quickest_file_and_test_first(
    tmp_path: Path,
) -> None:
    """Catches: the tests run in mutmut's order (a set's: arbitrary), so a mutant a quick test
    kills first runs the slow ones; or quickest test first across files, so a file's shared
    fixtures start again for every switch between files."""
    stats(tmp_path, {CLOCK: 0.01, CLOCK_SLOW: 0.5, JOBS: 0.9, VALIDATION: 5.0})
    ids = [str(ROOT / i.split("::")[0]) + "::" + i.split("::")[1] for i in IDS]
    result = pytest_in(tmp_path, MUTANT, "--collect-only", "-q", *ids)
    assert result.returncode == 0, result.stdout + result.stderr
    # test_jobs.py is the mutant's own module's file; then test_clock.py (quickest 0.01 s)
    # with its quicker test first, then test_validation.py
    assert collected(result) == [JOBS, CLOCK, CLOCK_SLOW, VALIDATION]

    plain = pytest_in(tmp_path, None, "--collect-only", "-q", *ids)
    assert collected(plain) == IDS  # not under a mutant: the order asked for


def test_a_test_that_hangs_under_a_mutant_ends_the_run_as_a_timeout_soon(tmp_path: Path) -> None:
    """Catches: a hanging mutant waits out mutmut's own limit for all its tests together
    (minutes), or is reported as killed or survived rather than as a timeout (36)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_sleeper.py").write_text(SLEEPER)
    (tmp_path / "tests" / "conftest.py").write_text("from tests.conftest import *  # noqa\n")
    stats(tmp_path, {"tests/test_sleeper.py::test_hangs": 0.0})
    start = time.monotonic()
    result = pytest_in(tmp_path, MUTANT, f"--rootdir={tmp_path}", "tests/test_sleeper.py")
    took = time.monotonic() - start
    assert result.returncode == 36, result.stdout + result.stderr
    assert 5 <= took < 50  # 5 s of slack plus 10 times its usual 0 s; not the full 60 s sleep
