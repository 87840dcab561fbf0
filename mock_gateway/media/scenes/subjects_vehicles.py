"""Subject drawings of vehicles: on water, on roads and rails, and in the air.

Each draws in a ``Pen``'s box; the table in ``subjects`` says where each stands and how big.
"""

from __future__ import annotations

import math

from .palette import DARK, LAMP, RGB, scale
from .pen import Pen, dark

# fmt: off
# Point lists stay compact, a shape to a line or two, so a drawing can be read and tweaked as a
# whole; the formatter would give every point a line of its own.


def sailboat(p: Pen) -> None:
    sail: RGB = (246, 244, 236)
    p.line([(0.46, 0.84), (0.46, 0.0)], 0.02, (90, 70, 50))
    p.poly([(0.49, 0.02), (0.49, 0.8), (0.92, 0.8)], sail)
    p.poly([(0.43, 0.08), (0.43, 0.8), (0.08, 0.8)], scale(sail, 0.9))
    p.poly([(0.46, 0.0), (0.6, 0.03), (0.46, 0.06)], (220, 50, 40))  # pennant
    p.poly([(0.02, 0.82), (0.98, 0.82), (0.84, 1.0), (0.14, 1.0)], p.colour)
    p.rect(0.06, 0.82, 0.94, 0.86, dark(p.colour, 0.6))
    p.oval(-0.1, 0.97, 1.1, 1.04, (0, 0, 0), alpha=50)


def ship(p: Pen) -> None:
    c = p.colour
    for i, (x, y, r) in enumerate(((0.5, -0.1, 0.08), (0.36, -0.2, 0.11), (0.18, -0.26, 0.14))):
        p.circle(x, y, r, (150, 150, 156), alpha=150 - 30 * i)  # smoke drifting back
    for x in (0.46, 0.6):
        p.rect(x, 0.06, x + 0.07, 0.3, (200, 50, 40))
        p.rect(x, 0.06, x + 0.07, 0.11, DARK)
    p.rect(0.36, 0.28, 0.72, 0.42, (238, 236, 230))
    p.rect(0.28, 0.4, 0.8, 0.62, (238, 236, 230))
    for row, y in enumerate((0.32, 0.47, 0.54)):
        for i in range(9 if row else 6):
            x = (0.39 if row == 0 else 0.31) + i * 0.055
            on = p.lamps and (i * 7 + row) % 3 != 0
            p.rect(x, y, x + 0.03, y + 0.04, LAMP if on else (70, 90, 120), lit=on)
    p.poly([(0.0, 0.6), (1.0, 0.6), (0.9, 1.0), (0.06, 1.0)], c)
    p.rect(0.035, 0.86, 0.925, 0.93, (170, 40, 40))
    for i in range(12):
        p.circle(0.12 + i * 0.065, 0.72, 0.025, (220, 220, 210))
    p.oval(-0.1, 0.97, 1.1, 1.04, (0, 0, 0), alpha=50)


def car(p: Pen) -> None:
    c = p.colour
    glass = (60, 70, 90) if p.lamps else (160, 200, 225)
    p.poly([(0.02, 0.78), (0.0, 0.52), (0.1, 0.44), (0.3, 0.4), (0.4, 0.12), (0.72, 0.12),
           (0.84, 0.4), (0.97, 0.46), (1.0, 0.78)], c)
    p.poly([(0.43, 0.18), (0.56, 0.18), (0.56, 0.4), (0.35, 0.4)], glass)
    p.poly([(0.59, 0.18), (0.7, 0.18), (0.8, 0.4), (0.59, 0.4)], glass)
    p.line([(0.57, 0.4), (0.57, 0.72)], 0.015, dark(c, 0.6))
    p.rect(0.6, 0.46, 0.66, 0.49, dark(c, 0.5))  # door handle
    p.rect(0.0, 0.66, 0.07, 0.72, (120, 120, 126))
    p.rect(0.94, 0.66, 1.0, 0.72, (120, 120, 126))
    p.oval(0.94, 0.48, 1.0, 0.58, LAMP if p.lamps else (240, 236, 200), lit=p.lamps)
    p.rect(0.0, 0.5, 0.03, 0.6, (220, 30, 30), lit=p.lamps)
    if p.lamps:
        p.poly([(1.0, 0.5), (2.2, 0.42), (2.2, 0.9)], (255, 240, 190), lit=True, alpha=60)
    for x in (0.22, 0.8):
        p.circle(x, 0.78, 0.21, (28, 28, 30))
        p.circle(x, 0.78, 0.1, (170, 172, 178))


