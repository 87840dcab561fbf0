"""The settings people built: a city street with its buildings, and a room with a window.

Both light up after dark: windows, neon signs and street lamps in the city, a table lamp indoors.
"""

from __future__ import annotations

from .palette import LAMP, NEON, mix, scale
from .placement import backdrop
from .stage import Box, Stage, glow


def city(st: Stage) -> None:
    rng, w, h = st.rng, st.w, st.h
    st.floor = "road"
    lamps = st.look.lamps
    x = 0.0
    while x < w:  # far towers, hazy
        bw, bh = w * rng.uniform(0.04, 0.09), st.u * rng.uniform(0.12, 0.42)
        st.draw.rectangle(
            (x, st.horizon - bh, x + bw, st.horizon), fill=st.paint((120, 130, 150), 0.45)
        )
        x += bw + w * rng.uniform(0.0, 0.02)
    backdrop(st)
    if st.plan.subject != "skyline":
        x = -w * 0.02
        while x < w:
            bw, bh = w * rng.uniform(0.07, 0.14), st.u * rng.uniform(0.2, 0.5)
            _building(st, (x, st.horizon - bh, bw, bh), 0.0, lamps and rng.random() < 0.5)
            x += bw + w * rng.uniform(0.005, 0.03)
    # Street: pavement, road with lane marks, lamp posts.
    st.draw.rectangle((0, st.horizon, w, st.horizon + h * 0.04), fill=st.paint((150, 150, 150)))
    road = st.paint((62, 64, 70))
    st.draw.rectangle((0, st.horizon + h * 0.04, w, h), fill=road)
    lane = st.horizon + h * 0.12
    for i in range(0, 12, 2):
        st.draw.rectangle(
            (w * i / 11, lane, w * (i + 1) / 11, lane + h * 0.008), fill=st.paint((230, 230, 220))
        )
    if lamps or st.plan.weather in ("rain", "storm"):
        # Wet or dark asphalt mirrors the lights: vertical smears under the windows and signs.
        for _ in range(24):
            rx, c = w * rng.random(), rng.choice((*NEON, LAMP))
            st.draw.rectangle(
                (rx, st.horizon + h * 0.05, rx + w * 0.006, h), fill=(*c, 40 if lamps else 20)
            )
    for i in range(4):
        lx = w * (0.12 + 0.25 * i)
        u = st.u
        st.draw.line(
            [(lx, st.horizon + u * 0.02), (lx, st.horizon - u * 0.16)],
            fill=st.paint((50, 52, 58)),
            width=max(2, round(u / 150)),
        )
        ly = st.horizon - u * 0.165
        if lamps:
            glow(st.draw, lx, ly, u * 0.05, LAMP, 160)
        st.draw.ellipse(
            (lx - u * 0.012, ly - u * 0.01, lx + u * 0.012, ly + u * 0.01),
            fill=LAMP if lamps else st.paint((200, 200, 190)),
        )


def _building(st: Stage, box: Box, depth: float, neon: bool) -> None:
    rng, d = st.rng, st.draw
    x0, y0, bw, bh = box
    body = st.paint(mix((70, 78, 96), (150, 150, 160), rng.random()), depth)
    d.rectangle((x0, y0, x0 + bw, y0 + bh), fill=body)
    lamps = st.look.lamps
    cols, rows = max(2, round(bw / (st.h * 0.03))), max(3, round(bh / (st.h * 0.035)))
    glass = st.paint((150, 186, 214), depth)
    ww, wh = bw / cols, bh / rows
    for row in range(rows):
        for col in range(cols):
            on = lamps and rng.random() < 0.45
            colour = LAMP if on else (scale(body, 0.6) if lamps else glass)
            wx, wy = x0 + col * ww + ww * 0.25, y0 + row * wh + wh * 0.3
            d.rectangle((wx, wy, wx + ww * 0.5, wy + wh * 0.4), fill=colour)
    if neon:
        c = rng.choice(NEON)
        nx, ny = x0 + bw * 0.15, y0 + bh * rng.uniform(0.15, 0.5)
        sign = (nx, ny, nx + bw * 0.7, ny + st.h * 0.035)
        glow(d, (sign[0] + sign[2]) / 2, (sign[1] + sign[3]) / 2, bw * 0.6, c, 130)
        d.rectangle(sign, fill=mix(c, (255, 255, 255), 0.35))


def indoor(st: Stage) -> None:
    rng, w, h, d = st.rng, st.w, st.h, st.draw
    st.floor = "wood"
    wall = st.paint(
        rng.choice(((232, 214, 186), (200, 214, 206), (214, 200, 222), (236, 226, 206)))
    )
    wx0, wx1, wy0, wy1 = w * 0.3, w * 0.7, h * 0.08, h * 0.52
    if h > w:
        wx0, wx1 = w * 0.15, w * 0.85
    # The wall is four blocks around the window, so the sky behind shows through it.
    d.rectangle((0, 0, w, wy0), fill=wall)
    d.rectangle((0, wy1, w, h), fill=wall)
    d.rectangle((0, 0, wx0, h), fill=wall)
    d.rectangle((wx1, 0, w, h), fill=wall)
    frame = st.paint((246, 244, 238))
    fw = max(3, h // 70)
    d.rectangle((wx0, wy0, wx1, wy1), outline=frame, width=fw)
    d.line([((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)], fill=frame, width=fw)
    d.line([(wx0, (wy0 + wy1) / 2), (wx1, (wy0 + wy1) / 2)], fill=frame, width=fw)
    d.rectangle((wx0 - fw * 2, wy1, wx1 + fw * 2, wy1 + fw * 2), fill=frame)
    for side in (0, 1):  # curtains
        cx = wx0 - w * 0.06 if side == 0 else wx1
        d.rectangle(
            (cx, wy0 - h * 0.03, cx + w * 0.06, wy1 + h * 0.06), fill=st.paint((170, 60, 60))
        )
    floor = st.paint((150, 104, 64))
    d.rectangle((0, h * 0.84, w, h), fill=floor)
    for i in range(1, 6):
        y = h * 0.84 + h * 0.16 * i / 6
        d.line([(0, y), (w, y)], fill=scale(floor, 0.85), width=max(1, h // 400))
    top = st.ground
    wood = st.paint((128, 84, 48))
    d.rectangle((w * 0.08, top, w * 0.92, top + h * 0.035), fill=wood)
    for lx in (0.11, 0.87):
        d.rectangle((w * lx, top + h * 0.035, w * lx + w * 0.025, h * 0.97), fill=scale(wood, 0.8))
    if st.look.lamps:  # a lamp on the table, lit, so the room is warm rather than dark
        lx = w * 0.8 if rng.random() < 0.5 else w * 0.2
        glow(d, lx, top - h * 0.2, h * 0.22, LAMP, 120)
        d.rectangle(
            (lx - h * 0.008, top - h * 0.15, lx + h * 0.008, top), fill=st.paint((60, 50, 40))
        )
        d.polygon(
            [
                (lx - h * 0.06, top - h * 0.15),
                (lx + h * 0.06, top - h * 0.15),
                (lx + h * 0.035, top - h * 0.25),
                (lx - h * 0.035, top - h * 0.25),
            ],
            fill=(250, 220, 160),
        )
