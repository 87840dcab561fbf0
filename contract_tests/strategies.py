"""Hypothesis strategies: valid submit bodies from the schemas, and invalid ones by kind.

Valid bodies come from `schemas/` through hypothesis-jsonschema, property by property.
Invalid bodies start from a valid one and break exactly one thing; each is then checked
against the schema, so "invalid" always means what the schema (the contract) says. Every
URL drawn here points at loopback or names no host: see `safety`.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import pixazo_schemas as schemas

from .contract import ASPECT_RATIOS, MODELS
from .safety import check_outbound

__all__ = [
    "Invalid",
    "bad_image_urls",
    "blank_prompts",
    "fibo_bodies",
    "http_webhook_urls",
    "malformed_json",
    "missing_required",
    "non_objects",
    "out_of_range_guidance",
    "unknown_aspect_ratios",
    "unknown_request_ids",
    "wrong_keys",
    "wrong_types",
]

FIBO_SCHEMA = "gen2/fibo_request"
RMBG_SCHEMA = "gen2/rmbg_request"


@dataclass(frozen=True, slots=True)
class Invalid:
    """A body the schema rejects; `field` is the offending one (None: the whole body)."""

    body: Any
    field: str | None
    why: str


@cache  # building them costs: hypothesis works out the character sets of every pattern
def _properties(name: str) -> dict[str, st.SearchStrategy[Any]]:
    # Property by property on purpose: hypothesis-jsonschema 0.23.1's own object strategy
    # breaks on this hypothesis ('many' object has no attribute 'more'); its leaves work.
    return {k: from_schema(v) for k, v in schemas.load(name)["properties"].items()}


def _objects(name: str, **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid objects of the schema `name`: required properties always, others sometimes."""
    schema = schemas.load(name)
    props = {**_properties(name), **overrides}
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {k: props[k] for k in sorted(required)},
        optional={k: v for k, v in props.items() if k not in required},
    ).filter(schemas.validator(name).is_valid)


# Realistic prompts for a paid live target: a made-up unicode prompt may be refused upstream,
# which costs money and teaches nothing about the contract.
_SUBJECTS = ("lighthouse", "red fox", "teapot", "sailboat", "mountain village", "robot")
_PLACES = ("at dusk", "in the snow", "on a wooden table", "by the sea", "in a misty forest")
_STYLES = ("watercolor", "studio photo", "oil painting", "isometric render", "pencil sketch")


@cache
def _faker() -> Any:
    """One Faker (building one scans its locales: slow), reseeded for every draw."""
    from faker import Faker  # imported late: the suite's other paths never pay for it

    return Faker("en_US")


def _faker_prompt(seed: int, subject: str, place: str, style: str) -> str:
    """A plausible prompt: our vocabulary, with faker's colours and place names, so live
    traffic reads like a user's and a seed (hypothesis's draw) reproduces it."""
    fake = _faker()
    fake.seed_instance(seed)
    colour = fake.safe_color_name()
    town = fake.city()
    return f"A {style} of a {colour} {subject} {place} near {town}"


def prompts() -> st.SearchStrategy[str]:
    return st.builds(
        _faker_prompt,
        st.integers(0, 2**31 - 1),
        st.sampled_from(_SUBJECTS),
        st.sampled_from(_PLACES),
        st.sampled_from(_STYLES),
    )


def fibo_bodies(*, realistic: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Valid FIBO bodies; `realistic` swaps the schema's free text for plausible prompts."""
    if realistic:
        # A live gateway is paid and its bounds are unknown: stay where upstream surely is
        # (20-50 steps, as Bria uses) and use the seeds people use (non-negative, 32-bit).
        return _objects(
            FIBO_SCHEMA,
            prompt=prompts(),
            steps_num=st.integers(20, 50),
            seed=st.integers(0, 2**31 - 1),
        )
    return _objects(FIBO_SCHEMA)


# -- invalid bodies, one defect each -----------------------------------------------------------

_JSON_BY_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(-(10**6), 10**6),
    "number": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "string": st.text(string.ascii_letters + string.digits + " :", max_size=10),
    "array": st.lists(st.integers(0, 9), max_size=3),
    "object": st.dictionaries(st.sampled_from("abc"), st.integers(0, 9), max_size=2),
}
_NUMERIC = {"integer", "number"}


def _other_types(declared: str) -> st.SearchStrategy[Any]:
    """JSON values of every type but `declared` (integers and numbers count as alike)."""
    excluded = _NUMERIC if declared in _NUMERIC else {declared}
    return st.one_of([s for t, s in _JSON_BY_TYPE.items() if t not in excluded])


def wrong_types(name: str) -> st.SearchStrategy[Invalid]:
    """A valid body with one property of a type the schema does not allow."""
    schema = schemas.load(name)
    validator = schemas.validator(name)

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        body = dict(draw(_base(name)))
        prop = draw(st.sampled_from(sorted(schema["properties"])))
        declared = schema["properties"][prop].get("type", "string")
        body[prop] = draw(_other_types(declared))
        return Invalid(body, prop, f"{prop} of the wrong type")

    return build().filter(lambda case: not validator.is_valid(case.body))


def out_of_range_guidance() -> st.SearchStrategy[Invalid]:
    """A valid FIBO body with guidance_scale outside the documented 5-10."""
    values = st.one_of(
        st.floats(max_value=5, exclude_max=True, allow_nan=False, allow_infinity=False),
        st.floats(min_value=10, exclude_min=True, allow_nan=False, allow_infinity=False),
        st.integers(max_value=4),
        st.integers(min_value=11),
    )
    return _replacing(FIBO_SCHEMA, "guidance_scale", values, "guidance_scale out of range")


