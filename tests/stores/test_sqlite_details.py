"""The SQLite store's (`--state PATH`) finer points, on the store itself and over HTTP.

What the conformance tests do not reach: how it pages a delivery log longer than memory
keeps (and one still waiting for its commit), how it reads a file an older version wrote,
when it trims the journal on file, how a failed or shared commit ends, what it says about
jobs it cannot load and how it opens (or refuses) a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mock_gateway.core.accounts import Account
from mock_gateway.core.catalog import RMBG
from mock_gateway.core.jobs import NO_FLAGS, Job
from mock_gateway.settings import ConfigError, Settings
from mock_gateway.stores.sqlite import SqliteStore
from tests.conftest import RMBG_SUBMIT
from tests.stores import test_sqlite
from tests.stores.test_sqlite import Client, data_url, submit, wait_settled

open_mock = test_sqlite.open_mock  # its fixture, here too

KEY = "sk-details-3b9e1c7a5d2f4e6a"
IMAGE = "https://images.example.com/cat.png"


def open_store(path: Path, journal_size: int = 100) -> SqliteStore:
    return SqliteStore(str(path), Settings(state=str(path), journal_size=journal_size))


def attempt(request_id: str) -> dict[str, Any]:
    """One delivery-log entry, as the webhook sender logs it."""
    return {"delivery_id": "dlv_000001_x", "request_id": request_id, "attempt": 1, "ok": True}


def job(request_id: str, *, settled: bool = True, flags: frozenset[str] = frozenset()) -> Job:
    return Job(
        request_id=request_id,
        model=RMBG,
        key="sha256:kept",
        generation=2,
        params={"image_url": IMAGE},
        created_at=10.0,
        started_at=11.0,
        ended_at=15.0,
        base_url="http://127.0.0.1:8080",
        settled=settled,
        flags=flags,
    )


def numbers(page: dict[str, Any]) -> list[int]:
    return [e["n"] for e in page["deliveries"]]


@contextlib.contextmanager
def file_of(path: Path) -> Any:
    """The state file, opened as another program would (the store must be closed)."""
    with contextlib.closing(sqlite3.connect(path, timeout=0.1, isolation_level=None)) as db:
        yield db


# -- accounts, jobs -----------------------------------------------------------------------------


async def test_an_unknown_key_reads_as_the_default_the_caller_gives(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    absent = object()
    assert store.accounts.get("sk-nobody-has-this-key", absent) is absent
    assert store.accounts.get("sk-nobody-has-this-key") is None
    store.close()


async def test_a_key_without_a_rate_limit_comes_back_without_one(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    store.accounts.put(Account(KEY, Decimal("3"), None, None, 2))
    store.close()
    store = open_store(path)
    kept = store.accounts.get(KEY)
    assert kept is not None
    assert (kept.balance_usd, kept.models, kept.rate_limit) == (Decimal("3"), None, None)
    store.close()


async def test_a_jobs_flags_and_unsettled_input_come_back_after_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    store.jobs.add(job("req-flagged", flags=frozenset({"timestamps-mixed", "webhook-drop"})))
    store.jobs.add(job("req-unsettled", settled=False))
    store.jobs.add(job("req-plain"))
    store.close()
    store = open_store(path)
    found = {
        rid: (j.flags, j.settled)
        for rid in ("req-flagged", "req-unsettled", "req-plain")
        if (j := store.jobs.get(rid)) is not None
    }
    assert found == {
        "req-flagged": (frozenset({"timestamps-mixed", "webhook-drop"}), True),
        "req-unsettled": (frozenset(), False),
        "req-plain": (frozenset(), True),
    }
    # a job without flags costs no set of its own, read back as kept (jobs.NO_FLAGS)
    assert all(store.jobs[rid].flags is NO_FLAGS for rid in ("req-unsettled", "req-plain"))
    store.close()


async def test_jobs_of_models_no_longer_known_are_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A model removed from the catalog (or from `models:`) since the jobs were kept."""
    path = tmp_path / "s.db"
    store = open_store(path)
    for rid in ("req-1", "req-2", "req-3", "req-4"):
        store.jobs.add(job(rid))
    store.close()
    with file_of(path) as db:
        db.execute(
            "UPDATE jobs SET model_id = 'retired-model' WHERE request_id IN ('req-1', 'req-3')"
        )
    with caplog.at_level(logging.WARNING, logger="mock_gateway.state"):
        store = open_store(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"state {path}: 2 job(s) of unknown models left out"
    ]
    assert sorted(store.jobs) == ["req-2", "req-4"], "the jobs after an unknown one still load"
    store.close()


