"""Submits answer 202 QUEUED with an id of the model and a polling URL that resolves, and the
job then runs to its end: the page's own FIBO examples and one RMBG input."""

from __future__ import annotations

import pytest

from .contract import FIBO, FIBO_FULL, FIBO_MINIMUM, RMBG
from .jobs import accept, expected_outcomes, expected_size, run_to_end
from .target import Target


@pytest.mark.parametrize("body", [FIBO_MINIMUM, FIBO_FULL], ids=["page-minimum", "page-full"])
def test_fibo_submit_is_accepted_and_runs_to_its_end(
    target: Target, body: dict[str, object]
) -> None:
    job = accept(target, FIBO, target.submit(FIBO, body), expected_size(FIBO, body, None))
    run_to_end(target, job, expect=expected_outcomes(target))


def test_rmbg_submit_is_accepted_and_runs_to_its_end(target: Target) -> None:
    picture = target.inputs[0]
    answer = target.submit(RMBG, {"image_url": picture.url})
    job = accept(target, RMBG, answer, picture.size)
    run_to_end(target, job, expect=expected_outcomes(target))
