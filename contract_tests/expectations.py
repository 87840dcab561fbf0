"""What the assumed checks expect: the mock's defaults, or a fidelity report's observations.

By default an assumed check compares what it sees with the mock's default choice. Given a
profile (`--profile REPORT` or `$CONTRACT_PROFILE`: a fidelity-report.json from a live run),
it expects what that run observed instead: the suite then checks a mock calibrated from the
same report (`mock-gateway serve --profile REPORT`) against the same truths.

`CONTRACT_TIME_SCALE` (default 1) says the target runs its jobs that many times faster than
real time (a mock with `--time-scale`): measured durations are divided by it, and expected
ones multiplied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from .contract import EXPECTED_MAX_SECONDS, EXPECTED_MEDIA_TYPE, EXPECTED_TIMESTAMP_FORM
from .registry import CHECKS

__all__ = ["Expectations", "expected", "load", "use"]

# Validation a target may not enforce: what a calibrated mock lifts (its `relaxed` setting).
RELAXABLE: Final = frozenset(id for id in CHECKS if id.startswith("assumed.validation."))
DURATION_SLACK: Final = 1.5  # a calibrated mock spreads jobs around the measured mean


@dataclass(frozen=True, slots=True)
class Expectations:
    timestamp_form: str = EXPECTED_TIMESTAMP_FORM
    media_type: str = EXPECTED_MEDIA_TYPE
    error_style: str = "page"
    max_seconds: Mapping[str, float] = field(default_factory=lambda: dict(EXPECTED_MAX_SECONDS))
    relaxed: frozenset[str] = frozenset()  # assumed validation the target does not enforce
    time_scale: float = 1.0
    profile: str | None = None

    def max_seconds_for(self, model: str) -> float:
        """The longest a job of `model` may take on this target, in its real seconds."""
        return self.max_seconds[model] * self.time_scale


def load(profile: str | None, time_scale: float = 1.0) -> Expectations:
    """The expectations for a run: defaults, then what the profile's report observed."""
    found = Expectations(time_scale=time_scale)
    if not profile:
        return found
    try:
        report = json.loads(Path(profile).read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"profile {profile}: not a readable fidelity report ({e})") from None
    if not isinstance(report, dict) or not isinstance(report.get("assumptions"), list):
        raise ValueError(f"profile {profile}: not a fidelity report (no assumptions list)")
    changes: dict[str, Any] = {"profile": profile}
    relaxed: set[str] = set()
    for entry in report.get("assumptions", []):
        if not isinstance(entry, dict) or entry.get("outcome") != "contradicted":
            continue
        rule, seen = entry.get("id"), [str(o) for o in entry.get("observed") or []]
        if rule == "assumed.timestamps.form" and seen:
            changes["timestamp_form"] = seen[0]
        elif rule == "assumed.output.media-type" and seen:
            changes["media_type"] = seen[0]
        elif rule == "assumed.error.apim-style" and seen[:1] == ["apim"]:
            changes["error_style"] = "apim"  # as the mock adopts it (mock_gateway.profile)
        elif rule in RELAXABLE:
            relaxed.add(str(rule))
    measured = (report.get("measured") or {}).get("assumed.durations") or {}
    scale = float(report.get("time_scale") or 1.0)
    longest = dict(found.max_seconds)
    for model, seconds in measured.items():
        times = [float(s) / scale for s in seconds if isinstance(s, int | float)]
        if model in longest and times:
            longest[model] = max(longest[model], max(times) * DURATION_SLACK)
    changes["max_seconds"] = longest
    changes["relaxed"] = frozenset(relaxed)
    return replace(found, **changes)


_CURRENT: list[Expectations] = []


def expected() -> Expectations:
    """The run's expectations (the mock's defaults outside a run)."""
    return _CURRENT[-1] if _CURRENT else Expectations()


def use(expectations: Expectations) -> None:
    _CURRENT.append(expectations)