# -- the delivery log ------------------------------------------------------------------------------


async def test_log_entries_waiting_for_their_commit_page_by_job_since_and_limit(
    tmp_path: Path,
) -> None:
    """Memory keeps the newest two; the older three are read from what awaits the commit."""
    store = open_store(tmp_path / "s.db", journal_size=2)
    for rid in ("req-a", "req-b", "req-a", "req-b", "req-a"):
        store.deliveries.append(attempt(rid))
    assert numbers(store.deliveries.page("req-b")) == [2, 4]
    assert numbers(store.deliveries.page("req-a")) == [1, 3, 5]
    assert numbers(store.deliveries.page(since=1)) == [2, 3, 4, 5]
    assert numbers(store.deliveries.page(since=2)) == [3, 4, 5]
    page = store.deliveries.page(limit=1)
    assert (numbers(page), page["next"]) == ([1], 1)
    page = store.deliveries.page(since=1, limit=2)
    assert (numbers(page), page["next"]) == ([2, 3], 3)
    store.close()


async def test_a_limited_page_of_a_long_log_on_file_stops_at_its_limit(tmp_path: Path) -> None:
    """More than one read batch of entries on file: a page takes no more than it asked."""
    store = open_store(tmp_path / "s.db", journal_size=1)
    sent = [store.deliveries.append(attempt(f"req-{i}")) for i in range(1, 503)]
    store.commit()
    page = store.deliveries.page(limit=1)
    assert page == {"deliveries": [sent[0]], "dropped": 0, "next": 1}
    page = store.deliveries.page(since=499, limit=2)
    assert page == {"deliveries": sent[499:501], "dropped": 0, "next": 501}
    assert store.deliveries.page()["deliveries"] == sent, "read back as written, every field"
    store.close()


async def test_a_delivery_log_an_older_version_trimmed_counts_what_it_dropped_for_good(
    tmp_path: Path,
) -> None:
    """An older version numbered entries in the column only and trimmed the oldest: the
    log reads back numbered, says how many it lost, and still says so after a reopen."""
    path = tmp_path / "s.db"
    open_store(path).close()
    with file_of(path) as db:  # as the older version left it: entries 1-4 trimmed
        db.execute("DELETE FROM meta WHERE name LIKE 'delivery_log_%'")
        db.executemany(
            "INSERT INTO deliveries (n, entry) VALUES (?, ?)",
            [(n, f'{{"request_id": "req-{n}", "attempt": 1}}') for n in (5, 6, 7)],
        )
    expected = {
        "deliveries": [{"request_id": f"req-{n}", "attempt": 1, "n": n} for n in (5, 6, 7)],
        "dropped": 4,
        "next": 7,
    }
    store = open_store(path, journal_size=2)  # entry 5 is read from the file
    assert store.deliveries.page() == expected
    store.close()
    store = open_store(path, journal_size=2)
    assert store.deliveries.page() == expected
    assert store.deliveries.append(attempt("req-8"))["n"] == 8
    store.close()


async def test_a_delivery_log_a_reset_emptied_has_dropped_nothing(tmp_path: Path) -> None:
    """A file whose log a reset emptied while it still counted dropped entries (as the
    store wrote it before it wrote its counters on a reset): none are dropped now."""
    path = tmp_path / "s.db"
    open_store(path).close()
    with file_of(path) as db:
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("delivery_log_number", 9), ("delivery_log_dropped", 4)],
        )
    store = open_store(path, journal_size=2)
    assert store.deliveries.page() == {"deliveries": [], "dropped": 0, "next": 8}
    assert store.deliveries.append(attempt("req-9"))["n"] == 9
    store.close()


async def test_an_entry_number_given_before_a_reset_is_not_given_again_after_a_reopen(
    tmp_path: Path,
) -> None:
    """Entry numbers are never reused, also when the reset came before their commit."""
    path = tmp_path / "s.db"
    store = open_store(path, journal_size=2)
    for rid in ("req-1", "req-2"):
        store.deliveries.append(attempt(rid))
    store.commit()
    assert store.deliveries.append(attempt("req-3"))["n"] == 3
    store.clear()
    store.close()
    store = open_store(path, journal_size=2)
    assert store.deliveries.page() == {"deliveries": [], "dropped": 0, "next": 3}
    assert store.deliveries.append(attempt("req-4"))["n"] == 4
    store.close()


# -- commits ---------------------------------------------------------------------------------------


