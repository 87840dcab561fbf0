"""The status endpoint for ids that name no job of ours: 404 with a JSON error body."""

from __future__ import annotations

from hypothesis import example, given

from .checks import check_error
from .strategies import unknown_request_ids
from .target import Target


@given(request_id=unknown_request_ids())
@example(request_id="bria-fibo-bbq-preview_019d0000-0000-7000-8000-000000000000")
@example(request_id="bria-rmbg-2-0-682_019d0000-0000-7000-8000-000000000000")
def test_an_unknown_request_id_is_404(target: Target, request_id: str) -> None:
    answer = target.status(request_id)
    check_error(answer, 404, "unknown-id-404", f"a status poll of the unknown id {request_id!r}")
