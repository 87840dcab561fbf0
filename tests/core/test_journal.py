"""The request journal and the delivery log, on their own: numbering, bounds, filters."""

from __future__ import annotations

from typing import Any

from mock_gateway.core.journal import DeliveryLog, Journal

T = 1_700_000_000.0


def record(journal: Journal, request_id: str | None, status: int | None = 200) -> None:
    journal.record(T, "GET", "/x", status, "te…ey", "m", request_id, ["rule-1"], None)


def test_an_entry_reads_back_with_every_field_in_order() -> None:
    journal = Journal(10)
    journal.record(T, "POST", "/submit", 202, "te…ey", "bria-fibo", "rid", ["r1", "r2"], "hang")
    assert journal.entries() == [
        {
            "seq": 1,
            "time": "2023-11-14T22:13:20.000Z",
            "method": "POST",
            "path": "/submit",
            "status": 202,
            "key": "te…ey",
            "model_id": "bria-fibo",
            "request_id": "rid",
            "scenario_rules": ["r1", "r2"],
            "fault": "hang",
        }
    ]


def test_numbering_goes_on_after_the_entries_a_store_puts_back() -> None:
    journal = Journal(10)
    journal.load((7, T, "GET", "/a", 200, None, None, "r7", (), None))
    journal.load((9, T, "GET", "/b", 200, None, None, "r9", (), None))
    assert journal.next_number == 10
    record(journal, "new")
    assert [e["seq"] for e in journal.entries()] == [7, 9, 10]
    journal.load((3, T, "GET", "/c", 200, None, None, None, (), None))  # older: no step back
    assert journal.next_number == 11


def test_since_and_limit_take_the_newest_after_since() -> None:
    journal = Journal(100)
    for n in range(5):
        record(journal, f"r{n}")
    assert [e["seq"] for e in journal.entries(since=2)] == [3, 4, 5]
    assert [e["seq"] for e in journal.entries(limit=2)] == [4, 5]
    assert [e["seq"] for e in journal.entries(since=1, limit=10)] == [2, 3, 4, 5]
    assert journal.entries(limit=0) == []
    assert len(journal) == 5


def test_of_request_is_that_jobs_entries_and_times() -> None:
    journal = Journal(10)
    journal.record(T, "POST", "/s", 202, None, None, "a", [])
    journal.record(T + 1, "GET", "/s", 200, None, None, "b", [])
    journal.record(T + 2, "GET", "/s", 200, None, None, "a", [])
    views, times = journal.of_request("a")
    assert [v["seq"] for v in views] == [1, 3]
    assert times == [T, T + 2]
    journal.clear()
    assert len(journal) == 0 and journal.of_request("a") == ([], [])
    record(journal, "a")
    assert journal.entries()[0]["seq"] == 4  # a reset does not start numbering again


def delivery(request_id: str, **more: Any) -> dict[str, Any]:
    return {"request_id": request_id, "status": 200, **more}


def test_deliveries_of_one_job_only() -> None:
    log = DeliveryLog(10)
    log.append(delivery("a"))
    log.append(delivery("b"))
    log.append(delivery("a"))
    assert [e["n"] for e in log.entries("a")] == [1, 3]
    assert [e["n"] for e in log.entries("b")] == [2]
    assert [e["n"] for e in log.entries()] == [1, 2, 3]


def test_a_full_log_counts_what_it_let_go_and_numbers_on() -> None:
    log = DeliveryLog(2)
    for rid in "abc":
        log.append(delivery(rid))
    assert (len(log), log.dropped) == (2, 1)
    assert [e["n"] for e in log.entries()] == [2, 3]
    log.load({"n": 9, **delivery("z")})
    assert (log.next_n, log.dropped) == (10, 2)
    log.clear()
    assert (len(log), log.dropped, log.next_number) == (0, 0, 1)
    assert log.append(delivery("d"))["n"] == 10


def test_delivery_ids_name_the_callback_and_its_job() -> None:
    log = DeliveryLog(10)
    assert log.new_delivery_id("bria-fibo_0123456789abcdef") == "dlv_000001_456789abcdef"
    assert log.new_delivery_id("x") == "dlv_000002_x"


def test_a_journal_of_size_0_keeps_nothing() -> None:
    journal = Journal(0)  # --journal-size 0: the journal is off
    record(journal, "a")
    assert (len(journal), journal.entries(), journal.next_number) == (0, [], 1)


def test_a_page_of_no_deliveries_asked_for_is_empty_and_stays_where_it_was() -> None:
    """`GET /_mock/deliveries?since=1&limit=0`: no entry, and `next` is the `since` given
    (a page that took none of them: the next page starts there)."""
    log = DeliveryLog(10)
    for n in range(3):
        log.append({"delivery_id": f"dlv_{n}", "request_id": "rid"})
    assert log.page(since=1, limit=0) == {"deliveries": [], "dropped": 0, "next": 1}
    assert log.page(limit=0) == {"deliveries": [], "dropped": 0, "next": 0}
