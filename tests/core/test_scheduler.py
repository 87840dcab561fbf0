"""The one time-ordered queue of active work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from functools import partial

from mock_gateway.core.scheduler import Scheduler


def test_events_run_in_time_order_not_insertion_order() -> None:
    ran: list[str] = []
    s = Scheduler()
    s.at(30, lambda: ran.append("c"))
    s.at(10, lambda: ran.append("a"))
    s.at(20, lambda: ran.append("b"))
    s.run_due(100)
    assert ran == ["a", "b", "c"]
    assert len(s) == 0


def test_events_at_equal_times_run_in_the_order_added() -> None:
    ran: list[int] = []
    s = Scheduler()
    for i in range(10):
        s.at(5, partial(ran.append, i))
    s.run_due(5)
    assert ran == list(range(10))


def test_only_due_events_run_and_the_rest_wait() -> None:
    ran: list[str] = []
    s = Scheduler()
    s.at(10, lambda: ran.append("due"))
    s.at(10.5, lambda: ran.append("later"))
    assert s.run_due(9.999) == []
    assert ran == []
    s.run_due(10)  # due exactly at its time
    assert ran == ["due"]
    assert len(s) == 1
    assert s.next_due == 10.5
    s.run_due(11)
    assert ran == ["due", "later"]
    assert s.next_due is None


def test_each_event_runs_once() -> None:
    ran: list[str] = []
    s = Scheduler()
    s.at(1, lambda: ran.append("x"))
    s.run_due(5)
    s.run_due(10)
    assert ran == ["x"]


def test_next_due_is_the_earliest_time() -> None:
    s = Scheduler()
    assert s.next_due is None
    s.at(7, lambda: None)
    s.at(3, lambda: None)
    assert s.next_due == 3


async def test_awaitables_started_by_events_are_returned_in_order() -> None:
    done: list[str] = []

    async def deliver(name: str) -> None:
        done.append(name)

    s = Scheduler()
    s.at(2, lambda: deliver("second"))
    s.at(1, lambda: deliver("first"))
    s.at(1.5, lambda: None)  # finished at once: nothing to wait for
    started: list[Awaitable[None]] = s.run_due(2)
    assert len(started) == 2
    assert done == []  # started, not yet awaited
    await asyncio.gather(*started)
    assert done == ["first", "second"]


def test_an_event_scheduling_a_due_event_runs_it_in_the_same_pass() -> None:
    ran: list[str] = []
    s = Scheduler()
    s.at(1, lambda: s.at(2, lambda: ran.append("follow-up")))
    s.run_due(5)
    assert ran == ["follow-up"]


def test_clear_drops_every_event() -> None:
    ran: list[str] = []
    s = Scheduler()
    s.at(1, lambda: ran.append("x"))
    s.at(2, lambda: ran.append("y"))
    s.clear()
    assert len(s) == 0
    assert s.next_due is None
    assert s.run_due(100) == []
    assert ran == []


def test_adding_an_event_wakes_the_runner() -> None:
    woken: list[int] = []
    s = Scheduler()
    s.on_change = lambda: woken.append(1)
    s.at(1, lambda: None)
    s.at(2, lambda: None)
    assert len(woken) == 2
