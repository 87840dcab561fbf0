"""The plain record jobs share (kept once per option set, long text left unshared) and the
gateway's periodic gc.freeze(). Each test's docstring names the broken mock it catches."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mock_gateway import gateway as gateway_module
from mock_gateway.core import jobs
from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.jobs import InputImage, Job, Status, plain_details
from mock_gateway.core.scenarios import Effects
from mock_gateway.gateway import Gateway
from mock_gateway.settings import Settings
from mock_gateway.stores.sqlite import SqliteStore

T0 = 1_774_951_200.0  # 2026-03-31T10:00:00Z
BASE = "http://127.0.0.1:8080"
CAT = "https://images.example.com/cat.png"


def rmbg_job(request_id: str, params: dict[str, Any], error: str | None = None) -> Job:
    """An RMBG job with these request fields; `error` makes it a job with a rare field."""
    return Job(
        request_id=request_id,
        model=RMBG,
        key="k",
        generation=2,
        params={"image_url": CAT, **params},
        created_at=T0,
        started_at=T0 + 1.0,
        ended_at=T0 + 4.0,
        base_url=BASE,
        error=error,
    )


# -- plain_details ------------------------------------------------------------------------------


def test_a_models_defaults_get_one_kept_record_returned_on_every_call() -> None:
    """Catches: plain_details skipping its table (looking nothing up, or looking up the id of
    None, or taking an entry only when it holds other options): every call for a model's
    defaults then makes a new record, so the requests setting no option no longer share one."""
    jobs.forget_shared()
    first = plain_details(FIBO.defaults, defaults=True)
    again = plain_details(FIBO.defaults, defaults=True)
    assert again is first, "the kept record, not a new one"
    assert first.options is FIBO.defaults and first.shared is True
    assert list(jobs._PLAIN.items()) == [(id(FIBO.defaults), first)]
    assert plain_details(FIBO.defaults) is first, "the same record without `defaults` too"


def test_jobs_with_a_rare_field_share_the_option_set_of_equal_requests() -> None:
    """Catches: plain_details treating every option set as a model's defaults unless told
    otherwise (`defaults=True` by default): a job with a rare field (an error) then keeps
    its request's own options tuple, and equal requests hold a copy each, a million jobs a
    million copies."""
    jobs.forget_shared()
    first = rmbg_job("job-1", {"preserve_alpha": False}, error="refused")
    second = rmbg_job("job-2", {"preserve_alpha": False}, error="refused")
    assert dict(first.options) == dict(second.options)
    assert dict(first.options)["preserve_alpha"] is False
    assert second.options is first.options, "one options tuple, kept once"
    plain = rmbg_job("job-3", {"preserve_alpha": False})
    assert plain.options is first.options
    assert [job.error for job in (first, second, plain)] == ["refused", "refused", None]


def test_text_of_exactly_the_shareable_length_is_still_shared() -> None:
    """Catches: the limit on shareable text checked with `>=`: an option of exactly
    _SHAREABLE_TEXT characters (256) is then left unshared, a record per job."""
    jobs.forget_shared()
    assert jobs._SHAREABLE_TEXT == 256
    text = "n" * 256
    first = rmbg_job("job-1", {"note": text})
    second = rmbg_job("job-2", {"note": text})
    assert first.option("note") == text and second.option("note") == text
    assert second._more is first._more, "one plain record for both"
    assert second.options is first.options
    longer = "n" * 257
    third = rmbg_job("job-3", {"note": longer})
    fourth = rmbg_job("job-4", {"note": longer})
    assert third.option("note") == longer and fourth.option("note") == longer
    assert fourth._more is not third._more, "longer text is never kept for sharing"


# -- the gateway's periodic gc.freeze() ---------------------------------------------------------


class NoInput:
    """An input resolver for a gateway that only ever sees generated pictures."""

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        return None

    async def resolve(self, url: str) -> InputImage:
        raise AssertionError("no input to fetch")

    def forget(self, jobs: int = 0) -> None:
        pass


class CountingGc:
    """The gateway's `gc`, stood in: each freeze and unfreeze, with the jobs accepted by then
    (the test keeps `accepted` current)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.accepted = 0

    def freeze(self) -> None:
        self.calls.append(("freeze", self.accepted))

    def unfreeze(self) -> None:
        self.calls.append(("unfreeze", self.accepted))


def counting_gc(monkeypatch: pytest.MonkeyPatch) -> CountingGc:
    """A CountingGc in the gateway's `gc`, with a freeze every 4 accepted jobs."""
    gc = CountingGc()
    monkeypatch.setattr(gateway_module, "gc", gc)
    monkeypatch.setattr(gateway_module, "FREEZE_EVERY", 4)
    return gc


