"""Jobs: a plan fixed at submit, read at any moment, moving forward only."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core import jobs
from mock_gateway.core.catalog import FIBO, RMBG
from mock_gateway.core.jobs import ALLOWED_NEXT, TERMINAL, InputImage, Job, Status, iso, plain

T0 = 1_774_951_200.0  # 2026-03-31T10:00:00Z


def make_job(
    created: float = T0, queued: float = 2.0, processing: float = 3.0, **fields: Any
) -> Job:
    return Job(
        request_id="job-1",
        model=fields.pop("model", RMBG),
        key="k",
        generation=2,
        params=fields.pop("params", {}),
        created_at=created,
        started_at=created + queued,
        ended_at=created + queued + processing,
        base_url="http://127.0.0.1:8080",
        **fields,
    )


# -- status over the plan ------------------------------------------------------------------


def test_status_follows_the_plan() -> None:
    job = make_job()  # starts at T0+2, ends at T0+5
    assert job.status_at(T0) is Status.QUEUED
    assert job.status_at(T0 + 1.999) is Status.QUEUED
    assert job.status_at(T0 + 2) is Status.PROCESSING
    assert job.status_at(T0 + 4.999) is Status.PROCESSING
    assert job.status_at(T0 + 5) is Status.COMPLETED
    assert job.status_at(T0 + 10_000) is Status.COMPLETED


@pytest.mark.parametrize("forced", [Status.FAILED, Status.ERROR])
def test_forced_outcome_shows_only_at_the_end(forced: Status) -> None:
    job = make_job(forced=forced, error="boom")
    assert job.status_at(T0) is Status.QUEUED
    assert job.status_at(T0 + 3) is Status.PROCESSING
    assert job.status_at(T0 + 5) is forced
    assert job.outcome is forced


def test_an_error_without_a_forced_outcome_is_failed() -> None:
    job = make_job(error="image_url is not an image")
    assert job.outcome is Status.FAILED
    assert job.status_at(T0 + 5) is Status.FAILED


def test_forced_error_wins_over_an_input_error() -> None:
    job = make_job(forced=Status.ERROR, error="input broke too")
    assert job.status_at(T0 + 5) is Status.ERROR


def test_an_unsettled_input_holds_the_job_in_processing_past_its_end() -> None:
    job = make_job(settled=False)
    assert job.status_at(T0) is Status.QUEUED
    assert job.status_at(T0 + 5) is Status.PROCESSING
    assert job.status_at(T0 + 1_000) is Status.PROCESSING
    assert job.completed_at(T0 + 1_000) is None
    assert job.updated_at(T0 + 1_000) == T0 + 2
    job.settled = True
    assert job.status_at(T0 + 1_000) is Status.COMPLETED
    assert job.completed_at(T0 + 1_000) == T0 + 5


def test_reading_a_status_changes_nothing() -> None:
    job = make_job()
    for t in (T0 + 10, T0, T0 + 3):
        job.status_at(t)
    assert job.status_at(T0) is Status.QUEUED


def test_timestamps_over_the_plan() -> None:
    job = make_job()
    assert (job.updated_at(T0 + 1), job.completed_at(T0 + 1)) == (T0, None)
    assert (job.updated_at(T0 + 3), job.completed_at(T0 + 3)) == (T0 + 2, None)
    assert (job.updated_at(T0 + 6), job.completed_at(T0 + 6)) == (T0 + 5, T0 + 5)


# -- properties over random plans -----------------------------------------------------------

plans: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    created=st.floats(1_700_000_000, 1_900_000_000),
    queued=st.floats(0, 1_000),
    processing=st.floats(0, 1_000),
    forced=st.sampled_from([None, Status.FAILED, Status.ERROR]),
    error=st.sampled_from([None, "refused"]),
)
offsets = st.lists(st.floats(-10, 3_000), min_size=2, max_size=20)


@given(plan=plans, offsets=offsets)
def test_states_only_move_forward_as_time_grows(plan: dict[str, Any], offsets: list[float]) -> None:
    job = make_job(**plan)
    moments = sorted(job.created_at + o for o in offsets)
    seen = [job.status_at(t) for t in moments]
    for before, after in pairwise(seen):
        assert after in ALLOWED_NEXT[before], f"{before} -> {after}"


@given(plan=plans, offsets=offsets)
def test_timestamps_are_ordered_and_never_go_back(
    plan: dict[str, Any], offsets: list[float]
) -> None:
    job = make_job(**plan)
    last_updated = job.created_at
    for t in sorted(job.created_at + abs(o) for o in offsets):
        updated, completed = job.updated_at(t), job.completed_at(t)
        assert job.created_at <= updated
        assert updated >= last_updated
        last_updated = updated
        if completed is not None:
            assert updated <= completed
        assert (completed is not None) == (job.status_at(t) in TERMINAL)


@given(plan=plans, offsets=offsets)
def test_a_terminal_job_stays_identical(plan: dict[str, Any], offsets: list[float]) -> None:
    job = make_job(**plan)
    end = job.ended_at
    first = (job.status_at(end), job.updated_at(end), job.completed_at(end))
    assert first[0] in TERMINAL
    for o in offsets:
        t = end + abs(o)
        assert (job.status_at(t), job.updated_at(t), job.completed_at(t)) == first


def test_allowed_next_is_forward_only() -> None:
    assert ALLOWED_NEXT[Status.QUEUED] == frozenset(Status)
    assert Status.QUEUED not in ALLOWED_NEXT[Status.PROCESSING]
    assert Status.COMPLETED in ALLOWED_NEXT[Status.PROCESSING]  # may skip straight past
    for terminal in TERMINAL:
        assert ALLOWED_NEXT[terminal] == frozenset({terminal})


# -- timestamp formats ------------------------------------------------------------------------


def test_iso_is_the_status_page_form() -> None:
    assert iso(T0) == "2026-03-31T10:00:00.000Z"
    assert iso(T0 + 0.123) == "2026-03-31T10:00:00.123Z"
    # Milliseconds are truncated, never rounded up into the next second.
    assert iso(T0 + 0.9999) == "2026-03-31T10:00:00.999Z"


def test_plain_is_the_webhook_second_form() -> None:
    t = 1_779_455_963.0  # 2026-05-22 13:19:23 UTC
    assert plain(t) == "2026-05-22 13:19:23"
    # Rounded up, never down: this form has no milliseconds and must not read before created_at.
    assert plain(t - 0.999) == "2026-05-22 13:19:23"
    assert plain(t + 0.001) == "2026-05-22 13:19:24"


def test_the_two_forms_of_one_second_are_each_its_own() -> None:
    """Both forms cache the seconds they format (a new job shares its second with its
    neighbours): one form's second must never come back in the other's."""
    iso.cache_clear()
    plain.cache_clear()
    assert iso(T0 + 0.5) == "2026-03-31T10:00:00.500Z"
    assert plain(T0) == "2026-03-31 10:00:00"
    assert iso(T0 + 0.25) == "2026-03-31T10:00:00.250Z"
    assert plain(T0 + 1) == "2026-03-31 10:00:01"


@given(
    a=st.floats(0, 4_102_444_800, allow_nan=False),
    b=st.floats(0, 4_102_444_800, allow_nan=False),
)
def test_iso_and_plain_keep_the_order_of_times(a: float, b: float) -> None:
    a, b = sorted((a, b))
    assert iso(a) <= iso(b)
    assert plain(a) <= plain(b)


# -- output size ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspect", "size"),
    [("1:1", (1024, 1024)), ("16:9", (1344, 768)), ("9:16", (768, 1344)), ("4:3", (1152, 896))],
)
def test_fibo_output_size_is_the_aspect_ratio_preset(aspect: str, size: tuple[int, int]) -> None:
    job = make_job(model=FIBO, params={"prompt": "p", "aspect_ratio": aspect})
    assert job.output_size == size


def test_rmbg_output_size_is_the_input_size() -> None:
    job = make_job(input=InputImage("stand-in", "https://example.com/cat.jpg", 640, 480))
    assert job.output_size == (640, 480)


# -- the compact record ---------------------------------------------------------------------
# A job keeps its request's fields in a compact, partly shared form (a million of them fit
# in memory); what it gives back must be exactly what was sent, defaults filled in.

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
fibo_bodies = st.fixed_dictionaries(
    {"prompt": st.one_of(st.text(max_size=30), st.none())},
    optional={
        "seed": st.one_of(st.integers(0, 2**31 - 1), st.none()),
        "aspect_ratio": st.sampled_from(["1:1", "16:9", "9:16", "4:3"]),
        "steps_num": st.one_of(st.integers(1, 50), st.just(True)),
        # 7 == 7.0 == True in Python: a shared copy must not swap one for another.
        "guidance_scale": st.one_of(st.integers(1, 10), st.floats(1, 10), st.just(7.0)),
        "extra": st.one_of(json_scalars, st.lists(json_scalars, max_size=3)),
    },
)


def _typed(params: dict[str, Any]) -> dict[str, tuple[type, Any]]:
    return {name: (type(value), value) for name, value in params.items()}


@given(body=fibo_bodies)
def test_params_give_back_exactly_what_was_sent_with_the_defaults(body: dict[str, Any]) -> None:
    job = make_job(model=FIBO, params=dict(body))
    assert _typed(job.params) == _typed({**FIBO.default_params, **body})


@given(first=fibo_bodies, second=fibo_bodies)
def test_one_jobs_params_never_leak_into_anothers(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    a = make_job(model=FIBO, params=dict(first))
    b = make_job(model=FIBO, params=dict(second))
    assert _typed(a.params) == _typed({**FIBO.default_params, **first})
    assert _typed(b.params) == _typed({**FIBO.default_params, **second})


def test_jobs_with_the_same_options_share_one_copy() -> None:
    a = make_job(model=FIBO, params={"prompt": "a", "seed": 1})
    b = make_job(model=FIBO, params={"prompt": "b", "seed": 2})
    c = make_job(model=FIBO, params={"prompt": "c", "aspect_ratio": "16:9"})
    d = make_job(model=FIBO, params={"prompt": "d", "aspect_ratio": "16:9"})
    assert a.options is b.options
    assert c.options is d.options
    assert a.options != c.options


def test_a_change_to_one_job_never_reaches_another() -> None:
    # Plain jobs share one record of their rare fields until one of them changes.
    a, b = make_job(), make_job()
    a.error = "image_url is not an image"
    a.settled = False
    assert (b.error, b.settled, b.forced, b.flags) == (None, True, None, frozenset())
    assert (a.error, a.settled) == ("image_url is not an image", False)
    assert make_job().error is None


def test_a_stand_in_input_is_given_back_whole() -> None:
    url = "https://images.example.com/cat.jpg"
    job = make_job(params={"image_url": url})
    job.input = InputImage("stand-in", url, 640, 480)
    assert job.input == InputImage("stand-in", url, 640, 480)
    # A stand-in for another URL (a redirect's target) is kept as it is.
    job.input = InputImage("stand-in", "https://elsewhere.example/x.png", 800, 600)
    assert job.input == InputImage("stand-in", "https://elsewhere.example/x.png", 800, 600)
    job.input = InputImage("bytes", "ab12", 3, 4)
    assert job.input == InputImage("bytes", "ab12", 3, 4)


def test_the_keys_generation_and_host_are_kept() -> None:
    job = make_job()
    assert (job.key, job.generation, job.base_url) == ("k", 2, "http://127.0.0.1:8080")


rmbg_bodies = st.fixed_dictionaries(
    {
        "image_url": st.sampled_from(
            ["https://images.example.com/a.jpg", "data:image/png;base64,AA"]
        )
    },
    optional={"seed": st.integers(0, 2**31 - 1), "extra": json_scalars},
)


@given(body=rmbg_bodies)
def test_a_cut_outs_params_come_back_whatever_its_input_becomes(body: dict[str, Any]) -> None:
    # A cut-out keeps its input where a generated picture keeps its seed: neither may
    # overwrite the other, and a "seed" sent to a cut-out is one more option.
    job = make_job(params=dict(body))
    assert job.seed is None
    job.input = InputImage("stand-in", body["image_url"], 640, 480)
    assert _typed(job.params) == _typed(body)
    assert job.input == InputImage("stand-in", body["image_url"], 640, 480)


def test_a_generated_picture_has_a_seed_and_no_input() -> None:
    job = make_job(model=FIBO, params={"prompt": "a fox", "seed": 0})
    assert (job.seed, job.input, job.model) == (0, None, FIBO)
    with pytest.raises(ValueError, match="no input"):
        job.input = InputImage("bytes", "ab12", 3, 4)
    assert job.seed == 0


def test_minus_zero_and_zero_are_not_shared() -> None:
    # Equal as floats, different on the wire: each job echoes its own.
    a = make_job(params={"image_url": "u", "strength": 0.0})
    b = make_job(params={"image_url": "u", "strength": -0.0})
    assert repr(a.params["strength"]) == "0.0"
    assert repr(b.params["strength"]) == "-0.0"


def test_an_empty_error_is_kept() -> None:
    assert make_job(error="").error == ""


def test_a_reset_forgets_what_jobs_shared_and_big_values_are_never_kept() -> None:
    big = "x" * 100_000
    job = make_job(params={"image_url": "u", "note": big})
    assert not any(big in str(key) for key in jobs._SHARED), "a one-off value is not kept"
    plain = make_job(model=FIBO, params={"prompt": "p", "aspect_ratio": "16:9"})
    assert jobs._SHARED and jobs._PLAIN
    jobs.forget_shared()
    assert not jobs._SHARED and not jobs._PLAIN and not jobs._ORIGINS
    # What the jobs hold stays theirs, and later jobs still share among themselves.
    assert job.params["note"] == big
    assert plain.params["aspect_ratio"] == "16:9"
    again = [make_job(model=FIBO, params={"prompt": "q", "aspect_ratio": "16:9"}) for _ in "ab"]
    assert again[0].options is again[1].options


def test_the_plain_record_of_a_model_is_shared_past_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Many one-off option sets must not stop the common request from sharing.
    jobs.forget_shared()
    monkeypatch.setattr(jobs, "_SHARED_CAP", 3)
    for n in range(10):
        make_job(params={"image_url": "u", "seed": n})
    a = make_job(model=FIBO, params={"prompt": "a"})
    b = make_job(model=FIBO, params={"prompt": "b"})
    assert a._more is b._more
