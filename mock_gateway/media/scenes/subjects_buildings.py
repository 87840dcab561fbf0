"""Subject drawings of buildings and structures: houses, towers, a bridge, a skyline, a tent.

Most of them light their windows after dark. Each draws in a ``Pen``'s box; the table in
``subjects`` says where each stands and how big.
"""

from __future__ import annotations

import itertools
import math

from .palette import DARK, LAMP, NEON, RGB, mix
from .pen import Pen, arch, dark
from .stage import SNOW

# fmt: off
# Point lists stay compact, a shape to a line or two, so a drawing can be read and tweaked as a
# whole; the formatter would give every point a line of its own.


def lighthouse(p: Pen) -> None:
    white: RGB = (244, 242, 236)

    def edge(y: float) -> tuple[float, float]:  # the tower tapers from 0.14..0.86 to 0.3..0.7
        t = (1.0 - y) / 0.72
        return 0.14 + 0.16 * t, 0.86 - 0.16 * t

    p.poly([(0.14, 1.0), (0.86, 1.0), (0.7, 0.28), (0.3, 0.28)], white)
    for y0, y1 in ((0.86, 1.0), (0.58, 0.72), (0.3, 0.44)):
        (a0, b0), (a1, b1) = edge(y0), edge(y1)
        p.poly([(a0, y0), (b0, y0), (b1, y1), (a1, y1)], p.colour)
    p.poly([(0.55, 1.0), (0.86, 1.0), (0.7, 0.28), (0.52, 0.28)], (0, 0, 0), alpha=40)  # shade
    p.rect(0.42, 0.88, 0.58, 1.0, DARK)
    p.rect(0.44, 0.5, 0.56, 0.56, DARK)
    p.rect(0.2, 0.245, 0.8, 0.285, (60, 60, 64))
    lit = p.lamps
    p.rect(0.32, 0.13, 0.68, 0.245, LAMP if lit else (170, 200, 214), lit=lit)
    for x in (0.44, 0.56):
        p.line([(x, 0.13), (x, 0.245)], 0.008, (60, 60, 64))
    p.poly([(0.27, 0.135), (0.5, 0.03), (0.73, 0.135)], dark(p.colour, 0.8))
    p.circle(0.5, 0.025, 0.012, (60, 60, 64))
    if lit:  # beams sweeping out of the lantern: the lighthouse signature at night
        p.glow(0.5, 0.19, 0.12, LAMP, 200)
        p.poly([(0.5, 0.17), (4.5, -0.2), (4.5, 0.45)], (255, 236, 170), lit=True, alpha=55)
        p.poly([(0.5, 0.17), (-2.0, 0.05), (-2.0, 0.3)], (255, 236, 170), lit=True, alpha=40)


def house(p: Pen) -> None:
    c = p.colour
    roof: RGB = (150, 56, 44)
    p.rect(0.7, 0.08, 0.8, 0.32, (130, 80, 60))  # chimney
    p.circle(0.76, -0.02, 0.06, (200, 200, 204), alpha=120)
    p.rect(0.1, 0.45, 0.9, 1.0, c)
    p.poly([(-0.02, 0.5), (0.5, 0.06), (1.02, 0.5)], roof)
    if p.st.season.snow:
        p.poly([(-0.02, 0.5), (0.5, 0.06), (1.02, 0.5), (0.92, 0.46), (0.5, 0.12), (0.08, 0.46)],
               SNOW)
    p.rect(0.1, 0.46, 0.9, 0.5, dark(c, 0.7))
    p.rect(0.42, 0.68, 0.58, 1.0, (110, 70, 40))
    p.circle(0.55, 0.85, 0.012, (220, 200, 80))
    for x in (0.18, 0.66):
        p.rect(x, 0.58, x + 0.16, 0.8, LAMP if p.lamps else (150, 190, 215), lit=p.lamps)
        p.line([(x + 0.08, 0.58), (x + 0.08, 0.8)], 0.012, (250, 250, 245))
        p.line([(x, 0.69), (x + 0.16, 0.69)], 0.012, (250, 250, 245))
    p.circle(0.5, 0.32, 0.05, LAMP if p.lamps else (150, 190, 215), lit=p.lamps)
    if p.lamps:
        p.glow(0.26, 0.69, 0.16, LAMP, 90)
        p.glow(0.74, 0.69, 0.16, LAMP, 90)