def test_gc_is_frozen_once_every_freeze_every_jobs_and_unfrozen_on_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: the count of accepted jobs counting down or by two, or the freeze tested
    with `/`, `!= 0` or `== 1`: gc.freeze() then runs after the wrong jobs (never, after
    every job, after the first), and a reset after FREEZE_EVERY jobs no longer unfreezes
    (the old jobs would stay out of the collector's reach for good)."""
    gc = counting_gc(monkeypatch)
    gw = Gateway(Settings(manual_clock=True), NoInput(), ManualClock(T0))
    account = gw.authenticate("test-key")
    for n in range(1, 10):
        job = gw.plan(account, FIBO, {"prompt": f"picture {n}"}, Effects(), BASE)
        gc.accepted = n
        gw.accepted(job)
        assert job.outcome is Status.COMPLETED
    assert gc.calls == [("freeze", 4), ("freeze", 8)], "after the 4th and the 8th job"
    gw.reset()
    assert gc.calls == [("freeze", 4), ("freeze", 8), ("unfreeze", 9)]
    job = gw.plan(account, FIBO, {"prompt": "after the reset"}, Effects(), BASE)
    gc.accepted = 1
    gw.accepted(job)
    gw.reset()
    assert gc.calls == [("freeze", 4), ("freeze", 8), ("unfreeze", 9)], "nothing frozen since"


def test_a_reset_right_after_the_first_freeze_unfreezes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches: reset unfreezing only past FREEZE_EVERY accepted jobs (`>` for `>=`): a reset
    right after the first freeze (exactly FREEZE_EVERY jobs) leaves those jobs frozen."""
    calls: list[str] = []
    fake_gc = SimpleNamespace(
        freeze=lambda: calls.append("freeze"), unfreeze=lambda: calls.append("unfreeze")
    )
    monkeypatch.setattr(gateway_module, "gc", fake_gc)
    monkeypatch.setattr(gateway_module, "FREEZE_EVERY", 4)
    gw = Gateway(Settings(manual_clock=True), NoInput(), ManualClock(T0))
    account = gw.authenticate("test-key")
    for n in range(4):
        gw.accepted(gw.plan(account, FIBO, {"prompt": f"picture {n}"}, Effects(), BASE))
    assert calls == ["freeze"]
    gw.reset()
    assert calls == ["freeze", "unfreeze"]


def test_a_restart_on_state_counts_its_jobs_from_zero_for_the_freeze(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Catches: Gateway.__init__ starting the count of accepted jobs at 1 (`_accepted = 1`).
    A fresh gateway resets, which zeroes it, but a restart on --state does not reset: its
    first freeze then comes a job early."""
    gc = counting_gc(monkeypatch)
    settings = Settings(manual_clock=True, state=str(tmp_path / "state.db"))
    first = SqliteStore(settings.state or "", settings)
    Gateway(settings, NoInput(), ManualClock(T0), first)  # the first run: sets up the keys
    first.close()
    store = SqliteStore(settings.state or "", settings)
    try:
        gw = Gateway(settings, NoInput(), ManualClock(T0), store)
        assert store.incarnation == 1, "a restart: no reset"
        account = gw.authenticate("test-key")
        for n in range(1, 6):
            job = gw.plan(account, FIBO, {"prompt": f"picture {n}"}, Effects(), BASE)
            gc.accepted = n
            gw.accepted(job)
    finally:
        store.close()
    assert gc.calls == [("freeze", 4)], "after the restart's 4th job"


def test_closing_a_gateway_that_froze_its_jobs_unfreezes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: `close` leaving the jobs frozen (a process then crashed on its way out,
    tests/test_running.py), or unfreezing what it never froze (the host program's own
    gc.freeze() would be undone by a gateway that kept fewer than FREEZE_EVERY jobs)."""
    gc = counting_gc(monkeypatch)
    few = Gateway(Settings(manual_clock=True), NoInput(), ManualClock(T0))
    account = few.authenticate("test-key")
    for n in range(3):
        few.accepted(few.plan(account, FIBO, {"prompt": f"picture {n}"}, Effects(), BASE))
    asyncio.run(few.close())
    assert gc.calls == [], "froze nothing, so unfreezes nothing"
    many = Gateway(Settings(manual_clock=True), NoInput(), ManualClock(T0))
    account = many.authenticate("test-key")
    for n in range(1, 6):
        gc.accepted = n
        many.accepted(many.plan(account, FIBO, {"prompt": f"picture {n}"}, Effects(), BASE))
    asyncio.run(many.close())
    assert gc.calls == [("freeze", 4), ("unfreeze", 5)]
