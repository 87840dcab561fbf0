"""The pen subjects are drawn with: shapes in a subject's box, painted in the scene's light.

A subject drawing works in box units (x 0..1 across, y 0..1 down), so one function draws its
subject at any size, mirrored or not. ``dark`` and ``arch`` are the small helpers many drawings
share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .palette import RGB, RGBA, scale
from .stage import Box, Point, Stage, glow


class Pen:
    """Draws in a subject's box in box units: x 0..1 across, y 0..1 down, radii in heights.

    ``flip`` mirrors the drawing, so one function draws a fox facing either way. Colours are
    painted with the scene's light unless ``lit``: lamps and flames shine by themselves.
    """

    def __init__(self, st: Stage, box: Box, flip: bool, colour: RGB) -> None:
        self.st, self.box, self.flip, self.colour = st, box, flip, colour
        self.d = st.draw
        self.rng = st.rng
        self.lamps = st.look.lamps

    @property
    def px(self) -> float:
        """One box height, in pixels."""
        return self.box[3]

    def ink(self, c: RGB, lit: bool = False, alpha: int = 255) -> RGBA:
        if not lit:
            c = self.st.look.paint(c, key=self.st.look.key)
        return (*c, alpha)

    def p(self, x: float, y: float) -> Point:
        x0, y0, bw, bh = self.box
        return x0 + (1 - x if self.flip else x) * bw, y0 + y * bh

    def bounds(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.p(x0, y0), self.p(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def poly(self, pts: Sequence[Point], c: RGB, lit: bool = False, alpha: int = 255) -> None:
        self.d.polygon([self.p(x, y) for x, y in pts], fill=self.ink(c, lit, alpha))

    def rect(self, x0: float, y0: float, x1: float, y1: float, c: RGB, lit: bool = False) -> None:
        self.d.rectangle(self.bounds(x0, y0, x1, y1), fill=self.ink(c, lit))

    def oval(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        c: RGB,
        lit: bool = False,
        alpha: int = 255,
    ) -> None:
        self.d.ellipse(self.bounds(x0, y0, x1, y1), fill=self.ink(c, lit, alpha))

    def circle(
        self, x: float, y: float, r: float, c: RGB, lit: bool = False, alpha: int = 255
    ) -> None:
        cx, cy = self.p(x, y)
        q = r * self.px
        self.d.ellipse((cx - q, cy - q, cx + q, cy + q), fill=self.ink(c, lit, alpha))

    def line(
        self, pts: Sequence[Point], width: float, c: RGB, lit: bool = False, alpha: int = 255
    ) -> None:
        self.d.line(
            [self.p(x, y) for x, y in pts],
            fill=self.ink(c, lit, alpha),
            width=max(1, round(width * self.px)),
            joint="curve",
        )

    def ring(self, x0: float, y0: float, x1: float, y1: float, width: float, c: RGB) -> None:
        self.d.ellipse(
            self.bounds(x0, y0, x1, y1), outline=self.ink(c), width=max(1, round(width * self.px))
        )

    def glow(self, x: float, y: float, r: float, c: RGB, alpha: int = 150) -> None:
        cx, cy = self.p(x, y)
        glow(self.d, cx, cy, r * self.px, c, alpha)


def dark(c: RGB, k: float = 0.7) -> RGB:
    return scale(c, k)


def arch(a: float, b: float, top: float, base: float, n: int = 10) -> list[Point]:
    """Points along a half ellipse from (b, base) over (mid, top) down to (a, base)."""
    mid, half = (a + b) / 2, (b - a) / 2
    return [
        (mid + half * math.cos(math.pi * i / n), base - (base - top) * math.sin(math.pi * i / n))
        for i in range(n + 1)
    ]
