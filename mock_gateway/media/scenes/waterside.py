"""The settings on the water: the sea with its beach or rocks, and the lake with its shores.

Water is a gradient band with the glitter of the sun or moon and a scatter of wave lines; what
stands on the ground in a watery setting gets rocks or a bank to stand on.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from PIL import Image, ImageOps

from .palette import RGB, TIMES, mix, scale
from .placement import backdrop
from .stage import Point, Stage, fill_below, ridge, tree, y_at
from .subjects import SUBJECT_DRAWINGS

_ROCK: RGB = (112, 106, 102)
_SAND: RGB = (232, 204, 150)


def _sea_colours(st: Stage) -> tuple[RGB, RGB]:
    deep = st.paint((28, 84, 138))
    return mix(st.look.horizon, deep, 0.45), scale(deep, 0.85)


def _water(st: Stage, top: int, far: RGB, near: RGB) -> None:
    band = Image.linear_gradient("L").resize((st.w, max(1, st.h - top)), Image.Resampling.BILINEAR)
    st.im.paste(ImageOps.colorize(band, far, near), (0, top))


def _glitter(st: Stage, top: int, spot: Point | None) -> None:
    if spot is None:
        return
    time = TIMES[st.plan.time_of_day]
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
        if SUBJECT_DRAWINGS[p.name].place not in ("ground", "table"):
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


def sea(st: Stage) -> None:
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
    backdrop(st)
    on_land = [p.name for p in st.placed if SUBJECT_DRAWINGS[p.name].place in ("ground", "table")]
    if any(name not in _ON_ROCKS for name in on_land):
        beach = ridge(rng, w, st.ground - h * 0.04, h * 0.02, bumps=1.0)
        surf = st.paint((240, 246, 250))
        st.draw.line([(x, y - h * 0.006) for x, y in beach], fill=surf, width=max(2, h // 90))
        fill_below(st, beach, st.paint(scale(_SAND, 0.85)))  # wet sand at the water's edge
        dry = [(x, y + h * 0.025) for x, y in beach]
        fill_below(st, dry, st.paint(_SAND))
    _supports(st, st.paint(_ROCK), rocky=True, names=_ON_ROCKS)
    st.floor = "sand" if any(name not in _ON_ROCKS for name in on_land) else "water"


def lake(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    shore = ridge(rng, w, st.horizon, h * 0.05, bumps=2.0)
    fill_below(st, shore, st.paint(scale(st.ground_colour, 0.9), 0.45))
    backdrop(st)
    for _ in range(rng.randint(8, 16)):
        x = w * rng.random()
        tree(
            st,
            x,
            y_at(shore, x) + 4,
            st.u * rng.uniform(0.05, 0.09),
            0.4,
            rng.random() < 0.6,
            rng.randint(0, 9),
        )
    top = st.horizon + 3
    # Still water mirrors the sky, upside down: horizon colour at the far shore, zenith nearby.
    far = mix(st.look.horizon, st.paint((40, 90, 120)), 0.3)
    near = mix(st.look.zenith, st.paint((20, 60, 90)), 0.5)
    afloat = any(SUBJECT_DRAWINGS[p.name].place == "water" for p in st.placed)
    if st.season.snow and st.plan.weather != "rain" and not afloat:
        far, near = st.paint((214, 226, 238)), st.paint((176, 196, 214))  # frozen
    _water(st, top, far, near)
    _glitter(st, top, st.spot)
    _waves(st, top, mix(far, (255, 255, 255), 0.5), 50)
    bank = ridge(rng, w, h * 0.95, h * 0.03, bumps=1.0)
    fill_below(st, bank, st.paint(st.ground_colour))
    _supports(st, st.paint(st.ground_colour), rocky=False)
    st.floor = "bank"
