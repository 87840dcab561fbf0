"""The gateway's use cases without HTTP: a manual clock, a fake input resolver, no sockets."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from mock_gateway.core import jobs
from mock_gateway.core.catalog import FIBO, RMBG, Model
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.errors import (
    Forbidden,
    InputRejected,
    InsufficientBalance,
    ModelNotFound,
    RequestNotFound,
    Unauthorized,
)
from mock_gateway.core.jobs import InputImage, Job, Status
from mock_gateway.core.scenarios import DEFAULT_ERROR, Effects
from mock_gateway.gateway import Gateway
from mock_gateway.settings import KeyConfig, Settings

T0 = 1_774_951_200.0  # 2026-03-31T10:00:00Z
BASE = "http://127.0.0.1:8080"
CAT = "https://storage.googleapis.com/generativeai-downloads/images/cat.jpg"
BROKEN = "http://127.0.0.1:9/broken.png"  # loopback: fetched (here: by the fake), never stood in
CRASHING = "http://127.0.0.1:9/crash.png"
SLOW = "http://127.0.0.1:9/slow.png"
BALLOONS = "A hot air balloon festival at sunrise"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


class FakeResolver:
    """Remote URLs resolve at once (the stand-in); loopback ones go through `resolve`."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.fetched: list[str] = []
        self.forgotten = 0

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        if url.startswith("https://"):
            return InputImage("stand-in", url, 640, 480)
        return None

    async def resolve(self, url: str) -> InputImage:
        self.fetched.append(url)
        if url == BROKEN:
            raise InputRejected("image_url is not an image (got text/html)")
        if url == CRASHING:
            raise RuntimeError("a bug in the fetcher")
        if url == SLOW:
            assert self.gate is not None
            await self.gate.wait()
        return InputImage("bytes", "sha-of-" + url, 800, 600)

    def forget(self, jobs: int = 0) -> None:
        self.forgotten += 1


def gateway(settings: Settings | None = None, **changes: Any) -> Gateway:
    settings = replace(settings or Settings(manual_clock=True), **changes)
    return Gateway(settings, FakeResolver(), ManualClock(T0))


def submit(
    gw: Gateway,
    model: Model = FIBO,
    params: dict[str, Any] | None = None,
    effects: Effects | None = None,
    key: str = "test-key",
) -> Job:
    account = gw.authenticate(key)
    if params is None:
        params = {"prompt": BALLOONS} if model is FIBO else {"image_url": CAT}
    return gw.submit(account, model, params, effects or Effects(), BASE)


def forced(outcome: Status, error: str) -> Effects:
    return Effects(outcome=outcome, error=error)


@pytest.fixture
def gw() -> Gateway:
    return gateway()


# -- the front door ----------------------------------------------------------------------------


def test_settings_manual_clock_gives_a_manual_clock() -> None:
    gw = Gateway(Settings(manual_clock=True), FakeResolver())
    assert gw.clock.manual is True
    first = gw.now()
    assert gw.now() == first


@pytest.mark.parametrize("key", [None, "", "unknown-key", "TEST-KEY"])
def test_a_missing_or_unknown_key_is_401(gw: Gateway, key: str | None) -> None:
    with pytest.raises(Unauthorized) as caught:
        gw.authenticate(key)
    assert caught.value.status == 401
    assert caught.value.body() == {"error": "Invalid or missing authentication"}


