"""The settings: the background layers behind the subject, and the table of them all.

A setting draws the land (or sea, or room) below and around the horizon in the season's colours,
lit by the time of day, far layers fading towards the horizon colour. The open-country settings
are drawn here; the waterside ones (sea, lake) and the built ones (city, indoor) have modules of
their own. ``SETTINGS`` gives each its drawing and where its horizon and ground lie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .palette import RGB, mix, scale
from .pen import Pen
from .placement import backdrop
from .stage import FIR, SNOW, Stage, fill_below, glow, ridge, tree, y_at
from .subjects import SUBJECT_DRAWINGS
from .subjects_things import cactus
from .town import city, indoor
from .waterside import lake, sea

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
        line = ridge(rng, w, base, h * (0.07 - 0.015 * i), bumps=2.5 - 0.6 * i)
        fill_below(st, line, st.paint(scale(grass, 1.0 - 0.08 * i), depth))
        if i == 0:
            backdrop(st)
        for _ in range(rng.randint(2, 5) if i < 2 else 0):
            x = w * rng.random()
            tree(
                st,
                x,
                y_at(line, x) + 2,
                st.u * (0.06 + 0.05 * i),
                depth,
                rng.random() < 0.4,
                rng.randint(0, 9),
            )
    if st.plan.season in ("summer", "spring") and rng.random() < 0.6:
        # A field of a second green gives the countryside its patchwork look.
        line = ridge(rng, w, layers[1] + h * 0.05, h * 0.02, bumps=1.5)
        fill_below(st, line, st.paint(mix(grass, (200, 190, 80), 0.35), 0.2))
        line = ridge(rng, w, layers[2] + h * 0.01, h * 0.03, bumps=1.2)
        fill_below(st, line, st.paint(grass))


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
    snow = st.paint(SNOW, 0.2)
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
    backdrop(st)
    grass = st.ground_colour
    for i, base in enumerate((st.horizon + h * 0.06, st.ground - h * 0.03)):
        line = ridge(rng, w, base, h * 0.05, bumps=2.0)
        fill_below(st, line, st.paint(scale(grass, 1 - 0.1 * i), 0.25 * (1 - i)))
        for _ in range(rng.randint(3, 6) if i == 0 else 0):
            x = w * rng.random()
            tree(st, x, y_at(line, x) + 2, st.u * 0.07, 0.25, True, 0)


def _forest(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    floor = ridge(rng, w, st.horizon, h * 0.02, bumps=1.0)
    fill_below(st, floor, st.paint(scale(st.ground_colour, 0.85), 0.3))
    backdrop(st)
    clear = {
        round(p.box[0] + p.box[2] / 2)
        for p in st.placed
        if SUBJECT_DRAWINGS[p.name].place == "ground"
    }
    for row, (count, size, depth) in enumerate(((26, 0.18, 0.55), (16, 0.3, 0.3), (8, 0.55, 0.0))):
        base = st.horizon + (st.ground - st.horizon) * row * 0.45
        for i in range(count):
            x = w * (i + rng.random()) / count
            if row == 2 and any(abs(x - c) < w * 0.18 for c in clear):
                continue  # keep a clearing for the subject
            tree(
                st,
                x,
                base + h * rng.uniform(0.0, 0.04),
                st.u * size * rng.uniform(0.8, 1.2),
                depth,
                rng.random() < 0.7,
                rng.randint(0, 9),
            )
        if row == 1:
            line = ridge(rng, w, st.ground - h * 0.06, h * 0.02, bumps=1.0)
            fill_below(st, line, st.paint(scale(st.ground_colour, 0.95)))


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
    backdrop(st)
    for i, base in enumerate((st.horizon, st.horizon + h * 0.12, st.ground - h * 0.02)):
        line = ridge(rng, w, base + h * 0.02, h * (0.04 + 0.02 * i), bumps=1.6 - 0.3 * i)
        fill_below(st, line, st.paint(scale(sand, 1.02 - 0.06 * i), 0.35 - 0.17 * i))
        # The crest catches the light: a thin bright line along each dune.
        st.draw.line(
            line, fill=st.paint(scale(sand, 1.12), 0.35 - 0.17 * i), width=max(1, h // 300)
        )
    if "cactus" not in (st.plan.subject, st.plan.companion):
        for side in (0.08, 0.92):
            if rng.random() < 0.6:
                box = (w * side - h * 0.04, st.ground - h * 0.16, h * 0.08, h * 0.16)
                cactus(Pen(st, box, False, (70, 130, 70)))


def _snowfield(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    st.floor = "snow"
    _peaks(st, (196, 208, 230), True)
    backdrop(st)
    for i, base in enumerate((st.horizon + h * 0.02, st.horizon + h * 0.14, st.ground - h * 0.02)):
        line = ridge(rng, w, base, h * 0.04, bumps=1.5)
        fill_below(st, line, st.paint(mix(SNOW, (190, 206, 232), 0.35 - 0.15 * i), 0.3 - 0.15 * i))
        for _ in range(rng.randint(3, 7) if i < 2 else 0):
            x = w * rng.random()
            tree(st, x, y_at(line, x) + 2, st.u * (0.07 + 0.06 * i), 0.3 - 0.15 * i, True, 0)


def _space(st: Stage) -> None:
    rng, w, h, d = st.rng, st.w, st.h, st.draw
    st.floor = "dust"
    for _ in range(3):  # nebula: faint coloured clouds among the stars
        c = rng.choice(((120, 60, 200), (200, 60, 140), (40, 120, 200)))
        glow(
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
    backdrop(st)
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
        tree(
            st,
            x,
            st.horizon + h * 0.02,
            st.u * rng.uniform(0.14, 0.22),
            0.35,
            rng.random() < 0.3,
            rng.randint(0, 9),
        )
    backdrop(st)
    hedge = st.paint(scale(FIR, 1.25) if not st.season.snow else (210, 222, 232), 0.1)
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


# fmt: off
SETTINGS: dict[str, _Setting] = {
    "hills": _Setting(_hills, 0.56, 0.9),
    "mountains": _Setting(_mountains, 0.6, 0.92),
    "sea": _Setting(sea, 0.52, 0.84, water=0.8),
    "lake": _Setting(lake, 0.5, 0.96, water=0.82),
    "forest": _Setting(_forest, 0.58, 0.92),
    "desert": _Setting(_desert, 0.6, 0.92),
    "city": _Setting(city, 0.78, 0.95),
    "snowfield": _Setting(_snowfield, 0.58, 0.92),
    "space": _Setting(_space, 0.72, 0.9),
    "garden": _Setting(_garden, 0.56, 0.93),
    "indoor": _Setting(indoor, 0.5, 0.72, outdoor=False),
}
# fmt: on
