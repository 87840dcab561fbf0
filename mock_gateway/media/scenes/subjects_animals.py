"""Subject drawings of animals: furred, feathered and finned, from a fox to a whale.

Each draws in a ``Pen``'s box; the table in ``subjects`` says where each stands and how big.
"""

from __future__ import annotations

from .palette import DARK, RGB, mix
from .pen import Pen, arch, dark

# fmt: off
# Point lists stay compact, a shape to a line or two, so a drawing can be read and tweaked as a
# whole; the formatter would give every point a line of its own.


def fox(p: Pen) -> None:
    c, white, black = p.colour, (246, 240, 230), (40, 30, 28)
    far = dark(c, 0.75)
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


def cat(p: Pen) -> None:
    c = p.colour
    muzzle = mix(c, (245, 240, 232), 0.7)
    p.line([(0.7, 0.92), (0.95, 0.85), (0.98, 0.6), (0.9, 0.5)], 0.06, dark(c, 0.85))  # tail
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
        p.oval(ex - 0.012, 0.22, ex + 0.012, 0.31, DARK)
    p.poly([(0.44, 0.33), (0.5, 0.33), (0.47, 0.37)], (220, 120, 130))
    for sy in (0.36, 0.4):  # whiskers
        p.line([(0.36, 0.37), (0.02, sy)], 0.008, (230, 230, 230))
        p.line([(0.58, 0.37), (0.92, sy)], 0.008, (230, 230, 230))


def dog(p: Pen) -> None:
    c = p.colour
    far = dark(c, 0.75)
    p.line([(0.2, 0.42), (0.1, 0.28), (0.06, 0.12)], 0.07, c)  # wagging tail, up
    for x in (0.27, 0.6):
        p.rect(x, 0.55, x + 0.07, 0.98, far)
    p.oval(0.14, 0.33, 0.76, 0.68, c)
    for x in (0.22, 0.66):
        p.rect(x, 0.55, x + 0.075, 1.0, c)
        p.oval(x - 0.01, 0.94, x + 0.1, 1.0, dark(c, 0.85))
    p.poly([(0.62, 0.42), (0.7, 0.2), (0.82, 0.2), (0.78, 0.55)], c)  # neck
    p.circle(0.8, 0.24, 0.18, c)
    p.rect(0.84, 0.24, 1.0, 0.38, mix(c, (240, 230, 210), 0.3))  # muzzle
    p.circle(0.985, 0.26, 0.035, DARK)
    p.oval(0.92, 0.36, 0.97, 0.46, (220, 90, 100))  # tongue
    p.circle(0.84, 0.18, 0.025, DARK)
    p.oval(0.68, 0.1, 0.78, 0.42, dark(c, 0.55))  # floppy ear
    p.poly([(0.64, 0.4), (0.76, 0.34), (0.8, 0.42), (0.68, 0.48)], (200, 40, 40))  # collar


def horse(p: Pen) -> None:
    c = p.colour
    mane = dark(c, 0.4)
    far = dark(c, 0.75)
    p.poly([(0.2, 0.36), (0.1, 0.45), (0.06, 0.72), (0.14, 0.74), (0.17, 0.5)], mane)  # tail
    for x in (0.3, 0.64):
        p.rect(x, 0.55, x + 0.045, 0.97, far)
    p.oval(0.17, 0.3, 0.76, 0.62, c)
    for x in (0.22, 0.7):
        p.rect(x, 0.55, x + 0.05, 0.95, c)
        p.rect(x - 0.005, 0.95, x + 0.055, 1.0, DARK)
    p.poly([(0.62, 0.4), (0.74, 0.06), (0.84, 0.1), (0.78, 0.5)], c)  # neck
    p.poly([(0.74, 0.06), (0.82, 0.02), (0.99, 0.24), (0.96, 0.3), (0.88, 0.28), (0.76, 0.18)], c)
    p.poly([(0.77, 0.04), (0.79, -0.05), (0.82, 0.04)], c)  # ear
    p.poly([(0.62, 0.36), (0.73, 0.04), (0.78, 0.06), (0.68, 0.4)], mane)
    p.circle(0.85, 0.12, 0.018, DARK)
    p.circle(0.975, 0.255, 0.012, DARK)


def _branch(p: Pen, y: float) -> None:
    """A branch from the picture's edge to under the perching bird, with a few leaves."""
    wood, leaf = (96, 66, 42), (70, 130, 60)
    p.line([(-6.0, y + 0.04), (0.5, y), (1.1, y - 0.04)], 0.05, wood)
    if p.st.season.leaves:
        for x in (-0.6, -0.2, 0.9):
            p.oval(x, y - 0.1, x + 0.18, y + 0.0, leaf)


