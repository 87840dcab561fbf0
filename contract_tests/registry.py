"""Every check the suite makes, by stable id: what kind it is and what it rests on.

A *documented* check's expected answer is stated by one of the gateway's pages
(docs/pages/): a mismatch is a contract violation and fails the run. An *assumed* check
covers what the mock chose where the pages are silent or disagree (docs/API_NOTES.md, "Choices,
with their assumed-check ids"): against the mock it must hold; against a live gateway it is
reported as confirmed, contradicted (with what was seen) or unobserved, and never fails the run.

Ids never change once published: reports, calibration profiles and the suite's own sharpness
tests refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["ASSUMED", "CHECKS", "DOCUMENTED", "Check", "check_for"]

Kind = Literal["documented", "assumed"]
DOCUMENTED: Final = "documented"
ASSUMED: Final = "assumed"

GEN1: Final = "generation-1 page"
GEN2: Final = "generation-2 page"


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its id, its kind, the page sentence or choice it rests on, and (assumed
    checks) what the mock does by default, in words."""

    id: str
    kind: Kind
    basis: str
    expected: str = ""


def _doc(id: str, basis: str) -> Check:
    return Check(id, DOCUMENTED, basis)


def _assumed(id: str, expected: str, basis: str) -> Check:
    return Check(id, ASSUMED, basis, expected)


