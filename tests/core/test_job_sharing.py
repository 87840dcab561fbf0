"""The values jobs share: a stand-in's size kept once for every job that has it, and the
sharing table bounded by its cap. Each test's docstring names the broken mock it catches."""

from __future__ import annotations

import pytest

from mock_gateway.core import jobs
from mock_gateway.core.catalog import RMBG
from mock_gateway.core.jobs import InputImage, Job

T0 = 1_774_951_200.0  # 2026-03-31T10:00:00Z
STAND_IN = "https://images.example.com/cat.png"


def stand_in_job(request_id: str, width: int, height: int) -> Job:
    """An RMBG job whose input is the usual stand-in (its URL not fetched) of this size."""
    job = Job(
        request_id=request_id,
        model=RMBG,
        key="k",
        generation=2,
        params={"image_url": STAND_IN},
        created_at=T0,
        started_at=T0 + 1.0,
        ended_at=T0 + 4.0,
        base_url="http://127.0.0.1:8080",
    )
    job.input = InputImage("stand-in", STAND_IN, width, height)
    return job


def test_jobs_with_a_stand_in_of_one_size_share_one_kept_size() -> None:
    """Catches: a sharing table that looks a value up, or keeps it, under anything but the
    value itself when no key is given (under the missing key, None): every job with a
    stand-in input then holds a size of its own, a million jobs a million copies."""
    jobs.forget_shared()
    first = stand_in_job("job-1", 640, 480)
    again = [stand_in_job(f"job-{n}", 640, 480) for n in range(2, 5)]
    assert first._extra == (640, 480)
    assert all(job._extra is first._extra for job in again), "one size kept, shared by all"
    assert jobs._SHARED == {(640, 480): (640, 480)}, "kept under the size itself"
    other = stand_in_job("job-5", 800, 600)
    assert other._extra == (800, 600) and other._extra is not first._extra
    assert [job.input for job in (first, other)] == [
        InputImage("stand-in", STAND_IN, 640, 480),
        InputImage("stand-in", STAND_IN, 800, 600),
    ]


def test_the_sharing_table_never_grows_past_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches: a cap checked with `<=`, letting the table hold one value more than its cap
    (its memory bound is then not the one set); past the cap a value is kept unshared."""
    jobs.forget_shared()
    monkeypatch.setattr(jobs, "_SHARED_CAP", 3)
    made = [stand_in_job(f"job-{n}", 100 + n, 100) for n in range(6)]
    assert len(jobs._SHARED) == 3
    assert set(jobs._SHARED) == {(100, 100), (101, 100), (102, 100)}, "the first three"
    late = stand_in_job("job-9", 105, 100)
    assert late._extra == (105, 100) and late._extra is not made[5]._extra, "not shared"
    assert len(jobs._SHARED) == 3
    assert stand_in_job("job-10", 101, 100)._extra is made[1]._extra, "a kept one still is"
