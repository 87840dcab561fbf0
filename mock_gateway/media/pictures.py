"""Pictures for the offline mock gateway: decoding checks, a cheap cut-out, and synthetic images.

Nothing here touches the network or the disk, and everything is deterministic, because the mock
must answer the same request with the same bytes in every process and on every machine.

* ``probe_image`` fully decodes its input: a header alone says nothing about a truncated upload,
  and the real service refuses those too. The decoding budget is checked from the header *before*
  decoding, so that a tiny file that expands into gigabytes (a decompression bomb; a flat 6300x6300
  PNG is about 120 KB) is refused without being expanded: at most ``MAX_INPUT_PIXELS`` pixels, which
  bounds ``cut_out``'s work (it holds several full-size RGBA copies, about 30 bytes a pixel at its
  peak), and at most ``MAX_DECODED_BYTES`` for the decoded picture in the mode it decodes to.
* ``cut_out`` stands in for the RMBG model with classic matting instead of ML. The backdrop is
  modelled as a linear gradient fitted to median colours all around the border, because photos
  rarely have a flat backdrop (studio sweeps, skies, light falloff) and a single colour would eat
  into the subject; the fit is trimmed so a subject touching the edge does not skew it. Each
  pixel's (smoothed) distance to that model is thresholded, morphologically cleaned so noise does
  not leave speckles, and blurred by one pixel to give the soft edge a matting model produces.
* The sample pictures and the stand-ins for remote images are "photo-like" on purpose: a shaded
  subject (vase, person, cat) in the middle of a light gradient with deterministic grain. Pure flat
  colours would make ``cut_out`` trivially right and hide bugs; the grain and gradient make it do
  the same work it does on a real photo, while the subject keeps enough contrast that the result is
  predictable (corners transparent, centre opaque) and testable.
* ``render_fibo`` stands in for text-to-image. A demo of the mock should show pictures that follow
  their prompts, not one stock landscape, so the prompt is read into a scene plan (``prompts``:
  time of day, weather, season, setting, a subject from a vocabulary of common things, its colour)
  and drawn procedurally (``scenes``): "a red fox in deep snow" gives a red fox on white ground,
  "a city skyline at night" lit windows under a dark sky. Whatever the prompt leaves open comes
  from the seed, so unknown words still give varied pictures. Randomness always comes from
  ``sha256`` of the parameters, never from ``hash()``, which is salted per process, and the step
  count only touches small details at the bottom, so the composition does not move with it.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import json
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageMode, ImageOps, ImageStat

from ..core.catalog import ASPECT_RATIO_SIZES  # the catalog decides output sizes
from .memory import trim
from .prompts import plan_scene
from .samples import RGB, SAMPLE_SCENES, Box, Scene, stand_in_size
from .scenes import render_scene


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can decode (message is user-facing, one clear sentence)."""


# The decoding budget, per picture. 4096x4096 takes in any phone photo (12 MP is 4032x3024);
# cut_out's work on it peaks near 0.2 GB.
MAX_INPUT_PIXELS: int = 4096 * 4096
MAX_DECODED_BYTES: int = 64 * 1024 * 1024  # the decoded picture itself, as Pillow holds it
# ... and for the whole process: pixels being decoded or cut out at once, whatever the thread.
# The budget above is per picture; eight large downloads at once reached 2.5 GB without this.
MAX_PIXELS_AT_ONCE: int = 2 * MAX_INPUT_PIXELS


