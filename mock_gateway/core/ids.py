"""Request ids: real UUIDv7 (RFC 9562), from the simulated clock and the seeded generator.

The page's `019d...` ids are v7 timestamps; ids made here sort by creation time like the
gateway's, and repeat exactly under the same seed and clock.
"""

from __future__ import annotations

import random


def uuid7(now: float, rng: random.Random) -> str:
    ms = int(now * 1000) & (2**48 - 1)
    rand_a = rng.getrandbits(12)
    rand_b = rng.getrandbits(62)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
