"""The models the gateway sells: ids, submit paths, prices and how long jobs take.

The facts are data, shared with the client and the contract suite: `pixazo_schemas.catalog()`
(`schemas/_catalog/catalog.json`). Here they become `Model` records; what a model *does* is its
`Kind`, and each kind has code of its own (an output renderer, `media/outputs.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pixazo_schemas


class Kind(StrEnum):
    """What a model does, which decides how its output is made."""

    RMBG = "rmbg"  # background removal: image_url in, RGBA cut-out out
    FIBO = "fibo"  # text to image: prompt in, picture out


@dataclass(frozen=True, slots=True)
class Model:
    """One sellable model, as the gateway names and prices it."""

    model_id: str
    name: str  # the `<name>-request` part of the submit path
    kind: Kind
    price_usd: Decimal
    queue_seconds: tuple[float, float]  # (min, max) simulated wait before PROCESSING
    processing_seconds: tuple[float, float]  # (min, max) simulated work before the end
    request_schema: str  # the schema of its submit body, e.g. "gen2/fibo_request"
    input_field: str  # the request field that carries the input ("image_url", "prompt")
    defaults: tuple[tuple[str, object], ...]  # request fields filled in when left out
    enabled: bool = True

    @property
    def submit_path(self) -> str:
        return f"/{self.model_id}/v1/{self.name}-request"

    @property
    def result_path(self) -> str:
        return f"/{self.model_id}/v1/{self.name}-request-result"

    @property
    def default_params(self) -> dict[str, object]:
        """`defaults` as a new dict, to merge a request's fields over."""
        return dict(self.defaults)


def model_from(entry: Mapping[str, Any]) -> Model:
    """A `Model` from one entry of the catalog's `models`."""
    low, high = entry["queue_seconds"]
    work_low, work_high = entry["processing_seconds"]
    return Model(
        model_id=entry["model_id"],
        name=entry["name"],
        kind=Kind(entry["kind"]),
        price_usd=Decimal(entry["price_usd"]),
        queue_seconds=(float(low), float(high)),
        processing_seconds=(float(work_low), float(work_high)),
        request_schema=entry["request_schema"],
        input_field=entry["input_field"],
        defaults=tuple(entry["defaults"].items()),
    )


_CATALOG = pixazo_schemas.catalog()

DEFAULT_MODELS: dict[str, Model] = {
    m.model_id: m for m in (model_from(entry) for entry in _CATALOG["models"])
}

# The two models the gateway's pages document, by id (a KeyError here: the catalog lost one).
RMBG = DEFAULT_MODELS["bria-rmbg-2-0-682"]
FIBO = DEFAULT_MODELS["bria-fibo-bbq-preview"]


# FIBO output sizes by aspect ratio (chosen: Bria's 1-megapixel presets).
ASPECT_RATIO_SIZES: dict[str, tuple[int, int]] = {
    ratio: (int(width), int(height))
    for ratio, (width, height) in _CATALOG["aspect_ratio_sizes"].items()
}
DEFAULT_ASPECT_RATIO: str = _CATALOG["default_aspect_ratio"]
