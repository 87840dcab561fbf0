"""A contact sheet of FIBO stand-in pictures: twelve prompts, rendered and captioned on one PNG.

Whether the stand-in pictures follow their prompts is a question for eyes, not asserts, so this
puts a varied set of prompts side by side where a person can judge them at a glance (and where a
change that breaks one of them shows). Run it as::

    python -m mock_gateway.media.contact_sheet OUT.png

Everything goes through ``render_fibo``, exactly as the mock serves it, with one fixed seed, so the
sheet is reproducible and only changes when the pictures do.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .pictures import render_fibo

PROMPTS: tuple[str, ...] = (
    "A lighthouse at dusk",
    "a city skyline at night with neon lights",
    "a red fox in deep snow",
    "a sailboat on a calm lake at sunrise",
    "a castle on a hill under a stormy sky",
    "a cat sleeping in a sunny garden",
    "a hot-air balloon over autumn hills",
    "a robot in a desert at noon",
    "a cottage in a foggy forest",
    "a whale in the ocean at sunset",
    "a steam train crossing a bridge in spring",
    "a rocket launching into a starry night sky",
)
SEED = 42
ASPECT_RATIO = "16:9"
STEPS = 30
COLUMNS = 4
THUMB_WIDTH = 336  # a quarter of 1344: big enough to judge, small enough for a README
_PAD, _CAPTION = 12, 40
_BACKGROUND, _INK = (250, 250, 248), (30, 30, 34)

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def _font() -> Font:
    try:
        return ImageFont.load_default(size=15)  # a scalable font (Pillow >= 10.1)
    except TypeError:
        return ImageFont.load_default()  # older Pillow: the small bitmap font


def _caption_lines(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> list[str]:
    """``text`` wrapped to ``width`` pixels, at most two lines (the second cut with an ellipsis)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
        while draw.textlength(lines[1] + "...", font=font) > width and len(lines[1]) > 1:
            lines[1] = lines[1][:-1]
        lines[1] += "..."
    return lines


def contact_sheet(prompts: Sequence[str] = PROMPTS, seed: int = SEED) -> Image.Image:
    """The prompts' pictures as captioned thumbnails, ``COLUMNS`` to a row."""
    thumbs = []
    for prompt in prompts:
        data = render_fibo(prompt, seed=seed, aspect_ratio=ASPECT_RATIO, steps_num=STEPS)
        im = Image.open(io.BytesIO(data)).convert("RGB")
        height = round(im.height * THUMB_WIDTH / im.width)
        thumbs.append(im.resize((THUMB_WIDTH, height), Image.Resampling.LANCZOS))
    tw, th = THUMB_WIDTH, max(t.height for t in thumbs)
    rows = -(-len(thumbs) // COLUMNS)
    sheet = Image.new(
        "RGB",
        (_PAD + COLUMNS * (tw + _PAD), _PAD + rows * (th + _CAPTION + _PAD)),
        _BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    font = _font()
    for i, (prompt, thumb) in enumerate(zip(prompts, thumbs, strict=True)):
        x = _PAD + (i % COLUMNS) * (tw + _PAD)
        y = _PAD + (i // COLUMNS) * (th + _CAPTION + _PAD)
        sheet.paste(thumb, (x, y))
        for k, line in enumerate(_caption_lines(draw, prompt, font, tw)):
            draw.text((x, y + th + 4 + k * 18), line, fill=_INK, font=font)
    return sheet


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m mock_gateway.media.contact_sheet OUT.png", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet().save(out, format="PNG", optimize=True)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
