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

The parts live in modules of their own, each small enough to read in one sitting:

* ``palette``: colour helpers, named colours, and the light of each time of day and weather;
* ``stage``: the picture being drawn (``Stage``), the sky with its sun, moon, stars and clouds,
  and the scenery helpers the settings share (ridges, scenery trees, glows);
* ``settings``, ``waterside`` and ``town``: the backgrounds, and the table of them;
* ``weather``: the overlays (rain, snow, leaves, fog) and the foreground details;
* ``pen``, ``subjects_animals``, ``subjects_buildings``, ``subjects_vehicles`` and
  ``subjects_things``: the subject drawings, and ``subjects`` the table of them;
* ``placement``: where the subjects go, and how each is drawn there;
* this module: the order of the layers (``render_scene``), and one subject alone
  (``draw_subject``).
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from ..prompts import ScenePlan
from .palette import COLOUR_RGB, RGB, RGBA, Look, look_for, mix, scale
from .pen import Pen
from .placement import draw_placed, placements
from .settings import SETTINGS
from .stage import Box, Placed, Point, Stage, celestial, clouds, sky, sun_spot
from .subjects import SUBJECT_DRAWINGS, Drawer, Subject
from .weather import details, fog, weather_overlay

# What ``mock_gateway.media.scenes`` offered as one module stays importable from it.
__all__ = [
    "COLOUR_RGB",
    "RGB",
    "RGBA",
    "SUBJECT_DRAWINGS",
    "Box",
    "Drawer",
    "Look",
    "Pen",
    "Placed",
    "Point",
    "Stage",
    "Subject",
    "draw_subject",
    "look_for",
    "mix",
    "render_scene",
    "scale",
]


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
    setting = SETTINGS[plan.setting]
    look = look_for(plan)
    horizon = int(h * setting.horizon)
    im = sky(size, horizon, look)
    water = int(h * setting.water) if setting.water is not None else None
    st = Stage(
        im, ImageDraw.Draw(im, "RGBA"), plan, look, rng, horizon, int(h * setting.ground), water, []
    )
    st.spot = sun_spot(st)
    celestial(st, st.spot)
    clouds(st)
    st.placed = placements(st)
    if not setting.outdoor:
        weather_overlay(st)  # seen through the window only: the room is drawn over it
    setting.draw(st)
    if plan.weather == "fog" and setting.outdoor:
        fog(st, 0.55)
    details(st, detail_rng, steps)
    for p in st.placed:
        if SUBJECT_DRAWINGS[p.name].place != "horizon":
            draw_placed(st, p)
    if setting.outdoor:
        weather_overlay(st)
        if plan.weather == "fog":
            fog(st, 0.2)
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
    spec = SUBJECT_DRAWINGS[name]
    spec.draw(Pen(st, box, False, COLOUR_RGB.get(plan.subject_colour, spec.colour)))