def castle(p: Pen) -> None:
    stone = p.colour
    roof: RGB = (60, 80, 150)
    p.rect(0.38, 0.14, 0.62, 0.5, dark(stone, 0.92))  # keep
    p.poly([(0.36, 0.16), (0.5, -0.08), (0.64, 0.16)], roof)
    p.line([(0.5, -0.08), (0.5, -0.18)], 0.012, (60, 50, 40))
    p.poly([(0.5, -0.18), (0.6, -0.15), (0.5, -0.12)], (210, 40, 40))
    p.rect(0.14, 0.42, 0.86, 1.0, stone)
    for i in range(9):  # crenellations
        x = 0.15 + i * 0.08
        p.rect(x, 0.37, x + 0.045, 0.43, stone)
    for x0 in (0.02, 0.8):
        p.rect(x0, 0.26, x0 + 0.18, 1.0, dark(stone, 0.95))
        p.poly([(x0 - 0.02, 0.28), (x0 + 0.09, 0.02), (x0 + 0.2, 0.28)], roof)
        p.rect(x0 + 0.07, 0.4, x0 + 0.11, 0.52, LAMP if p.lamps else DARK, lit=p.lamps)
    p.rect(0.47, 0.24, 0.53, 0.34, LAMP if p.lamps else DARK, lit=p.lamps)
    p.rect(0.41, 0.74, 0.59, 1.0, (60, 44, 34))  # gate
    p.oval(0.41, 0.66, 0.59, 0.82, (60, 44, 34))
    for x in (0.44, 0.5, 0.56):
        p.line([(x, 0.7), (x, 1.0)], 0.01, (30, 30, 30))


def tower(p: Pen) -> None:
    c = p.colour
    p.rect(0.12, 0.92, 0.88, 1.0, dark(c, 0.85))
    p.rect(0.2, 0.4, 0.8, 0.92, c)
    p.rect(0.14, 0.16, 0.86, 0.42, dark(c, 1.05))
    p.poly([(0.12, 0.17), (0.5, -0.08), (0.88, 0.17)], (70, 100, 90))
    p.line([(0.5, -0.08), (0.5, -0.14)], 0.01, (200, 170, 60))
    cx, cy, r = 0.5, 0.29, 0.095
    p.circle(cx, cy, r, LAMP if p.lamps else (246, 244, 236), lit=p.lamps)
    p.d.ellipse((*(v - r * p.px for v in p.p(cx, cy)), *(v + r * p.px for v in p.p(cx, cy))),
                outline=p.ink((40, 40, 44)), width=max(1, round(0.012 * p.px)))
    p.line([(cx, cy), (cx, cy - 0.065)], 0.012, DARK)
    p.line([(cx, cy), (cx + 0.1, cy + 0.02)], 0.012, DARK)
    for y in (0.5, 0.64, 0.78):
        for x in (0.32, 0.6):
            p.rect(x, y, x + 0.08, y + 0.08, LAMP if p.lamps else (60, 62, 70), lit=p.lamps)


def bridge(p: Pen) -> None:
    c = p.colour
    piers = (0.0, 0.32, 0.64, 0.96)
    for a in piers:
        p.rect(a, 0.28, a + 0.06, 1.0, c)
    for a, b in itertools.pairwise(piers):
        # The span above each arch: the deck's underside down to the curve of the arch.
        curve = arch(a + 0.06, b, 0.42, 1.0)
        p.poly([(b, 0.28), (a + 0.06, 0.28), *reversed(curve)], c)
        ring = arch(a + 0.06, b, 0.42, 1.0)
        p.line(ring, 0.03, dark(c, 0.75))
    p.rect(-0.01, 0.16, 1.01, 0.3, dark(c, 1.08))  # deck and parapet
    p.rect(-0.01, 0.12, 1.01, 0.17, dark(c, 0.85))
    for i in range(20):
        x = i / 19
        p.line([(x, 0.17), (x, 0.3)], 0.006, dark(c, 0.85))


