"""Error answers the pages spell out: an unknown model, an unknown path, a wrong method.

Generation 2 documents the 400 "Model not found" body exactly; its tables list 401, 403, 404,
429 and 500 without bodies, so the generation-1 table's bodies are assumptions there.
"""

from __future__ import annotations

from .checks import ContractViolation, check_error, check_table_body
from .contract import FIBO, STATUS_PATH, SUBMIT_HEADERS
from .ledger import current
from .target import Target

UNKNOWN_MODEL = "bria-no-such-model-1"


def test_an_unknown_model_is_400_model_not_found_with_the_pages_body(target: Target) -> None:
    path = f"/{UNKNOWN_MODEL}/v1/{UNKNOWN_MODEL}-request"
    answer = target.http.request(
        "POST", path, json_body={"prompt": "a lighthouse"}, headers=SUBMIT_HEADERS
    )
    body = check_error(answer, 400, "model-not-found-400", "a submit to an unknown model")
    expected = {
        "error": "Model not found",
        "message": f"Model '{UNKNOWN_MODEL}' not found or is disabled",
    }
    if body != expected:
        raise ContractViolation(
            "model-not-found-400", f"the body is {body}, the page's is {expected}", answer
        )
    current().passed("model-not-found-400", answer)


def test_an_unknown_path_is_404(target: Target) -> None:
    answer = target.http.request("GET", "/no/such/endpoint")
    body = check_error(answer, 404, "unknown-path-404", "GET of an unknown path")
    check_table_body(answer, body)


def test_a_wrong_method_on_a_known_path_is_404(target: Target) -> None:
    answer = target.http.request("DELETE", STATUS_PATH + f"{FIBO}_019d0000-0000-7000-8000-0")
    check_error(
        answer, 404, "assumed.error.wrong-method-404", "DELETE on the status path (no such method)"
    )