async def test_a_commit_with_nothing_new_writes_nothing_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    wal = Path(f"{path}-wal")
    store = open_store(path)
    store.rules.add({"http": 503})
    store.commit()
    written = wal.stat().st_size
    store.commit()
    store.commit()
    assert wal.stat().st_size == written
    store.rules.add({"http": 502})
    store.commit()
    assert wal.stat().st_size > written, "a change does reach the file"
    store.close()


async def test_calls_waiting_for_the_same_commit_all_return(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    store.rules.add({"http": 503})
    first = asyncio.ensure_future(store.committed())
    store.rules.add({"http": 502})
    second = asyncio.ensure_future(store.committed())
    await asyncio.wait_for(asyncio.gather(first, second), timeout=2)
    store.close()
    with file_of(path) as db:
        assert db.execute("SELECT rule_id FROM rules ORDER BY position").fetchall() == [
            ("rule-1",),
            ("rule-2",),
        ]


async def test_a_write_the_file_refuses_raises_its_own_error_and_is_undone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with file_of(path) as db:  # a file that refuses one write, as a full disk would
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON rules "
            "BEGIN SELECT RAISE(ABORT, 'the disk refuses (simulated)'); END"
        )
    store = open_store(path)
    store.accounts.put(Account(KEY, Decimal("3"), None, None, 2))  # written before the rules
    store.rules.add({"http": 503})
    with pytest.raises(sqlite3.IntegrityError, match="the disk refuses"):
        store.commit()
    with pytest.raises(sqlite3.IntegrityError, match="the disk refuses"):
        store.commit()  # tried again in a transaction of its own
    with pytest.raises(sqlite3.IntegrityError, match="the disk refuses"):
        store.close()
    with file_of(path) as db:
        assert db.execute("SELECT COUNT(*) FROM accounts").fetchone() == (0,), "all or nothing"


@pytest.mark.parametrize(
    ("journal_size", "commits", "kept"),
    [
        (5, [(500, 500)], 500),  # 1000 log lines written: not yet trimmed
        (5, [(500, 500), (1, 0)], 5),  # 1001 (journal and deliveries): trimmed to the newest
        (5, [(1001, 0), (1000, 0)], 1005),  # counted again from the trim
        (11_000, [(11_050, 0), (1_050, 0)], 12_050),  # a tenth of a large journal_size
    ],
)
async def test_the_journal_on_file_is_trimmed_to_its_newest_lines_every_so_many_lines(
    tmp_path: Path, journal_size: int, commits: list[tuple[int, int]], kept: int
) -> None:
    """The file keeps every line until more than max(1000, journal_size / 10) log lines
    were written since the last trim; then it keeps the newest `journal_size` lines."""
    path = tmp_path / "s.db"
    store = open_store(path, journal_size=journal_size)
    for lines, deliveries in commits:
        for _ in range(lines):
            store.journal.record(1.0, "GET", "/status", 200, "sk-d…", None, None, [], None)
        for _ in range(deliveries):
            store.deliveries.append(attempt("req-1"))
        store.commit()
    last = store.journal.next_number - 1
    store.close()
    with file_of(path) as db:
        assert db.execute("SELECT COUNT(*), MAX(seq) FROM journal").fetchone() == (kept, last)


# -- opening ---------------------------------------------------------------------------------------


async def test_a_path_that_cannot_be_opened_is_refused_with_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(ConfigError) as refused:
        open_store(folder)
    assert str(refused.value) == f"state {folder}: cannot open: unable to open database file"


async def test_a_state_file_in_use_is_refused_promptly(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="in use by another running mock-gateway"):
        open_store(path)
    assert time.monotonic() - started < 3.0, "no long wait for a lock that will not go"
    # how long: SQLite waits 200 ms for a lock, then says the file is busy
    assert store._db.execute("PRAGMA busy_timeout").fetchone() == (200,)
    store.close()


async def test_a_kept_input_picture_is_served_after_a_reopen(
    open_mock: Any, tmp_path: Path
) -> None:
    """The inspector reads the picture back from the file, off the event loop's thread."""
    path = tmp_path / "s.db"
    mock: Client = await open_mock(path)
    rid = await submit(mock, RMBG_SUBMIT, {"image_url": data_url()}, "test-key")
    await wait_settled(mock, rid)
    resp = await mock.get(f"/_mock/jobs/{rid}/input")
    assert resp.status == 200
    picture = await resp.read()
    await mock.close()
    again: Client = await open_mock(path)
    resp = await again.get(f"/_mock/jobs/{rid}/input")
    assert (resp.status, resp.content_type) == (200, "image/png")
    assert await resp.read() == picture
