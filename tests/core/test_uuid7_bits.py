"""Every bit of a request id (`ids.uuid7`) for a known clock and generator: 48 bits of
milliseconds (wrapping), version 7, 12 random bits, variant 0b10, 62 random bits. Each was a
change no test noticed (make mutation)."""

from __future__ import annotations

import random
import uuid

from mock_gateway.core.ids import uuid7

MS = 0x0123_4567_89AB
RAND_A = 0xABC
RAND_B = 0x2345_6789_ABCD_EF01  # < 2**62


class StubRng:
    """Hands out the given values in order and records the widths asked for."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)
        self.widths: list[int] = []

    def getrandbits(self, k: int) -> int:
        self.widths.append(k)
        return self.values.pop(0)


def assembled(ms: int, rand_a: int, rand_b: int) -> str:
    """The RFC 9562 layout built field by field from hex text, not by shifting."""
    h = f"{ms:012x}" + "7" + f"{rand_a:03x}" + f"{(0x8 << 60) | rand_b:016x}"
    assert len(h) == 32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def test_the_fields_land_in_their_bits() -> None:
    """Catches: rand_a shifted to the wrong place (or away), or the wrong widths asked of the
    generator (13 random bits would spill into the version nibble)."""
    rng = StubRng(RAND_A, RAND_B)
    text = uuid7((MS + 0.5) / 1000, rng)
    assert text == "01234567-89ab-7abc-a345-6789abcdef01"
    assert rng.widths == [12, 62]
    u = uuid.UUID(text)
    assert (u.int >> 80, u.version, (u.int >> 64) & 0xFFF) == (MS, 7, RAND_A)
    assert (u.int >> 62) & 0b11 == 0b10
    assert u.int & (2**62 - 1) == RAND_B


def test_the_millisecond_count_wraps_at_48_bits() -> None:
    """Catches: the clock masked to more than 48 bits, so a far-future id grows a 33rd digit
    instead of wrapping."""
    now = (2**48 + MS + 0.5) / 1000
    assert int(now * 1000) == 2**48 + MS  # the float really carries the millisecond
    assert uuid7(now, StubRng(RAND_A, RAND_B)) == "01234567-89ab-7abc-a345-6789abcdef01"


def test_a_seeded_generator_gives_exactly_the_layout_of_its_draws() -> None:
    """Catches: any change to how the seeded generator's draws become the id (width of the
    12-bit draw, its place in bits 64..75)."""
    twin = random.Random(2026)
    rand_a, rand_b = twin.getrandbits(12), twin.getrandbits(62)
    assert (rand_a, rand_b) == (487, 2317444876893535344)
    now = 1_774_951_200.25
    ids = [uuid7(now, random.Random(2026))]
    assert ids == [assembled(1_774_951_200_250, rand_a, rand_b)]
    assert ids == ["019d4355-f5fa-71e7-a029-37d651c9bc70"]
