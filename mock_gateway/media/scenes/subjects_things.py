"""Subject drawings of plants, people and things: trees, flowers, a person, a robot, a pumpkin.

Whatever is neither an animal, a building nor a vehicle is drawn here too: a mountain, the moon,
a cup of coffee. Each draws in a ``Pen``'s box; the table in ``subjects`` says where each stands
and how big.
"""

from __future__ import annotations

import itertools
import math

from .palette import COLOUR_RGB, DARK, RGB, mix, scale
from .pen import Pen, dark
from .stage import SNOW

# fmt: off
# Point lists stay compact, a shape to a line or two, so a drawing can be read and tweaked as a
# whole; the formatter would give every point a line of its own.


def tree_subject(p: Pen) -> None:
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
            p.oval(x - 0.06, y - 0.015, x + 0.06, y + 0.02, SNOW)
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


def flower(p: Pen) -> None:
    green: RGB = (60, 140, 60)
    p.line([(0.5, 1.0), (0.52, 0.6), (0.5, 0.3)], 0.03, green)
    p.poly([(0.51, 0.78), (0.2, 0.6), (0.04, 0.64), (0.22, 0.74)], green)
    p.poly([(0.51, 0.68), (0.8, 0.52), (0.96, 0.55), (0.78, 0.64)], dark(green, 0.85))
    _petals(p, 0.5, 0.26, 0.12, 0.1, 8, p.colour)
    _petals(p, 0.5, 0.26, 0.06, 0.07, 6, mix(p.colour, (255, 255, 255), 0.25))
    p.circle(0.5, 0.26, 0.06, (246, 196, 50))


def sunflower(p: Pen) -> None:
    green: RGB = (64, 130, 50)
    p.line([(0.5, 1.0), (0.48, 0.6), (0.5, 0.25)], 0.035, green)
    p.poly([(0.49, 0.7), (0.1, 0.54), (0.05, 0.64), (0.2, 0.74)], green)
    p.poly([(0.5, 0.55), (0.9, 0.44), (0.95, 0.54), (0.8, 0.6)], dark(green, 0.85))
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


def mountain(p: Pen) -> None:
    c = p.colour
    p.poly([(-0.05, 1.0), (0.28, 0.46), (0.4, 0.3), (0.5, 0.0), (0.6, 0.22), (0.7, 0.36),
           (1.05, 1.0)], c)
    p.poly([(0.5, 0.0), (0.6, 0.22), (0.7, 0.36), (1.05, 1.0), (0.56, 1.0), (0.52, 0.4)],
           dark(c, 0.75))
    p.poly([(0.5, 0.0), (0.4, 0.3), (0.44, 0.27), (0.47, 0.33), (0.51, 0.26), (0.55, 0.32),
           (0.6, 0.22)], SNOW)
    p.poly([(0.5, 0.0), (0.6, 0.22), (0.55, 0.32), (0.52, 0.26)], scale(SNOW, 0.85))


def robot(p: Pen) -> None:
    c = p.colour
    shade = dark(c, 0.6)
    p.line([(0.5, 0.07), (0.5, -0.02)], 0.015, shade)
    p.circle(0.5, -0.03, 0.025, (230, 50, 50), lit=p.lamps)
    p.rect(0.28, 0.06, 0.72, 0.28, c)
    for ex in (0.38, 0.62):  # glowing eyes
        if p.lamps:
            p.glow(ex, 0.15, 0.06, (80, 230, 255), 180)
        p.circle(ex, 0.15, 0.035, (80, 230, 255), lit=True)
    p.rect(0.38, 0.22, 0.62, 0.25, shade)
    p.rect(0.44, 0.28, 0.56, 0.32, shade)
    p.rect(0.2, 0.32, 0.8, 0.7, c)
    p.rect(0.32, 0.4, 0.68, 0.6, mix(c, (40, 50, 70), 0.5))
    for i, lc in enumerate(((240, 70, 60), (250, 200, 50), (80, 220, 120))):
        p.circle(0.4 + i * 0.1, 0.5, 0.022, lc, lit=True)
    for x0 in (0.05, 0.83):
        p.rect(x0, 0.34, x0 + 0.12, 0.62, shade)
        p.rect(x0 - 0.01, 0.62, x0 + 0.13, 0.68, c)
    for x0 in (0.3, 0.56):
        p.rect(x0, 0.7, x0 + 0.14, 0.94, shade)
        p.rect(x0 - 0.03, 0.93, x0 + 0.17, 1.0, c)


def moon(p: Pen) -> None:
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


def apple(p: Pen) -> None:
    c = p.colour
    p.oval(0.05, 0.86, 0.95, 1.02, (0, 0, 0), alpha=50)
    p.circle(0.36, 0.58, 0.36, c)
    p.circle(0.64, 0.58, 0.36, c)
    p.circle(0.5, 0.66, 0.32, c)
    p.oval(0.12, 0.32, 0.34, 0.58, (255, 255, 255), alpha=80)  # shine
    p.oval(0.42, 0.2, 0.58, 0.3, dark(c, 0.6))
    p.line([(0.5, 0.26), (0.54, 0.04)], 0.035, (100, 70, 40))
    p.poly([(0.54, 0.1), (0.72, 0.0), (0.86, 0.06), (0.7, 0.14)], (70, 150, 60))


