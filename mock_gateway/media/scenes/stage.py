"""The stage every layer is drawn on, the sky above it, and the scenery helpers the settings share.

``Stage`` is the picture being drawn and what every layer needs to know about it: the plan, the
light, the generator, where the horizon and the ground are, and where the subjects were placed.
Here too are the shapes more than one setting uses (rolling ridges, scenery trees, glows) and the
sky layer: its gradient, the sun or moon with the stars, the clouds and the lightning.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from ..prompts import ScenePlan
from .palette import RGB, TIMES, WEATHERS, Look, mix, scale

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, width, height in pixels


# --------------------------------------------------------------------------- stage


@dataclass(frozen=True)
class _Season:
    grass: RGB
    leaves: tuple[RGB, ...]  # foliage colours; empty: bare branches
    snow: bool  # the ground is white


SEASONS: dict[str, _Season] = {
    "spring": _Season((118, 186, 84), ((104, 176, 78), (246, 184, 206), (250, 222, 232)), False),
    "summer": _Season((74, 148, 58), ((46, 116, 44), (60, 134, 50), (38, 100, 40)), False),
    "autumn": _Season(
        (156, 146, 74), ((216, 108, 30), (190, 58, 32), (232, 172, 42), (164, 92, 40)), False
    ),
    "winter": _Season((236, 241, 248), (), True),
}
SNOW: RGB = (238, 242, 250)
_WOOD: RGB = (112, 76, 46)
FIR: RGB = (36, 86, 52)


@dataclass(frozen=True)
class Placed:
    """Where a subject stands on the stage: its box, which way it faces, its colour."""

    name: str
    box: Box
    flip: bool
    colour: RGB


@dataclass
class Stage:
    """The picture being drawn and what every layer needs to know about it."""

    im: Image.Image
    draw: ImageDraw.ImageDraw
    plan: ScenePlan
    look: Look
    rng: random.Random
    horizon: int  # y where the sky meets land or sea
    ground: int  # y where ground subjects stand
    water: int | None  # y of the waterline for floating subjects, if there is water
    placed: list[Placed]
    spot: Point | None = None  # where the sun or moon hangs, if one shows
    floor: str = ""  # what the bottom strip is: "sand", "water", "road"...; "": grass or snow

    @property
    def w(self) -> int:
        return self.im.width

    @property
    def h(self) -> int:
        return self.im.height

    @property
    def u(self) -> float:
        """The size unit for things (not positions): the shorter side, so tall pictures do not
        get giant trees and lamps."""
        return float(min(self.im.width, self.im.height))

    @property
    def season(self) -> _Season:
        return SEASONS[self.plan.season]

    @property
    def ground_colour(self) -> RGB:
        return SNOW if self.season.snow else self.season.grass

    def paint(self, c: RGB, depth: float = 0.0) -> RGB:
        return self.look.paint(c, depth)

    def swap(self, im: Image.Image) -> None:
        self.im, self.draw = im, ImageDraw.Draw(im, "RGBA")


def ridge(
    rng: random.Random, w: int, base: float, amp: float, bumps: float = 3.0, step: int = 16
) -> list[Point]:
    """A rolling line across the picture: two sine waves of random phase, ``amp`` high."""
    waves = [(rng.uniform(0.6, 1.4) * bumps * 2 * math.pi / w, rng.uniform(0, 6.3)) for _ in "ab"]
    return [
        (x, base - amp * (1 + sum(math.sin(f * x + p) for f, p in waves) / 2))
        for x in range(0, w + step, step)
    ]


def fill_below(st: Stage, line: Sequence[Point], colour: RGB) -> None:
    st.draw.polygon([*line, (st.w, st.h), (0, st.h)], fill=colour)


def y_at(line: Sequence[Point], x: float) -> float:
    step = line[1][0] - line[0][0]
    return line[max(0, min(len(line) - 1, round(x / step)))][1]


def glow(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, c: RGB, alpha: int) -> None:
    # Stacked translucent discs: brightest in the middle, fading out to r.
    for k in (1.0, 0.72, 0.5, 0.32):
        q = r * k
        draw.ellipse((x - q, y - q, x + q, y + q), fill=(*c, alpha // 3))


def tree(st: Stage, x: float, base: float, size: float, depth: float, fir: bool, pick: int) -> None:
    """A scenery tree (not the subject): a fir or a round crown in the season's colours."""
    d, season = st.draw, st.season
    trunk = st.paint(_WOOD, depth)
    if fir:
        d.rectangle((x - size * 0.04, base - size * 0.2, x + size * 0.04, base), fill=trunk)
        green = st.paint(FIR, depth)
        for k in range(3):  # stacked triangles, narrowing upwards
            top, bottom = base - size * (1.0 - 0.24 * k), base - size * (0.5 - 0.2 * k) + 1
            half = size * (0.15 + 0.09 * k)
            d.polygon([(x, top), (x - half, bottom), (x + half, bottom)], fill=green)
            if season.snow:
                cap = st.paint(SNOW, depth)
                d.polygon(
                    [
                        (x, top),
                        (x - half * 0.4, top + (bottom - top) * 0.4),
                        (x + half * 0.4, top + (bottom - top) * 0.4),
                    ],
                    fill=cap,
                )
        return
    d.rectangle((x - size * 0.05, base - size * 0.5, x + size * 0.05, base), fill=trunk)
    if not season.leaves:  # winter: bare branches, which read as winter even without snow
        for sx in (-1, 1):
            d.line(
                [(x, base - size * 0.45), (x + sx * size * 0.25, base - size * 0.85)],
                fill=trunk,
                width=max(1, round(size * 0.03)),
            )
        d.line(
            [(x, base - size * 0.5), (x, base - size)], fill=trunk, width=max(1, round(size * 0.04))
        )
        return
    leaf = st.paint(season.leaves[pick % len(season.leaves)], depth)
    r = size * 0.3
    d.ellipse((x - r, base - size, x + r, base - size + 2 * r), fill=leaf)
    d.ellipse((x - r * 1.2, base - size * 0.72, x + r * 0.2, base - size * 0.4), fill=leaf)
    d.ellipse((x - r * 0.2, base - size * 0.74, x + r * 1.2, base - size * 0.42), fill=leaf)


