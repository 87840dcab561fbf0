"""Opening the shared store (`RedisStore.__init__`): the blocking client's settings, what a
user is told for a store URL that cannot be used, the clock kind a namespace keeps, where
delivery ids are counted, and the first heartbeat and renewal of a process's life.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

import mock_gateway.stores as stores
import mock_gateway.stores.redis as redis_store
from mock_gateway.settings import ConfigError, Settings
from mock_gateway.stores.redis import BEAT_SECONDS, RedisStore  # when collected: see conftest.py
from tests.redis_server import RedisServer
from tests.stores.test_redis_details import Opener
from tests.stores.test_redis_due import Dispatcher, Monotonic

LEASE_SECONDS = 30.0  # Settings' default claim_lease_seconds


@pytest.fixture
async def open_store(redis_server: RedisServer, namespace: str) -> AsyncIterator[Opener]:
    """Stores on a namespace of the test's own, as in test_redis_details.py."""
    opener = Opener(redis_server, namespace)
    yield opener
    await opener.close()


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (taken, then given back)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# -- the blocking client and the URL ------------------------------------------------------------


async def test_the_blocking_clients_waits_on_redis_have_the_documented_ends(
    open_store: Opener,
) -> None:
    """Broken: the blocking client (control calls, the open itself) made with no socket
    timeout or another than 5 s: a Redis that stops answering mid-command (paused,
    partitioned) hangs the mock instead of a 503; with no connect timeout or another than
    2 s: a Redis host that drops packets hangs the open, and each reconnection, for the
    kernel's minutes."""
    store = open_store()
    kwargs = store.db.connection_pool.connection_kwargs
    assert (kwargs.get("socket_timeout"), kwargs.get("socket_connect_timeout")) == (5, 2)


def test_a_store_setting_with_no_url_is_refused_with_the_empty_url_named() -> None:
    """Broken: no store URL shown as a made-up one ("store XXXX: ..."), or the reason lost
    (a ConfigError saying just "None")."""
    expected = (
        "store : Redis URL must specify one of the following schemes (redis://, rediss://, unix://)"
    )
    for url in (None, ""):
        with pytest.raises(ConfigError) as caught:
            RedisStore(Settings(store=url))
        assert str(caught.value) == expected


def test_asking_for_both_stores_is_refused_with_the_choice_named() -> None:
    """Broken: the refusal of --store with --state reworded or emptied (a ConfigError saying
    "None"): the CLI prints it as the one line a user gets."""
    with pytest.raises(ConfigError) as caught:
        stores.open_store(Settings(store="redis://127.0.0.1:1/0", state="state.db"))
    assert str(caught.value) == (
        "choose one of --store (Redis, shared) and --state (a SQLite file)"
    )


def test_a_store_url_redis_cannot_parse_is_refused_with_the_url_and_the_reason() -> None:
    """Broken: the reason a URL cannot be used lost (a ConfigError saying just "None")."""
    with pytest.raises(ConfigError) as caught:
        RedisStore(Settings(store="http://127.0.0.1:6379/0"))
    assert str(caught.value) == (
        "store http://127.0.0.1:6379/0: Redis URL must specify one of the following schemes "
        "(redis://, rediss://, unix://)"
    )


def test_a_store_where_no_redis_answers_is_refused_with_how_to_start_one() -> None:
    """Broken: the hint on how to start Redis altered ("XX(e.g. ...)XX")."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    with pytest.raises(ConfigError) as caught:
        RedisStore(Settings(store=url))
    assert str(caught.value) == (
        f"store {url}: Redis does not answer (Error 111 connecting to 127.0.0.1:{port}. "
        "Connection refused.); start it first (e.g. `redis-server --port 6379`)"
    )


# -- the clock kind a namespace keeps -----------------------------------------------------------


def kind_kept(store: RedisStore) -> Any:
    return store.db.get(store.key("clock_kind"))


Kinds = Callable[[bool], RedisStore]


@pytest.fixture
def open_kind(redis_server: RedisServer, namespace: str) -> Iterator[Kinds]:
    """Processes on the test's namespace, with a manual clock or a running one."""
    opened: list[RedisStore] = []

    def open_one(manual: bool) -> RedisStore:
        store = RedisStore(
            Settings(store=redis_server.url, namespace=namespace, manual_clock=manual)
        )
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