def bird(p: Pen) -> None:
    c = p.colour
    _branch(p, 0.86)
    p.line([(0.45, 0.72), (0.45, 0.86)], 0.02, (90, 70, 50))
    p.line([(0.55, 0.72), (0.55, 0.86)], 0.02, (90, 70, 50))
    p.poly([(0.3, 0.6), (0.0, 0.78), (0.04, 0.86), (0.36, 0.72)], dark(c, 0.7))  # tail
    p.oval(0.2, 0.3, 0.78, 0.78, c)
    p.oval(0.4, 0.45, 0.78, 0.78, (236, 136, 70))  # a warm breast, like a robin's
    p.circle(0.72, 0.3, 0.2, c)
    p.poly([(0.84, 0.26), (1.0, 0.31), (0.84, 0.35)], (240, 170, 40))
    p.circle(0.76, 0.26, 0.04, (255, 255, 255))
    p.circle(0.77, 0.26, 0.025, DARK)
    p.poly([(0.22, 0.42), (0.52, 0.4), (0.6, 0.55), (0.34, 0.66)], dark(c, 0.75))  # wing


def owl(p: Pen) -> None:
    c, face = p.colour, mix(p.colour, (240, 225, 200), 0.6)
    _branch(p, 0.95)
    p.oval(0.1, 0.18, 0.9, 0.98, c)
    p.poly([(0.12, 0.3), (0.16, 0.0), (0.36, 0.2)], c)  # ear tufts
    p.poly([(0.88, 0.3), (0.84, 0.0), (0.64, 0.2)], c)
    p.oval(0.04, 0.44, 0.3, 0.94, dark(c, 0.75))  # wings
    p.oval(0.7, 0.44, 0.96, 0.94, dark(c, 0.75))
    p.oval(0.32, 0.56, 0.68, 0.92, mix(c, (240, 225, 200), 0.45))  # belly
    for y in (0.64, 0.74, 0.84):
        for x in (0.42, 0.5, 0.58):
            p.poly([(x - 0.025, y), (x, y + 0.03), (x + 0.025, y)], dark(c, 0.7))
    for ex in (0.33, 0.67):  # the big round eyes are the owl
        p.circle(ex, 0.36, 0.15, face)
        p.circle(ex, 0.36, 0.09, (250, 200, 40), lit=p.lamps)
        p.circle(ex, 0.36, 0.045, DARK)
    p.poly([(0.45, 0.44), (0.55, 0.44), (0.5, 0.56)], (200, 150, 60))
    for x in (0.38, 0.56):
        p.rect(x, 0.93, x + 0.06, 0.98, (230, 160, 50))


def fish(p: Pen) -> None:
    c = p.colour
    p.oval(0.1, 0.86, 0.9, 1.06, (230, 240, 250), alpha=150)  # the splash it leaps from
    for dx, dy in ((0.15, 0.8), (0.8, 0.78), (0.25, 0.7), (0.72, 0.66)):
        p.circle(dx, dy, 0.03, (230, 240, 250), alpha=200)
    p.poly([(0.22, 0.42), (0.0, 0.12), (0.06, 0.42), (0.0, 0.72)], dark(c, 0.85))  # tail fin
    p.poly([(0.4, 0.22), (0.5, 0.02), (0.66, 0.2)], dark(c, 0.85))  # dorsal fin
    p.oval(0.16, 0.16, 0.98, 0.68, c)
    p.oval(0.3, 0.42, 0.9, 0.66, mix(c, (255, 250, 230), 0.45))  # lighter belly
    p.poly([(0.48, 0.5), (0.4, 0.72), (0.58, 0.56)], dark(c, 0.8))
    p.line([(0.74, 0.26), (0.7, 0.42), (0.74, 0.58)], 0.02, dark(c, 0.7))  # gill
    p.circle(0.85, 0.34, 0.06, (250, 250, 250))
    p.circle(0.86, 0.34, 0.035, DARK)
    for x in (0.4, 0.5, 0.6):  # scales
        p.line([(x, 0.3), (x + 0.03, 0.38), (x, 0.46)], 0.012, dark(c, 0.8))


def whale(p: Pen) -> None:
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
    p.poly([*arch(0.12, 0.98, 0.4, 1.0, 16)], c)  # the back, rising out of the water
    p.d.chord(p.bounds(0.62, 0.8, 1.0, 1.2), 180, 360, fill=p.ink(belly))
    p.poly([(0.38, 0.46), (0.46, 0.33), (0.48, 0.46)], dark(c, 0.85))  # dorsal fin
    p.line([(0.72, 0.84), (0.96, 0.86)], 0.02, dark(c, 0.6))  # mouth
    p.circle(0.82, 0.74, 0.03, DARK)
    p.poly([(0.56, 0.9), (0.66, 0.96), (0.52, 1.0)], dark(c, 0.8))  # flipper
    p.oval(-0.12, 0.95, 1.08, 1.06, (235, 242, 250), alpha=140)  # white water around it


def butterfly(p: Pen) -> None:
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


