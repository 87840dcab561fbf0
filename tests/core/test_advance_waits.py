"""Gateway.advance (what `POST /_mock/clock/advance` runs) waits for the work in flight: an
input's fetch, a delivery. Work that ends badly while it waits (cancelled by a reset, a
delivery's bug) must not turn the advance into an error: it returns the new time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from mock_gateway.core.catalog import RMBG
from mock_gateway.core.events import DELIVER, Pending
from mock_gateway.gateway import Gateway
from tests.core.test_gateway import SLOW, T0, FakeResolver, gateway, submit


async def spin(turns: int = 5) -> None:
    """Let every task run as far as it can."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def outcome(task: asyncio.Task[Any]) -> tuple[str, Any]:
    """How the task ended: ("returned", its value), ("cancelled", None), ("raised", the
    exception's type name) or ("hangs", None) (then cancelled), after a guard of 5 s."""
    await asyncio.wait({task}, timeout=5)  # a guard only: it ends at once when it works
    if not task.done():
        task.cancel()
        return "hangs", None
    if task.cancelled():
        return "cancelled", None
    error = task.exception()
    if error is not None:
        return "raised", type(error).__name__
    return "returned", task.result()


def gated_delivery(gw: Gateway, gate: asyncio.Event, *, fail: bool = False) -> list[str]:
    """A delivery handler held by `gate` (then raising if `fail`); the list of what it did."""
    done: list[str] = []

    async def deliver(event: Pending) -> None:
        done.append(f"started {event.delivery_id}")
        await gate.wait()
        if fail:
            raise RuntimeError("a bug in the delivery")
        done.append(f"delivered {event.delivery_id}")

    gw.dispatcher.handlers[DELIVER] = deliver
    return done


async def test_a_reset_while_advance_waits_for_an_input_lets_the_advance_return() -> None:
    """Catches: advance gathering the inputs in flight without return_exceptions, so a fetch
    cancelled by a reset (or a close) while the advance waits for it makes the advance end
    cancelled (a failed clock/advance) instead of returning the new time."""
    gw = gateway()
    resolver = gw.resolver
    assert isinstance(resolver, FakeResolver)
    resolver.gate = asyncio.Event()  # never set: the fetch hangs until cancelled
    job = submit(gw, RMBG, {"image_url": SLOW})
    seconds = job.ended_at - T0 + 1
    advancing = asyncio.create_task(gw.advance(seconds))
    await spin()
    assert resolver.fetched == [SLOW]
    assert not advancing.done(), "held by the fetch"

    gw.reset()  # cancels the fetch the advance waits for
    assert await outcome(advancing) == ("returned", T0 + seconds)
    assert gw.now() == T0 + seconds
    assert gw.jobs == {} and gw.fetches() == []
    await gw.close()


async def test_a_reset_while_advance_waits_for_a_delivery_lets_the_advance_return() -> None:
    """Catches: advance gathering the deliveries in flight without return_exceptions, so a
    delivery cancelled by a reset while the advance waits for it makes the advance end
    cancelled instead of returning the new time."""
    gw = gateway()
    gate = asyncio.Event()  # never set: the delivery hangs until cancelled
    done = gated_delivery(gw, gate)
    gw.dispatcher.schedule(DELIVER, T0 + 1, "job-1", T0 + 1, delivery_id="dlv_1")
    advancing = asyncio.create_task(gw.advance(2))
    await spin()
    assert done == ["started dlv_1"]
    assert not advancing.done(), "held by the delivery"

    gw.reset()  # cancels the delivery the advance waits for
    assert await outcome(advancing) == ("returned", T0 + 2)
    assert done == ["started dlv_1"], "a cancelled delivery never finishes"
    assert len(gw.dispatcher.events) == 0 and not gw.dispatcher.running
    await gw.close()


async def test_a_delivery_that_fails_while_advance_waits_lets_the_advance_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Catches: advance gathering the deliveries in flight without return_exceptions, so a
    delivery's bug (logged by the dispatcher, never retried) comes out of the advance as that
    exception, and the work due later in the jump never runs."""
    gw = gateway()
    gate = asyncio.Event()
    done = gated_delivery(gw, gate, fail=True)
    gw.dispatcher.schedule(DELIVER, T0 + 1, "job-1", T0 + 1, delivery_id="dlv_1")
    gw.dispatcher.schedule(DELIVER, T0 + 3, "job-2", T0 + 3, delivery_id="dlv_2")
    advancing = asyncio.create_task(gw.advance(5))
    with caplog.at_level(logging.ERROR, "mock_gateway.events"):
        await spin()
        assert done == ["started dlv_1"] and not advancing.done()
        gate.set()  # both attempts raise now
        assert await outcome(advancing) == ("returned", T0 + 5)
    assert done == ["started dlv_1", "started dlv_2"], "the later one ran too, in its turn"
    assert [r.getMessage() for r in caplog.records] == [
        "scheduled deliver for job-1 failed",
        "scheduled deliver for job-2 failed",
    ]
    assert len(gw.dispatcher.events) == 0 and not gw.dispatcher.running
    await gw.close()
