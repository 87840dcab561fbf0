"""Issue 18's list: bugs a mutation run made that no test noticed. One named test per gap,
each written against the mutated code first (it failed there) and kept as the guard.

The mutant each test kills is in its docstring ("Broken: ...").
"""

from __future__ import annotations

from typing import Any

import pytest

from mock_gateway.core.catalog import FIBO
from mock_gateway.core.errors import InsufficientBalance, InvalidParameters
from mock_gateway.core.events import REFUND
from mock_gateway.core.jobs import Status
from mock_gateway.core.scenarios import (
    DEFAULT_ERROR,
    MAX_LATENCY_MS,
    Effects,
    ScenarioBook,
    parse_header,
)
from tests.conftest import AUTH, FIBO_SUBMIT, KEY, Gw
from tests.core.test_gateway import gateway, submit

# -- 1. a rule that does not apply must not hide the rules after it ---------------------------


def test_gap_1_a_non_matching_or_used_up_rule_does_not_stop_later_rules() -> None:
    """Broken: `continue` turned into `break` in ScenarioBook.matching (the first rule that
    does not fit, or is used up, ends the search)."""
    book = ScenarioBook()
    book.add({"match": {"model": "some-other-model"}, "http": 500})
    book.add({"http": 429, "times": 1})
    book.add({"http": 503})
    first = book.effects_for(KEY, FIBO.model_id, None, "submit")
    assert first.http == 429 and first.rules == ["rule-2", "rule-3"]
    then = book.effects_for(KEY, FIBO.model_id, None, "submit")  # rule-2 is used up now
    assert then.http == 503 and then.rules == ["rule-3"]


# -- 2. the documented maximum latency --------------------------------------------------------


def test_gap_2_latency_600000_is_the_largest_accepted() -> None:
    """Broken: `<=` turned into `<` for MAX_LATENCY_MS (the documented maximum refused)."""
    assert MAX_LATENCY_MS == 600_000
    assert parse_header("latency-600000").latency_ms == 600_000
    with pytest.raises(InvalidParameters):
        parse_header("latency-600001")


# -- 3. work due exactly at the target time ---------------------------------------------------


async def test_gap_3_work_due_exactly_at_the_advanced_time_has_happened() -> None:
    """Broken: `due <= now` turned into `<` in Gateway.advance or catch_up (a refund due at
    exactly the target instant still pending when advance returns)."""
    gw = gateway()
    account = gw.authenticate(KEY)
    before = account.balance_usd
    job = submit(gw, FIBO, effects=forced_error())
    assert account.balance_usd == before - FIBO.price_usd
    await gw.advance(job.ended_at - gw.now())  # exactly to the refund's due time
    assert gw.now() == job.ended_at
    assert not [e for e in gw.dispatcher.events.pending() if e.kind == REFUND]
    assert account.balance_usd == before

    gw2 = gateway()
    account2 = gw2.authenticate(KEY)
    job2 = submit(gw2, FIBO, effects=forced_error())
    gw2.clock.advance(job2.ended_at - gw2.now())  # the clock alone, then what a request runs
    gw2.catch_up()
    assert account2.balance_usd == before


def forced_error() -> Effects:
    return Effects(outcome=Status.ERROR, error=DEFAULT_ERROR)


# -- 4. a small time scale keeps fractions of a second ----------------------------------------


def test_gap_4_a_small_time_scale_gives_plans_shorter_than_a_second() -> None:
    """Broken: queue and processing times rounded to whole seconds (at --time-scale 0.01 a
    job would start and end the instant it is accepted)."""
    gw = gateway(time_scale=0.01)
    for _ in range(20):
        job = submit(gw, FIBO)
        queued, processing = job.started_at - job.created_at, job.ended_at - job.started_at
        assert 0 < queued < 1 and 0 < processing < 1, (queued, processing)


# -- 5. an existing key changed through put_key -----------------------------------------------


async def test_gap_5_restricting_a_keys_models_and_generation_takes_effect(gw: Gw) -> None:
    """Broken: put_key ignoring `models` or `api_generation` for a key that exists."""
    await gw.put_key(KEY, models=["bria-rmbg-2-0-682"])
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 403, body
    await gw.put_key(KEY, models=None, api_generation=1)
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 200 and body["status"] == "IN_QUEUE", body  # generation 1's answer


