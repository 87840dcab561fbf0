"""Submits answer 202 QUEUED with an id of the model and a polling URL that resolves, and the
job then runs to its end: the page's own FIBO examples and one RMBG input."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .checks import ContractViolation
from .contract import COMPLETED, FIBO, FIBO_FULL, FIBO_MINIMUM, RMBG
from .jobs import accept, expected_outcomes, expected_size, run_to_end
from .ledger import current
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


def test_the_same_seed_and_parameters_give_the_same_picture(target: Target) -> None:
    body = {"prompt": "A lighthouse on a cliff at dusk", "seed": 4242, "aspect_ratio": "1:1"}
    pictures = []
    for _ in range(2):
        job = accept(target, FIBO, target.submit(FIBO, body), expected_size(FIBO, body, None))
        final = run_to_end(target, job, expect=expected_outcomes(target))
        if final["status"] != COMPLETED:
            pytest.skip(f"a job ended {final['status']}: no picture to compare (live)")
        pictures.append(target.download(final["output"]["media_url"][0]).body)
    # "Reproducible results": the same picture, pixel for pixel (files may differ in encoding).
    first, second = (_pixels(p) for p in pictures)
    if first != second:
        raise ContractViolation(
            "seed-reproducible",
            "two jobs with seed 4242 and identical parameters gave different pictures",
        )
    current().passed("seed-reproducible")


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGBA").tobytes()
