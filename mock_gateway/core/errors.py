"""Gateway errors that know their wire form.

Each class carries the HTTP status and the documented body. The core raises them; one
middleware turns them into JSON. Generation 2 bodies have `error` plus, where the page has
one, `message`; generation 1 bodies carry only `error` (see `body()`).
"""

from __future__ import annotations

from typing import ClassVar


class GatewayError(Exception):
    """An answer other than success, as the gateway would send it."""

    status: int = 500
    error: ClassVar[str] = "An unexpected error occurred, please try again later"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message or self.error)
        self.message = message
        self.field = field

    def body(self, generation: int = 2) -> dict[str, object]:
        """The JSON body for this error in the given API generation."""
        if generation == 1:
            # The older page's error table gives one exact body per status, details none.
            return {"error": GEN1_TABLE.get(self.status, self.error)}
        out: dict[str, object] = {"error": self.error}
        if self.message:
            out["message"] = self.message
        if self.field:
            out["field"] = self.field
        return out

    def headers(self) -> dict[str, str]:
        return {}


class InvalidParameters(GatewayError):
    status = 400
    error = "Invalid request parameters"


class ModelNotFound(GatewayError):
    status = 400
    error = "Model not found"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"Model '{model_id}' not found or is disabled")


class Unauthorized(GatewayError):
    status = 401
    error = "Invalid or missing authentication"


class InsufficientBalance(GatewayError):
    status = 402
    error = "Insufficient Balance"

    def __init__(self) -> None:
        super().__init__("Your wallet does not have enough balance.")


class Forbidden(GatewayError):
    status = 403
    error = "Access denied for this operation"


class EndpointNotFound(GatewayError):
    status = 404
    error = "Endpoint not found"


class RequestNotFound(GatewayError):
    status = 404
    error = "Request not found"

    def __init__(self, request_id: str) -> None:
        super().__init__(f"No request with id '{request_id[:120]}'")


class PayloadTooLarge(GatewayError):
    status = 413
    error = "Request body too large"


class RateLimited(GatewayError):
    status = 429
    error = "Rate limit exceeded, please retry later"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InternalError(GatewayError):
    status = 500


class StoreUnavailable(GatewayError):
    """The shared store (Redis) does not answer: nothing was decided, so nothing was charged
    or counted; the client may retry, and the mock recovers by itself when the store does."""

    status = 503
    error = "Service temporarily unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


# The generation-1 page's error table: to a generation-1 key, exactly these bodies (a 404
# for an unknown request id included: "The requested resource or endpoint could not be found").
GEN1_TABLE: dict[int, str] = {
    400: InvalidParameters.error,
    401: Unauthorized.error,
    403: Forbidden.error,
    404: EndpointNotFound.error,
    429: RateLimited.error,
    500: InternalError.error,
}

# The documented body for each status a scenario may force (`http-<code>`).
_FORCED_ERRORS: dict[int, str] = {
    400: InvalidParameters.error,
    401: Unauthorized.error,
    402: InsufficientBalance.error,
    403: Forbidden.error,
    404: EndpointNotFound.error,
    429: RateLimited.error,
    500: InternalError.error,
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}


class ForcedError(GatewayError):
    """An HTTP status forced by a scenario rule, with the body the page documents for it."""

    def __init__(self, status: int) -> None:
        super().__init__("Forced by a mock scenario")
        self.status = status

    def body(self, generation: int = 2) -> dict[str, object]:
        if self.status == 402:
            return InsufficientBalance().body(generation)
        error = _FORCED_ERRORS.get(self.status, f"HTTP {self.status}")
        if generation == 1:
            return {"error": GEN1_TABLE.get(self.status, error)}
        return {"error": error, "message": self.message}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"} if self.status in (429, 503) else {}


class InputRejected(Exception):
    """An RMBG input that cannot be used (unreachable, not an image, too large).

    Not an HTTP error: the submit was accepted; the job ends FAILED with this message.
    """
