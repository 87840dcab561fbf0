"""Procedural stand-in pictures for text-to-image: a ScenePlan drawn with Pillow alone.

The mock has no diffusion model, but a person trying it should still see that the picture
follows the prompt: night looks like night, snow like snow, and a fox like a fox. So a picture is
composed from a few hand-made parts, back to front:

* the sky: a gradient per time of day, greyed and darkened by the weather, with sun, moon,
  stars, clouds and lightning where they belong;
* the setting: a background layer (hills, sea, city, ...) drawn in season colours and lit by the
  time of day; far layers fade towards the horizon colour, which reads as depth;
* the foreground details: the only part that depends on the number of steps, and kept to the
  bottom tenth of the picture, so that more steps refine the picture without moving anything;
* the subject: a flat, bold silhouette with a few telling details (the fox's white tail tip, the
  owl's eyes, the lighthouse's beams), from a table of drawing functions, large enough to
  recognise in a thumbnail; a second subject the prompt names is drawn smaller beside it (or,
  for something crossing a bridge, on it). Subjects get a little extra light in the dark, as a
  photographer's key light would give them, so a night picture still shows what it is of;
* the weather overlay: rain, snow, fog, falling leaves or petals.

Light is applied by *painting*: every colour of a lit surface is multiplied by the time of day's
tint (and greyed by dull weather) as it is drawn, so there is no full-size compositing pass to pay
for. Lamps, windows at night, flames and the moon are drawn unpainted, which is what makes a night
picture read as night rather than as a dark day. All drawing is plain ImageDraw calls on one RGB
image (in "RGBA" draw mode for translucency), which keeps a 1344x768 picture in tens of
milliseconds and its PNG small (flat areas compress well). Only fog pays for a full-size blend.

Sizes of things are taken from the picture's shorter side and positions from its height, so the
same scene composes sensibly in 16:9, 1:1 and 9:16.

All randomness comes from the generators passed in; nothing here reads the clock, the disk or
``hash()``, so the same plan and generators give the same pixels in every process.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from .prompts import ScenePlan

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, width, height in pixels


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour ``t`` of the way from ``a`` to ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def scale(c: RGB, k: float) -> RGB:
    return (min(255, round(c[0] * k)), min(255, round(c[1] * k)), min(255, round(c[2] * k)))


def _luma(c: RGB) -> int:
    return (c[0] * 3 + c[1] * 6 + c[2]) // 10


COLOUR_RGB: dict[str, RGB] = {
    "red": (205, 40, 40),
    "orange": (235, 125, 35),
    "yellow": (240, 205, 50),
    "green": (60, 150, 60),
    "blue": (45, 90, 205),
    "purple": (135, 60, 175),
    "pink": (240, 125, 175),
    "white": (242, 242, 236),
    "black": (38, 38, 44),
    "grey": (130, 130, 136),
    "brown": (130, 85, 50),
    "gold": (220, 175, 50),
    "silver": (192, 197, 207),
}

_LAMP: RGB = (255, 214, 130)  # warm window light
_NEON: tuple[RGB, ...] = ((255, 50, 180), (30, 230, 255), (170, 80, 255), (255, 130, 30))
_DARK: RGB = (30, 28, 32)  # eyes, tyres, noses: near black, but never pure black


# --------------------------------------------------------------------------- light


@dataclass(frozen=True)
class _Time:
    zenith: RGB
    horizon: RGB
    tint: RGB  # multiplies the colour of every lit surface
    sun: RGB | None  # None: the sun is down
    sun_height: float  # of the sun's centre, as a fraction of the sky from the top
    sun_size: float  # radius as a fraction of the picture height
    lamps: bool  # windows, street lamps and headlights are on
    stars: int  # per megapixel of sky, on a clear night


# fmt: off
_TIMES: dict[str, _Time] = {
    "dawn": _Time((86, 118, 186), (252, 198, 160), (246, 214, 200), (255, 236, 190), 0.86,
                  0.05, False, 0),
    "day": _Time((38, 104, 200), (172, 212, 242), (255, 255, 255), (255, 252, 228), 0.22,
                 0.045, False, 0),
    "sunset": _Time((62, 52, 128), (255, 146, 64), (252, 178, 134), (255, 206, 112), 0.9,
                    0.075, False, 0),
    "dusk": _Time((18, 26, 72), (198, 112, 120), (128, 114, 162), None, 1.0, 0.0, True, 60),
    "night": _Time((4, 8, 26), (28, 44, 88), (78, 92, 142), None, 1.0, 0.0, True, 260),
}
# fmt: on


@dataclass(frozen=True)
class _Weather:
    sky_grey: float  # how far the sky moves towards a grey of its own brightness
    sky_bright: float  # that grey's brightness, relative to the sky's
    land_grey: float  # desaturation of lit surfaces
    land_dark: float  # brightness of lit surfaces
    clouds: tuple[int, int]  # how many, from .. to
    cloud_dark: float  # cloud colour relative to the sky's horizon colour
    sun: bool  # sun, moon and stars show through
    rain: int  # streaks per megapixel
    snow: int  # flakes per megapixel


# fmt: off
_WEATHERS: dict[str, _Weather] = {
    "clear": _Weather(0.0, 1.0, 0.0, 1.0, (0, 3), 1.25, True, 0, 0),
    "cloudy": _Weather(0.6, 0.95, 0.2, 0.86, (7, 10), 1.08, True, 0, 0),
    "rain": _Weather(0.78, 0.72, 0.35, 0.7, (9, 12), 0.8, False, 420, 0),
    "storm": _Weather(0.82, 0.45, 0.4, 0.52, (10, 13), 0.62, False, 650, 0),
    "fog": _Weather(0.85, 1.15, 0.45, 0.92, (0, 0), 1.0, True, 0, 0),
    "snow": _Weather(0.75, 1.08, 0.3, 0.92, (8, 11), 1.1, False, 0, 380),
}
# fmt: on


@dataclass(frozen=True)
class Look:
    """How the scene is lit: sky colours, and the paint that lights every other colour."""

    zenith: RGB
    horizon: RGB
    tint: RGB
    grey: float
    haze: RGB  # far things fade towards this
    lamps: bool

    def paint(self, c: RGB, depth: float = 0.0, key: float = 0.0) -> RGB:
        """``c`` as lit by the scene, faded by ``depth``, lifted by ``key`` (a subject's light)."""
        tint = self.tint
        if min(c) >= 200:
            # White things (snow above all) keep their whiteness at sunset: a peach-tinted
            # snowfield reads as sand. Only the tint's colour is softened, not its brightness.
            y = min(255, _luma(tint) * 23 // 20)
            tint = mix((y * 19 // 20, y * 49 // 50, y), tint, 0.35)
        if key:
            tint = mix(tint, (255, 255, 255), key)
        lit: RGB = (c[0] * tint[0] // 255, c[1] * tint[1] // 255, c[2] * tint[2] // 255)
        if self.grey:
            y = _luma(lit)
            lit = mix(lit, (y, y, y), self.grey * (1 - key * 2))
        return mix(lit, self.haze, depth) if depth > 0 else lit

    @property
    def key(self) -> float:
        """How much a subject is lifted above the scene's light, so it stays recognisable in the
        dark (a photographer's key light): nothing by day, about a fifth at night."""
        return max(0.0, (170 - _luma(self.tint)) / 255 * 0.6)


def _grey_out(c: RGB, weather: _Weather) -> RGB:
    y = min(255, round(_luma(c) * weather.sky_bright))
    return mix(c, (y, y, y + 4 if y < 251 else y), weather.sky_grey)


def look_for(plan: ScenePlan) -> Look:
    """The light of a plan's time of day and weather (indoors: of the lamps, after dark)."""
    time, weather = _TIMES[plan.time_of_day], _WEATHERS[plan.weather]
    zenith, horizon = _grey_out(time.zenith, weather), _grey_out(time.horizon, weather)
    if plan.setting == "space":
        zenith, horizon = (2, 2, 10), (18, 12, 40)
    tint = scale(time.tint, weather.land_dark)
    grey = weather.land_grey
    if plan.setting == "indoor":
        # A room is lit by its window by day and by its lamps after dark, not by the sky.
        # Lamplight is warm and dimmer than day, and the window is dark: still night.
        if time.lamps:
            tint = (186, 156, 122) if plan.time_of_day == "night" else (206, 178, 142)
        else:
            tint = scale((250, 246, 240), 0.8 + 0.2 * weather.land_dark)
        grey = 0.0
    haze = horizon
    if plan.weather == "fog":  # fog is as bright as the light in it: pale by day, dim at night
        y = _luma(tint) * 9 // 10
        haze = mix(horizon, (y, y, min(255, y + 6)), 0.5)
    return Look(zenith, horizon, tint, grey, haze, time.lamps or plan.weather == "storm")


# --------------------------------------------------------------------------- stage


@dataclass(frozen=True)
class _Season:
    grass: RGB
    leaves: tuple[RGB, ...]  # foliage colours; empty: bare branches
    snow: bool  # the ground is white


_SEASONS: dict[str, _Season] = {
    "spring": _Season((118, 186, 84), ((104, 176, 78), (246, 184, 206), (250, 222, 232)), False),
    "summer": _Season((74, 148, 58), ((46, 116, 44), (60, 134, 50), (38, 100, 40)), False),
    "autumn": _Season(
        (156, 146, 74), ((216, 108, 30), (190, 58, 32), (232, 172, 42), (164, 92, 40)), False
    ),
    "winter": _Season((236, 241, 248), (), True),
}
_SNOW: RGB = (238, 242, 250)
_ROCK: RGB = (112, 106, 102)
_SAND: RGB = (232, 204, 150)
_WOOD: RGB = (112, 76, 46)
_FIR: RGB = (36, 86, 52)


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
        return _SEASONS[self.plan.season]

    @property
    def ground_colour(self) -> RGB:
        return _SNOW if self.season.snow else self.season.grass

    def paint(self, c: RGB, depth: float = 0.0) -> RGB:
        return self.look.paint(c, depth)

    def swap(self, im: Image.Image) -> None:
        self.im, self.draw = im, ImageDraw.Draw(im, "RGBA")

    def backdrop(self) -> None:
        """Draws the subjects that stand behind the setting's near layers (a mountain...)."""
        for p in self.placed:
            if _SUBJECTS[p.name].place == "horizon":
                _draw_placed(self, p)


def _ridge(
    rng: random.Random, w: int, base: float, amp: float, bumps: float = 3.0, step: int = 16
) -> list[Point]:
    """A rolling line across the picture: two sine waves of random phase, ``amp`` high."""
    waves = [(rng.uniform(0.6, 1.4) * bumps * 2 * math.pi / w, rng.uniform(0, 6.3)) for _ in "ab"]
    return [
        (x, base - amp * (1 + sum(math.sin(f * x + p) for f, p in waves) / 2))
        for x in range(0, w + step, step)
    ]


def _fill_below(st: Stage, line: Sequence[Point], colour: RGB) -> None:
    st.draw.polygon([*line, (st.w, st.h), (0, st.h)], fill=colour)


def _y_at(line: Sequence[Point], x: float) -> float:
    step = line[1][0] - line[0][0]
    return line[max(0, min(len(line) - 1, round(x / step)))][1]


def _glow(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, c: RGB, alpha: int) -> None:
    # Stacked translucent discs: brightest in the middle, fading out to r.
    for k in (1.0, 0.72, 0.5, 0.32):
        q = r * k
        draw.ellipse((x - q, y - q, x + q, y + q), fill=(*c, alpha // 3))


def _tree(
    st: Stage, x: float, base: float, size: float, depth: float, fir: bool, pick: int
) -> None:
    """A scenery tree (not the subject): a fir or a round crown in the season's colours."""
    d, season = st.draw, st.season
    trunk = st.paint(_WOOD, depth)
    if fir:
        d.rectangle((x - size * 0.04, base - size * 0.2, x + size * 0.04, base), fill=trunk)
        green = st.paint(_FIR, depth)
        for k in range(3):  # stacked triangles, narrowing upwards
            top, bottom = base - size * (1.0 - 0.24 * k), base - size * (0.5 - 0.2 * k) + 1
            half = size * (0.15 + 0.09 * k)
            d.polygon([(x, top), (x - half, bottom), (x + half, bottom)], fill=green)
            if season.snow:
                cap = st.paint(_SNOW, depth)
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


def _sky(size: tuple[int, int], horizon: int, look: Look) -> Image.Image:
    ramp = Image.linear_gradient("L").resize((size[0], max(1, horizon)), Image.Resampling.BILINEAR)
    mid = mix(look.zenith, look.horizon, 0.62)  # keeps the colour near the top for longer
    sky = ImageOps.colorize(ramp, look.zenith, look.horizon, mid)
    im = Image.new("RGB", size, look.horizon)
    im.paste(sky, (0, 0))
    return im


def _sun_spot(st: Stage) -> Point | None:
    """Where the sun or the moon hangs, if one shows; the sea's glitter path goes under it."""
    plan, time = st.plan, _TIMES[st.plan.time_of_day]
    if not _WEATHERS[plan.weather].sun or plan.setting == "space":
        return None
    x = st.w * st.rng.uniform(0.15, 0.85)
    if time.sun is None:
        if plan.time_of_day != "night" or "moon" in (plan.subject, plan.companion):
            return None
        return x, st.horizon * 0.25
    return x, st.horizon * time.sun_height


def _celestial(st: Stage, spot: Point | None) -> None:
    plan, time, d, rng = st.plan, _TIMES[st.plan.time_of_day], st.draw, st.rng
    weather = _WEATHERS[plan.weather]
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
        _glow(d, x, y, r * 3.2, time.sun, 120)
        d.ellipse((x - r, y - r, x + r, y + r), fill=time.sun)
    else:
        r = st.u * 0.045
        _glow(d, x, y, r * 3, (200, 210, 240), 60)
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


def _clouds(st: Stage) -> None:
    plan, rng = st.plan, st.rng
    weather = _WEATHERS[plan.weather]
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


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class _Setting:
    draw: Callable[[Stage], None]
    horizon: float  # fractions of the picture height
    ground: float
    water: float | None = None
    outdoor: bool = True


def _hills(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    layers = (st.horizon, st.horizon + (st.ground - st.horizon) * 0.4, st.ground - h * 0.04)
    grass = st.ground_colour
    for i, base in enumerate(layers):
        depth = (0.55, 0.28, 0.0)[i]
        line = _ridge(rng, w, base, h * (0.07 - 0.015 * i), bumps=2.5 - 0.6 * i)
        _fill_below(st, line, st.paint(scale(grass, 1.0 - 0.08 * i), depth))
        if i == 0:
            st.backdrop()
        for _ in range(rng.randint(2, 5) if i < 2 else 0):
            x = w * rng.random()
            _tree(
                st,
                x,
                _y_at(line, x) + 2,
                st.u * (0.06 + 0.05 * i),
                depth,
                rng.random() < 0.4,
                rng.randint(0, 9),
            )
    if st.plan.season in ("summer", "spring") and rng.random() < 0.6:
        # A field of a second green gives the countryside its patchwork look.
        line = _ridge(rng, w, layers[1] + h * 0.05, h * 0.02, bumps=1.5)
        _fill_below(st, line, st.paint(mix(grass, (200, 190, 80), 0.35), 0.2))
        line = _ridge(rng, w, layers[2] + h * 0.01, h * 0.03, bumps=1.2)
        _fill_below(st, line, st.paint(grass))


def _peaks(st: Stage, rock: RGB, all_snowy: bool) -> None:
    """A jagged range on the horizon, shadowed on one side, snow on the high (or all) tops."""
    rng, w, h = st.rng, st.w, st.h
    x, points = -w * 0.05, [(-w * 0.05, float(st.horizon))]
    while x < w * 1.05:
        x += w * rng.uniform(0.07, 0.16)
        y = st.horizon - st.u * rng.uniform(0.12, 0.4)
        points.append((x, y))
        x += w * rng.uniform(0.04, 0.1)
        points.append((x, y + st.u * rng.uniform(0.08, 0.18)))
    points.append((w * 1.05, float(st.horizon)))
    st.draw.polygon([*points, (w, h), (0, h)], fill=st.paint(rock, 0.35))
    shadow = st.paint(scale(rock, 0.76), 0.35)
    snow = st.paint(_SNOW, 0.2)
    for i in range(1, len(points) - 1, 2):
        (x0, y0), (x1, y1), (x2, y2) = points[i - 1], points[i], points[i + 1]
        st.draw.polygon([(x1, y1), (x2, y2), (x1 + (x2 - x1) * 0.2, st.horizon)], fill=shadow)
        k = 0.3 if y1 < st.horizon - st.u * 0.2 or all_snowy else 0.0
        if k:
            st.draw.polygon(
                [
                    (x1, y1),
                    (x0 + (x1 - x0) * (1 - k), y1 + (y0 - y1) * k),
                    (x1 - (x1 - x0) * k * 0.3, y1 + (y0 - y1) * k * 0.7),
                    (x1 + (x2 - x1) * k * 0.4, y1 + (y2 - y1) * k * 0.8),
                    (x1 + (x2 - x1) * k, y1 + (y2 - y1) * k),
                ],
                fill=snow,
            )


def _mountains(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    _peaks(st, (116, 122, 140), st.season.snow)
    st.backdrop()
    grass = st.ground_colour
    for i, base in enumerate((st.horizon + h * 0.06, st.ground - h * 0.03)):
        line = _ridge(rng, w, base, h * 0.05, bumps=2.0)
        _fill_below(st, line, st.paint(scale(grass, 1 - 0.1 * i), 0.25 * (1 - i)))
        for _ in range(rng.randint(3, 6) if i == 0 else 0):
            x = w * rng.random()
            _tree(st, x, _y_at(line, x) + 2, st.u * 0.07, 0.25, True, 0)


def _sea_colours(st: Stage) -> tuple[RGB, RGB]:
    deep = st.paint((28, 84, 138))
    return mix(st.look.horizon, deep, 0.45), scale(deep, 0.85)


def _water(st: Stage, top: int, far: RGB, near: RGB) -> None:
    band = Image.linear_gradient("L").resize((st.w, max(1, st.h - top)), Image.Resampling.BILINEAR)
    st.im.paste(ImageOps.colorize(band, far, near), (0, top))


def _glitter(st: Stage, top: int, spot: Point | None) -> None:
    if spot is None:
        return
    time = _TIMES[st.plan.time_of_day]
    c = mix(time.sun or (230, 232, 240), (255, 255, 255), 0.3)
    rng = st.rng
    for _ in range(40):
        t = rng.random()
        y = top + (st.h - top) * t * t
        half = st.w * (0.01 + 0.06 * t) * rng.uniform(0.3, 1.0)
        x = spot[0] + rng.gauss(0, st.w * 0.01 * (1 + 4 * t))
        st.draw.line([(x - half, y), (x + half, y)], fill=(*c, 150), width=max(1, st.h // 300))


def _waves(st: Stage, top: int, colour: RGB, count: int) -> None:
    rng = st.rng
    for _ in range(count):
        t = rng.random()
        y = top + (st.h - top) * t * t
        x, half = st.w * rng.random(), st.w * (0.005 + 0.03 * t)
        st.draw.line([(x - half, y), (x + half, y)], fill=(*colour, 110), width=max(1, st.h // 400))


def _supports(st: Stage, colour: RGB, rocky: bool, names: Collection[str] | None = None) -> None:
    """Rocks or a bank under each subject that stands on the ground in a watery setting."""
    rng = st.rng
    for p in st.placed:
        if _SUBJECTS[p.name].place not in ("ground", "table"):
            continue
        if names is not None and p.name not in names:
            continue
        x0, y0, bw, bh = p.box
        top = y0 + bh
        left, right = x0 - bw * 0.35 - st.u * 0.06, x0 + bw * 1.35 + st.u * 0.06
        pts: list[Point] = [(left - st.u * 0.08, st.h)]
        n = 7
        for i in range(n + 1):
            x = left + (right - left) * i / n
            lift = math.sin(math.pi * i / n) ** 0.5
            jag = rng.uniform(-0.012, 0.012) * st.u if rocky else 0
            pts.append((x, top + st.u * 0.05 * (1 - lift) + jag))
        pts.append((right + st.u * 0.08, st.h))
        st.draw.polygon(pts, fill=colour)
        if rocky:  # a lit face, so the rock reads as a rock rather than a hole
            lit_face = [pts[1], pts[2], pts[3], ((x0 + bw / 2), st.h)]
            st.draw.polygon(lit_face, fill=scale(colour, 1.25))


# Buildings stand on rocks by the sea; people, animals and things on a sandy beach.
_ON_ROCKS = frozenset(("lighthouse", "castle", "house", "tower", "church", "windmill"))


def _sea(st: Stage) -> None:
    far, near = _sea_colours(st)
    _water(st, st.horizon, far, near)
    _glitter(st, st.horizon, st.spot)
    _waves(st, st.horizon, mix(far, (255, 255, 255), 0.4), 140)
    rng, w, h = st.rng, st.w, st.h
    if rng.random() < 0.5:  # a far headland on one side
        side = rng.choice((0.0, 1.0))
        x = w * side
        spread = w * rng.uniform(0.2, 0.35) * (1 if side == 0 else -1)
        lift = st.u * rng.uniform(0.03, 0.06)
        headland = [
            (x, st.horizon + 1),
            (x, st.horizon - lift),
            (x + spread * 0.6, st.horizon - lift * 0.6),
            (x + spread, st.horizon + 1),
        ]
        st.draw.polygon(headland, fill=st.paint((70, 96, 88), 0.5))
    st.backdrop()
    on_land = [p.name for p in st.placed if _SUBJECTS[p.name].place in ("ground", "table")]
    if any(name not in _ON_ROCKS for name in on_land):
        beach = _ridge(rng, w, st.ground - h * 0.04, h * 0.02, bumps=1.0)
        surf = st.paint((240, 246, 250))
        st.draw.line([(x, y - h * 0.006) for x, y in beach], fill=surf, width=max(2, h // 90))
        _fill_below(st, beach, st.paint(scale(_SAND, 0.85)))  # wet sand at the water's edge
        dry = [(x, y + h * 0.025) for x, y in beach]
        _fill_below(st, dry, st.paint(_SAND))
    _supports(st, st.paint(_ROCK), rocky=True, names=_ON_ROCKS)
    st.floor = "sand" if any(name not in _ON_ROCKS for name in on_land) else "water"


def _lake(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    shore = _ridge(rng, w, st.horizon, h * 0.05, bumps=2.0)
    _fill_below(st, shore, st.paint(scale(st.ground_colour, 0.9), 0.45))
    st.backdrop()
    for _ in range(rng.randint(8, 16)):
        x = w * rng.random()
        _tree(
            st,
            x,
            _y_at(shore, x) + 4,
            st.u * rng.uniform(0.05, 0.09),
            0.4,
            rng.random() < 0.6,
            rng.randint(0, 9),
        )
    top = st.horizon + 3
    # Still water mirrors the sky, upside down: horizon colour at the far shore, zenith nearby.
    far = mix(st.look.horizon, st.paint((40, 90, 120)), 0.3)
    near = mix(st.look.zenith, st.paint((20, 60, 90)), 0.5)
    afloat = any(_SUBJECTS[p.name].place == "water" for p in st.placed)
    if st.season.snow and st.plan.weather != "rain" and not afloat:
        far, near = st.paint((214, 226, 238)), st.paint((176, 196, 214))  # frozen
    _water(st, top, far, near)
    _glitter(st, top, st.spot)
    _waves(st, top, mix(far, (255, 255, 255), 0.5), 50)
    bank = _ridge(rng, w, h * 0.95, h * 0.03, bumps=1.0)
    _fill_below(st, bank, st.paint(st.ground_colour))
    _supports(st, st.paint(st.ground_colour), rocky=False)
    st.floor = "bank"


def _forest(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    floor = _ridge(rng, w, st.horizon, h * 0.02, bumps=1.0)
    _fill_below(st, floor, st.paint(scale(st.ground_colour, 0.85), 0.3))
    st.backdrop()
    clear = {
        round(p.box[0] + p.box[2] / 2) for p in st.placed if _SUBJECTS[p.name].place == "ground"
    }
    for row, (count, size, depth) in enumerate(((26, 0.18, 0.55), (16, 0.3, 0.3), (8, 0.55, 0.0))):
        base = st.horizon + (st.ground - st.horizon) * row * 0.45
        for i in range(count):
            x = w * (i + rng.random()) / count
            if row == 2 and any(abs(x - c) < w * 0.18 for c in clear):
                continue  # keep a clearing for the subject
            _tree(
                st,
                x,
                base + h * rng.uniform(0.0, 0.04),
                st.u * size * rng.uniform(0.8, 1.2),
                depth,
                rng.random() < 0.7,
                rng.randint(0, 9),
            )
        if row == 1:
            line = _ridge(rng, w, st.ground - h * 0.06, h * 0.02, bumps=1.0)
            _fill_below(st, line, st.paint(scale(st.ground_colour, 0.95)))


def _desert(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    st.floor = "sand"
    sand: RGB = (232, 188, 124)
    x = w * rng.uniform(-0.1, 0.3)
    while x < w:  # flat-topped mesas on the horizon
        width, height = w * rng.uniform(0.08, 0.2), h * rng.uniform(0.05, 0.12)
        st.draw.polygon(
            [
                (x, st.horizon + 2),
                (x + width * 0.15, st.horizon - height),
                (x + width * 0.85, st.horizon - height),
                (x + width, st.horizon + 2),
            ],
            fill=st.paint((176, 104, 70), 0.45),
        )
        x += width + w * rng.uniform(0.1, 0.4)
    st.backdrop()
    for i, base in enumerate((st.horizon, st.horizon + h * 0.12, st.ground - h * 0.02)):
        line = _ridge(rng, w, base + h * 0.02, h * (0.04 + 0.02 * i), bumps=1.6 - 0.3 * i)
        _fill_below(st, line, st.paint(scale(sand, 1.02 - 0.06 * i), 0.35 - 0.17 * i))
        # The crest catches the light: a thin bright line along each dune.
        st.draw.line(
            line, fill=st.paint(scale(sand, 1.12), 0.35 - 0.17 * i), width=max(1, h // 300)
        )
    if "cactus" not in (st.plan.subject, st.plan.companion):
        for side in (0.08, 0.92):
            if rng.random() < 0.6:
                box = (w * side - h * 0.04, st.ground - h * 0.16, h * 0.08, h * 0.16)
                _cactus(Pen(st, box, False, (70, 130, 70)))


def _city(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    st.floor = "road"
    lamps = st.look.lamps
    x = 0.0
    while x < w:  # far towers, hazy
        bw, bh = w * rng.uniform(0.04, 0.09), st.u * rng.uniform(0.12, 0.42)
        st.draw.rectangle(
            (x, st.horizon - bh, x + bw, st.horizon), fill=st.paint((120, 130, 150), 0.45)
        )
        x += bw + w * rng.uniform(0.0, 0.02)
    st.backdrop()
    if st.plan.subject != "skyline":
        x = -w * 0.02
        while x < w:
            bw, bh = w * rng.uniform(0.07, 0.14), st.u * rng.uniform(0.2, 0.5)
            _building(st, (x, st.horizon - bh, bw, bh), 0.0, lamps and rng.random() < 0.5)
            x += bw + w * rng.uniform(0.005, 0.03)
    # Street: pavement, road with lane marks, lamp posts.
    st.draw.rectangle((0, st.horizon, w, st.horizon + h * 0.04), fill=st.paint((150, 150, 150)))
    road = st.paint((62, 64, 70))
    st.draw.rectangle((0, st.horizon + h * 0.04, w, h), fill=road)
    lane = st.horizon + h * 0.12
    for i in range(0, 12, 2):
        st.draw.rectangle(
            (w * i / 11, lane, w * (i + 1) / 11, lane + h * 0.008), fill=st.paint((230, 230, 220))
        )
    if lamps or st.plan.weather in ("rain", "storm"):
        # Wet or dark asphalt mirrors the lights: vertical smears under the windows and signs.
        for _ in range(24):
            rx, c = w * rng.random(), rng.choice((*_NEON, _LAMP))
            st.draw.rectangle(
                (rx, st.horizon + h * 0.05, rx + w * 0.006, h), fill=(*c, 40 if lamps else 20)
            )
    for i in range(4):
        lx = w * (0.12 + 0.25 * i)
        u = st.u
        st.draw.line(
            [(lx, st.horizon + u * 0.02), (lx, st.horizon - u * 0.16)],
            fill=st.paint((50, 52, 58)),
            width=max(2, round(u / 150)),
        )
        ly = st.horizon - u * 0.165
        if lamps:
            _glow(st.draw, lx, ly, u * 0.05, _LAMP, 160)
        st.draw.ellipse(
            (lx - u * 0.012, ly - u * 0.01, lx + u * 0.012, ly + u * 0.01),
            fill=_LAMP if lamps else st.paint((200, 200, 190)),
        )


def _building(st: Stage, box: Box, depth: float, neon: bool) -> None:
    rng, d = st.rng, st.draw
    x0, y0, bw, bh = box
    body = st.paint(mix((70, 78, 96), (150, 150, 160), rng.random()), depth)
    d.rectangle((x0, y0, x0 + bw, y0 + bh), fill=body)
    lamps = st.look.lamps
    cols, rows = max(2, round(bw / (st.h * 0.03))), max(3, round(bh / (st.h * 0.035)))
    glass = st.paint((150, 186, 214), depth)
    ww, wh = bw / cols, bh / rows
    for row in range(rows):
        for col in range(cols):
            on = lamps and rng.random() < 0.45
            colour = _LAMP if on else (scale(body, 0.6) if lamps else glass)
            wx, wy = x0 + col * ww + ww * 0.25, y0 + row * wh + wh * 0.3
            d.rectangle((wx, wy, wx + ww * 0.5, wy + wh * 0.4), fill=colour)
    if neon:
        c = rng.choice(_NEON)
        nx, ny = x0 + bw * 0.15, y0 + bh * rng.uniform(0.15, 0.5)
        sign = (nx, ny, nx + bw * 0.7, ny + st.h * 0.035)
        _glow(d, (sign[0] + sign[2]) / 2, (sign[1] + sign[3]) / 2, bw * 0.6, c, 130)
        d.rectangle(sign, fill=mix(c, (255, 255, 255), 0.35))


def _snowfield(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    st.floor = "snow"
    _peaks(st, (196, 208, 230), True)
    st.backdrop()
    for i, base in enumerate((st.horizon + h * 0.02, st.horizon + h * 0.14, st.ground - h * 0.02)):
        line = _ridge(rng, w, base, h * 0.04, bumps=1.5)
        _fill_below(
            st, line, st.paint(mix(_SNOW, (190, 206, 232), 0.35 - 0.15 * i), 0.3 - 0.15 * i)
        )
        for _ in range(rng.randint(3, 7) if i < 2 else 0):
            x = w * rng.random()
            _tree(st, x, _y_at(line, x) + 2, st.u * (0.07 + 0.06 * i), 0.3 - 0.15 * i, True, 0)


def _space(st: Stage) -> None:
    rng, w, h, d = st.rng, st.w, st.h, st.draw
    st.floor = "dust"
    for _ in range(3):  # nebula: faint coloured clouds among the stars
        c = rng.choice(((120, 60, 200), (200, 60, 140), (40, 120, 200)))
        _glow(
            d,
            w * rng.random(),
            st.horizon * rng.uniform(0.2, 0.7),
            h * rng.uniform(0.2, 0.35),
            c,
            60,
        )
    px, py, pr = (
        w * rng.uniform(0.1, 0.9),
        st.horizon * rng.uniform(0.2, 0.4),
        h * rng.uniform(0.06, 0.1),
    )
    planet = rng.choice(((220, 160, 100), (120, 170, 230), (200, 120, 90)))
    d.ellipse(
        (px - pr * 2.2, py - pr * 0.45, px + pr * 2.2, py + pr * 0.45),
        outline=(230, 220, 200),
        width=max(2, h // 200),
    )
    d.ellipse((px - pr, py - pr, px + pr, py + pr), fill=planet)
    d.chord((px - pr, py - pr, px + pr, py + pr), 300, 120, fill=scale(planet, 0.7))
    d.arc(
        (px - pr * 2.2, py - pr * 0.45, px + pr * 2.2, py + pr * 0.45),
        0,
        180,
        fill=(230, 220, 200),
        width=max(2, h // 200),
    )
    st.backdrop()
    # The moon-like ground: one huge ellipse, so its horizon curves.
    d.ellipse((-w * 0.6, st.horizon, w * 1.6, st.horizon + h * 1.6), fill=(128, 126, 132))
    for _ in range(14):
        cx, cy = w * rng.random(), st.horizon + (h - st.horizon) * rng.uniform(0.1, 1.0)
        r = h * rng.uniform(0.01, 0.05) * (cy - st.horizon) / (h - st.horizon)
        d.ellipse((cx - r, cy - r * 0.35, cx + r, cy + r * 0.35), fill=(98, 96, 104))
        d.arc((cx - r, cy - r * 0.35, cx + r, cy + r * 0.35), 0, 180, fill=(158, 156, 162), width=2)


def _garden(st: Stage) -> None:
    rng, w, h, d = st.rng, st.w, st.h, st.draw
    for _ in range(10):
        x = w * rng.random()
        _tree(
            st,
            x,
            st.horizon + h * 0.02,
            st.u * rng.uniform(0.14, 0.22),
            0.35,
            rng.random() < 0.3,
            rng.randint(0, 9),
        )
    st.backdrop()
    hedge = st.paint(scale(_FIR, 1.25) if not st.season.snow else (210, 222, 232), 0.1)
    top = st.horizon + h * 0.02
    d.rectangle((0, top, w, top + h * 0.09), fill=hedge)
    for i in range(int(w / (h * 0.06)) + 1):
        x = i * h * 0.06
        d.ellipse((x - h * 0.04, top - h * 0.03, x + h * 0.04, top + h * 0.03), fill=hedge)
    lawn = st.paint(st.ground_colour)
    d.rectangle((0, top + h * 0.09, w, h), fill=lawn)
    if rng.random() < 0.6:  # a white picket fence
        fence = st.paint((240, 238, 230))
        fy = top + h * 0.07
        d.rectangle((0, fy + h * 0.03, w, fy + h * 0.045), fill=fence)
        for i in range(int(w / (h * 0.035)) + 1):
            x = i * h * 0.035
            d.polygon(
                [
                    (x, fy + h * 0.09),
                    (x, fy),
                    (x + h * 0.01, fy - h * 0.012),
                    (x + h * 0.02, fy),
                    (x + h * 0.02, fy + h * 0.09),
                ],
                fill=fence,
            )
    if not st.season.snow:
        colours = ((230, 60, 80), (250, 200, 60), (240, 240, 240), (160, 80, 200), (250, 130, 170))
        for _ in range(160):  # flower beds along the hedge and at the sides
            x = w * rng.random()
            y = top + h * rng.uniform(0.1, 0.2)
            if st.season.leaves and st.plan.season == "autumn":
                c = rng.choice(st.season.leaves)
            else:
                c = rng.choice(colours)
            r = h * 0.008
            d.ellipse((x - r, y - r, x + r, y + r), fill=st.paint(c))


def _indoor(st: Stage) -> None:
    rng, w, h, d = st.rng, st.w, st.h, st.draw
    st.floor = "wood"
    wall = st.paint(
        rng.choice(((232, 214, 186), (200, 214, 206), (214, 200, 222), (236, 226, 206)))
    )
    wx0, wx1, wy0, wy1 = w * 0.3, w * 0.7, h * 0.08, h * 0.52
    if h > w:
        wx0, wx1 = w * 0.15, w * 0.85
    # The wall is four blocks around the window, so the sky behind shows through it.
    d.rectangle((0, 0, w, wy0), fill=wall)
    d.rectangle((0, wy1, w, h), fill=wall)
    d.rectangle((0, 0, wx0, h), fill=wall)
    d.rectangle((wx1, 0, w, h), fill=wall)
    frame = st.paint((246, 244, 238))
    fw = max(3, h // 70)
    d.rectangle((wx0, wy0, wx1, wy1), outline=frame, width=fw)
    d.line([((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)], fill=frame, width=fw)
    d.line([(wx0, (wy0 + wy1) / 2), (wx1, (wy0 + wy1) / 2)], fill=frame, width=fw)
    d.rectangle((wx0 - fw * 2, wy1, wx1 + fw * 2, wy1 + fw * 2), fill=frame)
    for side in (0, 1):  # curtains
        cx = wx0 - w * 0.06 if side == 0 else wx1
        d.rectangle(
            (cx, wy0 - h * 0.03, cx + w * 0.06, wy1 + h * 0.06), fill=st.paint((170, 60, 60))
        )
    floor = st.paint((150, 104, 64))
    d.rectangle((0, h * 0.84, w, h), fill=floor)
    for i in range(1, 6):
        y = h * 0.84 + h * 0.16 * i / 6
        d.line([(0, y), (w, y)], fill=scale(floor, 0.85), width=max(1, h // 400))
    top = st.ground
    wood = st.paint((128, 84, 48))
    d.rectangle((w * 0.08, top, w * 0.92, top + h * 0.035), fill=wood)
    for lx in (0.11, 0.87):
        d.rectangle((w * lx, top + h * 0.035, w * lx + w * 0.025, h * 0.97), fill=scale(wood, 0.8))
    if st.look.lamps:  # a lamp on the table, lit, so the room is warm rather than dark
        lx = w * 0.8 if rng.random() < 0.5 else w * 0.2
        _glow(d, lx, top - h * 0.2, h * 0.22, _LAMP, 120)
        d.rectangle(
            (lx - h * 0.008, top - h * 0.15, lx + h * 0.008, top), fill=st.paint((60, 50, 40))
        )
        d.polygon(
            [
                (lx - h * 0.06, top - h * 0.15),
                (lx + h * 0.06, top - h * 0.15),
                (lx + h * 0.035, top - h * 0.25),
                (lx - h * 0.035, top - h * 0.25),
            ],
            fill=(250, 220, 160),
        )


# fmt: off
_SETTINGS: dict[str, _Setting] = {
    "hills": _Setting(_hills, 0.56, 0.9),
    "mountains": _Setting(_mountains, 0.6, 0.92),
    "sea": _Setting(_sea, 0.52, 0.84, water=0.8),
    "lake": _Setting(_lake, 0.5, 0.96, water=0.82),
    "forest": _Setting(_forest, 0.58, 0.92),
    "desert": _Setting(_desert, 0.6, 0.92),
    "city": _Setting(_city, 0.78, 0.95),
    "snowfield": _Setting(_snowfield, 0.58, 0.92),
    "space": _Setting(_space, 0.72, 0.9),
    "garden": _Setting(_garden, 0.56, 0.93),
    "indoor": _Setting(_indoor, 0.5, 0.72, outdoor=False),
}
# fmt: on


# --------------------------------------------------------------------------- weather


def _falling(st: Stage, flakes: int, streaks: int) -> None:
    rng, d, w, h = st.rng, st.draw, st.w, st.h
    area = w * h / 1_000_000
    if streaks:
        c = mix(st.look.horizon, (230, 236, 246), 0.5)
        length, slant = h * 0.05, h * 0.012
        for _ in range(int(streaks * area)):
            x, y = rng.uniform(-slant, w), rng.uniform(-length, h)
            d.line([(x, y), (x + slant, y + length)], fill=(*c, 110), width=max(1, h // 500))
    for _ in range(int(flakes * area)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), st.u * rng.uniform(0.002, 0.006)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(250, 250, 255, 230))


def _leaves(st: Stage, colours: Sequence[RGB], count: int) -> None:
    rng, d = st.rng, st.draw
    for _ in range(count):
        x, y = st.w * rng.random(), st.h * rng.random()
        r = st.h * rng.uniform(0.005, 0.01)
        d.ellipse((x - r * 1.6, y - r, x + r * 1.6, y + r), fill=st.paint(rng.choice(colours)))


def _fog(st: Stage, strength: float) -> None:
    """A veil of the fog colour, thickest at the horizon, where distance shows most."""
    h = st.h
    ramp = Image.linear_gradient("L").resize((1, h), Image.Resampling.BILINEAR)
    peak = max(1, st.horizon)
    mask = ramp.point(
        lambda v: (
            round(255 * strength * (0.55 + 0.45 * min(v * h / 255 / peak, 1.0)))
            if v * h / 255 <= peak
            else round(255 * strength * (1.0 - 0.6 * (v * h / 255 - peak) / max(1, h - peak)))
        )
    ).resize(st.im.size)
    veil = Image.new("RGB", st.im.size, st.look.haze)
    st.swap(Image.composite(veil, st.im, mask))


def _weather(st: Stage) -> None:
    plan = st.plan
    weather = _WEATHERS[plan.weather]
    _falling(st, weather.snow, weather.rain)
    calm = plan.weather in ("clear", "cloudy", "fog")
    treed = plan.setting in ("hills", "forest", "garden", "lake", "mountains")
    if plan.season == "autumn" and calm and treed:
        _leaves(st, _SEASONS["autumn"].leaves, 40)
    if plan.season == "spring" and calm and plan.setting in ("garden", "hills", "lake"):
        _leaves(st, ((248, 190, 210), (252, 230, 238)), 30)


# --------------------------------------------------------------------------- details


_SPECKS: dict[str, RGB] = {
    "sand": (176, 140, 96),
    "dust": (90, 90, 96),
    "road": (96, 98, 104),
    "wood": (120, 80, 48),
}


def _details(st: Stage, rng: random.Random, steps: int) -> None:
    """Small marks in the bottom tenth: the only part of the picture that steps change."""
    d, w, h = st.draw, st.w, st.h
    count = min(max(steps, 1), 150)
    for _ in range(count):
        x, y = w * rng.random(), rng.uniform(h * 0.91, h)
        r = st.u * rng.uniform(0.002, 0.005)
        floor = st.floor or ("snow" if st.season.snow else "grass")
        if floor == "bank":  # a lake's near bank: water above it, the shore below
            floor = "water" if y < h * 0.95 else ("snow" if st.season.snow else "grass")
        if floor == "water":
            d.line([(x - r * 3, y), (x + r * 3, y)], fill=st.paint((240, 244, 250)), width=1)
        elif floor in _SPECKS:
            d.ellipse((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=st.paint(_SPECKS[floor]))
        elif floor == "snow":  # sparkles
            d.ellipse((x - r * 0.6, y - r * 0.6, x + r * 0.6, y + r * 0.6), fill=(255, 255, 255))
        else:
            blade = st.paint(scale(st.season.grass, rng.uniform(0.6, 1.2)))
            tip = (x + rng.uniform(-r, r) * 2, y - r * 5)
            d.line([(x, y), tip], fill=blade, width=max(1, h // 500))
            if st.plan.season in ("spring", "summer") and rng.random() < 0.2:
                c = rng.choice(((240, 80, 90), (250, 220, 70), (250, 250, 250), (180, 110, 230)))
                d.ellipse((x - r, y - r * 6, x + r, y - r * 4), fill=st.paint(c))


# --------------------------------------------------------------------------- subjects


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

    def _bounds(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.p(x0, y0), self.p(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def poly(self, pts: Sequence[Point], c: RGB, lit: bool = False, alpha: int = 255) -> None:
        self.d.polygon([self.p(x, y) for x, y in pts], fill=self.ink(c, lit, alpha))

    def rect(self, x0: float, y0: float, x1: float, y1: float, c: RGB, lit: bool = False) -> None:
        self.d.rectangle(self._bounds(x0, y0, x1, y1), fill=self.ink(c, lit))

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
        self.d.ellipse(self._bounds(x0, y0, x1, y1), fill=self.ink(c, lit, alpha))

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
            self._bounds(x0, y0, x1, y1), outline=self.ink(c), width=max(1, round(width * self.px))
        )

    def glow(self, x: float, y: float, r: float, c: RGB, alpha: int = 150) -> None:
        cx, cy = self.p(x, y)
        _glow(self.d, cx, cy, r * self.px, c, alpha)


# fmt: off
# Point lists stay compact, a shape to a line or two, so a drawing can be read and tweaked as a
# whole; the formatter would give every point a line of its own.


def _dark(c: RGB, k: float = 0.7) -> RGB:
    return scale(c, k)


def _arch(a: float, b: float, top: float, base: float, n: int = 10) -> list[Point]:
    """Points along a half ellipse from (b, base) over (mid, top) down to (a, base)."""
    mid, half = (a + b) / 2, (b - a) / 2
    return [
        (mid + half * math.cos(math.pi * i / n), base - (base - top) * math.sin(math.pi * i / n))
        for i in range(n + 1)
    ]


def _lighthouse(p: Pen) -> None:
    white: RGB = (244, 242, 236)

    def edge(y: float) -> tuple[float, float]:  # the tower tapers from 0.14..0.86 to 0.3..0.7
        t = (1.0 - y) / 0.72
        return 0.14 + 0.16 * t, 0.86 - 0.16 * t

    p.poly([(0.14, 1.0), (0.86, 1.0), (0.7, 0.28), (0.3, 0.28)], white)
    for y0, y1 in ((0.86, 1.0), (0.58, 0.72), (0.3, 0.44)):
        (a0, b0), (a1, b1) = edge(y0), edge(y1)
        p.poly([(a0, y0), (b0, y0), (b1, y1), (a1, y1)], p.colour)
    p.poly([(0.55, 1.0), (0.86, 1.0), (0.7, 0.28), (0.52, 0.28)], (0, 0, 0), alpha=40)  # shade
    p.rect(0.42, 0.88, 0.58, 1.0, _DARK)
    p.rect(0.44, 0.5, 0.56, 0.56, _DARK)
    p.rect(0.2, 0.245, 0.8, 0.285, (60, 60, 64))
    lit = p.lamps
    p.rect(0.32, 0.13, 0.68, 0.245, _LAMP if lit else (170, 200, 214), lit=lit)
    for x in (0.44, 0.56):
        p.line([(x, 0.13), (x, 0.245)], 0.008, (60, 60, 64))
    p.poly([(0.27, 0.135), (0.5, 0.03), (0.73, 0.135)], _dark(p.colour, 0.8))
    p.circle(0.5, 0.025, 0.012, (60, 60, 64))
    if lit:  # beams sweeping out of the lantern: the lighthouse signature at night
        p.glow(0.5, 0.19, 0.12, _LAMP, 200)
        p.poly([(0.5, 0.17), (4.5, -0.2), (4.5, 0.45)], (255, 236, 170), lit=True, alpha=55)
        p.poly([(0.5, 0.17), (-2.0, 0.05), (-2.0, 0.3)], (255, 236, 170), lit=True, alpha=40)


def _fox(p: Pen) -> None:
    c, white, black = p.colour, (246, 240, 230), (40, 30, 28)
    far = _dark(c, 0.75)
    for x in (0.33, 0.66):  # far legs first, darker
        p.rect(x, 0.6, x + 0.045, 0.97, far)
    p.poly([(0.3, 0.45), (0.14, 0.44), (0.02, 0.58), (0.0, 0.8), (0.1, 0.84), (0.2, 0.68),
           (0.32, 0.6)], c)
    p.poly([(0.0, 0.8), (0.04, 0.66), (0.1, 0.7), (0.1, 0.84)], white)  # the white tail tip
    p.oval(0.2, 0.36, 0.74, 0.7, c)
    for x in (0.27, 0.6):
        p.rect(x, 0.62, x + 0.05, 0.93, c)
        p.rect(x, 0.86, x + 0.05, 1.0, black)
    p.poly([(0.6, 0.42), (0.7, 0.2), (0.82, 0.24), (0.76, 0.56)], c)  # neck
    p.poly([(0.68, 0.22), (0.78, 0.13), (0.86, 0.19), (0.99, 0.34), (0.95, 0.4), (0.82, 0.42),
           (0.7, 0.38)], c)
    p.poly([(0.71, 0.2), (0.73, 0.0), (0.8, 0.15)], c)
    p.poly([(0.78, 0.16), (0.83, -0.02), (0.87, 0.2)], c)
    p.poly([(0.745, 0.16), (0.745, 0.06), (0.775, 0.14)], black)
    p.poly([(0.8, 0.34), (0.97, 0.38), (0.86, 0.44), (0.7, 0.56), (0.68, 0.44)], white)
    p.circle(0.985, 0.35, 0.025, black)
    p.circle(0.84, 0.25, 0.02, black)


def _cat(p: Pen) -> None:
    c = p.colour
    muzzle = mix(c, (245, 240, 232), 0.7)
    p.line([(0.7, 0.92), (0.95, 0.85), (0.98, 0.6), (0.9, 0.5)], 0.06, _dark(c, 0.85))  # tail
    p.oval(0.12, 0.42, 0.82, 1.0, c)
    p.oval(0.3, 0.6, 0.62, 1.0, mix(c, (245, 240, 232), 0.4))  # chest
    p.oval(0.14, 0.08, 0.8, 0.52, c)
    p.poly([(0.16, 0.26), (0.18, -0.04), (0.38, 0.12)], c)
    p.poly([(0.56, 0.12), (0.76, -0.04), (0.78, 0.26)], c)
    p.poly([(0.21, 0.17), (0.22, 0.04), (0.32, 0.12)], (230, 150, 160))
    p.poly([(0.62, 0.12), (0.72, 0.04), (0.73, 0.17)], (230, 150, 160))
    p.oval(0.33, 0.3, 0.61, 0.48, muzzle)
    for ex in (0.28, 0.58):  # green eyes with slit pupils
        p.oval(ex - 0.06, 0.22, ex + 0.06, 0.31, (150, 200, 60), lit=p.lamps)
        p.oval(ex - 0.012, 0.22, ex + 0.012, 0.31, _DARK)
    p.poly([(0.44, 0.33), (0.5, 0.33), (0.47, 0.37)], (220, 120, 130))
    for sy in (0.36, 0.4):  # whiskers
        p.line([(0.36, 0.37), (0.02, sy)], 0.008, (230, 230, 230))
        p.line([(0.58, 0.37), (0.92, sy)], 0.008, (230, 230, 230))


def _dog(p: Pen) -> None:
    c = p.colour
    far = _dark(c, 0.75)
    p.line([(0.2, 0.42), (0.1, 0.28), (0.06, 0.12)], 0.07, c)  # wagging tail, up
    for x in (0.27, 0.6):
        p.rect(x, 0.55, x + 0.07, 0.98, far)
    p.oval(0.14, 0.33, 0.76, 0.68, c)
    for x in (0.22, 0.66):
        p.rect(x, 0.55, x + 0.075, 1.0, c)
        p.oval(x - 0.01, 0.94, x + 0.1, 1.0, _dark(c, 0.85))
    p.poly([(0.62, 0.42), (0.7, 0.2), (0.82, 0.2), (0.78, 0.55)], c)  # neck
    p.circle(0.8, 0.24, 0.18, c)
    p.rect(0.84, 0.24, 1.0, 0.38, mix(c, (240, 230, 210), 0.3))  # muzzle
    p.circle(0.985, 0.26, 0.035, _DARK)
    p.oval(0.92, 0.36, 0.97, 0.46, (220, 90, 100))  # tongue
    p.circle(0.84, 0.18, 0.025, _DARK)
    p.oval(0.68, 0.1, 0.78, 0.42, _dark(c, 0.55))  # floppy ear
    p.poly([(0.64, 0.4), (0.76, 0.34), (0.8, 0.42), (0.68, 0.48)], (200, 40, 40))  # collar


def _horse(p: Pen) -> None:
    c = p.colour
    mane = _dark(c, 0.4)
    far = _dark(c, 0.75)
    p.poly([(0.2, 0.36), (0.1, 0.45), (0.06, 0.72), (0.14, 0.74), (0.17, 0.5)], mane)  # tail
    for x in (0.3, 0.64):
        p.rect(x, 0.55, x + 0.045, 0.97, far)
    p.oval(0.17, 0.3, 0.76, 0.62, c)
    for x in (0.22, 0.7):
        p.rect(x, 0.55, x + 0.05, 0.95, c)
        p.rect(x - 0.005, 0.95, x + 0.055, 1.0, _DARK)
    p.poly([(0.62, 0.4), (0.74, 0.06), (0.84, 0.1), (0.78, 0.5)], c)  # neck
    p.poly([(0.74, 0.06), (0.82, 0.02), (0.99, 0.24), (0.96, 0.3), (0.88, 0.28), (0.76, 0.18)], c)
    p.poly([(0.77, 0.04), (0.79, -0.05), (0.82, 0.04)], c)  # ear
    p.poly([(0.62, 0.36), (0.73, 0.04), (0.78, 0.06), (0.68, 0.4)], mane)
    p.circle(0.85, 0.12, 0.018, _DARK)
    p.circle(0.975, 0.255, 0.012, _DARK)


def _branch(p: Pen, y: float) -> None:
    """A branch from the picture's edge to under the perching bird, with a few leaves."""
    wood, leaf = (96, 66, 42), (70, 130, 60)
    p.line([(-6.0, y + 0.04), (0.5, y), (1.1, y - 0.04)], 0.05, wood)
    if p.st.season.leaves:
        for x in (-0.6, -0.2, 0.9):
            p.oval(x, y - 0.1, x + 0.18, y + 0.0, leaf)


def _bird(p: Pen) -> None:
    c = p.colour
    _branch(p, 0.86)
    p.line([(0.45, 0.72), (0.45, 0.86)], 0.02, (90, 70, 50))
    p.line([(0.55, 0.72), (0.55, 0.86)], 0.02, (90, 70, 50))
    p.poly([(0.3, 0.6), (0.0, 0.78), (0.04, 0.86), (0.36, 0.72)], _dark(c, 0.7))  # tail
    p.oval(0.2, 0.3, 0.78, 0.78, c)
    p.oval(0.4, 0.45, 0.78, 0.78, (236, 136, 70))  # a warm breast, like a robin's
    p.circle(0.72, 0.3, 0.2, c)
    p.poly([(0.84, 0.26), (1.0, 0.31), (0.84, 0.35)], (240, 170, 40))
    p.circle(0.76, 0.26, 0.04, (255, 255, 255))
    p.circle(0.77, 0.26, 0.025, _DARK)
    p.poly([(0.22, 0.42), (0.52, 0.4), (0.6, 0.55), (0.34, 0.66)], _dark(c, 0.75))  # wing


def _owl(p: Pen) -> None:
    c, face = p.colour, mix(p.colour, (240, 225, 200), 0.6)
    _branch(p, 0.95)
    p.oval(0.1, 0.18, 0.9, 0.98, c)
    p.poly([(0.12, 0.3), (0.16, 0.0), (0.36, 0.2)], c)  # ear tufts
    p.poly([(0.88, 0.3), (0.84, 0.0), (0.64, 0.2)], c)
    p.oval(0.04, 0.44, 0.3, 0.94, _dark(c, 0.75))  # wings
    p.oval(0.7, 0.44, 0.96, 0.94, _dark(c, 0.75))
    p.oval(0.32, 0.56, 0.68, 0.92, mix(c, (240, 225, 200), 0.45))  # belly
    for y in (0.64, 0.74, 0.84):
        for x in (0.42, 0.5, 0.58):
            p.poly([(x - 0.025, y), (x, y + 0.03), (x + 0.025, y)], _dark(c, 0.7))
    for ex in (0.33, 0.67):  # the big round eyes are the owl
        p.circle(ex, 0.36, 0.15, face)
        p.circle(ex, 0.36, 0.09, (250, 200, 40), lit=p.lamps)
        p.circle(ex, 0.36, 0.045, _DARK)
    p.poly([(0.45, 0.44), (0.55, 0.44), (0.5, 0.56)], (200, 150, 60))
    for x in (0.38, 0.56):
        p.rect(x, 0.93, x + 0.06, 0.98, (230, 160, 50))


def _fish(p: Pen) -> None:
    c = p.colour
    p.oval(0.1, 0.86, 0.9, 1.06, (230, 240, 250), alpha=150)  # the splash it leaps from
    for dx, dy in ((0.15, 0.8), (0.8, 0.78), (0.25, 0.7), (0.72, 0.66)):
        p.circle(dx, dy, 0.03, (230, 240, 250), alpha=200)
    p.poly([(0.22, 0.42), (0.0, 0.12), (0.06, 0.42), (0.0, 0.72)], _dark(c, 0.85))  # tail fin
    p.poly([(0.4, 0.22), (0.5, 0.02), (0.66, 0.2)], _dark(c, 0.85))  # dorsal fin
    p.oval(0.16, 0.16, 0.98, 0.68, c)
    p.oval(0.3, 0.42, 0.9, 0.66, mix(c, (255, 250, 230), 0.45))  # lighter belly
    p.poly([(0.48, 0.5), (0.4, 0.72), (0.58, 0.56)], _dark(c, 0.8))
    p.line([(0.74, 0.26), (0.7, 0.42), (0.74, 0.58)], 0.02, _dark(c, 0.7))  # gill
    p.circle(0.85, 0.34, 0.06, (250, 250, 250))
    p.circle(0.86, 0.34, 0.035, _DARK)
    for x in (0.4, 0.5, 0.6):  # scales
        p.line([(x, 0.3), (x + 0.03, 0.38), (x, 0.46)], 0.012, _dark(c, 0.8))


def _whale(p: Pen) -> None:
    c, belly = p.colour, mix(p.colour, (230, 230, 225), 0.6)
    spout: RGB = (236, 244, 252)
    # The blow: a fan of spray over the head, the first thing that says "whale".
    p.poly([(0.66, 0.4), (0.54, 0.02), (0.6, -0.04), (0.66, 0.1), (0.72, -0.04), (0.78, 0.02)],
           spout, alpha=170)
    for x, y in ((0.54, 0.0), (0.6, -0.06), (0.72, -0.06), (0.78, 0.0), (0.66, 0.04)):
        p.circle(x, y, 0.05, spout, alpha=170)
    # The tail raised clear of the water, flukes spread: the second.
    p.poly([(0.1, 1.0), (0.02, 0.62), (0.08, 0.58), (0.24, 0.98)], c)
    p.poly([(0.05, 0.64), (-0.1, 0.34), (-0.04, 0.3), (0.05, 0.5), (0.11, 0.36), (0.2, 0.3),
           (0.18, 0.42), (0.1, 0.64)], c)
    p.poly([*_arch(0.12, 0.98, 0.4, 1.0, 16)], c)  # the back, rising out of the water
    p.d.chord(p._bounds(0.62, 0.8, 1.0, 1.2), 180, 360, fill=p.ink(belly))
    p.poly([(0.38, 0.46), (0.46, 0.33), (0.48, 0.46)], _dark(c, 0.85))  # dorsal fin
    p.line([(0.72, 0.84), (0.96, 0.86)], 0.02, _dark(c, 0.6))  # mouth
    p.circle(0.82, 0.74, 0.03, _DARK)
    p.poly([(0.56, 0.9), (0.66, 0.96), (0.52, 1.0)], _dark(c, 0.8))  # flipper
    p.oval(-0.12, 0.95, 1.08, 1.06, (235, 242, 250), alpha=140)  # white water around it


def _sailboat(p: Pen) -> None:
    sail: RGB = (246, 244, 236)
    p.line([(0.46, 0.84), (0.46, 0.0)], 0.02, (90, 70, 50))
    p.poly([(0.49, 0.02), (0.49, 0.8), (0.92, 0.8)], sail)
    p.poly([(0.43, 0.08), (0.43, 0.8), (0.08, 0.8)], scale(sail, 0.9))
    p.poly([(0.46, 0.0), (0.6, 0.03), (0.46, 0.06)], (220, 50, 40))  # pennant
    p.poly([(0.02, 0.82), (0.98, 0.82), (0.84, 1.0), (0.14, 1.0)], p.colour)
    p.rect(0.06, 0.82, 0.94, 0.86, _dark(p.colour, 0.6))
    p.oval(-0.1, 0.97, 1.1, 1.04, (0, 0, 0), alpha=50)


def _ship(p: Pen) -> None:
    c = p.colour
    for i, (x, y, r) in enumerate(((0.5, -0.1, 0.08), (0.36, -0.2, 0.11), (0.18, -0.26, 0.14))):
        p.circle(x, y, r, (150, 150, 156), alpha=150 - 30 * i)  # smoke drifting back
    for x in (0.46, 0.6):
        p.rect(x, 0.06, x + 0.07, 0.3, (200, 50, 40))
        p.rect(x, 0.06, x + 0.07, 0.11, _DARK)
    p.rect(0.36, 0.28, 0.72, 0.42, (238, 236, 230))
    p.rect(0.28, 0.4, 0.8, 0.62, (238, 236, 230))
    for row, y in enumerate((0.32, 0.47, 0.54)):
        for i in range(9 if row else 6):
            x = (0.39 if row == 0 else 0.31) + i * 0.055
            on = p.lamps and (i * 7 + row) % 3 != 0
            p.rect(x, y, x + 0.03, y + 0.04, _LAMP if on else (70, 90, 120), lit=on)
    p.poly([(0.0, 0.6), (1.0, 0.6), (0.9, 1.0), (0.06, 1.0)], c)
    p.rect(0.035, 0.86, 0.925, 0.93, (170, 40, 40))
    for i in range(12):
        p.circle(0.12 + i * 0.065, 0.72, 0.025, (220, 220, 210))
    p.oval(-0.1, 0.97, 1.1, 1.04, (0, 0, 0), alpha=50)


def _car(p: Pen) -> None:
    c = p.colour
    glass = (60, 70, 90) if p.lamps else (160, 200, 225)
    p.poly([(0.02, 0.78), (0.0, 0.52), (0.1, 0.44), (0.3, 0.4), (0.4, 0.12), (0.72, 0.12),
           (0.84, 0.4), (0.97, 0.46), (1.0, 0.78)], c)
    p.poly([(0.43, 0.18), (0.56, 0.18), (0.56, 0.4), (0.35, 0.4)], glass)
    p.poly([(0.59, 0.18), (0.7, 0.18), (0.8, 0.4), (0.59, 0.4)], glass)
    p.line([(0.57, 0.4), (0.57, 0.72)], 0.015, _dark(c, 0.6))
    p.rect(0.6, 0.46, 0.66, 0.49, _dark(c, 0.5))  # door handle
    p.rect(0.0, 0.66, 0.07, 0.72, (120, 120, 126))
    p.rect(0.94, 0.66, 1.0, 0.72, (120, 120, 126))
    p.oval(0.94, 0.48, 1.0, 0.58, _LAMP if p.lamps else (240, 236, 200), lit=p.lamps)
    p.rect(0.0, 0.5, 0.03, 0.6, (220, 30, 30), lit=p.lamps)
    if p.lamps:
        p.poly([(1.0, 0.5), (2.2, 0.42), (2.2, 0.9)], (255, 240, 190), lit=True, alpha=60)
    for x in (0.22, 0.8):
        p.circle(x, 0.78, 0.21, (28, 28, 30))
        p.circle(x, 0.78, 0.1, (170, 172, 178))


def _bicycle(p: Pen) -> None:
    c, tyre = p.colour, (36, 36, 38)
    for x in (0.2, 0.8):  # rings, not discs: the background shows between the spokes
        cx, cy = p.p(x, 0.66)
        r = 0.33 * p.px
        for k in range(8):
            spoke = math.pi * k / 4
            p.d.line([(cx, cy), (cx + math.cos(spoke) * r, cy + math.sin(spoke) * r)],
                     fill=p.ink((170, 170, 176)), width=max(1, round(0.01 * p.px)))
        p.d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=p.ink(tyre),
                    width=max(2, round(0.05 * p.px)))
        p.circle(x, 0.66, 0.04, (120, 120, 126))
    hub_r, bb, seat, head, hub_f = (0.2, 0.66), (0.47, 0.68), (0.4, 0.3), (0.72, 0.3), (0.8, 0.66)
    for a, b in ((hub_r, bb), (hub_r, seat), (seat, bb), (bb, head), (seat, head), (head, hub_f)):
        p.line([a, b], 0.045, c)
    p.line([(0.72, 0.3), (0.7, 0.16)], 0.04, (60, 60, 64))
    p.line([(0.64, 0.14), (0.76, 0.16)], 0.05, (40, 40, 42))
    p.line([(0.4, 0.3), (0.38, 0.22)], 0.04, (60, 60, 64))
    p.poly([(0.3, 0.2), (0.46, 0.19), (0.44, 0.24), (0.32, 0.24)], (40, 40, 42))
    p.line([(0.42, 0.78), (0.52, 0.58)], 0.03, (60, 60, 64))


def _train(p: Pen) -> None:
    c = p.colour
    p.line([(-3.0, 1.0), (4.0, 1.0)], 0.03, (80, 76, 72))  # rails
    for i, (x, y, r) in enumerate(((0.87, 0.0, 0.1), (0.78, -0.16, 0.13), (0.64, -0.27, 0.16))):
        p.circle(x, y, r, (236, 236, 236), alpha=190 - 40 * i)  # steam
    p.rect(0.02, 0.24, 0.5, 0.8, (150, 40, 40))  # carriage
    p.rect(0.0, 0.2, 0.52, 0.26, (90, 30, 30))
    for i in range(5):
        x = 0.05 + i * 0.09
        p.rect(x, 0.34, x + 0.06, 0.52, _LAMP if p.lamps else (170, 200, 220), lit=p.lamps)
    p.rect(0.5, 0.62, 0.57, 0.68, _DARK)  # coupling
    p.rect(0.62, 0.36, 0.95, 0.78, c)  # boiler
    p.rect(0.56, 0.12, 0.7, 0.78, c)  # cab
    p.rect(0.54, 0.08, 0.72, 0.14, _dark(c, 0.6))
    p.rect(0.59, 0.2, 0.67, 0.36, _LAMP if p.lamps else (170, 200, 220), lit=p.lamps)
    p.rect(0.85, 0.1, 0.91, 0.36, _dark(c, 0.7))  # chimney
    p.rect(0.83, 0.06, 0.93, 0.12, _dark(c, 0.5))
    p.circle(0.76, 0.32, 0.05, (200, 170, 60))  # dome
    p.poly([(0.95, 0.7), (1.0, 0.96), (0.92, 0.96)], (60, 60, 64))  # cow-catcher
    p.circle(0.955, 0.44, 0.05, _LAMP if p.lamps else (230, 226, 200), lit=p.lamps)
    if p.lamps:
        p.glow(0.97, 0.44, 0.2, _LAMP, 160)
    for x in (0.66, 0.76, 0.86):
        p.circle(x, 0.86, 0.12, (170, 40, 36))
        p.circle(x, 0.86, 0.04, (60, 60, 64))
    for x in (0.1, 0.42):
        p.circle(x, 0.88, 0.1, (40, 40, 42))
    p.line([(0.66, 0.86), (0.86, 0.86)], 0.025, (180, 180, 186))


def _airplane(p: Pen) -> None:
    c, white = p.colour, (244, 244, 246)
    p.poly([(0.46, 0.46), (0.56, 0.46), (0.5, 0.22), (0.46, 0.22)], (176, 180, 190))  # far wing
    p.poly([(0.06, 0.48), (0.0, 0.08), (0.1, 0.08), (0.24, 0.46)], c)  # tail fin
    p.poly([(0.04, 0.5), (0.16, 0.5), (0.12, 0.58), (0.0, 0.58)], (180, 184, 194))
    p.poly([(0.05, 0.42), (0.85, 0.4), (0.97, 0.45), (1.0, 0.52), (0.95, 0.58), (0.1, 0.6),
           (0.03, 0.52)], white)
    p.line([(0.08, 0.55), (0.94, 0.55)], 0.03, c)  # cheat line in the livery colour
    for i in range(14):
        x = 0.2 + i * 0.048
        p.rect(x, 0.45, x + 0.018, 0.49, _LAMP if p.lamps else (60, 80, 110), lit=p.lamps)
    p.poly([(0.92, 0.44), (0.97, 0.44), (0.98, 0.48), (0.92, 0.48)], (50, 60, 80))
    p.poly([(0.4, 0.54), (0.6, 0.54), (0.46, 0.98), (0.38, 0.98)], (196, 200, 208))  # near wing
    p.oval(0.46, 0.64, 0.6, 0.74, (150, 154, 162))  # engine
    if p.lamps:
        p.circle(0.4, 0.97, 0.03, (255, 60, 60), lit=True)


def _balloon(p: Pen) -> None:
    c = p.colour
    accent = (250, 206, 60) if c != (240, 205, 50) else (60, 110, 210)
    p.line([(0.36, 0.76), (0.42, 0.87)], 0.012, (70, 60, 50))
    p.line([(0.64, 0.76), (0.58, 0.87)], 0.012, (70, 60, 50))
    p.rect(0.4, 0.86, 0.6, 1.0, (150, 100, 56))
    p.line([(0.4, 0.9), (0.6, 0.9)], 0.01, (110, 70, 40))
    p.poly([(0.05, 0.44), (0.95, 0.44), (0.64, 0.78), (0.36, 0.78)], c)
    p.oval(0.0, 0.0, 1.0, 0.7, c)
    # Narrower lenses in turns of colour read as the envelope's vertical gores.
    p.poly([(0.3, 0.44), (0.7, 0.44), (0.58, 0.78), (0.42, 0.78)], accent)
    p.oval(0.28, 0.0, 0.72, 0.7, accent)
    p.poly([(0.44, 0.44), (0.56, 0.44), (0.53, 0.78), (0.47, 0.78)], c)
    p.oval(0.43, 0.0, 0.57, 0.7, c)
    p.oval(0.1, 0.08, 0.3, 0.3, (255, 255, 255), alpha=70)  # sheen
    if p.lamps:
        p.glow(0.5, 0.8, 0.12, (255, 170, 60), 200)


def _house(p: Pen) -> None:
    c = p.colour
    roof: RGB = (150, 56, 44)
    p.rect(0.7, 0.08, 0.8, 0.32, (130, 80, 60))  # chimney
    p.circle(0.76, -0.02, 0.06, (200, 200, 204), alpha=120)
    p.rect(0.1, 0.45, 0.9, 1.0, c)
    p.poly([(-0.02, 0.5), (0.5, 0.06), (1.02, 0.5)], roof)
    if p.st.season.snow:
        p.poly([(-0.02, 0.5), (0.5, 0.06), (1.02, 0.5), (0.92, 0.46), (0.5, 0.12), (0.08, 0.46)],
               _SNOW)
    p.rect(0.1, 0.46, 0.9, 0.5, _dark(c, 0.7))
    p.rect(0.42, 0.68, 0.58, 1.0, (110, 70, 40))
    p.circle(0.55, 0.85, 0.012, (220, 200, 80))
    for x in (0.18, 0.66):
        p.rect(x, 0.58, x + 0.16, 0.8, _LAMP if p.lamps else (150, 190, 215), lit=p.lamps)
        p.line([(x + 0.08, 0.58), (x + 0.08, 0.8)], 0.012, (250, 250, 245))
        p.line([(x, 0.69), (x + 0.16, 0.69)], 0.012, (250, 250, 245))
    p.circle(0.5, 0.32, 0.05, _LAMP if p.lamps else (150, 190, 215), lit=p.lamps)
    if p.lamps:
        p.glow(0.26, 0.69, 0.16, _LAMP, 90)
        p.glow(0.74, 0.69, 0.16, _LAMP, 90)


def _castle(p: Pen) -> None:
    stone = p.colour
    roof: RGB = (60, 80, 150)
    p.rect(0.38, 0.14, 0.62, 0.5, _dark(stone, 0.92))  # keep
    p.poly([(0.36, 0.16), (0.5, -0.08), (0.64, 0.16)], roof)
    p.line([(0.5, -0.08), (0.5, -0.18)], 0.012, (60, 50, 40))
    p.poly([(0.5, -0.18), (0.6, -0.15), (0.5, -0.12)], (210, 40, 40))
    p.rect(0.14, 0.42, 0.86, 1.0, stone)
    for i in range(9):  # crenellations
        x = 0.15 + i * 0.08
        p.rect(x, 0.37, x + 0.045, 0.43, stone)
    for x0 in (0.02, 0.8):
        p.rect(x0, 0.26, x0 + 0.18, 1.0, _dark(stone, 0.95))
        p.poly([(x0 - 0.02, 0.28), (x0 + 0.09, 0.02), (x0 + 0.2, 0.28)], roof)
        p.rect(x0 + 0.07, 0.4, x0 + 0.11, 0.52, _LAMP if p.lamps else _DARK, lit=p.lamps)
    p.rect(0.47, 0.24, 0.53, 0.34, _LAMP if p.lamps else _DARK, lit=p.lamps)
    p.rect(0.41, 0.74, 0.59, 1.0, (60, 44, 34))  # gate
    p.oval(0.41, 0.66, 0.59, 0.82, (60, 44, 34))
    for x in (0.44, 0.5, 0.56):
        p.line([(x, 0.7), (x, 1.0)], 0.01, (30, 30, 30))


def _tower(p: Pen) -> None:
    c = p.colour
    p.rect(0.12, 0.92, 0.88, 1.0, _dark(c, 0.85))
    p.rect(0.2, 0.4, 0.8, 0.92, c)
    p.rect(0.14, 0.16, 0.86, 0.42, _dark(c, 1.05))
    p.poly([(0.12, 0.17), (0.5, -0.08), (0.88, 0.17)], (70, 100, 90))
    p.line([(0.5, -0.08), (0.5, -0.14)], 0.01, (200, 170, 60))
    cx, cy, r = 0.5, 0.29, 0.095
    p.circle(cx, cy, r, _LAMP if p.lamps else (246, 244, 236), lit=p.lamps)
    p.d.ellipse((*(v - r * p.px for v in p.p(cx, cy)), *(v + r * p.px for v in p.p(cx, cy))),
                outline=p.ink((40, 40, 44)), width=max(1, round(0.012 * p.px)))
    p.line([(cx, cy), (cx, cy - 0.065)], 0.012, _DARK)
    p.line([(cx, cy), (cx + 0.1, cy + 0.02)], 0.012, _DARK)
    for y in (0.5, 0.64, 0.78):
        for x in (0.32, 0.6):
            p.rect(x, y, x + 0.08, y + 0.08, _LAMP if p.lamps else (60, 62, 70), lit=p.lamps)


def _bridge(p: Pen) -> None:
    c = p.colour
    piers = (0.0, 0.32, 0.64, 0.96)
    for a in piers:
        p.rect(a, 0.28, a + 0.06, 1.0, c)
    for a, b in itertools.pairwise(piers):
        # The span above each arch: the deck's underside down to the curve of the arch.
        curve = _arch(a + 0.06, b, 0.42, 1.0)
        p.poly([(b, 0.28), (a + 0.06, 0.28), *reversed(curve)], c)
        ring = _arch(a + 0.06, b, 0.42, 1.0)
        p.line(ring, 0.03, _dark(c, 0.75))
    p.rect(-0.01, 0.16, 1.01, 0.3, _dark(c, 1.08))  # deck and parapet
    p.rect(-0.01, 0.12, 1.01, 0.17, _dark(c, 0.85))
    for i in range(20):
        x = i / 19
        p.line([(x, 0.17), (x, 0.3)], 0.006, _dark(c, 0.85))


def _tree_subject(p: Pen) -> None:
    season = p.st.season
    trunk: RGB = (104, 72, 46)
    p.poly([(0.42, 1.0), (0.58, 1.0), (0.55, 0.5), (0.45, 0.5)], trunk)
    for a, b in (
        ((0.5, 0.6), (0.25, 0.38)),
        ((0.5, 0.55), (0.78, 0.32)),
        ((0.5, 0.5), (0.5, 0.15)),
    ):
        p.line([a, b], 0.035, trunk)
    if not season.leaves and p.colour == COLOUR_RGB["green"]:
        for a, b in (
            ((0.25, 0.38), (0.12, 0.22)),
            ((0.78, 0.32), (0.9, 0.15)),
            ((0.5, 0.15), (0.42, 0.02)),
            ((0.5, 0.15), (0.6, 0.04)),
        ):
            p.line([a, b], 0.02, trunk)
        for x, y in ((0.12, 0.22), (0.9, 0.15), (0.42, 0.02), (0.6, 0.04)):
            p.oval(x - 0.06, y - 0.015, x + 0.06, y + 0.02, _SNOW)
        return
    leaves = season.leaves if p.colour == COLOUR_RGB["green"] else (p.colour,)
    crown = ((0.5, 0.24, 0.24), (0.27, 0.36, 0.18), (0.73, 0.36, 0.18), (0.36, 0.16, 0.17),
             (0.64, 0.18, 0.17), (0.5, 0.42, 0.16))
    for i, (x, y, r) in enumerate(crown):
        p.circle(x, y, r, leaves[i % len(leaves)])
    for i, (x, y, r) in enumerate(crown[:4]):  # highlights on the lit side
        p.circle(x - 0.04, y - 0.04, r * 0.5, scale(leaves[(i + 1) % len(leaves)], 1.15), alpha=140)


def _petals(p: Pen, x: float, y: float, ring: float, r: float, n: int, c: RGB) -> None:
    aspect = p.box[2] / p.box[3]
    for i in range(n):
        a = 2 * math.pi * i / n
        p.circle(x + math.cos(a) * ring / aspect, y + math.sin(a) * ring, r, c)


def _flower(p: Pen) -> None:
    green: RGB = (60, 140, 60)
    p.line([(0.5, 1.0), (0.52, 0.6), (0.5, 0.3)], 0.03, green)
    p.poly([(0.51, 0.78), (0.2, 0.6), (0.04, 0.64), (0.22, 0.74)], green)
    p.poly([(0.51, 0.68), (0.8, 0.52), (0.96, 0.55), (0.78, 0.64)], _dark(green, 0.85))
    _petals(p, 0.5, 0.26, 0.12, 0.1, 8, p.colour)
    _petals(p, 0.5, 0.26, 0.06, 0.07, 6, mix(p.colour, (255, 255, 255), 0.25))
    p.circle(0.5, 0.26, 0.06, (246, 196, 50))


def _sunflower(p: Pen) -> None:
    green: RGB = (64, 130, 50)
    p.line([(0.5, 1.0), (0.48, 0.6), (0.5, 0.25)], 0.035, green)
    p.poly([(0.49, 0.7), (0.1, 0.54), (0.05, 0.64), (0.2, 0.74)], green)
    p.poly([(0.5, 0.55), (0.9, 0.44), (0.95, 0.54), (0.8, 0.6)], _dark(green, 0.85))
    aspect = p.box[2] / p.box[3]
    cx, cy = 0.5, 0.22
    for i in range(16):  # pointed petals all round
        a = 2 * math.pi * i / 16
        tip = (cx + math.cos(a) * 0.22 / aspect, cy + math.sin(a) * 0.22)
        l_ = (cx + math.cos(a - 0.2) * 0.1 / aspect, cy + math.sin(a - 0.2) * 0.1)
        r_ = (cx + math.cos(a + 0.2) * 0.1 / aspect, cy + math.sin(a + 0.2) * 0.1)
        p.poly([l_, tip, r_], p.colour if p.colour != COLOUR_RGB["green"] else (250, 200, 30))
    p.circle(cx, cy, 0.11, (96, 60, 30))
    for i in range(12):
        a = 2.4 * i
        rr = 0.09 * math.sqrt((i + 0.5) / 12)
        p.circle(cx + math.cos(a) * rr / aspect, cy + math.sin(a) * rr, 0.012, (60, 36, 20))


def _mountain(p: Pen) -> None:
    c = p.colour
    p.poly([(-0.05, 1.0), (0.28, 0.46), (0.4, 0.3), (0.5, 0.0), (0.6, 0.22), (0.7, 0.36),
           (1.05, 1.0)], c)
    p.poly([(0.5, 0.0), (0.6, 0.22), (0.7, 0.36), (1.05, 1.0), (0.56, 1.0), (0.52, 0.4)],
           _dark(c, 0.75))
    p.poly([(0.5, 0.0), (0.4, 0.3), (0.44, 0.27), (0.47, 0.33), (0.51, 0.26), (0.55, 0.32),
           (0.6, 0.22)], _SNOW)
    p.poly([(0.5, 0.0), (0.6, 0.22), (0.55, 0.32), (0.52, 0.26)], scale(_SNOW, 0.85))


def _skyline(p: Pen) -> None:
    rng = p.rng
    lamps = p.lamps
    x = 0.0
    blocks: list[tuple[float, float, float]] = []
    while x < 1.0:
        bw = rng.uniform(0.05, 0.11)
        blocks.append((x, bw, rng.uniform(0.35, 0.9)))
        x += bw + rng.uniform(0.0, 0.012)
    tallest = max(range(len(blocks)), key=lambda i: blocks[i][2])
    bx, bw, bh = blocks[tallest]
    blocks[tallest] = (bx, bw, 0.92)
    p.line([(bx + bw / 2, 0.08), (bx + bw / 2, -0.06)], 0.012, (90, 90, 100))
    if lamps:
        p.circle(bx + bw / 2, -0.06, 0.012, (255, 60, 60), lit=True)
    for x0, bw, bh in blocks:
        body = mix(p.colour, (150, 156, 170), rng.random() * 0.6)
        p.rect(x0, 1.0 - bh, x0 + bw, 1.0, body)
        cols, rows = max(2, round(bw / 0.018)), max(4, round(bh / 0.045))
        for r in range(rows):
            for col in range(cols):
                on = lamps and rng.random() < 0.55
                wx, wy = x0 + (col + 0.25) * bw / cols, 1.0 - bh + (r + 0.3) * bh / rows
                colour = _LAMP if on else ((40, 44, 56) if lamps else (170, 200, 226))
                p.rect(wx, wy, wx + bw / cols * 0.5, wy + bh / rows * 0.45, colour, lit=on)
    if lamps:  # neon signs: the look everybody means by "city at night"
        for i, (x0, bw, bh) in enumerate(blocks):
            c = _NEON[i % len(_NEON)]
            bright = mix(c, (255, 255, 255), 0.4)
            p.rect(x0, 1.0 - bh, x0 + bw, 1.0 - bh + 0.008, c, lit=True)  # lit roof edge
            y = 1.0 - bh * rng.uniform(0.3, 0.7)
            if i % 2:
                p.glow(x0 + bw / 2, y, 0.14, c, 170)
                p.rect(x0 + bw * 0.12, y - 0.025, x0 + bw * 0.88, y + 0.025, bright, lit=True)
            elif i % 4 == 0:  # a vertical sign hanging off the corner
                p.glow(x0 + bw * 0.9, y, 0.14, c, 150)
                p.rect(x0 + bw * 0.84, y - 0.12, x0 + bw * 0.96, y + 0.12, bright, lit=True)


def _windmill(p: Pen) -> None:
    body: RGB = (238, 232, 216)
    p.poly([(0.28, 1.0), (0.72, 1.0), (0.62, 0.3), (0.38, 0.3)], body)
    p.poly([(0.55, 1.0), (0.72, 1.0), (0.62, 0.3), (0.53, 0.3)], (0, 0, 0), alpha=35)
    p.poly([(0.35, 0.32), (0.65, 0.32), (0.6, 0.2), (0.4, 0.2)], _dark(p.colour, 0.9))
    p.oval(0.38, 0.12, 0.62, 0.28, _dark(p.colour, 0.9))
    p.rect(0.45, 0.84, 0.55, 1.0, (100, 66, 40))
    p.rect(0.46, 0.5, 0.54, 0.58, _LAMP if p.lamps else (60, 60, 66), lit=p.lamps)
    hub = (0.5, 0.26)
    aspect = p.box[2] / p.box[3]
    turn = p.rng.uniform(0, math.pi / 2)
    for k in range(4):  # four lattice sails
        a = turn + k * math.pi / 2
        ux, uy = math.cos(a) / aspect, math.sin(a)
        nx, ny = -math.sin(a) / aspect, math.cos(a)
        near, far, half = 0.06, 0.46, 0.055
        quad = [(hub[0] + ux * d + nx * s, hub[1] + uy * d + ny * s) for d,
                s in ((near, 0.0), (far, 0.0), (far, half * 2), (near, half * 2))]
        p.poly(quad, (226, 216, 196))
        p.line([hub, (hub[0] + ux * far, hub[1] + uy * far)], 0.02, (90, 64, 40))
        for t in (0.18, 0.28, 0.38):
            a_ = (hub[0] + ux * t, hub[1] + uy * t)
            p.line([a_, (a_[0] + nx * half * 2, a_[1] + ny * half * 2)], 0.008, (120, 96, 70))
    p.circle(*hub, 0.03, (70, 50, 36))


def _tent(p: Pen) -> None:
    c = p.colour
    p.poly([(0.05, 1.0), (0.45, 0.12), (0.85, 1.0)], c)
    p.poly([(0.45, 0.12), (0.85, 1.0), (1.0, 0.92), (0.62, 0.1)], _dark(c, 0.75))
    inside = _LAMP if p.lamps else (50, 40, 36)
    p.poly([(0.33, 1.0), (0.45, 0.5), (0.57, 1.0)], inside, lit=p.lamps)
    if p.lamps:
        p.glow(0.45, 0.85, 0.3, _LAMP, 110)
    p.line([(0.45, 0.12), (0.42, 0.02)], 0.015, (90, 70, 50))
    p.line([(0.05, 1.0), (-0.08, 1.0)], 0.01, (90, 70, 50))
    # A campfire beside it: logs and flames, glowing after dark.
    fx = 1.12
    p.line([(fx - 0.08, 1.0), (fx + 0.08, 0.94)], 0.04, (90, 60, 40))
    p.line([(fx - 0.08, 0.94), (fx + 0.08, 1.0)], 0.04, (90, 60, 40))
    p.glow(fx, 0.9, 0.25 if p.lamps else 0.1, (255, 150, 50), 130)
    p.poly([(fx - 0.06, 0.97), (fx, 0.72), (fx + 0.06, 0.97)], (255, 140, 30), lit=True)
    p.poly([(fx - 0.03, 0.97), (fx, 0.82), (fx + 0.03, 0.97)], (255, 230, 120), lit=True)


def _robot(p: Pen) -> None:
    c = p.colour
    dark = _dark(c, 0.6)
    p.line([(0.5, 0.07), (0.5, -0.02)], 0.015, dark)
    p.circle(0.5, -0.03, 0.025, (230, 50, 50), lit=p.lamps)
    p.rect(0.28, 0.06, 0.72, 0.28, c)
    for ex in (0.38, 0.62):  # glowing eyes
        if p.lamps:
            p.glow(ex, 0.15, 0.06, (80, 230, 255), 180)
        p.circle(ex, 0.15, 0.035, (80, 230, 255), lit=True)
    p.rect(0.38, 0.22, 0.62, 0.25, dark)
    p.rect(0.44, 0.28, 0.56, 0.32, dark)
    p.rect(0.2, 0.32, 0.8, 0.7, c)
    p.rect(0.32, 0.4, 0.68, 0.6, mix(c, (40, 50, 70), 0.5))
    for i, lc in enumerate(((240, 70, 60), (250, 200, 50), (80, 220, 120))):
        p.circle(0.4 + i * 0.1, 0.5, 0.022, lc, lit=True)
    for x0 in (0.05, 0.83):
        p.rect(x0, 0.34, x0 + 0.12, 0.62, dark)
        p.rect(x0 - 0.01, 0.62, x0 + 0.13, 0.68, c)
    for x0 in (0.3, 0.56):
        p.rect(x0, 0.7, x0 + 0.14, 0.94, dark)
        p.rect(x0 - 0.03, 0.93, x0 + 0.17, 1.0, c)


def _rocket(p: Pen) -> None:
    c, body = p.colour, (236, 236, 240)
    for i in range(9):  # the smoke column down to the ground
        y = 1.05 + i * 0.12
        r = 0.07 + i * 0.02
        p.circle(0.5 + (0.08 if i % 2 else -0.08) * (i / 8), y, r, (220, 220, 224), alpha=170)
    p.glow(0.5, 0.92, 0.22, (255, 160, 60), 200)
    p.poly([(0.36, 0.8), (0.5, 1.12), (0.64, 0.8)], (255, 120, 30), lit=True)
    p.poly([(0.41, 0.8), (0.5, 1.02), (0.59, 0.8)], (255, 220, 90), lit=True)
    p.poly([(0.31, 0.58), (0.06, 0.86), (0.31, 0.8)], c)
    p.poly([(0.69, 0.58), (0.94, 0.86), (0.69, 0.8)], c)
    p.poly([(0.3, 0.24), (0.7, 0.24), (0.7, 0.8), (0.3, 0.8)], body)
    p.poly([(0.52, 0.24), (0.7, 0.24), (0.7, 0.8), (0.52, 0.8)], (0, 0, 0), alpha=30)
    p.poly([(0.3, 0.25), (0.5, 0.0), (0.7, 0.25)], c)
    p.rect(0.38, 0.78, 0.62, 0.84, (80, 80, 86))
    p.circle(0.5, 0.4, 0.055, (90, 100, 110))
    p.circle(0.5, 0.4, 0.04, (120, 190, 240), lit=p.lamps)
    p.rect(0.48, 0.58, 0.52, 0.78, c)


def _moon(p: Pen) -> None:
    day = not p.lamps
    p.glow(0.5, 0.5, 0.9, (200, 210, 240), 40 if day else 90)
    p.circle(0.5, 0.5, 0.5, (246, 244, 226), lit=True, alpha=190 if day else 255)
    for x, y, r in (
        (0.35, 0.35, 0.1),
        (0.62, 0.58, 0.14),
        (0.42, 0.7, 0.07),
        (0.66, 0.3, 0.06),
        (0.28, 0.58, 0.05),
    ):
        p.circle(x, y, r, (214, 212, 196), lit=True, alpha=150 if day else 255)


def _butterfly(p: Pen) -> None:
    c = p.colour
    black: RGB = (34, 30, 30)
    for s in (1, -1):  # wings in black, then the colour inside, so they get dark borders

        def m(x: float, s: int = s) -> float:
            return 0.5 + s * (x - 0.5)

        upper = [(m(0.5), 0.42), (m(0.1), 0.05), (m(0.0), 0.3), (m(0.1), 0.5), (m(0.48), 0.52)]
        lower = [(m(0.5), 0.5), (m(0.12), 0.58), (m(0.18), 0.9), (m(0.36), 0.9), (m(0.49), 0.62)]
        p.poly(upper, black)
        p.poly(lower, black)
        p.poly([(m(0.48), 0.42), (m(0.13), 0.12), (m(0.06), 0.3), (m(0.14), 0.46), (m(0.46), 0.5)],
               c)
        p.poly([(m(0.48), 0.52), (m(0.16), 0.6), (m(0.21), 0.84), (m(0.35), 0.85), (m(0.47), 0.62)],
               c)
        for x, y in ((0.05, 0.28), (0.12, 0.12), (0.17, 0.86), (0.09, 0.44)):
            p.circle(m(x), y, 0.018, (250, 250, 250))
    p.oval(0.48, 0.3, 0.52, 0.8, black)
    p.line([(0.5, 0.32), (0.42, 0.12), (0.38, 0.08)], 0.012, black)
    p.line([(0.5, 0.32), (0.58, 0.12), (0.62, 0.08)], 0.012, black)


def _apple(p: Pen) -> None:
    c = p.colour
    p.oval(0.05, 0.86, 0.95, 1.02, (0, 0, 0), alpha=50)
    p.circle(0.36, 0.58, 0.36, c)
    p.circle(0.64, 0.58, 0.36, c)
    p.circle(0.5, 0.66, 0.32, c)
    p.oval(0.12, 0.32, 0.34, 0.58, (255, 255, 255), alpha=80)  # shine
    p.oval(0.42, 0.2, 0.58, 0.3, _dark(c, 0.6))
    p.line([(0.5, 0.26), (0.54, 0.04)], 0.035, (100, 70, 40))
    p.poly([(0.54, 0.1), (0.72, 0.0), (0.86, 0.06), (0.7, 0.14)], (70, 150, 60))


def _coffee(p: Pen) -> None:
    c = p.colour
    for x in (0.33, 0.45, 0.57):  # steam
        p.line([(x, 0.3), (x - 0.04, 0.2), (x + 0.03, 0.1), (x - 0.02, 0.0)], 0.02, (250, 250, 250),
               alpha=140)
    p.oval(0.0, 0.84, 1.0, 1.0, (236, 234, 226))
    p.oval(0.1, 0.86, 0.9, 0.96, _dark((236, 234, 226), 0.88))
    p.ring(0.64, 0.42, 0.94, 0.74, 0.06, c)  # handle
    p.poly([(0.14, 0.34), (0.76, 0.34), (0.68, 0.86), (0.22, 0.86)], c)
    p.oval(0.22, 0.8, 0.68, 0.92, c)
    p.oval(0.14, 0.28, 0.76, 0.4, mix(c, (255, 255, 255), 0.3))
    p.oval(0.17, 0.3, 0.73, 0.38, (112, 66, 36))  # the coffee
    p.oval(0.3, 0.32, 0.5, 0.36, (196, 150, 104))  # crema


def _person(p: Pen) -> None:
    c, skin, trousers = p.colour, (226, 182, 146), (50, 54, 70)
    p.line([(0.42, 0.56), (0.38, 0.97)], 0.07, trousers)
    p.line([(0.58, 0.56), (0.64, 0.97)], 0.07, trousers)
    p.oval(0.28, 0.95, 0.44, 1.0, _DARK)
    p.oval(0.56, 0.95, 0.74, 1.0, _DARK)
    p.line([(0.3, 0.24), (0.18, 0.42), (0.2, 0.56)], 0.06, c)  # arms
    p.line([(0.7, 0.24), (0.82, 0.42), (0.8, 0.56)], 0.06, c)
    p.circle(0.2, 0.57, 0.03, skin)
    p.circle(0.8, 0.57, 0.03, skin)
    p.poly([(0.26, 0.2), (0.74, 0.2), (0.7, 0.6), (0.3, 0.6)], c)
    p.rect(0.45, 0.15, 0.55, 0.21, skin)
    hair: RGB = (74, 48, 30)
    p.circle(0.5, 0.085, 0.082, hair)  # hair shows round the top and sides of the face
    p.oval(0.36, 0.06, 0.64, 0.19, skin)
    p.oval(0.37, 0.03, 0.63, 0.09, hair)
    for x in (0.45, 0.55):
        p.circle(x, 0.115, 0.008, _DARK)
    p.poly([(0.36, 0.2), (0.64, 0.2), (0.6, 0.25), (0.4, 0.25)], (200, 50, 40))  # scarf


def _deer(p: Pen) -> None:
    c, antler = p.colour, (110, 80, 56)
    far = _dark(c, 0.75)
    for x in (0.28, 0.64):
        p.rect(x, 0.55, x + 0.035, 0.97, far)
    p.oval(0.14, 0.34, 0.74, 0.62, c)
    p.oval(0.12, 0.38, 0.24, 0.54, (246, 240, 230))  # white rump
    for x in (0.2, 0.68):
        p.rect(x, 0.55, x + 0.04, 0.96, c)
        p.rect(x, 0.95, x + 0.04, 1.0, _DARK)
    p.poly([(0.62, 0.42), (0.74, 0.12), (0.82, 0.14), (0.76, 0.5)], c)  # neck
    p.poly([(0.74, 0.1), (0.84, 0.06), (0.98, 0.18), (0.96, 0.24), (0.78, 0.22)], c)
    p.poly([(0.76, 0.1), (0.7, 0.02), (0.8, 0.06)], c)
    p.circle(0.975, 0.2, 0.015, _DARK)
    p.circle(0.84, 0.12, 0.014, _DARK)
    for s in (-1, 1):  # antlers: a main beam with tines
        base = (0.8 + s * 0.015, 0.06)
        tip = (0.8 + s * 0.12, -0.26)
        p.line([base, (0.8 + s * 0.06, -0.1), tip], 0.022, antler)
        p.line([(0.8 + s * 0.05, -0.06), (0.8 + s * 0.14, -0.1)], 0.018, antler)
        p.line([(0.8 + s * 0.08, -0.16), (0.8 + s * 0.04, -0.27)], 0.018, antler)


def _rabbit(p: Pen) -> None:
    c = p.colour
    pink: RGB = (232, 160, 170)
    p.oval(0.08, 0.4, 0.76, 1.0, c)
    p.circle(0.1, 0.7, 0.1, (246, 244, 240))  # cotton tail
    p.oval(0.56, 0.82, 0.84, 1.0, _dark(c, 0.9))  # hind foot
    p.oval(0.58, -0.12, 0.7, 0.36, c)  # long ears
    p.oval(0.6, -0.08, 0.68, 0.3, pink)
    p.oval(0.7, -0.1, 0.82, 0.36, _dark(c, 0.9))
    p.circle(0.74, 0.44, 0.2, c)
    p.circle(0.8, 0.4, 0.035, _DARK)
    p.circle(0.9, 0.5, 0.025, pink)
    p.rect(0.68, 0.76, 0.76, 1.0, c)


def _bear(p: Pen) -> None:
    c = p.colour
    far = _dark(c, 0.75)
    for x in (0.22, 0.58):
        p.rect(x, 0.6, x + 0.1, 0.96, far)
    p.oval(0.06, 0.2, 0.78, 0.76, c)
    p.oval(0.42, 0.16, 0.74, 0.5, c)  # shoulder hump
    for x in (0.14, 0.66):
        p.rect(x, 0.6, x + 0.11, 0.98, c)
        p.oval(x - 0.01, 0.93, x + 0.14, 1.0, _dark(c, 0.8))
    p.circle(0.82, 0.4, 0.18, c)
    p.circle(0.76, 0.22, 0.06, c)
    p.circle(0.76, 0.22, 0.03, _dark(c, 0.6))
    p.oval(0.86, 0.38, 1.0, 0.54, mix(c, (230, 200, 160), 0.4))  # snout
    p.circle(0.985, 0.42, 0.03, _DARK)
    p.circle(0.84, 0.34, 0.022, _DARK)


def _penguin(p: Pen) -> None:
    black, white, orange = (40, 42, 52), (246, 246, 242), (246, 150, 40)
    p.oval(0.2, 0.92, 0.48, 1.0, orange)
    p.oval(0.52, 0.92, 0.8, 1.0, orange)
    p.poly([(0.14, 0.34), (-0.02, 0.7), (0.14, 0.66)], black)  # flippers
    p.poly([(0.86, 0.34), (1.02, 0.7), (0.86, 0.66)], black)
    p.oval(0.1, 0.1, 0.9, 0.98, black)
    p.oval(0.24, 0.3, 0.76, 0.95, white)
    p.oval(0.26, 0.2, 0.74, 0.36, white)
    p.oval(0.24, 0.3, 0.34, 0.4, (246, 200, 60))  # yellow cheeks, emperor style
    p.oval(0.66, 0.3, 0.76, 0.4, (246, 200, 60))
    p.circle(0.4, 0.24, 0.03, _DARK)
    p.circle(0.6, 0.24, 0.03, _DARK)
    p.poly([(0.44, 0.3), (0.56, 0.3), (0.5, 0.38)], orange)


def _snowman(p: Pen) -> None:
    white: RGB = (246, 248, 252)
    p.line([(0.34, 0.46), (0.08, 0.3), (0.02, 0.24)], 0.025, (100, 70, 44))  # stick arms
    p.line([(0.66, 0.46), (0.92, 0.3), (0.98, 0.22)], 0.025, (100, 70, 44))
    p.circle(0.5, 0.78, 0.22, white)
    p.circle(0.5, 0.46, 0.16, white)
    p.circle(0.5, 0.2, 0.12, white)
    p.oval(0.3, 0.6, 0.7, 0.62, (200, 210, 226))
    p.rect(0.34, 0.0, 0.66, 0.04, _DARK)  # hat
    p.rect(0.4, -0.14, 0.6, 0.02, _DARK)
    p.rect(0.4, -0.02, 0.6, 0.01, p.colour)
    for x in (0.42, 0.58):
        p.circle(x, 0.17, 0.018, _DARK)
    p.poly([(0.5, 0.2), (0.72, 0.23), (0.5, 0.24)], (246, 130, 30))  # carrot nose
    for y in (0.4, 0.48, 0.56):
        p.circle(0.5, y, 0.015, _DARK)
    p.rect(0.36, 0.3, 0.64, 0.35, p.colour)  # scarf
    p.rect(0.56, 0.33, 0.63, 0.46, p.colour)


def _mushroom(p: Pen) -> None:
    c = p.colour
    stem: RGB = (240, 232, 214)
    p.poly([(0.4, 1.0), (0.62, 1.0), (0.58, 0.5), (0.44, 0.5)], stem)
    p.oval(0.12, 0.4, 0.9, 0.62, (220, 206, 184))  # gills
    p.d.chord(p._bounds(0.05, 0.05, 0.95, 0.95), 180, 360, fill=p.ink(c))
    for x, y, r in (
        (0.3, 0.3, 0.06),
        (0.52, 0.18, 0.07),
        (0.72, 0.32, 0.05),
        (0.18, 0.44, 0.04),
        (0.84, 0.46, 0.035),
        (0.48, 0.4, 0.045),
    ):
        p.circle(x, y, r, (250, 248, 240))
    # A small one beside it, so it reads as a mushroom patch.
    p.rect(0.86, 0.84, 0.93, 1.0, stem)
    p.d.chord(p._bounds(0.78, 0.72, 1.01, 0.96), 180, 360, fill=p.ink(c))


def _cactus(p: Pen) -> None:
    c = p.colour
    w = 0.2
    p.oval(0.4, 0.0, 0.6, 0.2 * w / 0.2, c)
    p.rect(0.4, 0.1, 0.6, 1.0, c)
    p.rect(0.18, 0.5, 0.42, 0.6, c)  # left arm
    p.rect(0.18, 0.22, 0.3, 0.58, c)
    p.oval(0.18, 0.16, 0.3, 0.28, c)
    p.rect(0.58, 0.38, 0.82, 0.48, c)  # right arm
    p.rect(0.7, 0.16, 0.82, 0.46, c)
    p.oval(0.7, 0.1, 0.82, 0.22, c)
    for x in (0.45, 0.5, 0.55):
        p.line([(x, 0.06), (x, 1.0)], 0.006, _dark(c, 0.7))
    p.circle(0.5, 0.02, 0.025, (240, 90, 140))


def _umbrella(p: Pen) -> None:
    c = p.colour
    person = Pen(
        p.st,
        (p.box[0] + p.box[2] * 0.3, p.box[1] + p.box[3] * 0.42, p.box[2] * 0.4, p.box[3] * 0.58),
        p.flip,
        (60, 70, 90),
    )
    _person(person)
    p.line([(0.5, 0.14), (0.5, 0.7), (0.56, 0.74), (0.6, 0.7)], 0.02, (60, 50, 40))
    p.d.chord(p._bounds(0.0, 0.04, 1.0, 0.64), 180, 360, fill=p.ink(c))
    for i in range(5):  # scalloped hem
        a, b = i / 5, (i + 1) / 5
        p.d.chord(p._bounds(a, 0.28, b, 0.4), 180, 360, fill=p.ink(c))
    for x in (0.2, 0.4, 0.6, 0.8):
        p.line([(0.5, 0.04), (x, 0.34)], 0.01, _dark(c, 0.7))
    p.line([(0.5, 0.04), (0.5, -0.02)], 0.02, (60, 50, 40))


def _duck(p: Pen) -> None:
    c = p.colour
    p.oval(0.0, 0.96, 1.0, 1.06, (0, 0, 0), alpha=40)
    p.poly([(0.02, 0.5), (0.0, 0.36), (0.2, 0.5)], c)  # tail
    p.d.chord(p._bounds(0.02, 0.2, 0.86, 1.4), 180, 360, fill=p.ink(c))
    p.oval(0.02, 0.4, 0.86, 1.0, c)
    p.oval(0.2, 0.5, 0.6, 0.76, _dark(c, 0.86))  # wing
    p.rect(0.64, 0.3, 0.76, 0.6, c)
    p.circle(0.74, 0.22, 0.18, c)
    p.poly([(0.84, 0.2), (1.02, 0.26), (1.0, 0.32), (0.84, 0.32)], (246, 150, 40))
    p.circle(0.78, 0.16, 0.03, _DARK)


def _elephant(p: Pen) -> None:
    c = p.colour
    far = _dark(c, 0.8)
    p.line([(0.08, 0.36), (0.02, 0.6)], 0.02, _dark(c, 0.7))  # tail
    for x in (0.22, 0.56):
        p.rect(x, 0.56, x + 0.11, 0.98, far)
    p.oval(0.04, 0.14, 0.74, 0.72, c)
    for x in (0.12, 0.48):
        p.rect(x, 0.56, x + 0.12, 1.0, c)
    p.circle(0.8, 0.32, 0.22, c)
    p.line([(0.92, 0.4), (0.98, 0.62), (0.96, 0.86), (0.9, 0.92)], 0.1, c)  # trunk
    p.oval(0.58, 0.12, 0.8, 0.6, _dark(c, 0.85))  # ear
    p.poly([(0.86, 0.5), (0.98, 0.56), (0.86, 0.56)], (246, 242, 226))  # tusk
    p.circle(0.86, 0.28, 0.022, _DARK)


def _palm(p: Pen) -> None:
    trunk, green = (150, 112, 70), p.colour
    pts = [(0.42 + 0.12 * (1 - t) ** 2 - 0.12, 1.0 - 0.8 * t) for t in (i / 8 for i in range(9))]
    for i, (lo, hi) in enumerate(itertools.pairwise(pts)):
        p.line([lo, hi], 0.06 - 0.003 * i, trunk if i % 2 else _dark(trunk, 0.85))
    tx, ty = pts[-1]
    aspect = p.box[2] / p.box[3]
    for k, a in enumerate((-2.9, -2.35, -1.85, -1.3, -0.8, -0.25)):
        # A frond arches out and droops: a leaf along a parabola, widest in its middle.
        reach, droop = 0.5, 0.36
        spine = [
            (tx + math.cos(a) * reach * t / aspect, ty + math.sin(a) * reach * t + droop * t * t)
            for t in (i / 8 for i in range(9))
        ]
        width = [0.07 * math.sin(math.pi * i / 8) for i in range(9)]
        upper = [(x, y - wd) for (x, y), wd in zip(spine, width, strict=True)]
        lower = [(x, y + wd) for (x, y), wd in zip(spine, width, strict=True)]
        p.poly([*upper, *reversed(lower)], green if k % 2 else _dark(green, 0.8))
        p.line(spine, 0.01, _dark(green, 0.6))
    for dx in (-0.04, 0.02, 0.0):
        p.circle(tx + dx, ty + 0.05, 0.035, (110, 76, 40))


def _church(p: Pen) -> None:
    c = p.colour
    roof: RGB = (110, 70, 56)
    p.rect(0.04, 0.5, 0.62, 1.0, c)
    p.poly([(0.0, 0.52), (0.33, 0.28), (0.66, 0.52)], roof)
    p.rect(0.6, 0.24, 0.86, 1.0, _dark(c, 0.95))
    p.poly([(0.58, 0.26), (0.73, -0.06), (0.88, 0.26)], roof)
    p.line([(0.73, -0.06), (0.73, -0.18)], 0.02, (200, 170, 60))
    p.line([(0.69, -0.13), (0.77, -0.13)], 0.02, (200, 170, 60))
    p.rect(0.69, 0.34, 0.77, 0.42, _DARK)  # belfry
    p.oval(0.69, 0.31, 0.77, 0.37, _DARK)
    lit = p.lamps
    for x in (0.12, 0.26, 0.44):
        p.rect(x, 0.64, x + 0.07, 0.82, _LAMP if lit else (80, 90, 120), lit=lit)
        p.oval(x, 0.6, x + 0.07, 0.68, _LAMP if lit else (80, 90, 120), lit=lit)
    p.rect(0.67, 0.74, 0.79, 1.0, (100, 66, 40))
    p.oval(0.67, 0.7, 0.79, 0.78, (100, 66, 40))


def _pumpkin(p: Pen) -> None:
    c = p.colour
    p.rect(0.46, 0.0, 0.54, 0.2, (90, 110, 50))
    for x0, x1, k in (
        (0.0, 0.5, 0.85),
        (0.5, 1.0, 0.85),
        (0.14, 0.62, 0.95),
        (0.38, 0.86, 0.95),
        (0.28, 0.72, 1.05),
    ):
        p.oval(x0, 0.12, x1, 1.0, scale(c, k))
    if p.lamps:  # a jack-o'-lantern after dark
        face = (255, 210, 80)
        p.glow(0.5, 0.56, 0.3, (255, 160, 40), 120)
        p.poly([(0.28, 0.48), (0.36, 0.32), (0.44, 0.48)], face, lit=True)
        p.poly([(0.56, 0.48), (0.64, 0.32), (0.72, 0.48)], face, lit=True)
        p.poly([(0.24, 0.62), (0.34, 0.7), (0.42, 0.64), (0.5, 0.72), (0.58, 0.64), (0.66, 0.7),
               (0.76, 0.62), (0.66, 0.84), (0.34, 0.84)], face, lit=True)


# fmt: on

Drawer = Callable[[Pen], None]


@dataclass(frozen=True)
class Subject:
    draw: Drawer
    place: str  # "ground", "water", "sky", "table" or "horizon" (behind the near scenery)
    aspect: float  # box width / height
    size: float  # box height as a fraction of the picture's shorter side
    colour: RGB  # unless the prompt names one
    height: float = 0.5  # "sky" only: the box centre, as a fraction of the sky's height


# fmt: off
SUBJECT_DRAWINGS: dict[str, Subject] = {
    "lighthouse": Subject(_lighthouse, "ground", 0.4, 0.66, (200, 40, 40)),
    "fox": Subject(_fox, "ground", 1.6, 0.36, (222, 110, 36)),
    "cat": Subject(_cat, "ground", 0.85, 0.44, (128, 128, 136)),
    "dog": Subject(_dog, "ground", 1.25, 0.42, (196, 146, 80)),
    "horse": Subject(_horse, "ground", 1.25, 0.5, (140, 88, 50)),
    "bird": Subject(_bird, "sky", 1.0, 0.34, (70, 110, 190), 0.62),
    "owl": Subject(_owl, "sky", 0.78, 0.46, (150, 112, 76), 0.62),
    "fish": Subject(_fish, "water", 1.7, 0.3, (236, 130, 40)),
    "whale": Subject(_whale, "water", 2.2, 0.32, (62, 80, 110)),
    "sailboat": Subject(_sailboat, "water", 0.85, 0.56, (176, 50, 44)),
    "ship": Subject(_ship, "water", 2.3, 0.36, (44, 50, 66)),
    "car": Subject(_car, "ground", 2.2, 0.26, (205, 40, 40)),
    "bicycle": Subject(_bicycle, "ground", 1.65, 0.36, (40, 110, 200)),
    "train": Subject(_train, "ground", 2.8, 0.3, (40, 90, 60)),
    "airplane": Subject(_airplane, "sky", 2.2, 0.3, (200, 40, 40), 0.45),
    "balloon": Subject(_balloon, "sky", 0.75, 0.56, (220, 50, 40), 0.55),
    "house": Subject(_house, "ground", 1.15, 0.46, (232, 216, 184)),
    "castle": Subject(_castle, "ground", 1.4, 0.5, (164, 160, 156)),
    "tower": Subject(_tower, "ground", 0.36, 0.72, (206, 186, 146)),
    "bridge": Subject(_bridge, "water", 3.2, 0.3, (176, 156, 124)),
    "tree": Subject(_tree_subject, "ground", 0.85, 0.66, COLOUR_RGB["green"]),
    "flower": Subject(_flower, "ground", 0.6, 0.56, (230, 60, 96)),
    "sunflower": Subject(_sunflower, "ground", 0.58, 0.74, (250, 200, 30)),
    "mountain": Subject(_mountain, "horizon", 1.8, 0.62, (112, 116, 136)),
    "skyline": Subject(_skyline, "horizon", 2.4, 0.62, (64, 72, 94)),
    "windmill": Subject(_windmill, "ground", 0.8, 0.64, (120, 80, 60)),
    "tent": Subject(_tent, "ground", 1.4, 0.36, (236, 120, 40)),
    "robot": Subject(_robot, "ground", 0.7, 0.58, (176, 186, 200)),
    "rocket": Subject(_rocket, "sky", 0.45, 0.6, (214, 50, 40), 0.72),
    "moon": Subject(_moon, "sky", 1.0, 0.42, (246, 244, 226), 0.45),
    "butterfly": Subject(_butterfly, "sky", 1.25, 0.46, (244, 140, 30), 0.75),
    "apple": Subject(_apple, "table", 1.0, 0.3, (200, 32, 32)),
    "coffee": Subject(_coffee, "table", 1.25, 0.32, (244, 242, 236)),
    "person": Subject(_person, "ground", 0.45, 0.58, (60, 90, 170)),
    "deer": Subject(_deer, "ground", 1.05, 0.5, (168, 112, 62)),
    "rabbit": Subject(_rabbit, "ground", 1.0, 0.36, (150, 130, 112)),
    "bear": Subject(_bear, "ground", 1.55, 0.42, (110, 72, 42)),
    "penguin": Subject(_penguin, "ground", 0.62, 0.48, (40, 42, 52)),
    "snowman": Subject(_snowman, "ground", 0.72, 0.56, (200, 40, 40)),
    "mushroom": Subject(_mushroom, "ground", 1.0, 0.38, (210, 40, 30)),
    "cactus": Subject(_cactus, "ground", 0.72, 0.6, (64, 140, 72)),
    "umbrella": Subject(_umbrella, "ground", 0.9, 0.6, (210, 40, 64)),
    "duck": Subject(_duck, "water", 1.2, 0.28, (246, 242, 228)),
    "elephant": Subject(_elephant, "ground", 1.3, 0.5, (140, 140, 150)),
    "palm": Subject(_palm, "ground", 0.9, 0.72, (50, 140, 60)),
    "church": Subject(_church, "ground", 0.9, 0.6, (236, 230, 216)),
    "pumpkin": Subject(_pumpkin, "ground", 1.3, 0.3, (236, 120, 30)),
}
# fmt: on
_SUBJECTS = SUBJECT_DRAWINGS
_TURNS = frozenset(
    (
        "fox",
        "dog",
        "horse",
        "bird",
        "fish",
        "whale",
        "sailboat",
        "ship",
        "car",
        "bicycle",
        "train",
        "airplane",
        "deer",
        "rabbit",
        "bear",
        "duck",
        "elephant",
        "palm",
        "church",
        "tent",
        "windmill",
    )
)
_ON_DECK = 0.12  # the bridge deck's top, in bridge box units: where a vehicle on it stands


@dataclass(frozen=True)
class Placed:
    name: str
    box: Box
    flip: bool
    colour: RGB


def _place(
    st: Stage, name: str, cx: float, size: float, colour: RGB, bottom: float | None
) -> Placed:
    spec = _SUBJECTS[name]
    w, h = st.w, st.h
    bh = spec.size * min(w, h) * size
    bw = bh * spec.aspect
    # Wide scenery (a skyline, a mountain, a bridge) may run off the sides of a tall picture;
    # anything else is shrunk to fit, or it would lose its head or its tail.
    wide = spec.place == "horizon" or name == "bridge"
    if bw > w * 0.92 and not wide:
        bh, bw = bh * w * 0.92 / bw, w * 0.92
    if bottom is None:
        if spec.place == "sky":
            bottom = max(h * 0.03 + bh, st.horizon * spec.height + bh / 2)
        elif spec.place == "water" and st.water is not None:
            bottom = st.water + (1 - size) * h * 0.04
        elif spec.place == "horizon":
            bottom = st.horizon + h * 0.03
        else:
            bottom = st.ground + st.rng.uniform(0.0, 0.02) * h
    x0 = min(max(cx - bw / 2, w * 0.02), w * 0.98 - bw) if bw < w * 0.96 else (w - bw) / 2
    flip = name in _TURNS and st.rng.random() < 0.5
    return Placed(name, (x0, bottom - bh, bw, bh), flip, colour)


def _placements(st: Stage) -> list[Placed]:
    plan, rng, w = st.plan, st.rng, st.w
    main, other = plan.subject, plan.companion
    colour = COLOUR_RGB.get(plan.subject_colour, _SUBJECTS[main].colour)
    cx = w * rng.uniform(0.4, 0.6)
    if (
        "bridge" in (main, other)
        and other
        and _SUBJECTS[other if main == "bridge" else main].place == "ground"
    ):
        # Something crossing a bridge stands on its deck, rather than beside it.
        rider = other if main == "bridge" else main
        bridge = _place(st, "bridge", w / 2, 1.0, _SUBJECTS["bridge"].colour, None)
        deck = bridge.box[1] + bridge.box[3] * _ON_DECK
        rider_colour = colour if rider == main else _SUBJECTS[rider].colour
        return [bridge, _place(st, rider, cx, 0.62, rider_colour, deck)]
    placed = [_place(st, main, cx, 1.0, colour, None)]
    if other:
        side = 0.17 if cx > w / 2 else 0.83
        placed.append(_place(st, other, w * side, 0.55, _SUBJECTS[other].colour, None))
        placed.reverse()  # the companion is further away: drawn first, behind
    return placed


def _draw_placed(st: Stage, p: Placed) -> None:
    spec = _SUBJECTS[p.name]
    x0, y0, bw, bh = p.box
    if spec.place in ("ground", "table") and p.name != "bridge":
        # A soft contact shadow sits the subject on the ground instead of floating over it.
        st.draw.ellipse(
            (x0 - bw * 0.05, y0 + bh - bh * 0.03, x0 + bw * 1.05, y0 + bh + bh * 0.04),
            fill=(0, 0, 0, 60),
        )
    if p.name == "bridge" and st.water is None:
        # A bridge over nothing looks like a wall with holes: give it a stream to cross.
        bottom = y0 + bh
        far, near = mix(st.look.horizon, st.paint((40, 96, 130)), 0.4), st.paint((40, 90, 124))
        st.draw.rectangle((0, bottom - bh * 0.1, st.w, bottom + bh * 0.06), fill=far)
        st.draw.rectangle((0, bottom + bh * 0.03, st.w, bottom + bh * 0.06), fill=near)
    spec.draw(Pen(st, p.box, p.flip, p.colour))


# --------------------------------------------------------------------------- assembly


def render_scene(
    plan: ScenePlan,
    size: tuple[int, int],
    rng: random.Random,
    detail_rng: random.Random,
    steps: int,
) -> Image.Image:
    """The picture for ``plan``, RGB, ``size``; ``detail_rng`` and ``steps`` only touch the
    bottom tenth (small foreground marks), so the composition depends on ``rng`` alone."""
    h = size[1]
    setting = _SETTINGS[plan.setting]
    look = look_for(plan)
    horizon = int(h * setting.horizon)
    im = _sky(size, horizon, look)
    water = int(h * setting.water) if setting.water is not None else None
    st = Stage(
        im, ImageDraw.Draw(im, "RGBA"), plan, look, rng, horizon, int(h * setting.ground), water, []
    )
    st.spot = _sun_spot(st)
    _celestial(st, st.spot)
    _clouds(st)
    st.placed = _placements(st)
    if not setting.outdoor:
        _weather(st)  # seen through the window only: the room is drawn over it
    setting.draw(st)
    if plan.weather == "fog" and setting.outdoor:
        _fog(st, 0.55)
    _details(st, detail_rng, steps)
    for p in st.placed:
        if _SUBJECTS[p.name].place != "horizon":
            _draw_placed(st, p)
    if setting.outdoor:
        _weather(st)
        if plan.weather == "fog":
            _fog(st, 0.2)
    return st.im


def draw_subject(name: str, im: Image.Image, box: Box, plan: ScenePlan) -> None:
    """Draws one subject into ``box`` of ``im`` in the light of ``plan`` (for tests and sheets)."""
    st = Stage(
        im,
        ImageDraw.Draw(im, "RGBA"),
        plan,
        look_for(plan),
        random.Random(0),
        0,
        im.height,
        None,
        [],
    )
    spec = _SUBJECTS[name]
    spec.draw(Pen(st, box, False, COLOUR_RGB.get(plan.subject_colour, spec.colour)))
