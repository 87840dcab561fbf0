"""A gateway on the shared store settling a job no process is fetching the input of, at the
instant the job is planned to end. The test's docstring names the broken mock it catches."""

from __future__ import annotations

from mock_gateway.core.clock import ManualClock
from mock_gateway.core.jobs import InputImage, Status
from mock_gateway.gateway import Gateway
from mock_gateway.stores.records import job_fields
from tests.core.test_gateway import FakeResolver
from tests.stores.test_conformance import IMAGE, job  # a cut-out job ending 5 s after it began
from tests.stores.test_redis_details import Opener


async def test_at_its_planned_end_exactly_a_job_fetched_by_no_process_is_taken_over(
    open_store: Opener,
) -> None:
    """Catches: settle asking the shared store for the job only after its planned end
    (`now > ended_at`): a poll right at the end answers from the unsettled copy
    (PROCESSING) and never takes over the fetch the process that went away left."""
    store = open_store()
    resolver = FakeResolver()
    gw = Gateway(store.settings, resolver, ManualClock(0.0), store)
    store.gateway = gw
    unsettled = job("req-1", "digest", 1.0, settled=False)
    store.db.hset(store.key("job", "req-1"), mapping=job_fields(unsettled))
    gw.clock.restore(unsettled.ended_at)  # the very instant it is planned to end
    assert gw.now() == unsettled.ended_at
    assert not gw.fetching("req-1") and store.db.exists(store.key("fetching", "req-1")) == 0

    settled = await gw.settle(unsettled)

    assert resolver.fetched == [IMAGE], "taken over here, fetched once"
    assert settled.settled is True
    assert settled.input == InputImage("bytes", "sha-of-" + IMAGE, 800, 600)
    assert settled.status_at(gw.now()) is Status.COMPLETED
    assert store.db.get(store.key("fetching", "req-1")) == store.events.owner.encode()