# -- 6. each job keeps the address it was submitted through ------------------------------------


async def test_gap_6_each_job_keeps_the_host_it_was_submitted_under(gw: Gw) -> None:
    """Broken: every job's base URL the first one the mock ever saw (a second host's job
    would point its media_url at the first host)."""
    ids = {}
    for host in ("first.example:8080", "second.example:9090"):
        resp = await gw.client.post(
            FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, "Host": host}
        )
        body = await resp.json()
        assert body["polling_url"].startswith(f"http://{host}/"), body
        ids[host] = body["request_id"]
    await gw.advance(600)
    for host, rid in ids.items():
        status = await gw.status(rid)  # polled through the test client's own host
        assert status["output"]["media_url"][0].startswith(f"http://{host}/"), status


# -- 7. the journal's bound and its limit -----------------------------------------------------


async def test_gap_7_journal_size_bounds_the_journal_and_limit_takes_the_newest(
    make_client: Any,
) -> None:
    """Broken: journal_size not bounding the journal, or `?limit=N` (N > 0) ignored or
    taking the oldest."""
    gw = Gw(await make_client(journal_size=3))
    ids = [(await gw.fibo())["request_id"] for _ in range(5)]
    kept = (await (await gw.client.get("/_mock/requests")).json())["requests"]
    assert [e["request_id"] for e in kept] == ids[2:]
    two = (await (await gw.client.get("/_mock/requests?limit=2")).json())["requests"]
    assert [e["request_id"] for e in two] == ids[3:]


# -- 8. which field a missing-field 400 names -------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (FIBO_SUBMIT, {"seed": 1}, "prompt"),
        ("/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request", {}, "image_url"),
    ],
)
async def test_gap_8_a_missing_field_400_names_the_field(
    gw: Gw, path: str, body: dict[str, Any], field: str
) -> None:
    """Broken: the 400 naming another field (or none) than the one missing."""
    status, answer = await gw.submit(path, body)
    assert status == 400 and answer["field"] == field, answer


def test_gap_8_the_client_error_carries_the_field() -> None:
    """Broken: the client's 400 naming no field, or another one, than the body's."""
    from pixazo_client.errors import BadRequestError, error_for

    raw = b'{"error": "Invalid parameters", "message": "prompt: required", "field": "prompt"}'
    error = error_for(400, {}, raw)
    assert isinstance(error, BadRequestError) and error.field == "prompt"
    assert error_for(400, {}, b'{"error": "Invalid parameters"}').field is None


# -- 9. forced statuses: Retry-After and the 402 body -----------------------------------------


async def test_gap_9_a_forced_503_says_retry_after_and_a_forced_402_is_the_wallets_body(
    gw: Gw,
) -> None:
    """Broken: no Retry-After on a forced 503 (or one on a forced 500), or a forced 402
    whose body is not the wallet's own."""
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, "X-Mock-Scenario": "http-503"}
    )
    assert resp.status == 503 and resp.headers["Retry-After"] == "1"
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, "X-Mock-Scenario": "http-500"}
    )
    assert resp.status == 500 and "Retry-After" not in resp.headers
    resp = await gw.client.post(
        FIBO_SUBMIT, json={"prompt": "a fox"}, headers={**AUTH, "X-Mock-Scenario": "http-402"}
    )
    assert resp.status == 402 and await resp.json() == InsufficientBalance().body(2)
    await gw.put_key("poor-key", balance_usd="0")
    status, poor = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"}, key="poor-key")
    assert status == 402 and poor == InsufficientBalance().body(2)  # the same body


# -- 10. the client ---------------------------------------------------------------------------


def test_gap_10_a_single_attempt_policy_is_allowed_and_is_what_none_builds() -> None:
    """Broken: RetryPolicy refusing attempts=1 (`< 1` turned into `<= 1`), which
    RetryPolicy.none() builds."""
    from pixazo_client.policy import RetryPolicy

    assert RetryPolicy(attempts=1).attempts == 1
    assert RetryPolicy.none().attempts == 1
    with pytest.raises(ValueError, match="attempts must be >= 1"):
        RetryPolicy(attempts=0)


