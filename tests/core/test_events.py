"""Scheduled work as data: pending events in a store, run by one dispatcher."""

from __future__ import annotations

import asyncio
import logging

import pytest

from mock_gateway.core.events import DELIVER, HELD, REFUND, TERMINAL, Dispatcher, Pending
from mock_gateway.stores.memory import MemoryEvents


class Recorder:
    """A dispatcher over a memory event store whose handlers note what ran."""

    def __init__(self) -> None:
        self.events = MemoryEvents()
        self.commits = 0
        self.dispatcher = Dispatcher(self.events, self.commit)
        self.ran: list[str] = []
        self.dispatcher.handlers[REFUND] = lambda e: self.ran.append(e.request_id)

    def commit(self) -> None:
        self.commits += 1

    def at(self, due: float, name: str, kind: str = REFUND) -> Pending:
        return self.dispatcher.schedule(kind, due, name, due)


def test_events_run_in_time_order_not_the_order_added() -> None:
    r = Recorder()
    r.at(30, "c"), r.at(10, "a"), r.at(20, "b")
    assert r.dispatcher.run_due(100) == 3
    assert r.ran == ["a", "b", "c"]
    assert len(r.events) == 0, "done events leave the store"


def test_events_at_equal_times_run_in_the_order_added() -> None:
    r = Recorder()
    for i in range(10):
        r.at(5, str(i))
    r.dispatcher.run_due(5)
    assert r.ran == [str(i) for i in range(10)]


def test_only_due_events_run_and_the_rest_wait_in_the_store() -> None:
    r = Recorder()
    r.at(10, "due"), r.at(10.5, "later")
    assert r.dispatcher.run_due(9.999) == 0 and r.ran == []
    assert r.commits == 0, "nothing ran: nothing to commit"
    r.dispatcher.run_due(10)
    assert r.ran == ["due"] and r.commits == 1
    assert [e.request_id for e in r.events.pending()] == ["later"]
    assert r.events.next_due == 10.5
    r.dispatcher.run_due(11)
    assert r.ran == ["due", "later"] and r.events.next_due is None


def test_each_event_runs_once() -> None:
    r = Recorder()
    r.at(1, "x")
    r.dispatcher.run_due(5)
    r.dispatcher.run_due(10)
    assert r.ran == ["x"]


def test_an_event_making_a_due_event_runs_it_in_the_same_pass() -> None:
    r = Recorder()
    r.dispatcher.handlers[TERMINAL] = lambda e: r.at(e.at, "follow-up") and None
    r.at(1, "first", kind=TERMINAL)
    assert r.dispatcher.run_due(5) == 2
    assert r.ran == ["follow-up"]


async def test_io_stays_pending_until_done_and_commits_when_it_finishes() -> None:
    r = Recorder()
    gate = asyncio.Event()

    async def deliver(event: Pending) -> None:
        await gate.wait()
        r.ran.append(event.delivery_id)

    r.dispatcher.handlers[DELIVER] = deliver
    r.dispatcher.schedule(DELIVER, 1, "job", 1, delivery_id="dlv_1")
    r.dispatcher.run_due(1)
    await asyncio.sleep(0)
    assert r.ran == [] and len(r.dispatcher.running) == 1
    assert [e.delivery_id for e in r.events.pending()] == ["dlv_1"], (
        "an attempt in flight is still stored: a kill now leaves it pending"
    )
    gate.set()
    await asyncio.gather(*r.dispatcher.running)
    await asyncio.sleep(0)  # done callbacks run on the next turn
    assert r.ran == ["dlv_1"] and len(r.events) == 0 and r.commits == 2


async def test_cancel_abandons_work_in_flight_without_finishing_it() -> None:
    r = Recorder()
    after: list[str] = []

    async def deliver(event: Pending) -> None:
        await asyncio.sleep(10)
        after.append("logged")  # what a reset must never let happen

    r.dispatcher.handlers[DELIVER] = deliver
    r.dispatcher.schedule(DELIVER, 1, "job", 1)
    r.dispatcher.run_due(1)
    tasks = set(r.dispatcher.running)
    r.dispatcher.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert after == [] and not r.dispatcher.running
    assert len(r.events) == 1, "not done: a durable store keeps it for the next start"


async def test_a_failing_handler_is_logged_once_and_never_retried_forever(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = Recorder()

    async def broken(event: Pending) -> None:
        raise RuntimeError("a bug")

    r.dispatcher.handlers[DELIVER] = broken
    r.dispatcher.schedule(DELIVER, 1, "job-9", 1)
    with caplog.at_level(logging.ERROR, "mock_gateway.events"):
        r.dispatcher.run_due(1)
        await asyncio.gather(*r.dispatcher.running, return_exceptions=True)
        await asyncio.sleep(0)  # done callbacks run on the next turn
    (logged,) = caplog.records
    assert logged.getMessage() == "scheduled deliver for job-9 failed"
    assert logged.exc_info is not None and str(logged.exc_info[1]) == "a bug", "and why"
    assert len(r.events) == 0


def test_a_held_event_waits_until_released_then_runs_at_that_time() -> None:
    r = Recorder()
    r.dispatcher.handlers[DELIVER] = lambda e: r.ran.append(f"{e.request_id}@{e.due:g}")
    r.dispatcher.schedule(DELIVER, HELD, "job", 3)
    assert r.dispatcher.run_due(1e12) == 0 and r.events.next_due is None
    assert r.events.pending()[0].view()["held"] is True
    r.dispatcher.release("other-job", 4)  # another job's release leaves it held
    assert r.events.next_due is None
    r.dispatcher.release("job", 7)
    r.dispatcher.run_due(7)
    assert r.ran == ["job@7"]


def test_closing_starts_nothing_and_leaves_due_work_pending() -> None:
    r = Recorder()
    r.at(1, "x")
    r.dispatcher.closing = True
    assert r.dispatcher.run_due(5) == 0 and r.ran == []
    assert r.dispatcher.undelivered() == 0, "a refund is not a callback"
    r.dispatcher.schedule(DELIVER, 2, "job", 2)
    assert r.dispatcher.undelivered() == 1


def test_scheduling_wakes_the_runner_and_ids_are_new_after_a_clear() -> None:
    r = Recorder()
    woken: list[int] = []
    r.dispatcher.on_change = lambda: woken.append(1)
    first = r.at(1, "a")
    r.at(2, "b")
    assert len(woken) == 2
    r.events.clear()
    assert len(r.events) == 0 and r.events.next_due is None
    assert r.dispatcher.run_due(100) == 0 and r.ran == []
    assert r.at(3, "c").event_id == first.event_id, "a reset numbers from 1 again"


def test_finishing_an_event_a_reset_already_forgot_changes_nothing() -> None:
    """A reset can land between a callback's task ending and its done-callback running: the
    event it finishes is no longer kept, and that is no error."""
    events = MemoryEvents()
    kept = Pending(2, REFUND, 10.0, "job-2", 10.0)
    events.add(kept)
    events.done(Pending(1, REFUND, 10.0, "job-1", 10.0))  # never added (or cleared since)
    assert [e.event_id for e in events.pending()] == [2]
