"""Generation 1 is transparent: a key answered the older way submits, polls, waits and downloads
through the same methods, on the result endpoint."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from mock_gateway.core.catalog import DEFAULT_MODELS, RMBG
from mock_gateway.running import RunningGateway, running
from pixazo_client import (
    InsufficientBalanceError,
    JobFailedError,
    Model,
    NotFoundError,
    PermissionDeniedError,
    PixazoClient,
    State,
    ValidationError,
)

from .conftest import CAT, PNG_MAGIC, RMBG_RESULT, RMBG_SUBMIT, SimTime, client_options, journal

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FIBO_RESULT = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"
UNKNOWN = "01a20138-0fc8-7d82-b082-532b629f6fbe"


@pytest.fixture
def old(make_sync: Callable[..., PixazoClient], gw: RunningGateway) -> PixazoClient:
    gw.put_key("old-key", balance_usd=10, api_generation=1)
    return make_sync("old-key")


def test_submit_recognizes_the_generation_1_answer(old: PixazoClient, gw: RunningGateway) -> None:
    job = old.remove_background(CAT)
    assert job.generation == 1 and job.model is Model.RMBG
    assert UUID.match(job.request_id), "a bare UUID, without the model"
    assert job.status_url == f"{gw.url}/fal-ai/bria/requests/{job.request_id}"
    assert job.raw["status"] == "IN_QUEUE"
    assert journal(gw) == [("POST", RMBG_SUBMIT, 200)]


def test_status_uses_the_result_endpoint_and_speaks_generation_2(
    old: PixazoClient, gw: RunningGateway
) -> None:
    job = old.remove_background(CAT)
    queued = old.status(job)
    assert queued.status is State.QUEUED and queued.raw["status"] == "IN_QUEUE"
    assert queued.generation == 1 and queued.model_id == "bria-rmbg-2-0-682"
    gw.advance(3.001)  # RMBG queues 1-3 s: now processing
    running = old.status(job.request_id)  # a remembered id needs no model
    assert running.status is State.PROCESSING and running.raw["status"] == "IN_PROGRESS"
    assert running.estimated_seconds == running.raw["estimated_completion_time_seconds"]
    gw.advance(60)
    done = old.status(job)
    assert done.status is State.COMPLETED and done.media_type == "image/png"
    assert done.media_urls == (done.raw["result"]["image_url"],)
    assert done.raw["result"]["original_image_url"] == CAT
    assert journal(gw)[1:] == [("POST", RMBG_RESULT, 200)] * 3


def test_an_id_the_client_did_not_submit_is_looked_up_on_both_result_endpoints(
    old: PixazoClient, make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    rmbg = old.remove_background(CAT)
    fibo = old.text_to_image("a lighthouse")
    stranger = make_sync("old-key")
    asked = len(gw.requests)
    found = stranger.status(rmbg.request_id)
    assert found.status is State.QUEUED and found.model_id == "bria-rmbg-2-0-682"
    found = stranger.status(fibo.request_id)
    assert found.status is State.QUEUED and found.model_id == "bria-fibo-bbq-preview"
    assert journal(gw)[asked:] == [
        ("POST", RMBG_RESULT, 200),
        ("POST", RMBG_RESULT, 404),  # the older page's model first, then FIBO
        ("POST", FIBO_RESULT, 200),
    ]
    asked = len(gw.requests)
    stranger.status(fibo.request_id)
    assert journal(gw)[asked:] == [("POST", FIBO_RESULT, 200)], "found once, then remembered"


def test_wait_on_an_id_the_client_did_not_submit_needs_no_model(
    old: PixazoClient, make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    fibo = old.text_to_image("a lighthouse")
    done = make_sync("old-key").wait(fibo.request_id, timeout=120)
    assert done.status is State.COMPLETED and done.model_id == "bria-fibo-bbq-preview"
    assert journal(gw)[1:3] == [("POST", RMBG_RESULT, 404), ("POST", FIBO_RESULT, 200)]
    assert {p for _, p, _ in journal(gw)[3:]} == {FIBO_RESULT}


def test_model_still_names_the_one_endpoint_to_ask(
    old: PixazoClient, make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    job = old.remove_background(CAT)
    stranger = make_sync("old-key")
    for model in ("rmbg", "RMBG", Model.RMBG, "bria-rmbg-2-0-682"):
        assert stranger.status(job.request_id, model=model).status is State.QUEUED
    assert stranger.status(job).status is State.QUEUED, "or pass the Submission"
    assert journal(gw)[1:] == [("POST", RMBG_RESULT, 200)] * 5
    with pytest.raises(NotFoundError):
        stranger.status(job.request_id, model="fibo")  # the wrong model is not second-guessed
    assert journal(gw)[-1] == ("POST", FIBO_RESULT, 404)


def test_an_id_unknown_to_both_result_endpoints_is_not_found(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("old-key", balance_usd=10, api_generation=1)
    with pytest.raises(NotFoundError) as caught:
        make_sync("old-key").status(UNKNOWN)
    assert str(caught.value) == (
        f"request {UNKNOWN} is unknown to both generation-1 result endpoints for this key "
        "(RMBG and FIBO each answered HTTP 404)"
    )
    assert caught.value.status_code == 404
    assert journal(gw) == [("POST", RMBG_RESULT, 404), ("POST", FIBO_RESULT, 404)]


def test_a_result_endpoint_this_key_may_not_use_is_skipped(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("fibo-only", balance_usd=10, api_generation=1, models=["bria-fibo-bbq-preview"])
    submitter, stranger = make_sync("fibo-only"), make_sync("fibo-only")
    job = submitter.text_to_image("a lighthouse")
    assert stranger.status(job.request_id).model_id == "bria-fibo-bbq-preview"
    assert journal(gw)[1:] == [("POST", RMBG_RESULT, 403), ("POST", FIBO_RESULT, 200)]
    # Nowhere to be found: the refusal is the answer (the id may be one only RMBG knows).
    with pytest.raises(PermissionDeniedError):
        stranger.status(UNKNOWN)
    assert journal(gw)[-2:] == [("POST", RMBG_RESULT, 403), ("POST", FIBO_RESULT, 404)]


@pytest.mark.parametrize(
    "typo",
    [
        "abc",
        "01a20138-0fc8-7d82-b082",
        f"{UNKNOWN}0",
        "bria-rmbg-2-0-682_0000",
        "bria-rmbg-2-0-682_",
        f"_{UNKNOWN}",
        f"bria rmbg_{UNKNOWN}",
    ],
)
def test_a_typo_is_not_a_request_id(old: PixazoClient, gw: RunningGateway, typo: str) -> None:
    with pytest.raises(ValidationError) as caught:
        old.status(typo)
    assert caught.value.field == "request_id"
    assert str(caught.value) == (
        f"{typo!r} is not a request id: expected <model id>_<uuid> (generation 2) "
        "or a bare <uuid> (generation 1), a <uuid> looking like "
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    )
    with pytest.raises(ValidationError):
        old.wait(typo, timeout=1)
    assert gw.requests == []


def test_both_shapes_are_taken_in_any_case_and_around_spaces(
    old: PixazoClient, gw: RunningGateway
) -> None:
    job = old.remove_background(CAT)
    assert old.status(f"  {job.request_id.upper()}\n").status is State.QUEUED
    with pytest.raises(NotFoundError):
        old.status(f"bria-rmbg-2-0-682_{UNKNOWN.upper()}")  # generation 2: well formed, unknown


def test_wait_and_download_work_the_same(
    old: PixazoClient, gw: RunningGateway, sim: SimTime, tmp_path: Path
) -> None:
    job = old.text_to_image("a lighthouse", aspect_ratio="16:9")
    assert job.generation == 1 and job.model is Model.FIBO
    done = old.wait(job, timeout=120)
    assert done.status is State.COMPLETED and done.generation == 1
    assert {p for _, p, _ in journal(gw)[1:]} == {FIBO_RESULT}
    data = old.download(done, tmp_path / "fibo.png").read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(data)).size == (1344, 768)


def test_the_gateway_estimate_shortens_the_poll_gap(sim: SimTime) -> None:
    slow = dataclasses.replace(RMBG, queue_seconds=(1.0, 1.0), processing_seconds=(20.0, 20.0))
    with running(manual_clock=True, models={**DEFAULT_MODELS, RMBG.model_id: slow}) as gw:
        gw.put_key("old-key", balance_usd=10, api_generation=1)
        sim.gw = gw
        seen: list[int | None] = []
        with PixazoClient("old-key", **client_options(sim, base_url=gw.url)) as old:
            old.wait(
                old.remove_background(CAT), on_update=lambda s: seen.append(s.estimated_seconds)
            )
    # t=0 queued; t=5 ends in 16 s; t=12.5 ends in 8.5 s (said as 9): poll then, not at 10 s
    assert seen == [None, 16, 9, None]
    assert sim.sleeps == [5.0, 7.5, 9.0]


def test_a_failed_or_errored_job_fails_the_wait(old: PixazoClient, gw: RunningGateway) -> None:
    gw.scenario(outcome="ERROR", error="GPU lost")
    with pytest.raises(JobFailedError) as caught:
        old.wait(old.remove_background(CAT), timeout=60)
    final = caught.value.status
    assert final.status is State.FAILED, "generation 1 shows ERROR as FAILED"
    assert final.error == "GPU lost" and final.raw == {
        "status": "FAILED",
        "request_id": final.request_id,
        "error": "GPU lost",
    }


def test_generation_1_error_bodies_carry_only_error(
    make_sync: Callable[..., PixazoClient], gw: RunningGateway
) -> None:
    gw.put_key("old-poor", balance_usd=0, api_generation=1)
    with pytest.raises(InsufficientBalanceError) as caught:
        make_sync("old-poor").remove_background(CAT)
    assert caught.value.body == {"error": "Insufficient Balance"}
    assert str(caught.value) == "HTTP 402: Insufficient Balance"


def test_a_webhook_on_a_generation_1_key_warns_that_none_will_come(old: PixazoClient) -> None:
    with pytest.warns(UserWarning, match="generation-1"):
        job = old.remove_background(CAT, webhook_url="https://example.com/hook")
    assert job.generation == 1
