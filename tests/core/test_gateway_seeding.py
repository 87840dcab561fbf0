"""The gateway's random stream: fixed by Settings.seed (`--seed`), and, on a store opened
before (a restart on the same --state), by the store's incarnation too, so a restart never
replays the draws of the run before it. Each test's docstring names the broken mock it
catches."""

from __future__ import annotations

from pathlib import Path

from mock_gateway.core.clock import ManualClock
from mock_gateway.gateway import Gateway
from mock_gateway.settings import Settings
from mock_gateway.stores.memory import MemoryStore
from mock_gateway.stores.sqlite import SqliteStore
from tests.core.test_gateway import T0, FakeResolver, submit

PREFIX = "bria-fibo-bbq-preview_"
# What the first FIBO submit draws at T0: its request id and its picture's seed.
SEED_0 = (PREFIX + "019d4355-f500-7d82-b082-532b629f6fbe", 1_806_341_205)
SEED_0_RESTARTED = (PREFIX + "019d4355-f500-7c17-9c47-4ab4942807c9", 1_691_304_137)
SEED_0_RESTARTED_TWICE = (PREFIX + "019d4355-f500-7c5f-94e7-8df3d65429a8", 230_389_695)
SEED_7 = (PREFIX + "019d4355-f500-752e-89a7-834df2a74de4", 1_695_753_998)
SEED_7_RESTARTED = (PREFIX + "019d4355-f500-70e1-8a3a-74458d43d633", 863_305_578)


def first_draws(seed: int, incarnation: int = 0) -> tuple[str, int]:
    """A fresh gateway on a memory store that says it was opened `incarnation` times
    before; what its first submit draws."""
    settings = Settings(manual_clock=True, seed=seed)
    store = MemoryStore(settings.journal_size)
    store.incarnation = incarnation
    gw = Gateway(settings, FakeResolver(), ManualClock(T0), store)
    job = submit(gw)
    return job.request_id, job.seed


def test_two_gateways_of_one_seed_draw_the_same_and_two_seeds_differ() -> None:
    """Catches: a stream (after the start's reset) not fixed by the settings' seed, so two
    runs with one --seed give different request ids and picture seeds, or two seeds alike."""
    assert first_draws(0) == SEED_0
    assert first_draws(0) == SEED_0
    assert first_draws(7) == SEED_7
    assert first_draws(7) == SEED_7


def test_a_later_incarnation_draws_its_own_stream_still_fixed_by_the_seed() -> None:
    """Catches: the store's incarnation ignored (the seed alone), so a restart on the same
    --state replays the request ids and picture seeds of the run before it."""
    assert first_draws(0, 1) == SEED_0_RESTARTED
    assert first_draws(0, 1) == SEED_0_RESTARTED
    assert first_draws(0, 2) == SEED_0_RESTARTED_TWICE
    assert first_draws(7, 1) == SEED_7_RESTARTED
    assert first_draws(0, 0) == SEED_0


def test_a_restart_on_the_same_sqlite_state_does_not_replay_the_draws(tmp_path: Path) -> None:
    """Catches: the store's incarnation ignored, so the second process on one --state file
    draws the first one's request id and picture seed again; or the generator seeded with
    None (from the OS) in __init__, which on a reopened durable store (no reset to reseed
    it) makes a restart's draws differ from run to run under one --seed."""
    path = str(tmp_path / "state.db")
    settings = Settings(manual_clock=True, seed=0, state=path)
    drawn: list[tuple[int, str, int]] = []
    for _ in range(2):
        store = SqliteStore(path, settings)
        try:
            job = submit(Gateway(settings, FakeResolver(), ManualClock(T0), store))
            drawn.append((store.incarnation, job.request_id, job.seed))
        finally:
            store.close()
    assert drawn == [(0, *SEED_0), (1, *SEED_0_RESTARTED)]