class _Workload:
    """Admits pictures while the pixels in work stay within a limit (one always gets in)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_work = 0
        self._changed = threading.Condition()

    @contextmanager
    def admit(self, pixels: int) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self.in_work or self.in_work + pixels <= self.limit)
            self.in_work += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_work -= pixels
                self._changed.notify_all()
            # Each thread has its own malloc arena: what this one freed goes back now, or else
            # a few large pictures in turn end up held by every worker thread.
            trim()


_WORKLOAD = _Workload(MAX_PIXELS_AT_ONCE)


_MATTE_THRESHOLD = 40  # max channel distance; well above grain, well below subject contrast
_BORDER_SEGMENTS = 8  # per side: enough to outvote a subject, each still a robust median
# zlib levels: fixed so output bytes never change, low because beyond them noisy photos cost
# much more time for little size gain. Samples are cached, so they can afford a bit more.
_PHOTO_COMPRESS, _CUTOUT_COMPRESS, _FIBO_COMPRESS = 3, 1, 2


# --------------------------------------------------------------------------- decoding


def decoded_bytes(mode: str, size: tuple[int, int]) -> int:
    """Bytes Pillow allocates for a picture of this mode and size (read before decoding).

    A single 8-bit band is one byte a pixel, 16-bit grey two; everything else is four (Pillow
    pads RGB to four bytes). An unknown mode counts as four.
    """
    try:
        descriptor = ImageMode.getmode(mode)
        per_pixel = int(descriptor.typestr[-1]) if len(descriptor.bands) == 1 else 4
    except (KeyError, ValueError):
        per_pixel = 4
    return size[0] * size[1] * per_pixel


def _open(data: bytes) -> Image.Image:
    """The picture with its header read and checked against the budget; nothing decoded yet."""
    if not data:
        raise NotAnImage("the image data is empty")
    try:
        im = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:
        # Pillow refuses absurd sizes before we can read them, so the dimensions are unknown here.
        raise NotAnImage(f"image is too large: more than {MAX_INPUT_PIXELS} pixels") from None
    except Exception:
        raise NotAnImage("the data is not an image in a format we can read") from None
    width, height = im.size
    if width * height == 0:
        raise NotAnImage("the image has no pixels")
    if width * height > MAX_INPUT_PIXELS:
        raise NotAnImage(
            f"image is too large: {width}x{height} pixels (max {MAX_INPUT_PIXELS} pixels)"
        )
    need = decoded_bytes(im.mode, im.size)
    if need > MAX_DECODED_BYTES:
        raise NotAnImage(
            f"image is too large: {width}x{height} pixels in mode {im.mode} take {need} bytes "
            f"to decode (max {MAX_DECODED_BYTES} bytes)"
        )
    return im


def _load(im: Image.Image) -> Image.Image:
    try:
        im.load()
    except Exception:
        # Decoders raise a zoo of types (OSError, SyntaxError, struct.error, ...) on bad data;
        # for the caller they all mean the same thing.
        raise NotAnImage("the image data is truncated or corrupt") from None
    return im


def probe_image(data: bytes) -> tuple[int, int]:
    """(width, height) of an encoded image, fully decoded; NotAnImage says why it is not one."""
    im = _open(data)
    with _WORKLOAD.admit(im.width * im.height):
        return _load(im).size


def _encode_png(im: Image.Image, level: int) -> bytes:
    buf = io.BytesIO()
    # Only pixels and fixed options go in, so the bytes depend on nothing else (no time, no text).
    im.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


# --------------------------------------------------------------------------- cut-out


def _split_alpha(im: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """RGB pixels for matting, plus the input as RGBA when it has its own transparency."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        # High bit depth converts to RGB by clipping, which would turn a 16-bit photo white.
        im = im if im.mode == "F" else im.convert("I")
        high = im.getextrema()[1]
        scale = 1 / 257 if isinstance(high, (int, float)) and high > 255 else 1.0
        im = im.point(lambda v: v * scale).convert("L")
    if "A" in im.getbands() or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        # Hidden pixels hold arbitrary colours (often black); matting should see them as white.
        return Image.alpha_composite(white, rgba).convert("RGB"), rgba
    try:
        return im.convert("RGB"), None
    except ValueError:
        raise NotAnImage(f"images in colour mode {im.mode} are not supported") from None


