"""The contract suite is sharp: pointed black-box at gateways that each break one rule, it
fails and its report names that rule; pointed at the unbroken mock, it passes.

Each run is the real thing: `python -m pixazo_contract --live -x` in a subprocess, against a
gateway served on 127.0.0.1 from a thread of this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pixazo_contract.serving import ServedApp

from .broken_gateways import VARIANTS, Broken, Middleware, app

KEY = "test-key"


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One working directory for every run: hypothesis keeps its unicode tables in
    ./.hypothesis, and building them takes seconds that only the first run should pay."""
    return tmp_path_factory.mktemp("contract-home")


def run_suite(
    url: str, directory: Path, home: Path
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the live (black-box) suite against `url` from `home`; its result and its report
    (written in `directory`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXAZO_", "CONTRACT_"))}
    env.update(
        PIXAZO_BASE_URL=url,
        PIXAZO_API_KEY=KEY,
        CONTRACT_POLL_INTERVAL="0.05",
        CONTRACT_JOB_TIMEOUT="20",
    )
    command = [sys.executable, "-m", "pixazo_contract", "--live", "--report-dir", str(directory)]
    done = subprocess.run(
        [*command, "-x", "-q"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = directory / "fidelity-report.md"
    return done, report.read_text("utf-8") if report.exists() else ""


def differences(report: str) -> str:
    """The report's "Differences from the documented contract" section."""
    return report.split("## Differences from the documented contract", 1)[-1].split("\n## ")[0]


def serve(middleware: Middleware | None) -> ServedApp:
    return ServedApp(app(middleware))


@pytest.mark.parametrize("broken", VARIANTS, ids=[v.name for v in VARIANTS])
def test_a_gateway_breaking_one_rule_fails_the_suite(
    broken: Broken, tmp_path: Path, home: Path
) -> None:
    with serve(broken.make()) as gateway:
        done, report = run_suite(gateway.url, tmp_path, home)
    output = done.stdout + done.stderr
    if broken.assumption:
        # Only the mock's choice is broken: the run passes, the report says what was seen.
        assert done.returncode == 0, f"{broken.name} failed a live run:\n{output[-3000:]}"
        data = json.loads((tmp_path / "fidelity-report.json").read_text("utf-8"))
        (found,) = [a for a in data["assumptions"] if a["id"] == broken.rule]
        assert found["outcome"] == "contradicted", found
        assert any(broken.words in seen for seen in found["observed"]), found
        assert f"`{broken.rule}`" in report.split("## Contradicted assumptions")[1][:2000]
        return
    assert done.returncode != 0, f"{broken.name} went unnoticed:\n{output[-3000:]}"
    found = differences(report)
    assert f"[{broken.rule}]" in found and broken.words in found, (
        f"{broken.name}: the report does not name [{broken.rule}] ({broken.words!r}):\n"
        f"{report[:3000]}\n{output[-3000:]}"
    )
    assert KEY not in output + report, "the key leaked into the output or the report"


def test_the_unbroken_gateway_passes_the_suite(tmp_path: Path, home: Path) -> None:
    with serve(None) as gateway:
        done, report = run_suite(gateway.url, tmp_path, home)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "None: every check that ran agrees" in differences(report), report
    assert (tmp_path / "fidelity-report.xml").exists()
    assert KEY not in output + report, "the key leaked into the output or the report"