_ALL: Final = (
    # -- front door and errors, documented ----------------------------------------------------
    _doc("auth-401", f"{GEN1} and {GEN2} status tables: 401 Unauthorized for a missing or "
         "invalid key"),
    _doc("error-json", f"{GEN1} error table: every error body is JSON {{\"error\": ...}}"),
    _doc("gen1-error-body", f"{GEN1} error table: 400, 401, 403, 404, 429 and 500 bodies, "
         "exactly"),
    _doc("balance-402", f"{GEN2} queue system errors: 402 {{\"error\": \"Insufficient "
         "Balance\", \"message\": \"Your wallet does not have enough balance.\"}"),
    _doc("model-not-found-400", f"{GEN2} model validation errors: 400 {{\"error\": \"Model not "
         "found\", \"message\": \"Model '<id>' not found or is disabled\"}"),
    _doc("invalid-400", f"{GEN1} error table: 400 for invalid parameters or missing fields"),
    _doc("unknown-id-404", f"{GEN1} error table: 404 - the requested resource could not be "
         "found"),
    _doc("unknown-path-404", f"{GEN1} error table: 404 {{\"error\": \"Endpoint not found\"}} "
         "for an endpoint that does not exist"),
    _doc("rate-limit-429", f"{GEN1} and {GEN2} tables: 429 Too Many Requests"),
    _doc("forbidden-403", f"{GEN1} error table: 403 Forbidden - the subscription does not have "
         f"access to this API or action; {GEN2} status tables: 403 Forbidden"),
    _doc("json-content-type", "every page example answers JSON: a JSON body is served as a "
         "JSON media type (application/json or application/*+json)"),
    # -- submit and status, documented ---------------------------------------------------------
    _doc("submit-202", f"{GEN2} submit table: 202 Accepted - Request queued"),
    _doc("submit-json", f"{GEN2} submit example: a JSON object with request_id, status, "
         "polling_url"),
    _doc("request-id", f"{GEN2} examples: request_id is '<model id>_<id>'"),
    _doc("polling-url", f"{GEN2} submit example: polling_url is the status URL of this id, "
         "on the gateway"),
    _doc("status-200", f"{GEN2} status section: GET /v2/requests/status/{{request_id}} answers "
         "the job's status (its example), for every state"),
    _doc("job-identity", f"{GEN2} status example: the answer describes the job asked for"),
    _doc("transition", f"{GEN2} lifecycle: QUEUED -> PROCESSING -> COMPLETED | FAILED | ERROR"),
    _doc("terminal-stable", f"{GEN2} lifecycle: COMPLETED, FAILED and ERROR are final"),
    _doc("timestamps-ordered", f"{GEN2} status fields: created_at, updated_at, completed_at "
         "(a later moment is never earlier)"),
    _doc("created-at-stable", f"{GEN2} status fields: created_at is when the job was made"),
    _doc("terminal-reached", f"{GEN2}: a job reaches a final status (within the run's job "
         "timeout)"),
    _doc("outcome", f"{GEN2} lifecycle: a job ends COMPLETED, FAILED or ERROR"),
    _doc("png", f"{GEN2} examples: output.media_url points at the picture (output.png)"),
    _doc("price", f"{GEN2} pricing: $0.018 an RMBG job, $0.04 a FIBO image"),
    _doc("error-refunded", f"{GEN2} statuses: ERROR - System error - not charged"),
    _doc("webhook-https-400", f"{GEN2} webhooks: HTTPS required - plain http is rejected"),
    _doc("webhook-body", f"{GEN2} webhooks: a POST application/json with the same shape as the "
         "status response"),
    _doc("webhook-once", f"{GEN2} X-Webhook-Mode terminal: fires once at the final status"),
    _doc("webhook-sync", f"{GEN2} X-Webhook-Mode sync: fires on every poll cycle plus the "
         "terminal event"),
    _doc("webhook-json", f"{GEN2} webhooks: your endpoint receives a POST application/json"),
    _doc("seed-reproducible", f"{GEN2} seed: the same seed with identical parameters produces "
         "reproducible results"),
    _doc("status-fields", f"{GEN2} status example: request_id, status, model_id, error, output "
         "and the timestamps; polling_url belongs to the submit answer only"),
    # -- generation 1, documented --------------------------------------------------------------
    _doc("gen1-submit-200", f"{GEN1} example: 200 {{\"status\": \"IN_QUEUE\", \"request_id\", "
         "\"response_url\"}"),
    _doc("gen1-result-200", f"{GEN1} result endpoint: 200 with the job's status"),
    _doc("gen1-lifecycle", f"{GEN1}: IN_QUEUE -> IN_PROGRESS -> COMPLETED"),
    _doc("gen1-result", f"{GEN1} result example: image_url, width, height, content_type, "
         "original_image_url"),
    # -- the mock's own harness (mock only) ----------------------------------------------------
    _doc("manual-clock", "the mock's control API: on a manual clock nothing moves until it is "
         "advanced"),
    # -- assumed: what the mock chose ----------------------------------------------------------
    _assumed("assumed.error.texts", "400 bodies name the offending field",
             "the pages give no error text beyond the tables"),
    _assumed("assumed.error.apim-style", "401/404/429 bodies in the page's {\"error\"} shape",
             "the front door is Azure APIM, known to answer {\"statusCode\", \"message\"}"),
    _assumed("assumed.error.gen2-borrowed-bodies", "generation 2's 401, 403 and unknown-path "
             "404 carry the generation-1 table's error texts",
             f"the {GEN2} lists these codes without bodies"),
    _assumed("assumed.error.wrong-method-404", "a wrong method on a known path is 404 "
             "{\"error\": \"Endpoint not found\"}", "the pages document no 405"),
    _assumed("assumed.rate-limit.retry-after", "Retry-After in whole seconds on every 429",
             "the pages document 429 but no header"),
    _assumed("assumed.validation.guidance-range", "guidance_scale outside 5-10 is a 400",
             f"the {GEN2} recommends 5-10 and says upstream ignores it"),
    _assumed("assumed.validation.aspect-ratios", "only 1:1, 16:9, 9:16 and 4:3 are accepted",
             f"the {GEN2} says the values include these"),
    _assumed("assumed.validation.steps-range", "steps_num from 1 to 100",
             "no range is documented (upstream uses 20-50)"),
    _assumed("assumed.validation.blank-prompt", "an empty or blank prompt is a 400",
             "the pages say prompt is required, not that it must hold text"),
    _assumed("assumed.validation.image-url", "an image_url that is not an absolute http(s) or "
             "data:image URL is a 400 at submit", f"the {GEN2} says the URL must be publicly "
             "accessible, not that a bad one is refused before the job"),
    _assumed("assumed.response.exact-fields", "the submit answer has exactly request_id, "
             "status and polling_url", f"the {GEN2} submit example shows these three and does "
             "not say there are no others"),
    _assumed("assumed.ids.uuid7", "request ids are '<model id>_<lower-case UUIDv7>'",
             f"the {GEN2} examples show '019d...' ids (a v7 timestamp) and no rule"),
    _assumed("assumed.timestamps.form", "the webhook example's mixed form: created_at like "
             "2026-05-22T13:17:32.110Z, updated_at and completed_at like 2026-05-22 13:19:23",
             f"the {GEN2} status example uses 2026-03-31T10:00:00.000Z throughout, its webhook "
             "example (real-looking values, same shape) mixes the two"),
    _assumed("assumed.output.media-type", "output.media_type is image/png",
             f"the {GEN2} status example says application/octet-stream, the webhook example "
             "image/png"),
    _assumed("assumed.output.sizes", "FIBO outputs are Bria's 1-megapixel presets per aspect "
             "ratio; an RMBG cut-out has its input's size", "the pages give no pixel sizes"),
    _assumed("assumed.durations", "RMBG ends within seconds, FIBO within about 20 s",
             "the pages give no durations"),
    _assumed("assumed.outcome.failed-charged", "a FAILED job is charged",
             "the pages say only that ERROR is not charged"),
    _assumed("assumed.wallet.rejected-free", "a rejected submit (4xx) is never charged",
             "the pages do not say"),
    _assumed("assumed.webhook.bad-mode-400", "an unknown X-Webhook-Mode is a 400",
             f"the {GEN2} lists terminal and sync only"),
    _assumed("assumed.webhook.delivery-id", "a duplicate callback repeats the same "
             "X-Webhook-Delivery-Id", "the pages say callbacks can repeat, nothing more"),
    _assumed("assumed.gen1.response-url", "response_url before the end answers 400 "
             "{\"detail\": \"Request is still in progress\"} (fal's queue)",
             f"the {GEN1} shows a fal response_url and nothing about it"),
    _assumed("assumed.gen1.eta", "estimated_completion_time_seconds never grows",
             f"the {GEN1} does not describe it"),
)

CHECKS: Final[dict[str, Check]] = {check.id: check for check in _ALL}


def check_for(id: str) -> Check:
    """The registered check with this id; `schema:<name>` ids are documented shape checks."""
    found = CHECKS.get(id)
    if found is not None:
        return found
    if id.startswith("schema:"):
        return _doc(id, f"the pages' example bodies and field tables, as {id[7:]}")
    raise KeyError(f"{id!r} is not a registered check (contract_tests/registry.py)")