Sample = tuple[float, float, RGB]  # x and y as fractions of the image size, and a colour
Plane = list[tuple[float, float, float]]  # per channel: colour = a + b * x + c * y


def _border_samples(rgb: Image.Image) -> list[Sample]:
    """Median colours of short segments all around the border, a few pixels deep."""
    w, h = rgb.size
    d = max(1, min(w, h) // 64)
    samples: list[Sample] = []
    for horizontal, length in ((True, w), (False, h)):
        count = min(_BORDER_SEGMENTS, length)
        for a, b in ((i * length // count, (i + 1) * length // count) for i in range(count)):
            top_bottom = [(a, 0, b, d), (a, h - d, b, h)]
            for box in top_bottom if horizontal else [(0, a, d, b), (w - d, a, w, b)]:
                r, g, bl = (int(v) for v in ImageStat.Stat(rgb.crop(box)).median[:3])
                samples.append(((box[0] + box[2]) / 2 / w, (box[1] + box[3]) / 2 / h, (r, g, bl)))
    return samples


def _fit_plane(samples: list[Sample]) -> Plane:
    """Least squares per channel; centring x and y leaves only a 2x2 system to solve."""
    n = len(samples)
    mx, my = sum(s[0] for s in samples) / n, sum(s[1] for s in samples) / n
    dx, dy = [s[0] - mx for s in samples], [s[1] - my for s in samples]
    ridge = 1e-9  # keeps one-pixel-wide images (every x equal) solvable
    sxx, syy = sum(v * v for v in dx) + ridge, sum(v * v for v in dy) + ridge
    sxy = sum(p * q for p, q in zip(dx, dy, strict=True))
    det = sxx * syy - sxy * sxy
    plane: Plane = []
    for ch in range(3):
        values = [s[2][ch] for s in samples]
        mean = sum(values) / n
        sxv = sum(p * (v - mean) for p, v in zip(dx, values, strict=True))
        syv = sum(q * (v - mean) for q, v in zip(dy, values, strict=True))
        b, c = (sxv * syy - syv * sxy) / det, (syv * sxx - sxv * sxy) / det
        plane.append((mean - b * mx - c * my, b, c))
    return plane


def _misfit(plane: Plane, s: Sample) -> float:
    return max(abs(a + b * s[0] + c * s[1] - s[2][ch]) for ch, (a, b, c) in enumerate(plane))


def _background_model(rgb: Image.Image) -> Image.Image:
    samples = _border_samples(rgb)
    # Where the subject touches the border its samples fit badly: drop the worst quarter and
    # refit, then let back in every sample that agrees with the cleaner plane and fit once more.
    plane = _fit_plane(samples)
    best = sorted(samples, key=lambda s: _misfit(plane, s))[: max(3, len(samples) * 3 // 4)]
    plane = _fit_plane(best)
    plane = _fit_plane([s for s in samples if _misfit(plane, s) <= _MATTE_THRESHOLD] or best)
    # A plane is smooth, so it is evaluated at thumbnail size and scaled up once: far cheaper.
    sw, sh = min(rgb.width, 32), min(rgb.height, 32)
    small = Image.new("RGB", (sw, sh))
    cells = [((i + 0.5) / sw, (j + 0.5) / sh) for j in range(sh) for i in range(sw)]
    small.putdata(
        [tuple(min(255, max(0, round(a + b * x + c * y))) for a, b, c in plane) for x, y in cells]
    )
    return small.resize(rgb.size, Image.Resampling.BILINEAR)


def _morph(mask: Image.Image, radius: int, grow: bool) -> Image.Image:
    # On a 0/255 mask, box blur + threshold is exactly Min/MaxFilter, and several times faster.
    blurred = mask.filter(ImageFilter.BoxBlur(radius))
    return blurred.point(lambda v: 255 if (v > 0 if grow else v == 255) else 0)


def _matte(rgb: Image.Image) -> Image.Image:
    """The subject's alpha (L, full size); what it works with is freed when it returns."""
    # The mask is worked out at half size (a quarter of the pixels) and scaled back up: the
    # outline stays within a pixel, and the 2x2 averaging is part of the smoothing below.
    half = rgb.reduce(2)
    # Colours are averaged before comparing, so grain and dithering cancel out instead of
    # flipping single pixels (averaging distances would not cancel: they are all positive).
    smooth = half.filter(ImageFilter.BoxBlur(1))
    r, g, b = ImageChops.difference(smooth, _background_model(half)).split()
    distance = ImageChops.lighter(ImageChops.lighter(r, g), b)
    mask = distance.point(lambda v: 255 if v > _MATTE_THRESHOLD else 0)
    # Opening removes specks of backdrop noise; the closing after it fills pinholes in the subject.
    mask = _morph(_morph(_morph(mask, 1, False), 2, True), 1, False)
    mask = mask.resize(rgb.size, Image.Resampling.BILINEAR).point(lambda v: 255 if v > 127 else 0)
    return mask.filter(ImageFilter.BoxBlur(1))  # a 2 px ramp, like a matting model's edge


def cut_out(data: bytes) -> bytes:
    """Background removal: RGBA PNG of the input's size, backdrop alpha 0, subject alpha 255.

    The edge is a soft 1-3 px ramp and fully transparent pixels are transparent black. Same input
    bytes give the same output bytes; NotAnImage if the input cannot be decoded.
    """
    im = _open(data)
    with _WORKLOAD.admit(im.width * im.height):
        # Full-size copies are dropped as soon as they are used (del): at the budget's limit
        # each is up to 64 MB, and holding them all to the end doubled the peak.
        rgb, rgba = _split_alpha(_load(im))
        del im
        alpha = _matte(rgb)
        if rgba is None:
            colour = rgb.split()
        else:
            *bands, own_alpha = rgba.split()
            colour = tuple(bands)
            alpha = ImageChops.multiply(alpha, own_alpha)  # what was transparent stays so
            del bands, own_alpha
        del rgb, rgba
        # Invisible pixels are cleared to transparent black: the PNG gets several times smaller
        # and twice as fast to write, since the backdrop's noise no longer has to be stored.
        # Multiplying by a 0/255 mask keeps a visible pixel's value exactly.
        visible = alpha.point(lambda v: 255 if v else 0)
        colour = tuple(ImageChops.multiply(band, visible) for band in colour)
        del visible
        # merge() builds a fresh image, so no input metadata (ICC, EXIF, text) leaks out.
        return _encode_png(Image.merge("RGBA", (*colour, alpha)), _CUTOUT_COMPRESS)


# --------------------------------------------------------------------------- photo-like scenes

_GRAIN_BLOTCH = 20  # low-frequency unevenness, like lighting falloff on a backdrop
_GRAIN_FINE = 8  # per-pixel sensor noise; small so PNGs stay well under 1.5 MB


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(ramp, top, bottom)


def _add_grain(im: Image.Image, seed: int) -> Image.Image:
    rng = random.Random(seed)
    w, h = im.size
    blotches = Image.frombytes("L", (8, 6), rng.randbytes(48))
    blotches = blotches.resize(im.size, Image.Resampling.BICUBIC)
    fine = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    noise = ImageChops.add(
        blotches.point(lambda v: v * _GRAIN_BLOTCH // 255),
        fine.point(lambda v: v * _GRAIN_FINE // 255),
    )
    # Centre the noise on zero so the grain neither brightens nor darkens the picture.
    offset = -(_GRAIN_BLOTCH + _GRAIN_FINE) // 2
    return ImageChops.add(im, Image.merge("RGB", (noise, noise, noise)), offset=offset)


def _paste_shaded(canvas: Image.Image, mask: Image.Image, at: tuple[int, int], colour: RGB) -> None:
    # A radial ramp lit from the upper left reads as a rounded, solid object rather than a sticker.
    shade = Image.radial_gradient("L").crop((48, 40, 256, 256))
    shade = shade.resize(mask.size, Image.Resampling.BILINEAR)
    dark = (colour[0] * 9 // 20, colour[1] * 9 // 20, colour[2] * 9 // 20)
    canvas.paste(ImageOps.colorize(shade, colour, dark), at, mask)


def _canvas(box: Box) -> tuple[Image.Image, ImageDraw.ImageDraw, int, int]:
    w, h = box[2] - box[0], box[3] - box[1]
    mask = Image.new("L", (w, h), 0)
    return mask, ImageDraw.Draw(mask), w, h


def _draw_vase(canvas: Image.Image, box: Box, colour: RGB, accent: RGB) -> None:
    mask, d, w, h = _canvas(box)
    d.ellipse((0, int(h * 0.3), w - 1, h - 1), fill=255)
    d.rectangle((int(w * 0.34), int(h * 0.08), int(w * 0.66), int(h * 0.5)), fill=255)
    d.ellipse((int(w * 0.24), 0, int(w * 0.76), int(h * 0.12)), fill=255)
    _paste_shaded(canvas, mask, box[:2], colour)
    band, bd, _, _ = _canvas(box)
    bd.rectangle((0, int(h * 0.58), w, int(h * 0.66)), fill=255)
    _paste_shaded(canvas, ImageChops.multiply(mask, band), box[:2], accent)


def _draw_person(canvas: Image.Image, box: Box, colour: RGB, accent: RGB) -> None:
    body, d, w, h = _canvas(box)
    d.ellipse((0, int(h * 0.52), w - 1, int(h * 1.5)), fill=255)  # shoulders, cut off by the box
    _paste_shaded(canvas, body, box[:2], colour)
    head, d, _, _ = _canvas(box)
    d.rectangle((int(w * 0.4), int(h * 0.38), int(w * 0.6), int(h * 0.6)), fill=255)
    d.ellipse((int(w * 0.27), 0, int(w * 0.73), int(h * 0.5)), fill=255)
    _paste_shaded(canvas, head, box[:2], accent)


def _draw_cat(canvas: Image.Image, box: Box, colour: RGB, accent: RGB) -> None:
    mask, d, w, h = _canvas(box)
    d.ellipse((int(w * 0.05), int(h * 0.38), int(w * 0.8), h - 1), fill=255)
    d.ellipse((int(w * 0.13), int(h * 0.08), int(w * 0.72), int(h * 0.5)), fill=255)
    for x0, tip, x1 in ((0.16, 0.22, 0.38), (0.47, 0.63, 0.69)):
        d.polygon([(w * x0, h * 0.22), (w * tip, 0), (w * x1, h * 0.12)], fill=255)
    tail = [(w * 0.55, h * 0.93), (w * 0.9, h * 0.86), (w * 0.93, h * 0.55)]
    d.line(tail, fill=255, width=max(3, w // 14), joint="curve")
    _paste_shaded(canvas, mask, box[:2], colour)
    draw = ImageDraw.Draw(canvas)
    for ex in (0.25, 0.49):  # eyes make the silhouette read as a cat, not a blob
        x, y = box[0] + int(w * ex), box[1] + int(h * 0.24)
        draw.ellipse((x, y, x + int(w * 0.11), y + int(h * 0.06)), fill=accent)
        pupil = (x + int(w * 0.045), y, x + int(w * 0.065), y + int(h * 0.06))
        draw.ellipse(pupil, fill=(20, 20, 20))


_DRAWERS: dict[str, Callable[[Image.Image, Box, RGB, RGB], None]] = {
    "vase": _draw_vase,
    "person": _draw_person,
    "cat": _draw_cat,
}


def _render_scene(scene: Scene) -> bytes:
    im = _gradient(scene.size, *scene.backdrop)
    _DRAWERS[scene.kind](im, scene.box, scene.colour, scene.accent)
    # Grain goes on last so the subject is as noisy as the backdrop, as in a real photo.
    return _encode_png(_add_grain(im, scene.grain_seed), _PHOTO_COMPRESS)


@cache
def _sample_png(name: str) -> bytes:
    return _render_scene(SAMPLE_SCENES[name])


def forget_samples() -> None:
    """Drop the rendered samples (a reset); they are rendered again when next asked for."""
    _sample_png.cache_clear()


def sample_cache_size() -> int:
    """How many samples are rendered and kept."""
    return _sample_png.cache_info().currsize


def sample_picture(name: str) -> bytes:
    """PNG bytes of a built-in sample input picture; KeyError for an unknown name."""
    if name not in SAMPLE_SCENES:
        raise KeyError(name)  # checked first so unknown names never reach the cache
    return _sample_png(name)


# --------------------------------------------------------------------------- stand-ins

_SUBJECT_ASPECT = {"vase": 0.5, "person": 0.65, "cat": 0.58}  # width / height


def _rng(text: str) -> random.Random:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _vivid(rng: random.Random) -> RGB:
    return _hsv(rng.random(), rng.uniform(0.6, 0.95), rng.uniform(0.4, 0.72))


def _stand_in_scene(url: str) -> Scene:
    rng = _rng(url)
    w, h = size = stand_in_size(url)
    hue, sat = rng.random(), rng.uniform(0.05, 0.2)
    # Light, greyish backdrops and saturated, darker subjects: always at least ~75 levels apart
    # in some channel, so the cut-out is reliable for every URL.
    top = _hsv(hue, sat, rng.uniform(0.86, 0.96))
    bottom = _hsv(hue + 0.03, sat, rng.uniform(0.74, 0.84))
    colour, accent = _vivid(rng), _vivid(rng)
    kind = rng.choice(sorted(_DRAWERS))
    bh = int(h * rng.uniform(0.45, 0.7))
    bw = min(int(bh * _SUBJECT_ASPECT[kind]), int(w * 0.7))
    cx, cy = int(w * rng.uniform(0.4, 0.6)), int(h * rng.uniform(0.42, 0.58))
    x0 = min(max(cx - bw // 2, w // 12), w - w // 12 - bw)
    y0 = min(max(cy - bh // 2, h // 12), h - h // 12 - bh)
    box = (x0, y0, x0 + bw, y0 + bh)
    return Scene(size, (top, bottom), kind, colour, accent, box, rng.getrandbits(64))


def stand_in_picture(url: str) -> bytes:
    """A photo-like PNG standing in for a remote image the mock may not fetch.

    Same URL, same bytes; everything (size, colours, subject and its place) comes from sha256(url).
    """
    return _render_scene(_stand_in_scene(url))


# --------------------------------------------------------------------------- text-to-image


def render_fibo(prompt: str, *, seed: int, aspect_ratio: str, steps_num: int) -> bytes:
    """Text-to-image stand-in: a PNG (RGB) of ASPECT_RATIO_SIZES[aspect_ratio] that follows the
    prompt (time of day, weather, season, setting, subject, colour; see ``prompts``).

    Byte-identical for identical parameters; KeyError for an unknown aspect ratio. Any int seed
    works, since it only feeds the hash.
    """
    size = ASPECT_RATIO_SIZES[aspect_ratio]
    params = {"prompt": prompt, "seed": int(seed), "aspect_ratio": aspect_ratio}
    rng = _rng(json.dumps(params, sort_keys=True, ensure_ascii=False))
    # Steps only refine details: the composition stays put, like more diffusion steps would.
    params["steps_num"] = int(steps_num)
    detail_rng = _rng(json.dumps(params, sort_keys=True, ensure_ascii=False))
    plan = plan_scene(prompt, rng)
    im = render_scene(plan, size, rng, detail_rng, int(steps_num))
    return _encode_png(im, _FIBO_COMPRESS)
