"""Colours and light: the colour helpers, the named colours, and the look of each time and weather.

Everything here is about colour and nothing about shapes: ``mix`` and ``scale`` for the drawing
code, the colours a prompt can name (``COLOUR_RGB``), the few colours that shine by themselves
(lamps, neon) or stay near black, and the light of a scene: how each time of day and weather
colours the sky and every lit surface, gathered in a ``Look`` by ``look_for``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..prompts import ScenePlan

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]


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

LAMP: RGB = (255, 214, 130)  # warm window light
NEON: tuple[RGB, ...] = ((255, 50, 180), (30, 230, 255), (170, 80, 255), (255, 130, 30))
DARK: RGB = (30, 28, 32)  # eyes, tyres, noses: near black, but never pure black


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
TIMES: dict[str, _Time] = {
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
WEATHERS: dict[str, _Weather] = {
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
    time, weather = TIMES[plan.time_of_day], WEATHERS[plan.weather]
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
