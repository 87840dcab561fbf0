"""Where the subjects go, and how each is drawn there.

The main subject stands near the middle, a companion smaller to one side (or, for something
crossing a bridge, on its deck); animals and vehicles may face either way. ``draw_placed`` draws
one placed subject with its contact shadow; ``backdrop`` draws those that stand behind the
setting's near layers, which a setting calls at the right moment of its own drawing.
"""

from __future__ import annotations

from .palette import COLOUR_RGB, RGB, mix
from .pen import Pen
from .stage import Placed, Stage
from .subjects import SUBJECT_DRAWINGS

# Subjects with a front and a back, drawn facing left or right at random.
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


def _place(
    st: Stage, name: str, cx: float, size: float, colour: RGB, bottom: float | None
) -> Placed:
    spec = SUBJECT_DRAWINGS[name]
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


def placements(st: Stage) -> list[Placed]:
    plan, rng, w = st.plan, st.rng, st.w
    main, other = plan.subject, plan.companion
    colour = COLOUR_RGB.get(plan.subject_colour, SUBJECT_DRAWINGS[main].colour)
    cx = w * rng.uniform(0.4, 0.6)
    if (
        "bridge" in (main, other)
        and other
        and SUBJECT_DRAWINGS[other if main == "bridge" else main].place == "ground"
    ):
        # Something crossing a bridge stands on its deck, rather than beside it.
        rider = other if main == "bridge" else main
        bridge = _place(st, "bridge", w / 2, 1.0, SUBJECT_DRAWINGS["bridge"].colour, None)
        deck = bridge.box[1] + bridge.box[3] * _ON_DECK
        rider_colour = colour if rider == main else SUBJECT_DRAWINGS[rider].colour
        return [bridge, _place(st, rider, cx, 0.62, rider_colour, deck)]
    placed = [_place(st, main, cx, 1.0, colour, None)]
    if other:
        side = 0.17 if cx > w / 2 else 0.83
        placed.append(_place(st, other, w * side, 0.55, SUBJECT_DRAWINGS[other].colour, None))
        placed.reverse()  # the companion is further away: drawn first, behind
    return placed


def draw_placed(st: Stage, p: Placed) -> None:
    spec = SUBJECT_DRAWINGS[p.name]
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


def backdrop(st: Stage) -> None:
    """Draws the subjects that stand behind the setting's near layers (a mountain...)."""
    for p in st.placed:
        if SUBJECT_DRAWINGS[p.name].place == "horizon":
            draw_placed(st, p)
