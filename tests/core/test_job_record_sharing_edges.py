"""Edges of what jobs share: the plain record of equal option sets (never changed in place,
its table bounded by the cap), the (key, generation, host, model) origin, and the common
request's options, the model's own defaults. Each test's docstring names the broken mock it
catches."""

from __future__ import annotations

from typing import Any

import pytest

from mock_gateway.core import jobs
from mock_gateway.core.catalog import FIBO, RMBG, Model
from mock_gateway.core.jobs import Job, Status, plain_details

T0 = 1_774_951_200.0  # 2026-03-31T10:00:00Z
BASE = "http://127.0.0.1:8080"
CAT = "https://images.example.com/cat.png"


def make_job(request_id: str, model: Model, params: dict[str, Any], key: str = "k") -> Job:
    """A plain job (no rare field) of `model` with these request fields."""
    return Job(
        request_id=request_id,
        model=model,
        key=key,
        generation=2,
        params=params,
        created_at=T0,
        started_at=T0 + 1.0,
        ended_at=T0 + 4.0,
        base_url=BASE,
    )


def rmbg_job(request_id: str, params: dict[str, Any]) -> Job:
    return make_job(request_id, RMBG, {"image_url": CAT, **params})


# -- the plain record: shared, so never changed in place ----------------------------------------


def test_a_change_to_one_job_never_shows_in_another_with_equal_options() -> None:
    """Catches: plain_details keeping a record for equal option sets that is not marked
    shared (`shared=False`, or the flag left out): a job setting its error or its settled
    flag then writes into the record every job with those options reads, and a job no one
    touched turns FAILED or stays PROCESSING."""
    jobs.forget_shared()
    first = rmbg_job("job-1", {"preserve_alpha": False})
    second = rmbg_job("job-2", {"preserve_alpha": False})
    third = rmbg_job("job-3", {"preserve_alpha": False})
    assert second._more is first._more and third._more is first._more, "one record, shared"
    assert first._more.shared is True
    first.error = "refused"
    second.settled = False
    assert [job.error for job in (first, second, third)] == ["refused", None, None]
    assert [job.settled for job in (first, second, third)] == [True, False, True]
    assert [job.timeline(T0 + 5.0) for job in (first, second, third)] == [
        (Status.FAILED, T0 + 4.0, T0 + 4.0),
        (Status.PROCESSING, T0 + 1.0, None),
        (Status.COMPLETED, T0 + 4.0, T0 + 4.0),
    ]
    assert third._more.error is None and third._more.settled is True
    assert dict(third.options) == {"preserve_alpha": False}
    later = rmbg_job("job-4", {"preserve_alpha": False})
    assert later._more is third._more, "the kept record is still the untouched one"
    assert (later.error, later.settled, later.outcome) == (None, True, Status.COMPLETED)


# -- the plain table: one entry per option set, bounded by the cap ------------------------------