def test_gap_10_the_sync_client_sends_the_webhook_headers(
    mock_gateway: Any, webhook_sink: Any
) -> None:
    """Broken: PixazoClient (the blocking one) dropping webhook_url or webhook_mode on the
    way to the async client."""
    from pixazo_client import PixazoClient

    with PixazoClient(mock_gateway.api_key, mock_gateway.url) as client:
        made = client.text_to_image("a fox", webhook_url=webhook_sink.url, webhook_mode="sync")
        cut = client.remove_background(
            f"{mock_gateway.url}/_mock/samples/cat.png",
            webhook_url=webhook_sink.url,
            webhook_mode="sync",  # not the default (terminal): a dropped mode would show
        )
    jobs = {j["request_id"]: j for j in mock_gateway.jobs}
    assert (jobs[made.request_id]["webhook_url"], jobs[made.request_id]["webhook_mode"]) == (
        webhook_sink.url,
        "sync",
    )
    assert (jobs[cut.request_id]["webhook_url"], jobs[cut.request_id]["webhook_mode"]) == (
        webhook_sink.url,
        "sync",
    )


async def _no_wait(seconds: float) -> None:
    return None


def test_gap_10_a_download_is_retried_and_counts_its_bytes(
    mock_gateway: Any, tmp_path: Any
) -> None:
    """Broken: a download not retried after a 503 (`retry=True` turned into False), or the
    transport's byte count not the file's size."""
    from pixazo_client import PixazoClient

    mock_gateway.scenario(match={"on": "cdn"}, http=503, times=1)  # the first GET fails
    with PixazoClient(mock_gateway.api_key, mock_gateway.url, sleep=_no_wait) as client:
        made = client.text_to_image("a fox")
        mock_gateway.advance(600)
        done = client.status(made.request_id)
        path = client.download(done, tmp_path / "fox.png")
        assert path.read_bytes().startswith(b"\x89PNG")
        again = tmp_path / "again.png"
        size = client._run(client._async._transport.download(done.media_urls[0], again))
    assert size == again.stat().st_size == path.stat().st_size


def test_gap_10_generation_1_status_reads_are_retried(mock_gateway: Any) -> None:
    """Broken: generation 1's status read (a POST that charges nothing) not retried after a
    503 (`retry=True` turned into False in _gen1_status)."""
    from pixazo_client import PixazoClient

    mock_gateway.put_key("gen1-key", api_generation=1)
    mock_gateway.scenario(match={"on": "result"}, http=503, times=1)
    with PixazoClient("gen1-key", mock_gateway.url, sleep=_no_wait) as client:
        made = client.remove_background(f"{mock_gateway.url}/_mock/samples/cat.png")
        mock_gateway.advance(600)
        assert client.status(made.request_id).status.value == "COMPLETED"


def test_gap_10_the_generation_1_model_memory_forgets_the_oldest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken: the bounded request-id -> model memory evicting the newest entry."""
    from pixazo_client import async_client
    from pixazo_client.models import Model

    monkeypatch.setattr(async_client, "_REMEMBERED", 3)
    client = async_client.AsyncPixazoClient("k", "http://127.0.0.1:9")
    for n in range(4):
        client._remember(f"id-{n}", Model.RMBG)
    assert list(client._gen1_models) == ["id-1", "id-2", "id-3"]


def test_gap_10_error_messages_say_what_happened_in_one_bounded_line() -> None:
    """Broken: `.message` not the error's text, a long (HTML) body not cut at 200 characters,
    or WaitTimeoutError's text missing the id, the state or the time."""
    from pixazo_client.errors import WaitTimeoutError, error_for
    from pixazo_client.models import JobStatus, State

    error = error_for(402, {}, b'{"error": "Insufficient balance", "message": "top up"}')
    assert error.message == str(error) == "HTTP 402: Insufficient balance: top up"
    page = b"<html><body>" + b"proxy says no " * 40 + b"</body></html>"
    cut = error_for(502, {}, page, "Bad Gateway").message
    text = ("proxy says no " * 40).strip()
    assert cut == f"HTTP 502: {text[:200]}…"
    assert error_for(503, {}, b"", "Service Unavailable").message == (
        "HTTP 503: Service Unavailable"
    )
    last = JobStatus("rid-1", State.PROCESSING, "bria-fibo-bbq-preview")
    assert str(WaitTimeoutError("rid-1", 2.5, last)) == "request rid-1 still PROCESSING after 2.5 s"
    assert str(WaitTimeoutError("rid-2", 3, None)) == "request rid-2 still unknown after 3 s"
