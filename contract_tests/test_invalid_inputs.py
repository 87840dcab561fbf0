"""Invalid submits, generated from the schemas one defect at a time: 400, a JSON error body,
and (when the body names one) the offending field. Nothing rejected is charged.

Each kind is its own test with the page's canonical case as an explicit example, so a live
run with few examples still tries the case that matters. Where only the mock's choice makes a
body invalid (guidance outside 5-10, an aspect ratio beyond the four listed, a steps_num
range, a blank prompt) the check is an assumption: a live gateway that accepts such a body
is reported, never failed, and the accepted job is paid from the run's budget.
"""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from .checks import check_error
from .contract import BALLOONS, FIBO, MODELS, RMBG
from .strategies import (
    FIBO_SCHEMA,
    RMBG_SCHEMA,
    Invalid,
    bad_image_urls,
    blank_prompts,
    malformed_json,
    missing_required,
    non_objects,
    out_of_range_guidance,
    unknown_aspect_ratios,
    wrong_types,
)
from .target import Target


def assert_rejected(target: Target, model: str, case: Invalid, rule: str = "invalid-400") -> None:
    answer = target.submit(model, case.body)
    shown = json.dumps(case.body)
    shown = shown if len(shown) <= 100 else shown[:100] + "…"
    what = f"a {model} submit with {case.why} ({shown})"
    check_error(answer, 400, rule, what, field=case.field)


@given(case=wrong_types(FIBO_SCHEMA))
@example(case=Invalid({"prompt": BALLOONS, "seed": "5555"}, "seed", "seed of the wrong type"))
def test_fibo_wrong_types_are_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, FIBO, case)


@given(case=wrong_types(RMBG_SCHEMA))
@example(case=Invalid({"image_url": 42}, "image_url", "image_url of the wrong type"))
def test_rmbg_wrong_types_are_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, RMBG, case)


@given(case=out_of_range_guidance())
@example(
    case=Invalid(
        {"prompt": BALLOONS, "guidance_scale": 11}, "guidance_scale", "guidance_scale out of range"
    )
)
@example(
    case=Invalid(
        {"prompt": BALLOONS, "guidance_scale": 4.5}, "guidance_scale", "guidance_scale out of range"
    )
)
def test_out_of_range_guidance_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, FIBO, case, "assumed.validation.guidance-range")


@given(case=unknown_aspect_ratios())
@example(
    case=Invalid(
        {"prompt": BALLOONS, "aspect_ratio": "2:1"}, "aspect_ratio", "unknown aspect_ratio"
    )
)
def test_an_unknown_aspect_ratio_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, FIBO, case, "assumed.validation.aspect-ratios")


@given(case=blank_prompts())
@example(case=Invalid({"prompt": ""}, "prompt", "empty or blank prompt"))
@example(case=Invalid({"prompt": "   "}, "prompt", "empty or blank prompt"))
def test_an_empty_or_blank_prompt_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, FIBO, case, "assumed.validation.blank-prompt")


@given(steps=st.one_of(st.integers(max_value=0), st.integers(min_value=101)))
@example(steps=0)
@example(steps=101)
def test_steps_outside_the_accepted_range_are_400(target: Target, steps: int) -> None:
    case = Invalid({"prompt": BALLOONS, "steps_num": steps}, "steps_num", "steps_num out of range")
    assert_rejected(target, FIBO, case, "assumed.validation.steps-range")


@given(case=missing_required(FIBO_SCHEMA))
@example(case=Invalid({"aspect_ratio": "1:1"}, "prompt", "prompt missing"))
def test_a_fibo_body_without_prompt_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, FIBO, case)


@given(case=missing_required(RMBG_SCHEMA))
@example(case=Invalid({}, "image_url", "image_url missing"))
def test_an_rmbg_body_without_image_url_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, RMBG, case)


@given(case=bad_image_urls())
@example(case=Invalid({"image_url": "ftp://127.0.0.1/cat.png"}, "image_url", "not an http(s) URL"))
@example(case=Invalid({"image_url": "127.0.0.1/cat.png"}, "image_url", "not an http(s) URL"))
def test_a_bad_image_url_is_400(target: Target, case: Invalid) -> None:
    assert_rejected(target, RMBG, case, "assumed.validation.image-url")


@given(case=non_objects(), model=st.sampled_from(MODELS))
@example(case=Invalid([BALLOONS], None, "not a JSON object"), model=FIBO)
def test_a_body_that_is_not_an_object_is_400(target: Target, case: Invalid, model: str) -> None:
    assert_rejected(target, model, case)


@given(raw=malformed_json(), model=st.sampled_from(MODELS))
@example(raw=b'{"prompt": "a fox"', model=FIBO)
def test_a_body_that_is_not_json_is_400(target: Target, raw: bytes, model: str) -> None:
    answer = target.submit(model, raw=raw)
    check_error(answer, 400, "invalid-400", f"a {model} submit whose body is not JSON ({raw!r})")
