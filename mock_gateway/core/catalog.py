"""The models the gateway sells: ids, submit paths, prices and how long jobs take."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    """What a model does, which decides its input schema and how its output is made."""

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
    enabled: bool = True

    @property
    def submit_path(self) -> str:
        return f"/{self.model_id}/v1/{self.name}-request"

    @property
    def result_path(self) -> str:
        return f"/{self.model_id}/v1/{self.name}-request-result"


RMBG = Model(
    model_id="bria-rmbg-2-0-682",
    name="bria-rmbg-2-0",
    kind=Kind.RMBG,
    price_usd=Decimal("0.018"),
    queue_seconds=(1.0, 3.0),
    processing_seconds=(2.0, 5.0),
)

FIBO = Model(
    model_id="bria-fibo-bbq-preview",
    name="bria-fibo-bbq-preview",
    kind=Kind.FIBO,
    price_usd=Decimal("0.04"),
    queue_seconds=(2.0, 5.0),
    processing_seconds=(8.0, 15.0),
)

DEFAULT_MODELS: dict[str, Model] = {m.model_id: m for m in (RMBG, FIBO)}


# FIBO output sizes by aspect ratio (chosen: Bria's 1-megapixel presets).
ASPECT_RATIO_SIZES: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
    "4:3": (1152, 896),
}
