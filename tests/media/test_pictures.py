"""Tests for mock_gateway.media.pictures: sizes, transparency and determinism, checked on pixels."""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageStat

from mock_gateway.media.contact_sheet import PROMPTS as CONTACT_PROMPTS
from mock_gateway.media.contact_sheet import contact_sheet
from mock_gateway.media.contact_sheet import main as contact_sheet_main
from mock_gateway.media.pictures import (
    ASPECT_RATIO_SIZES,
    MAX_INPUT_PIXELS,
    NotAnImage,
    cut_out,
    probe_image,
    render_fibo,
    sample_picture,
    stand_in_picture,
)
from mock_gateway.media.prompts import SUBJECTS, plan_scene
from mock_gateway.media.samples import SAMPLES, sample_size, stand_in_size
from mock_gateway.media.scenes import SUBJECT_DRAWINGS, draw_subject, render_scene


def encode(im: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **options)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but holds no pixel data: the shape of a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@cache
def cut_sample(name: str) -> Image.Image:
    return decode(cut_out(sample_picture(name)))


def level(band: Image.Image, xy: tuple[int, int]) -> int:
    value = band.getpixel(xy)
    assert isinstance(value, int)
    return value


def corners_and_centre(alpha: Image.Image) -> tuple[list[int], int]:
    w, h = alpha.size
    corners = [level(alpha, xy) for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
    return corners, level(alpha, (w // 2, h // 2))


# --------------------------------------------------------------------------- probe_image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_probe_image_reports_width_and_height(fmt: str) -> None:
    data = encode(Image.new("RGB", (37, 23), (10, 120, 200)), fmt)
    assert probe_image(data) == (37, 23)


def test_probe_image_reads_samples() -> None:
    for name in SAMPLES:
        assert probe_image(sample_picture(name)) == sample_size(name)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>Not found</body></html>", b"\x89PNG\r\n\x1a\n"],
    ids=["empty", "html", "png-signature-only"],
)
def test_probe_image_rejects_non_images(data: bytes) -> None:
    with pytest.raises(NotAnImage) as excinfo:
        probe_image(data)
    assert str(excinfo.value)  # a message the user can read


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_probe_image_rejects_truncated_files(fmt: str) -> None:
    data = encode(decode(sample_picture(SAMPLES[0])).convert("RGB"), fmt)
    with pytest.raises(NotAnImage, match="truncated"):
        probe_image(data[: len(data) // 2])


def test_probe_image_refuses_too_many_pixels_before_decoding() -> None:
    assert MAX_INPUT_PIXELS < 10_000 * 5_000
    with pytest.raises(
        NotAnImage, match=r"^image is too large: 10000x5000 pixels \(max 16777216 pixels\)$"
    ):
        probe_image(png_header_only(10_000, 5_000))


def test_probe_image_refuses_absurd_sizes() -> None:
    with pytest.raises(NotAnImage, match="too large"):
        probe_image(png_header_only(30_000, 30_000))


def test_not_an_image_is_a_value_error() -> None:
    assert issubclass(NotAnImage, ValueError)


# --------------------------------------------------------------------------- cut_out


@pytest.mark.parametrize("name", SAMPLES)
def test_cut_out_of_sample_has_transparent_corners_and_opaque_centre(name: str) -> None:
    out = cut_sample(name)
    assert out.format == "PNG"
    assert out.mode == "RGBA"
    assert out.size == sample_size(name)
    corners, centre = corners_and_centre(out.getchannel("A"))
    assert corners == [0, 0, 0, 0]
    assert centre == 255


@pytest.mark.parametrize("name", SAMPLES)
def test_cut_out_keeps_a_sensible_share_of_the_picture(name: str) -> None:
    histogram = cut_sample(name).getchannel("A").histogram()
    total = sum(histogram)
    assert 0.05 < histogram[255] / total < 0.6
    assert 0.3 < histogram[0] / total < 0.95


@pytest.mark.skipif("portrait" not in SAMPLES, reason="needs the portrait sample")
def test_cut_out_keeps_a_subject_that_touches_the_border() -> None:
    alpha = cut_sample("portrait").getchannel("A")
    w, h = alpha.size
    assert level(alpha, (w // 2, h - 1)) == 255  # the shoulders run off the bottom edge
    assert level(alpha, (2, h - 1)) == 0 and level(alpha, (w - 3, h - 1)) == 0


def test_cut_out_is_deterministic() -> None:
    data = sample_picture(SAMPLES[0])
    assert cut_out(data) == cut_out(data)


def test_cut_out_keeps_subject_colours_and_clears_invisible_ones() -> None:
    name = SAMPLES[0]
    original = decode(sample_picture(name)).convert("RGBA")
    out = cut_sample(name)
    visible = out.getchannel("A").point(lambda v: 255 if v else 0)
    hidden = Image.new("RGBA", out.size)
    assert (
        out.convert("RGB").tobytes()
        == Image.composite(original, hidden, visible).convert("RGB").tobytes()
    )
    assert out.getpixel((0, 0)) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "convert",
    [
        lambda im: encode(im.convert("L")),
        lambda im: encode(im.convert("P")),
        lambda im: encode(im.convert("RGB"), "JPEG", quality=85),
        lambda im: encode(im.convert("CMYK"), "JPEG", quality=85),
        lambda im: encode(im.convert("I").point(lambda v: v * 257).convert("I;16")),
    ],
    ids=["L", "P", "JPEG", "CMYK-JPEG", "16-bit"],
)
def test_cut_out_handles_other_modes_and_formats(convert: Callable[[Image.Image], bytes]) -> None:
    name = SAMPLES[0]
    out = decode(cut_out(convert(decode(sample_picture(name)))))
    assert out.mode == "RGBA"
    assert out.size == sample_size(name)
    corners, centre = corners_and_centre(out.getchannel("A"))
    assert corners == [0, 0, 0, 0]
    assert centre == 255


def test_cut_out_of_a_cut_out_stays_cut_out() -> None:
    name = SAMPLES[0]
    again = decode(cut_out(encode(cut_sample(name))))
    corners, centre = corners_and_centre(again.getchannel("A"))
    assert corners == [0, 0, 0, 0]
    assert centre == 255


def test_cut_out_edge_is_soft_but_narrow() -> None:
    im = Image.new("RGB", (200, 120), (230, 230, 230))
    ImageDraw.Draw(im).rectangle((60, 30, 139, 89), fill=(30, 60, 160))
    alpha = decode(cut_out(encode(im))).getchannel("A")
    row = [level(alpha, (x, 60)) for x in range(200)]
    assert row[:50] == [0] * 50 and row[-50:] == [0] * 50
    assert row[70:130] == [255] * 60
    left_ramp = [v for v in row[50:70] if v not in (0, 255)]
    right_ramp = [v for v in row[130:150] if v not in (0, 255)]
    assert 1 <= len(left_ramp) <= 3 and 1 <= len(right_ramp) <= 3
    assert left_ramp == sorted(left_ramp) and right_ramp == sorted(right_ramp, reverse=True)


def test_cut_out_removes_a_gradient_backdrop() -> None:
    ramp = Image.linear_gradient("L").resize((300, 200))
    im = Image.merge("RGB", (ramp, ramp.point(lambda v: 120 + v // 3), ramp.point(lambda v: 200)))
    ImageDraw.Draw(im).ellipse((110, 60, 190, 140), fill=(250, 20, 20))
    corners, centre = corners_and_centre(decode(cut_out(encode(im))).getchannel("A"))
    assert corners == [0, 0, 0, 0]
    assert centre == 255


def test_cut_out_works_on_tiny_images() -> None:
    for size in [(1, 1), (2, 3), (7, 5)]:
        assert decode(cut_out(encode(Image.new("RGB", size, (9, 9, 9))))).size == size


def test_cut_out_rejects_non_images() -> None:
    with pytest.raises(NotAnImage):
        cut_out(b"<html></html>")


# --------------------------------------------------------------------------- samples


def test_samples_exist_and_sizes_match_the_pictures() -> None:
    assert SAMPLES
    sizes = set()
    for name in SAMPLES:
        data = sample_picture(name)
        im = decode(data)
        assert im.format == "PNG"
        assert im.size == sample_size(name)
        assert len(data) < 1_500_000
        sizes.add(im.size)
    assert len(sizes) == len(SAMPLES)
    assert any(w != h for w, h in sizes)


def test_sample_picture_is_cached_and_stable() -> None:
    name = SAMPLES[-1]
    assert sample_picture(name) is sample_picture(name)


def test_sample_picture_looks_like_a_photo() -> None:
    im = decode(sample_picture(SAMPLES[0])).convert("RGB")
    w, h = im.size
    backdrop = im.crop((0, 0, w // 5, h // 5))
    spread = ImageStat.Stat(backdrop).stddev
    assert all(0.5 < s < 20 for s in spread)  # textured, yet gentle


def test_unknown_sample_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        sample_picture("no-such-sample")
    with pytest.raises(KeyError):
        sample_size("no-such-sample")


# --------------------------------------------------------------------------- stand-ins


def test_stand_in_picture_is_deterministic_and_sized_as_announced() -> None:
    url = "https://images.example.com/photos/42.jpg"
    data = stand_in_picture(url)
    assert data == stand_in_picture(url)
    im = decode(data)
    assert im.format == "PNG"
    assert im.size == stand_in_size(url)


def test_stand_in_pictures_differ_between_urls() -> None:
    pictures = {stand_in_picture(f"https://example.com/{i}.png") for i in range(4)}
    assert len(pictures) == 4


def test_stand_in_picture_can_be_cut_out() -> None:
    for i in range(3):
        alpha = decode(cut_out(stand_in_picture(f"https://cdn.example.org/item-{i}.webp")))
        corners, _ = corners_and_centre(alpha.getchannel("A"))
        assert corners == [0, 0, 0, 0]
        assert alpha.getchannel("A").histogram()[255] > 0.05 * alpha.width * alpha.height


# --------------------------------------------------------------------------- render_fibo


def fibo(
    prompt: str = "a lighthouse at dusk",
    seed: int = 7,
    aspect_ratio: str = "16:9",
    steps_num: int = 30,
) -> bytes:
    return render_fibo(prompt, seed=seed, aspect_ratio=aspect_ratio, steps_num=steps_num)


def mean_difference(a: bytes, b: bytes) -> float:
    diff = ImageChops.difference(decode(a).convert("RGB"), decode(b).convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


@pytest.mark.parametrize("aspect_ratio", sorted(ASPECT_RATIO_SIZES))
def test_render_fibo_has_the_exact_size(aspect_ratio: str) -> None:
    im = decode(fibo(aspect_ratio=aspect_ratio))
    assert im.format == "PNG"
    assert im.mode == "RGB"
    assert im.size == ASPECT_RATIO_SIZES[aspect_ratio]


def test_aspect_ratio_sizes() -> None:
    assert ASPECT_RATIO_SIZES == {
        "1:1": (1024, 1024),
        "16:9": (1344, 768),
        "9:16": (768, 1344),
        "4:3": (1152, 896),
    }


def test_render_fibo_is_deterministic() -> None:
    assert fibo() == fibo()


def test_render_fibo_changes_visibly_with_seed_and_prompt() -> None:
    base = fibo()
    assert mean_difference(base, fibo(seed=8)) > 5
    assert mean_difference(base, fibo(prompt="a lighthouse at dawn")) > 5


def test_render_fibo_steps_only_refine_details() -> None:
    base, more = fibo(steps_num=30), fibo(steps_num=31)
    assert base != more
    h = ASPECT_RATIO_SIZES["16:9"][1]
    diff = ImageChops.difference(decode(base).convert("RGB"), decode(more).convert("RGB"))
    changed = diff.getbbox()
    assert changed is not None and changed[1] >= int(h * 0.85)


def test_render_fibo_is_not_flat_noise() -> None:
    im = decode(fibo()).convert("RGB")
    w, h = im.size
    sky, ground = (ImageStat.Stat(im.crop(box)).mean for box in ((0, 0, w, 40), (0, h - 40, w, h)))
    assert sky != ground
    assert len(im.getcolors(maxcolors=1 << 20) or []) > 50


def test_render_fibo_accepts_any_seed() -> None:
    for seed in (-1, 0, 2**32, 2**200, -(2**70)):
        assert decode(fibo(seed=seed)).size == (1344, 768)
    assert fibo(seed=2**32) != fibo(seed=0)


def test_render_fibo_unknown_aspect_ratio_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        fibo(aspect_ratio="5:4")


# --------------------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(),
    aspect_ratio=st.sampled_from(sorted(ASPECT_RATIO_SIZES)),
    prompt=st.text(),
    steps_num=st.integers(min_value=1, max_value=60),
)
def test_render_fibo_size_always_matches(
    seed: int, aspect_ratio: str, prompt: str, steps_num: int
) -> None:
    data = render_fibo(prompt, seed=seed, aspect_ratio=aspect_ratio, steps_num=steps_num)
    assert probe_image(data) == ASPECT_RATIO_SIZES[aspect_ratio]


@settings(max_examples=15, deadline=None)
@given(url=st.text())
def test_stand_in_size_always_matches(url: str) -> None:
    assert probe_image(stand_in_picture(url)) == stand_in_size(url)


# --------------------------------------------------------------------------- render_fibo: prompts


def luma(im: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    return float(ImageStat.Stat((im.crop(box) if box else im).convert("L")).mean[0])


def lower_half(im: Image.Image) -> tuple[int, int, int, int]:
    return (0, im.height // 2, im.width, im.height)


def whiteness(im: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean of each pixel's weakest channel: high only where pixels are both bright and grey."""
    r, g, b = im.crop(box).split()
    return float(ImageStat.Stat(ImageChops.darker(ImageChops.darker(r, g), b)).mean[0])


def small_scene(prompt: str, seed: int = 0, size: tuple[int, int] = (256, 192)) -> Image.Image:
    """render_fibo's pipeline at thumbnail size: the same drawing, a fraction of the time."""
    rng = random.Random(seed)
    return render_scene(plan_scene(prompt, rng), size, rng, random.Random(seed + 1), 20)


@pytest.mark.parametrize("subject", sorted(SUBJECT_DRAWINGS))
def test_every_subject_draws_a_sizeable_shape(subject: str) -> None:
    spec = SUBJECT_DRAWINGS[subject]
    bh = 100
    bw = round(bh * spec.aspect)
    canvas = Image.new("RGB", (bw + 200, bh + 200), (128, 128, 128))
    blank = canvas.copy()
    box = (100.0, 100.0, float(bw), float(bh))
    draw_subject(subject, canvas, box, plan_scene(f"a {subject} at noon"))
    changed = ImageChops.difference(canvas, blank).convert("L").point(lambda v: 255 if v else 0)
    inside = changed.crop((100, 100, 100 + bw, 100 + bh)).histogram()[255]
    assert inside > 0.15 * bw * bh  # big enough to recognise, not a speck
    assert len(canvas.crop((100, 100, 100 + bw, 100 + bh)).getcolors(1 << 16) or []) >= 3


def test_subjects_are_different_shapes() -> None:
    masks = {}
    for subject in SUBJECT_DRAWINGS:
        canvas = Image.new("RGB", (160, 160), (128, 128, 128))
        draw_subject(subject, canvas, (30.0, 30.0, 100.0, 100.0), plan_scene("at noon"))
        masks[subject] = canvas.tobytes()
    assert len(set(masks.values())) == len(masks)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_subject_renders_in_a_scene(subject: str) -> None:
    im = small_scene(f"a {subject}")
    assert im.size == (256, 192) and im.mode == "RGB"
    assert len(im.getcolors(1 << 16) or []) > 20


def test_colour_words_colour_the_subject() -> None:
    def reds_and_blues(prompt: str) -> tuple[int, int]:
        canvas = Image.new("RGB", (300, 200), (128, 128, 128))
        draw_subject("car", canvas, (40.0, 60.0, 220.0, 100.0), plan_scene(prompt))
        r, g, b = canvas.split()

        def count(*masks: Image.Image) -> int:
            both = masks[0]
            for m in masks[1:]:
                both = ImageChops.multiply(both, m)
            return both.histogram()[255]

        def above(band: Image.Image, v: int) -> Image.Image:
            return band.point(lambda x: 255 if x > v else 0)

        def below(band: Image.Image, v: int) -> Image.Image:
            return band.point(lambda x: 255 if x < v else 0)

        red = count(above(r, 150), below(g, 90), below(b, 90))
        blue = count(above(b, 150), below(r, 90))
        return red, blue

    red_car, blue_car = reds_and_blues("a red car at noon"), reds_and_blues("a blue car at noon")
    assert red_car[0] > 2000 and red_car[1] < 100
    assert blue_car[1] > 2000 and blue_car[0] < 100


@pytest.mark.parametrize("subject", ["house", "fox", "car", "lighthouse", "cat", "castle"])
def test_night_is_darker_than_noon(subject: str) -> None:
    for seed in range(2):
        night = decode(fibo(f"a {subject} at night", seed=seed, aspect_ratio="1:1"))
        noon = decode(fibo(f"a {subject} at noon", seed=seed, aspect_ratio="1:1"))
        assert luma(night) < luma(noon) - 40
        # The top of the picture most of all: the sky, which says "night" at a glance.
        top = (0, 0, night.width, night.height // 8)
        assert luma(night, top) < luma(noon, top) - 45


def test_snow_is_white_below_where_desert_and_night_are_not() -> None:
    for seed in range(3):
        snow = small_scene("a fox in deep snow at noon", seed)
        desert = small_scene("a fox in the desert at noon", seed)
        night = small_scene("a fox in the forest at night", seed)
        box = lower_half(snow)
        assert whiteness(snow, box) > 170
        assert whiteness(snow, box) > whiteness(desert, box) + 50
        assert whiteness(snow, box) > whiteness(night, box) + 100
        assert luma(snow, box) > luma(night, box) + 100


def test_each_weather_changes_the_picture() -> None:
    base = small_scene("a house in the hills in summer at noon, clear")
    for weather in ("cloudy", "rain", "storm", "fog"):
        other = small_scene(f"a house in the hills in summer at noon, {weather}")
        diff = ImageStat.Stat(ImageChops.difference(base, other)).mean
        assert sum(diff) / 3 > 10, weather


def test_prompts_with_unknown_words_vary() -> None:
    nonsense = ["zorp quux", "lorem ipsum dolor", "blorft", "qwerty uiop", "xyzzy plugh"]
    pictures = [fibo(prompt, aspect_ratio="1:1") for prompt in nonsense]
    for i, a in enumerate(pictures):
        for b in pictures[i + 1 :]:
            assert mean_difference(a, b) > 8


def test_the_prompt_decides_the_picture_not_just_its_noise() -> None:
    # Two prompts far apart in meaning must give pictures far apart, beyond what a seed changes.
    seed_change = mean_difference(fibo("a red fox in deep snow"), fibo("a red fox in deep snow", 8))
    prompt_change = mean_difference(fibo("a red fox in deep snow"), fibo("a city skyline at night"))
    assert prompt_change > 60
    assert prompt_change > 2 * seed_change


@pytest.mark.parametrize(
    "prompt",
    [
        "a dog on the beach",
        "a sailboat on a lake",
        "a car in the city at night",
        "a cup of coffee in a kitchen at dusk",
        "a cottage in a foggy forest",
        "a penguin in the snow during a blizzard",
        "a robot on the moon in outer space",
        "a castle under a stormy sky",
    ],
)
def test_steps_only_refine_the_bottom_strip(prompt: str) -> None:
    aspect_ratio = "9:16" if len(prompt) % 2 else "16:9"  # both shapes, over the prompts
    base = fibo(prompt, aspect_ratio=aspect_ratio, steps_num=20)
    more = fibo(prompt, aspect_ratio=aspect_ratio, steps_num=45)
    assert base != more
    diff = ImageChops.difference(decode(base).convert("RGB"), decode(more).convert("RGB"))
    changed = diff.getbbox()
    h = ASPECT_RATIO_SIZES[aspect_ratio][1]
    assert changed is not None and changed[1] >= int(h * 0.85)


def test_render_fibo_is_identical_across_processes() -> None:
    prompt = "a whale in the ocean at sunset"
    here = hashlib.sha256(render_fibo(prompt, seed=3, aspect_ratio="4:3", steps_num=30)).hexdigest()
    code = (
        "import hashlib; from mock_gateway.media.pictures import render_fibo; "
        f"print(hashlib.sha256(render_fibo({prompt!r}, seed=3, aspect_ratio='4:3', "
        "steps_num=30)).hexdigest())"
    )
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == here


def test_render_fibo_pictures_stay_small() -> None:
    for prompt in CONTACT_PROMPTS:
        assert len(fibo(prompt, aspect_ratio="1:1")) < 1_500_000


# --------------------------------------------------------------------------- contact sheet


def test_contact_sheet_lays_out_captioned_thumbnails(tmp_path: Path) -> None:
    sheet = contact_sheet(CONTACT_PROMPTS[:2])
    assert sheet.width > 4 * 300 and 200 < sheet.height < 400  # one row of four slots
    out = tmp_path / "sub" / "sheet.png"
    assert len(CONTACT_PROMPTS) == 12 and len(set(CONTACT_PROMPTS)) == 12
    assert contact_sheet_main([str(out)]) == 0
    im = decode(out.read_bytes())
    assert im.width == sheet.width and im.height > 3 * 200  # three rows of four
    assert contact_sheet_main([]) == 2
