"""The weather drawn over a scene (rain, snow, falling leaves or petals, fog), and the details.

Rain, snow and leaves fall in front of everything outdoors, and indoors only behind the window;
fog is a veil, thickest at the horizon. The foreground details are the only part of a picture
that the number of steps changes, and they keep to the bottom tenth, so more steps refine the
picture without moving anything.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from PIL import Image

from .palette import RGB, WEATHERS, mix, scale
from .stage import SEASONS, Stage

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


def fog(st: Stage, strength: float) -> None:
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


def weather_overlay(st: Stage) -> None:
    plan = st.plan
    weather = WEATHERS[plan.weather]
    _falling(st, weather.snow, weather.rain)
    calm = plan.weather in ("clear", "cloudy", "fog")
    treed = plan.setting in ("hills", "forest", "garden", "lake", "mountains")
    if plan.season == "autumn" and calm and treed:
        _leaves(st, SEASONS["autumn"].leaves, 40)
    if plan.season == "spring" and calm and plan.setting in ("garden", "hills", "lake"):
        _leaves(st, ((248, 190, 210), (252, 230, 238)), 30)


# --------------------------------------------------------------------------- details


_SPECKS: dict[str, RGB] = {
    "sand": (176, 140, 96),
    "dust": (90, 90, 96),
    "road": (96, 98, 104),
    "wood": (120, 80, 48),
}


def details(st: Stage, rng: random.Random, steps: int) -> None:
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
