"""Small contracts of the core the bigger tests pass by: a details record's own copy, an
unknown id's message, the numbering of events after a restart, and a job record read back.
"""

from __future__ import annotations

import json

import pytest

from mock_gateway.core.catalog import DEFAULT_MODELS, FIBO
from mock_gateway.core.errors import RequestNotFound
from mock_gateway.core.events import REFUND, Pending
from mock_gateway.core.jobs import NO_FLAGS, Details, Status
from mock_gateway.stores.memory import MemoryEvents
from mock_gateway.stores.records import JOB, job_fields, job_from_fields
from tests.core.test_jobs import make_job

OPTIONS = (("preserve_alpha", True),)


# -- a details record and its own copy -------------------------------------------------------


def test_a_details_records_own_copy_keeps_every_field_and_is_not_shared() -> None:
    shared = Details(
        OPTIONS,
        forced=Status.ERROR,
        error="boom",
        flags=frozenset({"webhook-drop"}),
        webhook_url="https://127.0.0.1:9/hook",
        webhook_mode="terminal",
        settled=False,
        shared=True,
    )
    own = shared.own()
    assert own is not shared
    assert (
        own.options,
        own.forced,
        own.error,
        own.flags,
        own.webhook_url,
        own.webhook_mode,
        own.settled,
        own.shared,
    ) == (
        OPTIONS,
        Status.ERROR,
        "boom",
        frozenset({"webhook-drop"}),
        "https://127.0.0.1:9/hook",
        "terminal",
        False,
        False,
    )


# -- the message of an unknown request id ----------------------------------------------------


def test_an_unknown_request_ids_message_quotes_at_most_its_first_120_characters() -> None:
    long_id = "a" * 119 + "bcdef"
    assert RequestNotFound(long_id).message == f"No request with id '{'a' * 119}b'"
    assert RequestNotFound("short").message == "No request with id 'short'"


# -- event numbers ---------------------------------------------------------------------------


def pending(event_id: int) -> Pending:
    return Pending(event_id, REFUND, 10.0, f"job-{event_id}", 10.0)


def test_events_numbered_after_a_restart_never_reuse_a_kept_events_number() -> None:
    events = MemoryEvents()
    events.add(pending(7))
    events.skip_ids(3)  # a saved count behind the events kept
    assert events.peek_id() == 8
    assert events.new_id() == 8 and events.new_id() == 9


def test_events_numbered_after_a_restart_start_from_the_saved_count_when_it_is_ahead() -> None:
    events = MemoryEvents()
    events.add(pending(2))
    events.skip_ids(40)
    assert events.new_id() == 40


# -- a job record read back ------------------------------------------------------------------


def test_a_job_record_with_a_field_too_many_or_too_few_is_refused() -> None:
    values = json.loads(job_fields(make_job())[JOB])
    for wrong in (values[:-1], [*values, "extra"]):
        with pytest.raises(ValueError, match="zip"):
            job_from_fields({JOB: json.dumps(wrong)}, DEFAULT_MODELS)
    assert job_from_fields({JOB: json.dumps(values)}, DEFAULT_MODELS).request_id == "job-1"


def test_a_job_read_back_without_flags_shares_the_one_empty_set() -> None:
    """A failed job has a details record of its own; read back, it holds no empty set of its
    own either (a million jobs in a process's cache: one empty set, not a million)."""
    failed = make_job(error="the input was not a picture", forced=Status.FAILED)
    back = job_from_fields(job_fields(failed), DEFAULT_MODELS)
    assert back.flags is NO_FLAGS
    assert back.error == "the input was not a picture" and back.forced is Status.FAILED


# -- shared option sets ------------------------------------------------------------------------


def test_options_equal_in_python_but_sent_as_other_types_are_not_shared() -> None:
    """A job echoes what its client sent. Broken: option sets told apart by value alone
    (1 == True == 1.0 in Python), so a job that sent `true` echoes another job's `1`."""
    jobs_sent = [
        make_job(model=FIBO, params={"prompt": "a", "extra": value}) for value in (1, True, 1.0)
    ]
    assert [(type(j.params["extra"]), j.params["extra"]) for j in jobs_sent] == [
        (int, 1),
        (bool, True),
        (float, 1.0),
    ]
