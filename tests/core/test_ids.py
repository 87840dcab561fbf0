"""Request ids: real RFC 9562 UUIDv7 from the simulated clock and the seeded generator."""

from __future__ import annotations

import random
import uuid

from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core.ids import uuid7

# Spring 2026, like the page's `019d...` example, up to the year 2100.
times = st.floats(min_value=1_774_000_000.0, max_value=4_102_444_800.0, allow_nan=False)


@given(now=times, seed=st.integers(0, 2**32))
def test_uuid7_is_a_valid_version_7_rfc_uuid(now: float, seed: int) -> None:
    text = uuid7(now, random.Random(seed))
    u = uuid.UUID(text)
    assert str(u) == text  # canonical lower-case 8-4-4-4-12 form
    assert u.version == 7
    assert u.variant == uuid.RFC_4122


@given(now=times, seed=st.integers(0, 2**32))
def test_uuid7_timestamp_is_the_clock_in_milliseconds(now: float, seed: int) -> None:
    u = uuid.UUID(uuid7(now, random.Random(seed)))
    assert u.int >> 80 == int(now * 1000)


def test_spring_2026_ids_start_like_the_page_example() -> None:
    # 2026-03-31T10:00:00Z: the page's ids begin with 019d.
    assert uuid7(1_774_951_200.0, random.Random(0)).startswith("019d")


@given(a=times, b=times, seed=st.integers(0, 2**32))
def test_ids_from_different_milliseconds_sort_by_time(a: float, b: float, seed: int) -> None:
    rng = random.Random(seed)
    first, second = uuid7(a, rng), uuid7(b, rng)
    if int(a * 1000) < int(b * 1000):
        assert first < second
    elif int(a * 1000) > int(b * 1000):
        assert first > second


def test_same_seed_and_time_give_the_same_ids() -> None:
    one, two = random.Random(42), random.Random(42)
    assert [uuid7(1_774_951_200.5, one) for _ in range(5)] == [
        uuid7(1_774_951_200.5, two) for _ in range(5)
    ]


def test_ids_in_one_millisecond_still_differ() -> None:
    rng = random.Random(7)
    ids = {uuid7(1_774_951_200.0, rng) for _ in range(1_000)}
    assert len(ids) == 1_000


def test_different_seeds_give_different_ids() -> None:
    assert uuid7(1_774_951_200.0, random.Random(1)) != uuid7(1_774_951_200.0, random.Random(2))