def coffee(p: Pen) -> None:
    c = p.colour
    for x in (0.33, 0.45, 0.57):  # steam
        p.line([(x, 0.3), (x - 0.04, 0.2), (x + 0.03, 0.1), (x - 0.02, 0.0)], 0.02, (250, 250, 250),
               alpha=140)
    p.oval(0.0, 0.84, 1.0, 1.0, (236, 234, 226))
    p.oval(0.1, 0.86, 0.9, 0.96, dark((236, 234, 226), 0.88))
    p.ring(0.64, 0.42, 0.94, 0.74, 0.06, c)  # handle
    p.poly([(0.14, 0.34), (0.76, 0.34), (0.68, 0.86), (0.22, 0.86)], c)
    p.oval(0.22, 0.8, 0.68, 0.92, c)
    p.oval(0.14, 0.28, 0.76, 0.4, mix(c, (255, 255, 255), 0.3))
    p.oval(0.17, 0.3, 0.73, 0.38, (112, 66, 36))  # the coffee
    p.oval(0.3, 0.32, 0.5, 0.36, (196, 150, 104))  # crema


def person(p: Pen) -> None:
    c, skin, trousers = p.colour, (226, 182, 146), (50, 54, 70)
    p.line([(0.42, 0.56), (0.38, 0.97)], 0.07, trousers)
    p.line([(0.58, 0.56), (0.64, 0.97)], 0.07, trousers)
    p.oval(0.28, 0.95, 0.44, 1.0, DARK)
    p.oval(0.56, 0.95, 0.74, 1.0, DARK)
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
        p.circle(x, 0.115, 0.008, DARK)
    p.poly([(0.36, 0.2), (0.64, 0.2), (0.6, 0.25), (0.4, 0.25)], (200, 50, 40))  # scarf


def snowman(p: Pen) -> None:
    white: RGB = (246, 248, 252)
    p.line([(0.34, 0.46), (0.08, 0.3), (0.02, 0.24)], 0.025, (100, 70, 44))  # stick arms
    p.line([(0.66, 0.46), (0.92, 0.3), (0.98, 0.22)], 0.025, (100, 70, 44))
    p.circle(0.5, 0.78, 0.22, white)
    p.circle(0.5, 0.46, 0.16, white)
    p.circle(0.5, 0.2, 0.12, white)
    p.oval(0.3, 0.6, 0.7, 0.62, (200, 210, 226))
    p.rect(0.34, 0.0, 0.66, 0.04, DARK)  # hat
    p.rect(0.4, -0.14, 0.6, 0.02, DARK)
    p.rect(0.4, -0.02, 0.6, 0.01, p.colour)
    for x in (0.42, 0.58):
        p.circle(x, 0.17, 0.018, DARK)
    p.poly([(0.5, 0.2), (0.72, 0.23), (0.5, 0.24)], (246, 130, 30))  # carrot nose
    for y in (0.4, 0.48, 0.56):
        p.circle(0.5, y, 0.015, DARK)
    p.rect(0.36, 0.3, 0.64, 0.35, p.colour)  # scarf
    p.rect(0.56, 0.33, 0.63, 0.46, p.colour)


def mushroom(p: Pen) -> None:
    c = p.colour
    stem: RGB = (240, 232, 214)
    p.poly([(0.4, 1.0), (0.62, 1.0), (0.58, 0.5), (0.44, 0.5)], stem)
    p.oval(0.12, 0.4, 0.9, 0.62, (220, 206, 184))  # gills
    p.d.chord(p.bounds(0.05, 0.05, 0.95, 0.95), 180, 360, fill=p.ink(c))
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
    p.d.chord(p.bounds(0.78, 0.72, 1.01, 0.96), 180, 360, fill=p.ink(c))


def cactus(p: Pen) -> None:
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
        p.line([(x, 0.06), (x, 1.0)], 0.006, dark(c, 0.7))
    p.circle(0.5, 0.02, 0.025, (240, 90, 140))


def umbrella(p: Pen) -> None:
    c = p.colour
    holder = Pen(
        p.st,
        (p.box[0] + p.box[2] * 0.3, p.box[1] + p.box[3] * 0.42, p.box[2] * 0.4, p.box[3] * 0.58),
        p.flip,
        (60, 70, 90),
    )
    person(holder)
    p.line([(0.5, 0.14), (0.5, 0.7), (0.56, 0.74), (0.6, 0.7)], 0.02, (60, 50, 40))
    p.d.chord(p.bounds(0.0, 0.04, 1.0, 0.64), 180, 360, fill=p.ink(c))
    for i in range(5):  # scalloped hem
        a, b = i / 5, (i + 1) / 5
        p.d.chord(p.bounds(a, 0.28, b, 0.4), 180, 360, fill=p.ink(c))
    for x in (0.2, 0.4, 0.6, 0.8):
        p.line([(0.5, 0.04), (x, 0.34)], 0.01, dark(c, 0.7))
    p.line([(0.5, 0.04), (0.5, -0.02)], 0.02, (60, 50, 40))


def palm(p: Pen) -> None:
    trunk, green = (150, 112, 70), p.colour
    pts = [(0.42 + 0.12 * (1 - t) ** 2 - 0.12, 1.0 - 0.8 * t) for t in (i / 8 for i in range(9))]
    for i, (lo, hi) in enumerate(itertools.pairwise(pts)):
        p.line([lo, hi], 0.06 - 0.003 * i, trunk if i % 2 else dark(trunk, 0.85))
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
        p.poly([*upper, *reversed(lower)], green if k % 2 else dark(green, 0.8))
        p.line(spine, 0.01, dark(green, 0.6))
    for dx in (-0.04, 0.02, 0.0):
        p.circle(tx + dx, ty + 0.05, 0.035, (110, 76, 40))


def pumpkin(p: Pen) -> None:
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
