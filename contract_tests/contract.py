"""The documented contract as data: model ids, paths, prices, sizes, the status flow.

Everything here comes from the gateway's pages (docs/pages/) or, where the page is
silent, from the choices in API_NOTES.md; the checks read these tables instead of
repeating literals. The model facts among them are the model catalog the mock and the client
read too (`pixazo_schemas.catalog()`), so the three cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import pixazo_schemas

# The model facts (ids, endpoint names, prices, durations, FIBO sizes) are the catalog shared
# with the mock and the client: `pixazo_schemas.catalog()`.
_CATALOG: Final = pixazo_schemas.catalog()
_ENTRIES: Final[dict[str, dict[str, Any]]] = {m["model_id"]: m for m in _CATALOG["models"]}

# The two models the pages document, named by the checks; each must be in the catalog.
RMBG: Final = "bria-rmbg-2-0-682"
FIBO: Final = "bria-fibo-bbq-preview"
if not {RMBG, FIBO} <= set(_ENTRIES):
    raise ValueError(f"the model catalog lacks a documented model: {RMBG}, {FIBO}")
MODELS: Final[tuple[str, ...]] = tuple(_ENTRIES)

SUBMIT_PATHS: Final = {
    model_id: f"/{model_id}/v1/{entry['name']}-request" for model_id, entry in _ENTRIES.items()
}
# Generation 1's result endpoint sits beside the submit path.
RESULT_PATHS: Final = {model: path + "-result" for model, path in SUBMIT_PATHS.items()}
STATUS_PATH: Final = "/v2/requests/status/"
SAMPLES_PATH: Final = "/_mock/samples"

KEY_HEADER: Final = "Ocp-Apim-Subscription-Key"
# The page sends both on every call; Cache-Control is ignored by the gateway.
SUBMIT_HEADERS: Final = {"Content-Type": "application/json", "Cache-Control": "no-cache"}

PRICES: Final = {model_id: Decimal(entry["price_usd"]) for model_id, entry in _ENTRIES.items()}

QUEUED: Final = "QUEUED"
PROCESSING: Final = "PROCESSING"
COMPLETED: Final = "COMPLETED"
FAILED: Final = "FAILED"
ERROR: Final = "ERROR"
TERMINAL: Final = frozenset({COMPLETED, FAILED, ERROR})

# Forward only; a job may skip PROCESSING between two polls; a terminal status never moves.
NEXT: Final[dict[str, frozenset[str]]] = {
    QUEUED: frozenset({QUEUED, PROCESSING, *TERMINAL}),
    PROCESSING: frozenset({PROCESSING, *TERMINAL}),
    **{status: frozenset({status}) for status in TERMINAL},
}

# Bria's 1-megapixel presets (a choice: the page names the ratios, not the pixels).
FIBO_SIZES: Final[dict[str, tuple[int, int]]] = {
    ratio: (int(width), int(height))
    for ratio, (width, height) in _CATALOG["aspect_ratio_sizes"].items()
}
ASPECT_RATIOS: Final = tuple(FIBO_SIZES)
DEFAULT_ASPECT_RATIO: Final[str] = _CATALOG["default_aspect_ratio"]

# The generation-1 page's error table: the one body per status it documents.
GEN1_ERRORS: Final = {
    400: "Invalid request parameters",
    401: "Invalid or missing authentication",
    403: "Access denied for this operation",
    404: "Endpoint not found",
    429: "Rate limit exceeded, please retry later",
    500: "An unexpected error occurred, please try again later",
}

INSUFFICIENT_BALANCE: Final = {
    "error": "Insufficient Balance",
    "message": "Your wallet does not have enough balance.",
}

# The page's own examples, sent as they are.
BALLOONS: Final = (
    "A magnificent hot air balloon festival at sunrise, dozens of colorful balloons floating "
    "over a misty valley with rolling hills"
)
FIBO_MINIMUM: Final = {"prompt": BALLOONS}
FIBO_FULL: Final = {
    "prompt": BALLOONS,
    "aspect_ratio": "16:9",
    "seed": 5555,
    "steps_num": 50,
    "guidance_scale": 5,
}

# What the mock does by default where the pages disagree (assumed checks compare with these).
EXPECTED_TIMESTAMP_FORM: Final = "mixed"  # see checks.timestamp_form
EXPECTED_MEDIA_TYPE: Final = "image/png"
# Submit to terminal, in seconds: the mock's default queue plus processing maxima.
EXPECTED_MAX_SECONDS: Final = {
    model_id: float(entry["queue_seconds"][1] + entry["processing_seconds"][1])
    for model_id, entry in _ENTRIES.items()
}
