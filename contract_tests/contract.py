"""The documented contract as data: model ids, paths, prices, sizes, the status flow.

Everything here comes from the gateway's pages (docs/pages/) or, where the page is
silent, from the choices in API_NOTES.md; the checks read these tables instead of
repeating literals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

RMBG: Final = "bria-rmbg-2-0-682"
FIBO: Final = "bria-fibo-bbq-preview"
MODELS: Final = (RMBG, FIBO)

SUBMIT_PATHS: Final = {
    RMBG: "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request",
    FIBO: "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
}
# Generation 1's result endpoint sits beside the submit path.
RESULT_PATHS: Final = {model: path + "-result" for model, path in SUBMIT_PATHS.items()}
STATUS_PATH: Final = "/v2/requests/status/"
SAMPLES_PATH: Final = "/_mock/samples"

KEY_HEADER: Final = "Ocp-Apim-Subscription-Key"
# The page sends both on every call; Cache-Control is ignored by the gateway.
SUBMIT_HEADERS: Final = {"Content-Type": "application/json", "Cache-Control": "no-cache"}

PRICES: Final = {RMBG: Decimal("0.018"), FIBO: Decimal("0.04")}

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

ASPECT_RATIOS: Final = ("1:1", "16:9", "9:16", "4:3")
DEFAULT_ASPECT_RATIO: Final = "1:1"
# Bria's 1-megapixel presets (a choice: the page names the ratios, not the pixels).
FIBO_SIZES: Final = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
    "4:3": (1152, 896),
}

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
EXPECTED_MAX_SECONDS: Final = {RMBG: 8.0, FIBO: 20.0}