def unknown_aspect_ratios() -> st.SearchStrategy[Invalid]:
    """A valid FIBO body with an aspect_ratio the page does not list."""
    values = st.one_of(
        st.builds(lambda a, b: f"{a}:{b}", st.integers(0, 32), st.integers(0, 32)),
        st.text(string.ascii_letters + string.digits + ": ", max_size=8),
    ).filter(lambda v: v not in ASPECT_RATIOS)
    return _replacing(FIBO_SCHEMA, "aspect_ratio", values, "unknown aspect_ratio")


def blank_prompts() -> st.SearchStrategy[Invalid]:
    """A valid FIBO body whose prompt is empty or only (ASCII) whitespace."""
    values = st.text(" \t\r\n", max_size=12)
    return _replacing(FIBO_SCHEMA, "prompt", values, "empty or blank prompt")


def missing_required(name: str) -> st.SearchStrategy[Invalid]:
    """A valid body without one of its required properties."""
    required = sorted(schemas.load(name)["required"])

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        body = dict(draw(_base(name)))
        gone = draw(st.sampled_from(required))
        del body[gone]
        return Invalid(body, gone, f"{gone} missing")

    return build()


_PATH = st.text(string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=12)


def _faker_slug(seed: int) -> str:
    fake = _faker()
    fake.seed_instance(seed)
    return str(fake.slug())


# Realistic file names (faker's slugs) as well as arbitrary ones.
_NAMES = st.one_of(_PATH, st.integers(0, 2**31 - 1).map(_faker_slug))


def bad_image_urls() -> st.SearchStrategy[Invalid]:
    """RMBG bodies whose image_url is not an absolute http(s) URL (nor a data: image).

    Hosts are loopback or absent, so even a gateway that fetches them stays on this machine.
    """
    urls = st.one_of(
        st.builds(
            lambda s, p: f"{s}://127.0.0.1/{p}.png",
            st.sampled_from(["ftp", "file", "gopher", "ws", "javascript"]),
            _NAMES,
        ),
        st.builds(lambda p: f"127.0.0.1/{p}.png", _NAMES),
        st.builds(lambda p: f"/{p}.png", _NAMES),
        st.sampled_from(["", "http://", "https://", "http:///input.png", "https://?x"]),
        st.builds(lambda a, b: f"http://127.0.0.1/{a} {b}.png", _PATH, _PATH),
        st.just("data:text/plain;base64,aGVsbG8="),
    )
    validator = schemas.validator(RMBG_SCHEMA)

    def case(url: str) -> Invalid:
        check_outbound(url)  # the strategy's promise, checked: loopback or no host
        return Invalid({"image_url": url}, "image_url", "not an http(s) URL")

    return urls.map(case).filter(lambda c: not validator.is_valid(c.body))


def non_objects() -> st.SearchStrategy[Invalid]:
    """JSON that is not an object (an array, a string, a number, true, null)."""
    values = st.one_of(
        st.lists(st.integers(0, 9), max_size=3),
        st.text(string.ascii_letters + " ", max_size=12),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    )
    return values.map(lambda v: Invalid(v, None, "not a JSON object"))


def malformed_json() -> st.SearchStrategy[bytes]:
    """Bodies that are not JSON at all."""
    return st.one_of(
        st.sampled_from([b"{", b'{"prompt": "a fox"', b"prompt=a+fox", b"{'prompt': 'a fox'}"]),
        st.builds(lambda t: ("{" + t).encode(), st.text(string.ascii_letters, max_size=10)),
    )


def _base(name: str) -> st.SearchStrategy[dict[str, Any]]:
    if name == FIBO_SCHEMA:
        return fibo_bodies(realistic=True)
    if name == RMBG_SCHEMA:
        # Never a generated URL: a loopback one the schema accepts (nothing is fetched for a
        # body that must be rejected anyway).
        return st.builds(lambda p: {"image_url": f"http://127.0.0.1:9/{p}.png"}, _PATH)
    raise ValueError(f"no base bodies for {name}")


def _replacing(
    name: str, prop: str, values: st.SearchStrategy[Any], why: str
) -> st.SearchStrategy[Invalid]:
    validator = schemas.validator(name)
    return st.builds(
        lambda body, value: Invalid({**body, prop: value}, prop, why), _base(name), values
    ).filter(lambda case: not validator.is_valid(case.body))


# -- other generated inputs ---------------------------------------------------------------------


def _uuid7(bits: int) -> str:
    """A well-formed UUIDv7 text from 128 random bits (version and variant set)."""
    bits = (bits & ~(0xF << 76)) | (0x7 << 76)
    bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=bits))


def unknown_request_ids() -> st.SearchStrategy[str]:
    """Ids no job has: well-formed `<model>_<UUIDv7>` ones, and plain junk."""
    return st.one_of(
        st.builds(
            lambda m, b: f"{m}_{_uuid7(b)}", st.sampled_from(MODELS), st.integers(0, 2**128 - 1)
        ),
        st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=60),
    )


def wrong_keys() -> st.SearchStrategy[str]:
    """Keys that a header can carry, none of them a real one: hypothesis also tries string
    constants it finds in the code (such as the mock's own "test-key"), so every key drawn
    here carries a prefix no real key has."""
    tail = st.text(string.ascii_letters + string.digits + "-_", min_size=0, max_size=56)
    return tail.map(lambda text: "not-a-key-" + text)


def http_webhook_urls() -> st.SearchStrategy[str]:
    """Plain-http webhook URLs on loopback (the contract rejects http: 400)."""
    return st.builds(
        lambda host, port, p: f"http://{host}:{port}/{p}",
        st.sampled_from(["127.0.0.1", "localhost", "[::1]"]),
        st.integers(1, 65535),
        _PATH,
    )