def test_the_plain_table_keeps_one_entry_per_option_set_and_never_passes_its_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: the plain table's cap checked with `<=` (one entry more than the cap), or
    joined to the tuple check with `or` (an entry for every new option set past the cap,
    and one for every equal request's own tuple, kept under the id of a tuple that is then
    freed): its memory bound is then not the one set."""
    jobs.forget_shared()
    first = rmbg_job("job-a", {"note": "n0"})
    equal = rmbg_job("job-b", {"note": "n0"})
    assert equal._more is first._more and equal.options is first.options
    assert list(jobs._PLAIN.items()) == [(id(first.options), first._more)], "one entry"

    jobs.forget_shared()
    monkeypatch.setattr(jobs, "_SHARED_CAP", 3)
    made = [rmbg_job(f"job-{n}", {"note": f"n{n}"}) for n in range(6)]
    assert [job.option("note") for job in made] == [f"n{n}" for n in range(6)]
    assert len(jobs._PLAIN) == 3
    assert {id(job.options): job._more for job in made[:3]} == jobs._PLAIN, "the first three"
    late = rmbg_job("job-9", {"note": "n5"})
    assert late._more is not made[5]._more, "past the cap: a record of its own"
    assert late._more.shared is True and late.option("note") == "n5"
    assert len(jobs._PLAIN) == 3
    assert rmbg_job("job-10", {"note": "n1"})._more is made[1]._more, "a kept one still is"


# -- the origin: shared by the jobs of one key, generation, host and model ----------------------


def test_jobs_of_one_key_host_and_model_share_one_origin_and_models_get_their_own() -> None:
    """Catches: the origin table keeping an origin under the id of None instead of the
    model's: no lookup ever finds it, so every job holds an origin of its own, a million
    jobs a million copies."""
    jobs.forget_shared()
    cut = [make_job(f"cut-{n}", RMBG, {"image_url": CAT}) for n in range(3)]
    drawn = [make_job(f"pic-{n}", FIBO, {"prompt": "a cat"}) for n in range(3)]
    assert all(job._origin is cut[0]._origin for job in cut), "one origin for RMBG's jobs"
    assert all(job._origin is drawn[0]._origin for job in drawn), "one origin for FIBO's"
    assert cut[0]._origin == ("k", 2, BASE, RMBG)
    assert drawn[0]._origin == ("k", 2, BASE, FIBO)
    assert [job.model for job in (*cut, *drawn)] == [RMBG] * 3 + [FIBO] * 3
    assert {
        ("k", 2, BASE, id(RMBG)): cut[0]._origin,
        ("k", 2, BASE, id(FIBO)): drawn[0]._origin,
    } == jobs._ORIGINS
    other_key = make_job("pic-9", FIBO, {"prompt": "a cat"}, key="k2")
    assert other_key._origin == ("k2", 2, BASE, FIBO)
    assert other_key._origin is not drawn[0]._origin


def test_the_origin_table_keeps_no_more_than_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches: `len(_ORIGINS) < _SHARED_CAP` turned into `<=`: the table then keeps one origin
    past its cap (a key, host or model more, each a kept entry for the rest of the run)."""
    jobs.forget_shared()
    monkeypatch.setattr(jobs, "_SHARED_CAP", 1)
    cut = make_job("cut-1", RMBG, {"image_url": CAT})
    drawn = [make_job(f"pic-{n}", FIBO, {"prompt": "a cat"}) for n in range(2)]
    assert list(jobs._ORIGINS.values()) == [cut._origin], "the first origin only"
    assert drawn[0]._origin == drawn[1]._origin == ("k", 2, BASE, FIBO)
    assert drawn[0]._origin is not drawn[1]._origin, "past the cap: an origin of its own"


# -- the common request: nothing but the input and the seed -------------------------------------


def test_a_request_of_only_a_seed_or_a_prompt_and_a_seed_gets_the_models_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches: the common request (nothing but the input and the seed) told apart by
    subtracting the seed instead of adding it: a request with a seed then gets a copy of
    the model's defaults, not the defaults, and once the sharing table is full every such
    job (the usual FIBO request) holds a record and an options tuple of its own."""
    jobs.forget_shared()
    assert jobs._split(FIBO, {"seed": 7}) == (None, 7, FIBO.defaults)
    assert jobs._split(FIBO, {"seed": 7})[2] is FIBO.defaults
    assert jobs._split(FIBO, {"prompt": "a cat", "seed": 7})[2] is FIBO.defaults
    assert jobs._split(FIBO, {"prompt": "a cat"}) == ("a cat", None, FIBO.defaults)
    assert jobs._split(FIBO, {"prompt": "a cat"})[2] is FIBO.defaults
    monkeypatch.setattr(jobs, "_SHARED_CAP", 0)  # the sharing table full
    seeded = [make_job(f"pic-{n}", FIBO, {"prompt": "a cat", "seed": n}) for n in range(3)]
    seed_only = make_job("pic-9", FIBO, {"seed": 9})
    defaults = plain_details(FIBO.defaults, defaults=True)
    assert all(job._more is defaults for job in (*seeded, seed_only)), "the defaults' record"
    assert all(job.options is FIBO.defaults for job in (*seeded, seed_only))
    assert [job.seed for job in (*seeded, seed_only)] == [0, 1, 2, 9]
    assert seed_only.subject is None
    assert seed_only.params == {
        "aspect_ratio": "1:1",
        "steps_num": 30,
        "guidance_scale": 7.5,
        "seed": 9,
    }
