"""The calibration round trip, offline: a mock with other choices stands in for the live
gateway; the live suite passes against it and reports those choices as contradicted
assumptions; a mock started from that report, checked with the same report as its profile,
contradicts nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mock_gateway.app import create_app
from mock_gateway.settings import Settings, load
from pixazo_contract.serving import ServedApp

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "examples" / "live-standin.toml"
SCALE = "0.05"  # the stand-in's time scale, told to the suite
EXPECTED_CONTRADICTED = {
    "assumed.timestamps.form",
    "assumed.output.media-type",
    "assumed.error.apim-style",
    "assumed.validation.guidance-range",
    "assumed.durations",
}


def live_run(url: str, directory: Path, home: Path, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXAZO_", "CONTRACT_"))}
    env.update(
        PIXAZO_BASE_URL=url,
        PIXAZO_API_KEY="test-key",
        CONTRACT_POLL_INTERVAL="0.05",
        CONTRACT_JOB_TIMEOUT="30",
        CONTRACT_TIME_SCALE=SCALE,
    )
    command = [sys.executable, "-m", "pixazo_contract", "--live", "-q"]
    done = subprocess.run(
        [*command, "--report-dir", str(directory), *extra],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    data: dict[str, Any] = json.loads((directory / "fidelity-report.json").read_text("utf-8"))
    return data


def contradicted(report: dict[str, Any]) -> dict[str, list[str]]:
    return {a["id"]: a["observed"] for a in report["assumptions"] if a["outcome"] == "contradicted"}


@pytest.fixture(scope="module")
def stand_in_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("stand-in")
    with ServedApp(create_app(load(STAND_IN).with_overrides(access_log=False))) as gateway:
        report = live_run(gateway.url, directory, directory)
    return directory / "fidelity-report.json", report


def test_a_gateway_with_other_choices_passes_and_contradicts_them(
    stand_in_report: tuple[Path, dict[str, Any]],
) -> None:
    _, report = stand_in_report
    seen = contradicted(report)
    assert set(seen) == EXPECTED_CONTRADICTED, seen
    assert seen["assumed.timestamps.form"] == ["iso"]
    assert seen["assumed.output.media-type"] == ["application/octet-stream"]
    assert seen["assumed.error.apim-style"] == ["apim"]
    assert seen["assumed.validation.guidance-range"] == ["HTTP 202"]
    assert report["measured"]["assumed.durations"]["bria-fibo-bbq-preview"]
    assert all(d["outcome"] == "pass" for d in report["documented"]), report["documented"]


def test_a_mock_calibrated_from_the_report_contradicts_nothing(
    stand_in_report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    profile, _ = stand_in_report
    calibrated = Settings(time_scale=float(SCALE), access_log=False, profile=str(profile))
    with ServedApp(create_app(calibrated)) as gateway:
        report = live_run(gateway.url, tmp_path, tmp_path, "--profile", str(profile))
    assert contradicted(report) == {}, contradicted(report)
    confirmed = {a["id"] for a in report["assumptions"] if a["outcome"] == "confirmed"}
    assert confirmed >= EXPECTED_CONTRADICTED, confirmed