def test_a_known_key_gives_its_account(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    assert account.key == "test-key"
    assert account.balance_usd == Decimal("100.00")


def test_an_unknown_model_is_400_model_not_found(gw: Gateway) -> None:
    with pytest.raises(ModelNotFound) as caught:
        gw.model_for(gw.authenticate("test-key"), "x")
    assert caught.value.status == 400
    assert caught.value.body() == {
        "error": "Model not found",
        "message": "Model 'x' not found or is disabled",
    }


def test_a_disabled_model_is_not_found() -> None:
    models = {RMBG.model_id: RMBG, FIBO.model_id: replace(FIBO, enabled=False)}
    gw = gateway(models=models)
    account = gw.authenticate("test-key")
    with pytest.raises(ModelNotFound) as caught:
        gw.model_for(account, FIBO.model_id)
    assert caught.value.body()["message"] == f"Model '{FIBO.model_id}' not found or is disabled"
    assert gw.model_for(account, RMBG.model_id) is RMBG


def test_a_model_the_key_may_not_use_is_403() -> None:
    keys = (KeyConfig("rmbg-only", Decimal("1"), models=frozenset({RMBG.model_id})),)
    gw = gateway(keys=keys)
    account = gw.authenticate("rmbg-only")
    with pytest.raises(Forbidden) as caught:
        gw.model_for(account, FIBO.model_id)
    assert caught.value.status == 403
    assert caught.value.body() == {"error": "Access denied for this operation"}
    assert gw.model_for(account, RMBG.model_id) is RMBG


# -- submit ------------------------------------------------------------------------------------


def test_submit_charges_the_price_exactly(gw: Gateway) -> None:
    submit(gw, FIBO)
    submit(gw, RMBG)
    assert gw.authenticate("test-key").balance_usd == Decimal("100.00") - Decimal("0.058")


def test_insufficient_balance_takes_nothing_and_makes_no_job() -> None:
    gw = gateway(keys=(KeyConfig("poor", Decimal("0.03")),))
    with pytest.raises(InsufficientBalance):
        submit(gw, FIBO, key="poor")
    assert gw.authenticate("poor").balance_usd == Decimal("0.03")
    assert gw.jobs == {}


@pytest.mark.parametrize("scale", [1.0, 2.0, 0.5])
@pytest.mark.parametrize("model", [RMBG, FIBO], ids=["rmbg", "fibo"])
def test_plans_fall_within_the_model_durations_times_the_scale(model: Model, scale: float) -> None:
    gw = gateway(time_scale=scale)
    eps = 1e-6  # float sums at epoch magnitude
    for _ in range(50):
        job = submit(gw, model)
        queued, processing = job.started_at - job.created_at, job.ended_at - job.started_at
        assert job.created_at == T0
        assert job.created_at < job.started_at < job.ended_at
        assert (
            model.queue_seconds[0] * scale - eps <= queued <= model.queue_seconds[1] * scale + eps
        )
        lo, hi = model.processing_seconds
        assert lo * scale - eps <= processing <= hi * scale + eps
        assert job.status_at(gw.now()) is Status.QUEUED


def test_generation_2_request_id_is_model_id_and_uuid7(gw: Gateway) -> None:
    job = submit(gw, FIBO)
    assert job.generation == 2
    assert re.fullmatch(rf"bria-fibo-bbq-preview_{UUID}", job.request_id)
    u = uuid.UUID(job.request_id.split("_", 1)[1])
    assert u.version == 7
    assert u.int >> 80 == int(T0 * 1000)
    assert gw.jobs[job.request_id] is job


def test_generation_1_request_id_is_a_bare_uuid7() -> None:
    gw = gateway(keys=(KeyConfig("old", Decimal("1"), api_generation=1),))
    job = submit(gw, RMBG, key="old")
    assert job.generation == 1
    assert re.fullmatch(UUID, job.request_id)


def test_the_server_default_generation_applies_to_keys_without_one() -> None:
    job = submit(gateway(api_generation=1), RMBG)
    assert job.generation == 1
    assert re.fullmatch(UUID, job.request_id)


def test_fibo_defaults_are_filled_in(gw: Gateway) -> None:
    job = submit(gw, FIBO, {"prompt": BALLOONS})
    assert job.params["prompt"] == BALLOONS
    assert job.params["aspect_ratio"] == "1:1"
    assert job.params["steps_num"] == 30
    assert job.params["guidance_scale"] == 7.5
    assert isinstance(job.params["seed"], int)
    assert 0 <= job.params["seed"] < 2**31


def test_fibo_values_given_are_kept(gw: Gateway) -> None:
    given = {
        "prompt": BALLOONS,
        "aspect_ratio": "16:9",
        "steps_num": 20,
        "guidance_scale": 5,
        "seed": 0,
    }
    job = submit(gw, FIBO, dict(given))
    assert job.params == given  # seed 0 is a real seed, not "no seed"


def test_rmbg_params_get_no_fibo_defaults(gw: Gateway) -> None:
    assert submit(gw, RMBG).params == {"image_url": CAT}


def _run(gw: Gateway) -> list[tuple[str, int, float, float]]:
    jobs = [submit(gw, FIBO) for _ in range(3)] + [submit(gw, RMBG)]
    return [(j.request_id, j.params.get("seed", -1), j.started_at, j.ended_at) for j in jobs]


def test_the_same_seed_gives_the_same_ids_seeds_and_plans() -> None:
    assert _run(gateway(seed=7)) == _run(gateway(seed=7))
    assert _run(gateway(seed=7)) != _run(gateway(seed=8))


def test_reset_replays_the_same_ids_and_seeds() -> None:
    gw = gateway(seed=7)
    first = _run(gw)
    gw.reset()
    assert _run(gw) == first


def test_forgetting_a_gateway_another_process_reset_restarts_the_seeded_draws() -> None:
    gw = gateway(seed=7)
    _run(gw)
    gw.forget()
    fresh = random.Random(7)
    assert gw.scenarios.rng is gw.rng
    assert [gw.rng.random() for _ in range(3)] == [fresh.random() for _ in range(3)]


def test_a_remote_rmbg_input_resolves_at_once(gw: Gateway) -> None:
    job = submit(gw, RMBG)
    assert job.input == InputImage("stand-in", CAT, 640, 480)
    assert job.settled is True


# -- outcomes and money --------------------------------------------------------------------------


async def test_forced_error_refunds_when_the_job_ends_not_before(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    job = submit(gw, FIBO, effects=forced(Status.ERROR, DEFAULT_ERROR))
    assert account.balance_usd == Decimal("99.96")  # charged at submit, like any job
    await gw.advance(job.ended_at - gw.now() - 0.01)
    assert job.status_at(gw.now()) is Status.PROCESSING
    assert account.balance_usd == Decimal("99.96")
    await gw.advance(0.02)
    assert job.status_at(gw.now()) is Status.ERROR
    assert job.error == DEFAULT_ERROR
    assert account.balance_usd == Decimal("100.00")
    await gw.advance(3_600)
    assert account.balance_usd == Decimal("100.00")  # refunded once


async def test_forced_failed_is_charged(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    job = submit(gw, RMBG, effects=forced(Status.FAILED, "content refused"))
    await gw.advance(job.ended_at - gw.now() + 1)
    assert job.status_at(gw.now()) is Status.FAILED
    assert job.error == "content refused"
    assert account.balance_usd == Decimal("99.982")


def test_catch_up_runs_due_refunds_on_a_moved_clock(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    job = submit(gw, FIBO, effects=forced(Status.ERROR, DEFAULT_ERROR))
    gw.catch_up()  # nothing due yet: still charged
    assert account.balance_usd == Decimal("99.96")
    gw.clock.advance(job.ended_at - gw.now() + 0.5)
    gw.catch_up()
    assert account.balance_usd == Decimal("100.00")


async def test_a_rejected_rmbg_input_ends_failed_with_its_message(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    job = submit(gw, RMBG, {"image_url": BROKEN})
    assert job.settled is False
    await gw.advance(job.ended_at - gw.now() + 0.1)
    assert job.settled is True
    assert job.status_at(gw.now()) is Status.FAILED
    assert job.error == "image_url is not an image (got text/html)"
    assert account.balance_usd == Decimal("99.982")  # FAILED is charged


async def test_a_fetch_bug_fails_the_job_instead_of_crashing(gw: Gateway) -> None:
    job = submit(gw, RMBG, {"image_url": CRASHING})
    await gw.advance(job.ended_at - gw.now() + 0.1)
    assert job.status_at(gw.now()) is Status.FAILED
    assert job.error == "Could not read image_url: RuntimeError"


async def test_a_fetched_input_completes(gw: Gateway) -> None:
    job = submit(gw, RMBG, {"image_url": "http://127.0.0.1:9/ok.png"})
    await gw.advance(job.ended_at - gw.now() + 0.1)
    assert job.status_at(gw.now()) is Status.COMPLETED
    assert job.input == InputImage("bytes", "sha-of-http://127.0.0.1:9/ok.png", 800, 600)


async def test_advance_waits_for_an_input_still_in_flight(gw: Gateway) -> None:
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()
    job = submit(gw, RMBG, {"image_url": SLOW})

    advancing = asyncio.create_task(gw.advance(job.ended_at - gw.now() + 1))
    for _ in range(5):  # let the advance and the fetch run as far as they can
        await asyncio.sleep(0)
    assert resolver.fetched == [SLOW]
    assert not advancing.done()  # held by the fetch, whose outcome decides the job
    # The clock has moved, but the unsettled input holds the job in PROCESSING.
    assert job.status_at(gw.now()) is Status.PROCESSING

    async def open_gate() -> None:
        resolver.gate.set()  # type: ignore[union-attr]

    await asyncio.create_task(open_gate())
    await asyncio.wait_for(advancing, timeout=5)  # a guard only: returns at once when it works
    assert job.settled is True
    assert job.status_at(gw.now()) is Status.COMPLETED


async def test_settle_waits_only_once_the_job_is_due(gw: Gateway) -> None:
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()
    job = submit(gw, RMBG, {"image_url": SLOW})
    await asyncio.wait_for(gw.settle(job), timeout=5)  # not due: returns without waiting
    assert job.settled is False
    gw.clock.advance(job.ended_at - gw.now() + 1)
    settling = asyncio.create_task(gw.settle(job))
    await asyncio.sleep(0)
    assert not settling.done()
    resolver.gate.set()
    await asyncio.wait_for(settling, timeout=5)
    assert job.status_at(gw.now()) is Status.COMPLETED


# -- looking up jobs ------------------------------------------------------------------------------


def test_job_for_gives_the_callers_own_job(gw: Gateway) -> None:
    job = submit(gw, FIBO)
    account = gw.authenticate("test-key")
    assert gw.job_for(account, job.request_id, generation=2) is job
    assert gw.job_for(account, job.request_id, generation=2, model=FIBO) is job


def test_another_keys_job_is_404_like_an_unknown_id() -> None:
    gw = gateway(keys=(KeyConfig("alice", Decimal("1")), KeyConfig("bob", Decimal("1"))))
    job = submit(gw, FIBO, key="alice")
    with pytest.raises(RequestNotFound) as caught:
        gw.job_for(gw.authenticate("bob"), job.request_id, generation=2)
    assert caught.value.status == 404
    with pytest.raises(RequestNotFound):
        gw.job_for(gw.authenticate("alice"), "made-up-id", generation=2)


def test_each_generation_knows_only_its_own_jobs() -> None:
    gw = gateway(keys=(KeyConfig("old", Decimal("1"), api_generation=1),))
    account = gw.authenticate("old")
    job = submit(gw, RMBG, key="old")
    assert gw.job_for(account, job.request_id, generation=1) is job
    with pytest.raises(RequestNotFound):
        gw.job_for(account, job.request_id, generation=2)


def test_a_result_path_knows_only_its_own_models_jobs(gw: Gateway) -> None:
    job = submit(gw, RMBG)
    with pytest.raises(RequestNotFound):
        gw.job_for(gw.authenticate("test-key"), job.request_id, generation=2, model=FIBO)


# -- keys and reset ------------------------------------------------------------------------------


def test_put_key_creates_then_updates_only_the_given_fields(gw: Gateway) -> None:
    created = gw.put_key(KeyConfig("new", Decimal("5"), api_generation=1), {"balance_usd"})
    assert (created.balance_usd, created.api_generation) == (Decimal("5"), 1)
    job = submit(gw, FIBO, key="new")
    same = gw.put_key(KeyConfig("new", Decimal("9")), {"balance_usd"})
    assert same is created
    assert same.balance_usd == Decimal("9")
    assert same.api_generation == 1  # not in the update: kept
    assert gw.job_for(same, job.request_id, generation=1) is job  # its jobs stay


async def test_reset_restores_wallets_and_clears_jobs_scenarios_and_journal() -> None:
    configured = {"match": {"on": "status"}, "http": 503}
    gw = gateway(scenarios=(configured,))
    gw.put_key(KeyConfig("extra", Decimal("1")), set())
    job = submit(gw, FIBO, effects=forced(Status.ERROR, DEFAULT_ERROR))
    gw.scenarios.add({"http": 500})
    gw.journal.record(gw.now(), "GET", "/x", 404, None, None, None, [])
    assert len(gw.dispatcher.events) == 1
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    forgotten = resolver.forgotten

    gw.reset()
    account = gw.authenticate("test-key")
    assert account.balance_usd == Decimal("100.00")
    assert gw.jobs == {}
    assert "extra" not in gw.accounts
    assert len(gw.journal) == 0
    assert len(gw.dispatcher.events) == 0
    assert resolver.forgotten == forgotten + 1  # stored input bytes are dropped too
    assert not jobs._SHARED and not jobs._ORIGINS  # and what the old jobs shared
    # Only the configured rule is back.
    assert [r.view()["http"] for r in gw.scenarios.rules] == [503]
    # The old job's refund is gone with it: the fresh wallet is not paid twice.
    await gw.advance(job.ended_at - gw.now() + 1)
    assert account.balance_usd == Decimal("100.00")


async def test_reset_drops_inputs_in_flight(gw: Gateway) -> None:
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()  # never set
    job = submit(gw, RMBG, {"image_url": SLOW})
    await asyncio.sleep(0)
    gw.reset()
    # Nothing left to wait for: advance returns although the fetch never finished.
    await asyncio.wait_for(gw.advance(job.ended_at - gw.now() + 1), timeout=5)
    assert gw.jobs == {}
    await gw.close()


async def test_close_cancels_inputs_in_flight(gw: Gateway) -> None:
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()  # never set
    job = submit(gw, RMBG, {"image_url": SLOW})
    await asyncio.sleep(0)
    await asyncio.wait_for(gw.close(), timeout=5)
    assert not gw._inputs, "the fetch was stopped, not left hanging"
    # Not settled: a store kept across a restart fetches the input again at the next start.
    assert job.settled is False and job.outcome is Status.COMPLETED


# -- plan, then accept (the steps a shared store runs apart) ------------------------------------


async def test_a_planned_job_is_neither_kept_nor_charged_until_accepted(gw: Gateway) -> None:
    account = gw.authenticate("test-key")
    before = account.balance_usd
    job = gw.plan(account, FIBO, {"prompt": BALLOONS}, forced(Status.ERROR, DEFAULT_ERROR), BASE)
    assert gw.jobs.get(job.request_id) is None
    assert account.balance_usd == before
    assert len(gw.dispatcher.events) == 0
    gw.accepted(job)
    assert gw.jobs.get(job.request_id) is job
    assert account.balance_usd == before, "accepting keeps; the charge is the store's step"
    assert [e.kind for e in gw.dispatcher.events.pending()] == ["refund"]


async def test_freezing_and_running_on_keep_the_simulated_instant_and_save_it() -> None:
    gw = Gateway(Settings(manual_clock=False), FakeResolver())
    await gw.advance(3_600)  # an hour ahead of the wall: a fresh clock would be an hour off
    changes: list[bool] = []
    gw.on_clock_change = lambda: changes.append(gw.clock.manual)
    before = gw.clock.now()
    gw.set_running(False)
    assert gw.clock.manual is True
    assert before <= gw.clock.now() <= before + 1
    assert gw.store.clock_state() == gw.clock.state() == gw.clock.now()
    frozen = gw.clock.now()
    gw.set_running(False)  # already frozen: nothing changes, nobody is told
    assert (gw.clock.now(), changes) == (frozen, [True])
    gw.set_running(True)
    assert gw.clock.manual is False
    assert frozen <= gw.clock.now() <= frozen + 1
    assert gw.store.clock_state() == gw.clock.state()
    assert changes == [True, False]
