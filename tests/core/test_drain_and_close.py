"""Shutting down: Gateway.drain gives the deliveries in flight `grace` seconds, then cuts them
and reports (finished, cut); Gateway.close abandons the work in flight and returns once it has
all ended, however it ended. Also the validation fast path, relaxed checks included. Each test's
docstring names the broken mock it catches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mock_gateway.core import validation
from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.core.errors import InvalidParameters
from mock_gateway.core.events import DELIVER, Pending
from mock_gateway.gateway import Gateway
from tests.core.test_advance_waits import gated_delivery, outcome, spin
from tests.core.test_gateway import SLOW, T0, FakeResolver, gateway, submit


def deliver_at(gw: Gateway, due: float, delivery_id: str) -> None:
    gw.dispatcher.schedule(DELIVER, due, "job-1", due, delivery_id=delivery_id)


# -- drain -------------------------------------------------------------------------------------


async def test_drain_with_nothing_in_flight_reports_nothing() -> None:
    """Catches: drain reporting a finished delivery (1, 0) when none was running."""
    gw = gateway()
    assert await asyncio.wait_for(gw.drain(0.2), timeout=1) == (0, 0)
    await gw.close()


async def test_drain_waits_for_a_delivery_that_finishes_within_grace() -> None:
    """Catches: drain not looking at the deliveries in flight (`running = None`), so it
    reports (0, 0) at once and the delivery is not waited for."""
    gw = gateway()
    gate = asyncio.Event()
    done = gated_delivery(gw, gate)
    deliver_at(gw, T0, "dlv_1")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()
    assert done == ["started dlv_1"]

    draining = asyncio.create_task(gw.drain(1.0))
    await spin()
    assert not draining.done(), "held by the delivery"
    gate.set()
    assert await outcome(draining) == ("returned", (1, 0))
    assert done == ["started dlv_1", "delivered dlv_1"]
    assert len(gw.dispatcher.events) == 0 and not gw.dispatcher.running
    await gw.close()


async def test_drain_cuts_a_delivery_that_outlasts_grace_and_returns() -> None:
    """Catches: drain waiting with no timeout (a hung delivery hangs the shutdown), and drain
    gathering the cut deliveries without return_exceptions (their cancellation comes out of
    drain instead of the (finished, cut) counts)."""
    gw = gateway()
    done = gated_delivery(gw, asyncio.Event())  # never set: it hangs until cut
    deliver_at(gw, T0, "dlv_1")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()
    assert done == ["started dlv_1"]

    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await outcome(asyncio.create_task(gw.drain(0.2))) == ("returned", (0, 1))
    assert 0.15 <= loop.time() - start < 0.9, "about `grace` seconds"
    assert done == ["started dlv_1"], "a cut delivery never finishes"
    assert not gw.dispatcher.running
    assert gw.dispatcher.undelivered() == 1, "the cut delivery stays pending"
    await gw.close()


async def test_drain_returns_only_once_the_deliveries_it_cut_have_ended() -> None:
    """Catches: drain cancelling the deliveries past grace without waiting for them
    (`gather()` of nothing): it returns while a cut delivery has not yet ended, and the
    shutdown's commit runs before that delivery's own cleanup."""
    gw = gateway()
    ended: list[str] = []

    async def deliver(event: Pending) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            ended.append(event.delivery_id)

    gw.dispatcher.handlers[DELIVER] = deliver
    deliver_at(gw, T0, "dlv_1")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()
    async with asyncio.timeout(5):  # no task of its own: nothing else runs once drain returns
        counts = await gw.drain(0.1)
        at_return = list(ended)
    assert (counts, at_return) == ((0, 1), ["dlv_1"])
    await gw.close()


async def test_nothing_new_starts_once_drain_began() -> None:
    """Catches: drain not marking the dispatcher closing, so work that falls due while the
    deliveries in flight finish (or after) starts during the shutdown."""
    gw = gateway()
    gate = asyncio.Event()
    done = gated_delivery(gw, gate)
    deliver_at(gw, T0, "dlv_1")
    deliver_at(gw, T0 + 1, "dlv_2")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()

    draining = asyncio.create_task(gw.drain(1.0))
    await spin()
    assert gw.dispatcher.run_due(T0 + 1) == 0, "nothing starts during the drain"
    gate.set()
    assert await outcome(draining) == ("returned", (1, 0))
    assert gw.dispatcher.run_due(T0 + 1) == 0, "nor after it"
    await spin()
    assert done == ["started dlv_1", "delivered dlv_1"]
    assert gw.dispatcher.undelivered() == 1, "dlv_2 stays for the next start"
    await gw.close()


# -- close -------------------------------------------------------------------------------------


async def test_close_returns_when_a_cancelled_delivery_fails_as_it_ends() -> None:
    """Catches: close gathering the work it cancels without return_exceptions, so a delivery
    that raises as it is cancelled (a bug in its cleanup) makes close raise."""
    gw = gateway()
    started: list[str] = []

    async def deliver(event: Pending) -> None:
        started.append(event.delivery_id)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RuntimeError("a bug in the delivery's cleanup") from None

    gw.dispatcher.handlers[DELIVER] = deliver
    deliver_at(gw, T0, "dlv_1")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()
    assert started == ["dlv_1"]
    assert await outcome(asyncio.create_task(gw.close())) == ("returned", None)
    assert not gw.dispatcher.running


async def test_close_waits_for_all_the_work_it_cancels() -> None:
    """Catches: close gathering the work it cancels without return_exceptions, so the first
    task to end cancelled (an input fetch) ends the wait while a delivery is still cleaning
    up: close returns with work still running."""
    gw = gateway()
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()  # never set: the fetch hangs until cancelled
    submit(gw, RMBG, {"image_url": SLOW})
    cleaned: list[str] = []

    async def deliver(event: Pending) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.05)  # cleanup that takes a moment
            cleaned.append(event.delivery_id)

    gw.dispatcher.handlers[DELIVER] = deliver
    deliver_at(gw, T0, "dlv_1")
    assert gw.dispatcher.run_due(T0) == 1
    await spin()
    assert resolver.fetched == [SLOW]

    assert await outcome(asyncio.create_task(gw.close())) == ("returned", None)
    assert cleaned == ["dlv_1"], "close returned before the delivery ended"


# -- the validation fast path ----------------------------------------------------------------


def test_a_relaxed_check_accepts_on_the_relaxed_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: check skipping the precompiled fast path (`fast = None`), or using the strict
    one for a relaxed check (`compiled(schema_name)`): a body only the relaxed schema admits
    then goes to the slow jsonschema validator on every submit."""
    relaxed = frozenset({"assumed.validation.guidance-range"})
    body = {"prompt": "a fox", "guidance_scale": 42}
    with pytest.raises(InvalidParameters):
        validation.check(FIBO.request_schema, body)
    assert validation.check(FIBO.request_schema, body, relaxed) == body

    def slow(*args: Any) -> Any:
        raise AssertionError(f"jsonschema consulted for an accepted body: {args!r}")

    monkeypatch.setattr(validation, "validator", slow)
    assert validation.check(FIBO.request_schema, body, relaxed) == body
    assert validation.check(FIBO.request_schema, {"prompt": "a fox"}) == {"prompt": "a fox"}