async def test_a_running_clock_namespace_keeps_running_and_refuses_a_manual_process(
    open_kind: Kinds, redis_server: RedisServer, namespace: str
) -> None:
    """Broken: a running-clock process records its namespace's kind under another name
    ("XXrunningXX", "RUNNING"), so the refusal of a manual-clock process names a kind no
    flag gives, and a later running process is refused by its own namespace."""
    store = open_kind(False)
    assert kind_kept(store) == b"running"
    assert open_kind(False).number == store.number + 1  # the same kind joins
    with pytest.raises(ConfigError) as caught:
        open_kind(True)
    assert str(caught.value) == (
        f"namespace {namespace!r} on {redis_server.url} runs a running clock: "
        "start without --manual-clock, or use another --namespace"
    )
    assert kind_kept(store) == b"running"


async def test_a_manual_clock_namespace_keeps_manual_and_refuses_a_running_process(
    open_kind: Kinds, redis_server: RedisServer, namespace: str
) -> None:
    """Broken: the kind a namespace keeps not checked, or told wrong, the other way round."""
    store = open_kind(True)
    assert kind_kept(store) == b"manual"
    with pytest.raises(ConfigError) as caught:
        open_kind(False)
    assert str(caught.value) == (
        f"namespace {namespace!r} on {redis_server.url} runs a manual clock: "
        "start with --manual-clock, or use another --namespace"
    )
    assert kind_kept(store) == b"manual"


async def test_a_namespace_whose_clock_kind_is_blank_is_refused_naming_no_kind(
    open_kind: Kinds, redis_server: RedisServer, namespace: str
) -> None:
    """A namespace whose `clock_kind` reads back empty (blanked, or removed by a reset
    between this process's SET NX and its GET) names no kind. Broken: a made-up kind
    named instead ("runs a XXXX clock")."""
    store = open_kind(False)
    store.db.set(store.key("clock_kind"), "")
    with pytest.raises(ConfigError) as caught:
        open_kind(True)
    assert str(caught.value) == (
        f"namespace {namespace!r} on {redis_server.url} runs a  clock: "
        "start without --manual-clock, or use another --namespace"
    )


# -- delivery ids ---------------------------------------------------------------------------------


async def test_delivery_ids_are_drawn_from_the_namespaces_callbacks_counter(
    open_store: Opener,
) -> None:
    """Broken: delivery ids counted under another key than the documented `callbacks`
    (the module docstring's key list, which a reset and an operator go by)."""
    store = open_store()
    assert store.deliveries.new_delivery_id("req_0123456789abcdef") == "dlv_000001_456789abcdef"
    assert store.db.get(store.key("callbacks")) == b"1000"
    assert store.db.get(store.key("CALLBACKS")) is None


# -- the first heartbeat and renewal ------------------------------------------------------------


class StillGateway:
    """A gateway whose clock stays at 0 and has nothing to catch up with."""

    def now(self) -> float:
        return 0.0

    dispatcher = Dispatcher()

    def catch_up(self) -> None:
        pass


def calls(store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    atoms = store.atoms
    beat, renew = atoms.beat, atoms.renew

    async def beating(process: int) -> None:
        seen.append("beat")
        await beat(process)

    async def renewing(event_ids: list[str], owner: str, lease_ms: int) -> int:
        seen.append("renew")
        return await renew(event_ids, owner, lease_ms)

    monkeypatch.setattr(atoms, "beat", beating)
    monkeypatch.setattr(atoms, "renew", renewing)
    return seen


async def test_a_process_soon_after_boot_beats_at_its_first_run_once_an_interval_passed(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`time.monotonic()` counts from boot on Linux: a process whose loop runs (before any
    beat) half an interval after BEAT_SECONDS of uptime has gone more than an interval
    without one. Broken: the last beat taken as 1 s after boot, not 0, so that beat is
    skipped and the process looks dead a beat longer."""
    store = open_store()
    seen = calls(store, monkeypatch)
    monkeypatch.setattr(redis_store, "time", Monotonic(BEAT_SECONDS + 0.5))
    await store.run_due(StillGateway())
    assert seen.count("beat") == 1


async def test_a_process_soon_after_boot_renews_at_its_first_run_once_a_third_passed(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`time.monotonic()` counts from boot on Linux: a process whose first loop runs half
    a second after a third of the lease of uptime renews then. Broken: the last renewal
    taken as 1 s after boot, not 0, so the first renewal comes late."""
    store = open_store()
    assert store.settings.claim_lease_seconds == LEASE_SECONDS
    seen = calls(store, monkeypatch)
    monkeypatch.setattr(redis_store, "time", Monotonic(LEASE_SECONDS / 3 + 0.5))
    await store.run_due(StillGateway())
    assert seen.count("renew") == 1
