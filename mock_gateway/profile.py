"""Calibration: a mock that adopts what a fidelity report observed on the live gateway.

`mock-gateway serve --profile fidelity-report.json` (or `profile = "..."` under `[server]`)
reads the report the contract suite wrote against a live target, and for every assumption
it reports *contradicted*, takes the observed value where the mock can express it:

| assumption | becomes |
|---|---|
| `assumed.timestamps.form` | `timestamps` ("iso" or "mixed") |
| `assumed.output.media-type` | `media_type` |
| `assumed.error.apim-style` | `error_style = "apim"` |
| `assumed.validation.*` (bounds, closed lists) | the constraint is lifted (`relaxed`) |
| `assumed.durations` | each model's queue and processing times, from measured job times |

Everything else it contradicts is listed at start-up as not adopted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .core.catalog import Model
from .settings import RELAXABLE, ConfigError, Settings

__all__ = ["Calibration", "calibrate"]

# A job's measured time is split like the defaults split theirs: a quarter waiting in the
# queue, the rest processing; the spread around the mean keeps some jitter.
_QUEUE_SHARE = 0.25
_SPREAD = 0.2


@dataclass(frozen=True, slots=True)
class Calibration:
    settings: Settings
    adopted: tuple[str, ...]  # one line each: what changed and from what evidence
    not_adopted: tuple[str, ...]  # contradicted assumptions the mock cannot express


def calibrate(settings: Settings, path: str | Path) -> Calibration:
    """`settings` with every contradiction in the report at `path` adopted."""
    report = _read(path)
    observed = {
        a["id"]: [str(o) for o in a.get("observed") or []]
        for a in report.get("assumptions", [])
        if isinstance(a, dict) and a.get("outcome") == "contradicted" and "id" in a
    }
    changes: dict[str, Any] = {}
    adopted: list[str] = []
    not_adopted: list[str] = []
    relaxed = set(settings.relaxed)
    for rule, seen in observed.items():
        value = seen[0] if seen else ""
        if rule == "assumed.timestamps.form" and value in ("iso", "mixed"):
            changes["timestamps"] = value
        elif rule == "assumed.output.media-type" and value in (
            "image/png",
            "application/octet-stream",
        ):
            changes["media_type"] = value
        elif rule == "assumed.error.apim-style" and value == "apim":
            changes["error_style"] = "apim"
        elif rule in RELAXABLE:
            relaxed.add(rule)
            value = "accepted"
        elif rule == "assumed.durations":
            models = _durations(settings.models, report)
            if models is None:
                not_adopted.append(f"{rule}: no measured job times in the report")
                continue
            changes["models"] = models
            value = ", ".join(
                f"{m.model_id} {m.queue_seconds[0] + m.processing_seconds[0]:.1f}-"
                f"{m.queue_seconds[1] + m.processing_seconds[1]:.1f} s"
                for m in models.values()
            )
        else:
            not_adopted.append(f"{rule}: observed {', '.join(seen) or '?'}")
            continue
        adopted.append(f"{rule}: {value}")
    if relaxed != set(settings.relaxed):
        changes["relaxed"] = frozenset(relaxed)
    return Calibration(replace(settings, **changes), tuple(adopted), tuple(not_adopted))


def _read(path: str | Path) -> Mapping[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as e:
        raise ConfigError(f"profile {path}: cannot read: {e.strerror or e}") from None
    except ValueError:
        raise ConfigError(f"profile {path}: not a JSON fidelity report") from None
    if not isinstance(data, dict) or not isinstance(data.get("assumptions"), list):
        raise ConfigError(f"profile {path}: not a fidelity report (no assumptions list)")
    return data


def _durations(models: Mapping[str, Model], report: Mapping[str, Any]) -> dict[str, Model] | None:
    measured = (report.get("measured") or {}).get("assumed.durations") or {}
    scale = float(report.get("time_scale") or 1.0)  # the run's target ran that much faster
    found: dict[str, Model] = dict(models)
    changed = False
    for model_id, seconds in measured.items():
        model = found.get(model_id)
        times = [float(s) / scale for s in seconds if isinstance(s, int | float) and s >= 0]
        if model is None or not times:
            continue
        mean = sum(times) / len(times)
        low, high = mean * (1 - _SPREAD), mean * (1 + _SPREAD)
        found[model_id] = replace(
            model,
            queue_seconds=(low * _QUEUE_SHARE, high * _QUEUE_SHARE),
            processing_seconds=(low * (1 - _QUEUE_SHARE), high * (1 - _QUEUE_SHARE)),
        )
        changed = True
    return found if changed else None