def deer(p: Pen) -> None:
    c, antler = p.colour, (110, 80, 56)
    far = dark(c, 0.75)
    for x in (0.28, 0.64):
        p.rect(x, 0.55, x + 0.035, 0.97, far)
    p.oval(0.14, 0.34, 0.74, 0.62, c)
    p.oval(0.12, 0.38, 0.24, 0.54, (246, 240, 230))  # white rump
    for x in (0.2, 0.68):
        p.rect(x, 0.55, x + 0.04, 0.96, c)
        p.rect(x, 0.95, x + 0.04, 1.0, DARK)
    p.poly([(0.62, 0.42), (0.74, 0.12), (0.82, 0.14), (0.76, 0.5)], c)  # neck
    p.poly([(0.74, 0.1), (0.84, 0.06), (0.98, 0.18), (0.96, 0.24), (0.78, 0.22)], c)
    p.poly([(0.76, 0.1), (0.7, 0.02), (0.8, 0.06)], c)
    p.circle(0.975, 0.2, 0.015, DARK)
    p.circle(0.84, 0.12, 0.014, DARK)
    for s in (-1, 1):  # antlers: a main beam with tines
        base = (0.8 + s * 0.015, 0.06)
        tip = (0.8 + s * 0.12, -0.26)
        p.line([base, (0.8 + s * 0.06, -0.1), tip], 0.022, antler)
        p.line([(0.8 + s * 0.05, -0.06), (0.8 + s * 0.14, -0.1)], 0.018, antler)
        p.line([(0.8 + s * 0.08, -0.16), (0.8 + s * 0.04, -0.27)], 0.018, antler)


def rabbit(p: Pen) -> None:
    c = p.colour
    pink: RGB = (232, 160, 170)
    p.oval(0.08, 0.4, 0.76, 1.0, c)
    p.circle(0.1, 0.7, 0.1, (246, 244, 240))  # cotton tail
    p.oval(0.56, 0.82, 0.84, 1.0, dark(c, 0.9))  # hind foot
    p.oval(0.58, -0.12, 0.7, 0.36, c)  # long ears
    p.oval(0.6, -0.08, 0.68, 0.3, pink)
    p.oval(0.7, -0.1, 0.82, 0.36, dark(c, 0.9))
    p.circle(0.74, 0.44, 0.2, c)
    p.circle(0.8, 0.4, 0.035, DARK)
    p.circle(0.9, 0.5, 0.025, pink)
    p.rect(0.68, 0.76, 0.76, 1.0, c)


def bear(p: Pen) -> None:
    c = p.colour
    far = dark(c, 0.75)
    for x in (0.22, 0.58):
        p.rect(x, 0.6, x + 0.1, 0.96, far)
    p.oval(0.06, 0.2, 0.78, 0.76, c)
    p.oval(0.42, 0.16, 0.74, 0.5, c)  # shoulder hump
    for x in (0.14, 0.66):
        p.rect(x, 0.6, x + 0.11, 0.98, c)
        p.oval(x - 0.01, 0.93, x + 0.14, 1.0, dark(c, 0.8))
    p.circle(0.82, 0.4, 0.18, c)
    p.circle(0.76, 0.22, 0.06, c)
    p.circle(0.76, 0.22, 0.03, dark(c, 0.6))
    p.oval(0.86, 0.38, 1.0, 0.54, mix(c, (230, 200, 160), 0.4))  # snout
    p.circle(0.985, 0.42, 0.03, DARK)
    p.circle(0.84, 0.34, 0.022, DARK)


def penguin(p: Pen) -> None:
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
    p.circle(0.4, 0.24, 0.03, DARK)
    p.circle(0.6, 0.24, 0.03, DARK)
    p.poly([(0.44, 0.3), (0.56, 0.3), (0.5, 0.38)], orange)


def duck(p: Pen) -> None:
    c = p.colour
    p.oval(0.0, 0.96, 1.0, 1.06, (0, 0, 0), alpha=40)
    p.poly([(0.02, 0.5), (0.0, 0.36), (0.2, 0.5)], c)  # tail
    p.d.chord(p.bounds(0.02, 0.2, 0.86, 1.4), 180, 360, fill=p.ink(c))
    p.oval(0.02, 0.4, 0.86, 1.0, c)
    p.oval(0.2, 0.5, 0.6, 0.76, dark(c, 0.86))  # wing
    p.rect(0.64, 0.3, 0.76, 0.6, c)
    p.circle(0.74, 0.22, 0.18, c)
    p.poly([(0.84, 0.2), (1.02, 0.26), (1.0, 0.32), (0.84, 0.32)], (246, 150, 40))
    p.circle(0.78, 0.16, 0.03, DARK)


def elephant(p: Pen) -> None:
    c = p.colour
    far = dark(c, 0.8)
    p.line([(0.08, 0.36), (0.02, 0.6)], 0.02, dark(c, 0.7))  # tail
    for x in (0.22, 0.56):
        p.rect(x, 0.56, x + 0.11, 0.98, far)
    p.oval(0.04, 0.14, 0.74, 0.72, c)
    for x in (0.12, 0.48):
        p.rect(x, 0.56, x + 0.12, 1.0, c)
    p.circle(0.8, 0.32, 0.22, c)
    p.line([(0.92, 0.4), (0.98, 0.62), (0.96, 0.86), (0.9, 0.92)], 0.1, c)  # trunk
    p.oval(0.58, 0.12, 0.8, 0.6, dark(c, 0.85))  # ear
    p.poly([(0.86, 0.5), (0.98, 0.56), (0.86, 0.56)], (246, 242, 226))  # tusk
    p.circle(0.86, 0.28, 0.022, DARK)


# fmt: on