def skyline(p: Pen) -> None:
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
                colour = LAMP if on else ((40, 44, 56) if lamps else (170, 200, 226))
                p.rect(wx, wy, wx + bw / cols * 0.5, wy + bh / rows * 0.45, colour, lit=on)
    if lamps:  # neon signs: the look everybody means by "city at night"
        for i, (x0, bw, bh) in enumerate(blocks):
            c = NEON[i % len(NEON)]
            bright = mix(c, (255, 255, 255), 0.4)
            p.rect(x0, 1.0 - bh, x0 + bw, 1.0 - bh + 0.008, c, lit=True)  # lit roof edge
            y = 1.0 - bh * rng.uniform(0.3, 0.7)
            if i % 2:
                p.glow(x0 + bw / 2, y, 0.14, c, 170)
                p.rect(x0 + bw * 0.12, y - 0.025, x0 + bw * 0.88, y + 0.025, bright, lit=True)
            elif i % 4 == 0:  # a vertical sign hanging off the corner
                p.glow(x0 + bw * 0.9, y, 0.14, c, 150)
                p.rect(x0 + bw * 0.84, y - 0.12, x0 + bw * 0.96, y + 0.12, bright, lit=True)


def windmill(p: Pen) -> None:
    body: RGB = (238, 232, 216)
    p.poly([(0.28, 1.0), (0.72, 1.0), (0.62, 0.3), (0.38, 0.3)], body)
    p.poly([(0.55, 1.0), (0.72, 1.0), (0.62, 0.3), (0.53, 0.3)], (0, 0, 0), alpha=35)
    p.poly([(0.35, 0.32), (0.65, 0.32), (0.6, 0.2), (0.4, 0.2)], dark(p.colour, 0.9))
    p.oval(0.38, 0.12, 0.62, 0.28, dark(p.colour, 0.9))
    p.rect(0.45, 0.84, 0.55, 1.0, (100, 66, 40))
    p.rect(0.46, 0.5, 0.54, 0.58, LAMP if p.lamps else (60, 60, 66), lit=p.lamps)
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


def tent(p: Pen) -> None:
    c = p.colour
    p.poly([(0.05, 1.0), (0.45, 0.12), (0.85, 1.0)], c)
    p.poly([(0.45, 0.12), (0.85, 1.0), (1.0, 0.92), (0.62, 0.1)], dark(c, 0.75))
    inside = LAMP if p.lamps else (50, 40, 36)
    p.poly([(0.33, 1.0), (0.45, 0.5), (0.57, 1.0)], inside, lit=p.lamps)
    if p.lamps:
        p.glow(0.45, 0.85, 0.3, LAMP, 110)
    p.line([(0.45, 0.12), (0.42, 0.02)], 0.015, (90, 70, 50))
    p.line([(0.05, 1.0), (-0.08, 1.0)], 0.01, (90, 70, 50))
    # A campfire beside it: logs and flames, glowing after dark.
    fx = 1.12
    p.line([(fx - 0.08, 1.0), (fx + 0.08, 0.94)], 0.04, (90, 60, 40))
    p.line([(fx - 0.08, 0.94), (fx + 0.08, 1.0)], 0.04, (90, 60, 40))
    p.glow(fx, 0.9, 0.25 if p.lamps else 0.1, (255, 150, 50), 130)
    p.poly([(fx - 0.06, 0.97), (fx, 0.72), (fx + 0.06, 0.97)], (255, 140, 30), lit=True)
    p.poly([(fx - 0.03, 0.97), (fx, 0.82), (fx + 0.03, 0.97)], (255, 230, 120), lit=True)


def church(p: Pen) -> None:
    c = p.colour
    roof: RGB = (110, 70, 56)
    p.rect(0.04, 0.5, 0.62, 1.0, c)
    p.poly([(0.0, 0.52), (0.33, 0.28), (0.66, 0.52)], roof)
    p.rect(0.6, 0.24, 0.86, 1.0, dark(c, 0.95))
    p.poly([(0.58, 0.26), (0.73, -0.06), (0.88, 0.26)], roof)
    p.line([(0.73, -0.06), (0.73, -0.18)], 0.02, (200, 170, 60))
    p.line([(0.69, -0.13), (0.77, -0.13)], 0.02, (200, 170, 60))
    p.rect(0.69, 0.34, 0.77, 0.42, DARK)  # belfry
    p.oval(0.69, 0.31, 0.77, 0.37, DARK)
    lit = p.lamps
    for x in (0.12, 0.26, 0.44):
        p.rect(x, 0.64, x + 0.07, 0.82, LAMP if lit else (80, 90, 120), lit=lit)
        p.oval(x, 0.6, x + 0.07, 0.68, LAMP if lit else (80, 90, 120), lit=lit)
    p.rect(0.67, 0.74, 0.79, 1.0, (100, 66, 40))
    p.oval(0.67, 0.7, 0.79, 0.78, (100, 66, 40))


# fmt: on