def bicycle(p: Pen) -> None:
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


def train(p: Pen) -> None:
    c = p.colour
    p.line([(-3.0, 1.0), (4.0, 1.0)], 0.03, (80, 76, 72))  # rails
    for i, (x, y, r) in enumerate(((0.87, 0.0, 0.1), (0.78, -0.16, 0.13), (0.64, -0.27, 0.16))):
        p.circle(x, y, r, (236, 236, 236), alpha=190 - 40 * i)  # steam
    p.rect(0.02, 0.24, 0.5, 0.8, (150, 40, 40))  # carriage
    p.rect(0.0, 0.2, 0.52, 0.26, (90, 30, 30))
    for i in range(5):
        x = 0.05 + i * 0.09
        p.rect(x, 0.34, x + 0.06, 0.52, LAMP if p.lamps else (170, 200, 220), lit=p.lamps)
    p.rect(0.5, 0.62, 0.57, 0.68, DARK)  # coupling
    p.rect(0.62, 0.36, 0.95, 0.78, c)  # boiler
    p.rect(0.56, 0.12, 0.7, 0.78, c)  # cab
    p.rect(0.54, 0.08, 0.72, 0.14, dark(c, 0.6))
    p.rect(0.59, 0.2, 0.67, 0.36, LAMP if p.lamps else (170, 200, 220), lit=p.lamps)
    p.rect(0.85, 0.1, 0.91, 0.36, dark(c, 0.7))  # chimney
    p.rect(0.83, 0.06, 0.93, 0.12, dark(c, 0.5))
    p.circle(0.76, 0.32, 0.05, (200, 170, 60))  # dome
    p.poly([(0.95, 0.7), (1.0, 0.96), (0.92, 0.96)], (60, 60, 64))  # cow-catcher
    p.circle(0.955, 0.44, 0.05, LAMP if p.lamps else (230, 226, 200), lit=p.lamps)
    if p.lamps:
        p.glow(0.97, 0.44, 0.2, LAMP, 160)
    for x in (0.66, 0.76, 0.86):
        p.circle(x, 0.86, 0.12, (170, 40, 36))
        p.circle(x, 0.86, 0.04, (60, 60, 64))
    for x in (0.1, 0.42):
        p.circle(x, 0.88, 0.1, (40, 40, 42))
    p.line([(0.66, 0.86), (0.86, 0.86)], 0.025, (180, 180, 186))


def airplane(p: Pen) -> None:
    c, white = p.colour, (244, 244, 246)
    p.poly([(0.46, 0.46), (0.56, 0.46), (0.5, 0.22), (0.46, 0.22)], (176, 180, 190))  # far wing
    p.poly([(0.06, 0.48), (0.0, 0.08), (0.1, 0.08), (0.24, 0.46)], c)  # tail fin
    p.poly([(0.04, 0.5), (0.16, 0.5), (0.12, 0.58), (0.0, 0.58)], (180, 184, 194))
    p.poly([(0.05, 0.42), (0.85, 0.4), (0.97, 0.45), (1.0, 0.52), (0.95, 0.58), (0.1, 0.6),
           (0.03, 0.52)], white)
    p.line([(0.08, 0.55), (0.94, 0.55)], 0.03, c)  # cheat line in the livery colour
    for i in range(14):
        x = 0.2 + i * 0.048
        p.rect(x, 0.45, x + 0.018, 0.49, LAMP if p.lamps else (60, 80, 110), lit=p.lamps)
    p.poly([(0.92, 0.44), (0.97, 0.44), (0.98, 0.48), (0.92, 0.48)], (50, 60, 80))
    p.poly([(0.4, 0.54), (0.6, 0.54), (0.46, 0.98), (0.38, 0.98)], (196, 200, 208))  # near wing
    p.oval(0.46, 0.64, 0.6, 0.74, (150, 154, 162))  # engine
    if p.lamps:
        p.circle(0.4, 0.97, 0.03, (255, 60, 60), lit=True)


def balloon(p: Pen) -> None:
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


def rocket(p: Pen) -> None:
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


# fmt: on
