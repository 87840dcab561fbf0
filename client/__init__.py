"""A small client for the Pixazo gateway's Bria models: RMBG 2.0 (background removal) and
FIBO (text to image), against the live gateway or the offline mock.

    from pixazo_client import PixazoClient

    with PixazoClient() as pixazo:                  # $PIXAZO_API_KEY, $PIXAZO_BASE_URL
        job = pixazo.text_to_image("a lighthouse at dusk", aspect_ratio="16:9")
        done = pixazo.wait(job, timeout=120)
        pixazo.download(done, "lighthouse.png")

`AsyncPixazoClient` is the same with `async with` / `await`. Errors: see `pixazo_client.errors`.
"""

from __future__ import annotations

from ._version import __version__
from .async_client import AsyncPixazoClient
from .callbacks import CallbackDeduplicator, parse_callback
from .config import DEFAULT_BASE_URL
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    GatewayError,
    InsufficientBalanceError,
    JobFailedError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    PixazoError,
    RateLimitError,
    ServerError,
    SubmitOutcomeUnknownError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WaitTimeoutError,
)
from .models import JobStatus, Model, State, Submission
from .policy import PollPolicy, RetryPolicy
from .sync_client import PixazoClient

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncPixazoClient",
    "AuthenticationError",
    "BadRequestError",
    "CallbackDeduplicator",
    "ConfigurationError",
    "GatewayError",
    "InsufficientBalanceError",
    "JobFailedError",
    "JobStatus",
    "Model",
    "ModelNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "PixazoClient",
    "PixazoError",
    "PollPolicy",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "State",
    "Submission",
    "SubmitOutcomeUnknownError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
    "parse_callback",
]
