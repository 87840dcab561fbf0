"""What the mock's sample inputs and its stand-ins for remote images are, without drawing them.

The names and sizes are asked on every RMBG submit (`Inputs.resolve_now`) and by the sample
listing, so they live apart from the drawing (`pictures`), which needs PIL: importing PIL
and the scenes takes tens of ms that a start-up need not pay, only the first picture.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Scene:
    """A photo-like picture to draw: a shaded subject on a gradient with grain."""

    size: tuple[int, int]
    backdrop: tuple[RGB, RGB]  # gradient from top to bottom
    kind: str  # the subject: a key of pictures' drawers
    colour: RGB
    accent: RGB
    box: Box  # where the subject sits
    grain_seed: int


# Subjects are centred on the image centre so that pixel is certainly opaque after cut_out; the
# portrait's shoulders touch the bottom edge, as they do in real portraits.
# fmt: off
SAMPLE_SCENES: dict[str, Scene] = {
    "product": Scene((800, 600), ((238, 234, 228), (204, 198, 190)), "vase",
                     (196, 38, 44), (232, 190, 60), (300, 110, 500, 520), 1),
    "portrait": Scene((640, 800), ((206, 216, 226), (168, 180, 196)), "person",
                      (44, 72, 140), (222, 170, 136), (130, 200, 510, 800), 2),
    "cat": Scene((1024, 768), ((214, 222, 206), (172, 186, 166)), "cat",
                 (214, 118, 40), (170, 196, 40), (385, 144, 685, 664), 3),
}
# fmt: on

SAMPLES: tuple[str, ...] = tuple(SAMPLE_SCENES)


def sample_size(name: str) -> tuple[int, int]:
    """(width, height) of a sample without rendering it."""
    return SAMPLE_SCENES[name].size


_STAND_IN_SIZES: tuple[tuple[int, int], ...] = ((800, 600), (1024, 768), (768, 1024), (640, 640))


def stand_in_size(url: str) -> tuple[int, int]:
    """(width, height) that `pictures.stand_in_picture(url)` will have, without rendering it.

    Read straight off a digest (no seeded generator): it is asked on every RMBG submit.
    """
    digest = hashlib.sha256(b"size\0" + url.encode("utf-8", "surrogatepass")).digest()
    return _STAND_IN_SIZES[digest[0] % len(_STAND_IN_SIZES)]
