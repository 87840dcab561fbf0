"""Settling a job's input at its edges: exactly at the job's planned end, and on a store of
one process once the fetch was cut off. Each test's docstring names the broken mock it
catches."""

from __future__ import annotations

import asyncio

from mock_gateway.core.catalog import RMBG
from mock_gateway.core.jobs import InputImage, Status
from tests.core.test_gateway import SLOW, FakeResolver, gateway, submit


async def test_a_job_is_due_at_its_planned_end_exactly_and_settle_waits_for_its_input() -> None:
    """Catches: settle waiting for an input in flight only after the job's planned end
    (`now > ended_at`), so a poll right at the end answers from the unsettled job
    (PROCESSING) where the job is due and its input decides its outcome."""
    gw = gateway()
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()
    job = submit(gw, RMBG, {"image_url": SLOW})
    gw.clock.restore(job.ended_at)  # the very instant it is planned to end
    assert gw.now() == job.ended_at
    settling = asyncio.create_task(gw.settle(job))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not settling.done(), "due: the input decides the outcome, so settle waits"
    resolver.gate.set()
    settled = await asyncio.wait_for(settling, timeout=5)
    assert settled is job and job.settled is True
    assert job.input == InputImage("bytes", "sha-of-" + SLOW, 800, 600)
    assert job.status_at(gw.now()) is Status.COMPLETED


async def test_on_a_store_of_one_process_a_cut_off_fetch_is_not_asked_of_other_processes() -> None:
    """Catches: settle asking the store for a job fetched elsewhere whenever the store is
    shared *or* the job is due, unsettled and not fetched here: on a store of one process
    (memory, SQLite), which has no other process to ask, a poll of a job whose fetch was
    cut off (the gateway closed mid-fetch) then crashes instead of answering the job as
    it is."""
    gw = gateway()
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()  # never opened: the fetch is cut off
    job = submit(gw, RMBG, {"image_url": SLOW})
    await asyncio.sleep(0)
    assert gw.fetching(job.request_id)
    await gw.close()
    assert not gw.fetching(job.request_id) and job.settled is False
    assert gw.store.shared is False
    gw.clock.advance(job.ended_at - gw.now() + 1)
    settled = await asyncio.wait_for(gw.settle(job), timeout=5)
    assert settled is job and job.settled is False
    assert job.status_at(gw.now()) is Status.PROCESSING, "held until its input is known"
    assert resolver.fetched == [SLOW], "not fetched again by a poll"