# --------------------------------------------------------------------------- sky


def sky(size: tuple[int, int], horizon: int, look: Look) -> Image.Image:
    ramp = Image.linear_gradient("L").resize((size[0], max(1, horizon)), Image.Resampling.BILINEAR)
    mid = mix(look.zenith, look.horizon, 0.62)  # keeps the colour near the top for longer
    gradient = ImageOps.colorize(ramp, look.zenith, look.horizon, mid)
    im = Image.new("RGB", size, look.horizon)
    im.paste(gradient, (0, 0))
    return im


def sun_spot(st: Stage) -> Point | None:
    """Where the sun or the moon hangs, if one shows; the sea's glitter path goes under it."""
    plan, time = st.plan, TIMES[st.plan.time_of_day]
    if not WEATHERS[plan.weather].sun or plan.setting == "space":
        return None
    x = st.w * st.rng.uniform(0.15, 0.85)
    if time.sun is None:
        if plan.time_of_day != "night" or "moon" in (plan.subject, plan.companion):
            return None
        return x, st.horizon * 0.25
    return x, st.horizon * time.sun_height


def celestial(st: Stage, spot: Point | None) -> None:
    plan, time, d, rng = st.plan, TIMES[st.plan.time_of_day], st.draw, st.rng
    weather = WEATHERS[plan.weather]
    stars = time.stars if weather.sun else 0
    if plan.setting == "space":
        stars = 700
    if plan.weather == "cloudy":
        stars //= 3
    for _ in range(stars * st.w * st.horizon // 1_000_000):
        x, y = rng.uniform(0, st.w), st.horizon * rng.random() ** 1.4  # thinner near the haze
        b = rng.randint(150, 255)
        r = rng.choice((0.6, 0.6, 0.6, 1.0, 1.5))
        d.ellipse((x - r, y - r, x + r, y + r), fill=(b, b, min(255, b + 10)))
    if spot is None:
        return
    x, y = spot
    if time.sun is not None:
        r = st.u * time.sun_size
        glow(d, x, y, r * 3.2, time.sun, 120)
        d.ellipse((x - r, y - r, x + r, y + r), fill=time.sun)
    else:
        r = st.u * 0.045
        glow(d, x, y, r * 3, (200, 210, 240), 60)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(246, 244, 226))
        for cx, cy, cr in ((-0.3, -0.2, 0.22), (0.25, 0.15, 0.28), (-0.1, 0.4, 0.15)):
            q = r * cr
            d.ellipse(
                (x + r * cx - q, y + r * cy - q, x + r * cx + q, y + r * cy + q),
                fill=(222, 220, 206),
            )


def _cloud(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: RGB, alpha: int) -> None:
    # Five puffs on a flat base: the cartoon cloud everybody recognises.
    under = scale(c, 0.86)
    d.ellipse((x - s * 1.6, y - s * 0.3, x + s * 1.6, y + s * 0.45), fill=(*under, alpha))
    for dx, dy, r in ((-1.0, 0.0, 0.55), (-0.35, -0.3, 0.75), (0.4, -0.2, 0.65), (1.0, 0.05, 0.5)):
        d.ellipse(
            (x + (dx - r) * s, y + (dy - r) * s, x + (dx + r) * s, y + (dy + r) * s),
            fill=(*c, alpha),
        )


def clouds(st: Stage) -> None:
    plan, rng = st.plan, st.rng
    weather = WEATHERS[plan.weather]
    if plan.setting == "space":
        return
    low, high = weather.clouds
    count = rng.randint(low, high) if high else 0
    base = mix(st.look.horizon, (255, 255, 255), 0.45)
    colour = scale(base, weather.cloud_dark)
    if plan.time_of_day in ("night", "dusk"):
        colour = scale(mix(st.look.zenith, st.look.horizon, 0.6), 1.5 * weather.cloud_dark)
    heavy = plan.weather in ("rain", "storm", "snow", "cloudy")
    for i in range(count):
        s = st.u * rng.uniform(0.05, 0.1) * (1.3 if heavy else 1.0)
        x = st.w * ((i + rng.random()) / count) if heavy else st.w * rng.random()
        y = st.horizon * rng.uniform(0.08, 0.7 if heavy else 0.55)
        _cloud(st.draw, x, y, s, scale(colour, rng.uniform(0.9, 1.06)), 235 if heavy else 200)
    if plan.weather == "storm":
        _lightning(st)


def _lightning(st: Stage) -> None:
    rng, d = st.rng, st.draw
    x, y = st.w * rng.uniform(0.15, 0.85), st.horizon * 0.15
    points = [(x, y)]
    while y < st.horizon:
        x += st.w * rng.uniform(-0.04, 0.04)
        y += st.horizon * rng.uniform(0.08, 0.16)
        points.append((x, min(y, st.horizon)))
    width = max(2, st.h // 200)
    d.line(points, fill=(190, 170, 255, 90), width=width * 5, joint="curve")
    d.line(points, fill=(250, 248, 255), width=width, joint="curve")
