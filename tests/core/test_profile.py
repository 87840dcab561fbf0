"""Calibration from a fidelity report: what a mock adopts, and what it says it cannot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.profile import calibrate
from mock_gateway.settings import ConfigError, Settings


def report(tmp_path: Path, **extra: Any) -> Path:
    data = {
        "assumptions": [
            {"id": "assumed.timestamps.form", "outcome": "contradicted", "observed": ["iso"]},
            {
                "id": "assumed.output.media-type",
                "outcome": "contradicted",
                "observed": ["application/octet-stream"],
            },
            {"id": "assumed.error.apim-style", "outcome": "contradicted", "observed": ["apim"]},
            {
                "id": "assumed.validation.steps-range",
                "outcome": "contradicted",
                "observed": ["HTTP 202"],
            },
            {"id": "assumed.durations", "outcome": "contradicted", "observed": ["x"]},
            {
                "id": "assumed.rate-limit.retry-after",
                "outcome": "contradicted",
                "observed": ["no header"],
            },
            {"id": "assumed.ids.uuid7", "outcome": "confirmed", "observed": []},
        ],
        "measured": {"assumed.durations": {FIBO.model_id: [1.5, 2.5]}},
        "time_scale": 0.05,
        **extra,
    }
    path = tmp_path / "fidelity-report.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_every_expressible_contradiction_is_adopted(tmp_path: Path) -> None:
    found = calibrate(Settings(), report(tmp_path))
    s = found.settings
    assert (s.timestamps, s.media_type, s.error_style) == (
        "iso",
        "application/octet-stream",
        "apim",
    )
    assert s.relaxed == frozenset({"assumed.validation.steps-range"})
    fibo = s.models[FIBO.model_id]
    # 1.5 and 2.5 real seconds at time scale 0.05: a 40 s job, spread +-20%, a quarter queued.
    assert fibo.queue_seconds == pytest.approx((8.0, 12.0))
    assert fibo.processing_seconds == pytest.approx((24.0, 36.0))
    assert s.models[RMBG.model_id] == Settings().models[RMBG.model_id], "not measured: kept"
    assert found.not_adopted == ("assumed.rate-limit.retry-after: observed no header",)
    assert len(found.adopted) == 5


def test_a_confirmed_report_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps({"assumptions": [{"id": "assumed.timestamps.form", "outcome": "confirmed"}]}),
        "utf-8",
    )
    found = calibrate(Settings(), path)
    assert found.settings == Settings() and found.adopted == () == found.not_adopted


@pytest.mark.parametrize("text", ["not json", "[]", '{"documented": []}'])
def test_a_file_that_is_not_a_report_is_one_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"profile .*r\.json: not a"):
        calibrate(Settings(), path)


def test_a_relaxed_constraint_is_lifted_in_validation_only_for_that_check() -> None:
    from mock_gateway.core.errors import InvalidParameters
    from mock_gateway.core.validation import check

    body = {"prompt": "a fox", "guidance_scale": 42}
    with pytest.raises(InvalidParameters):
        check("gen2/fibo_request", body)
    relaxed = frozenset({"assumed.validation.guidance-range"})
    assert check("gen2/fibo_request", body, relaxed) == body
    with pytest.raises(InvalidParameters):
        check("gen2/fibo_request", {"prompt": "a fox", "aspect_ratio": "2:1"}, relaxed)
