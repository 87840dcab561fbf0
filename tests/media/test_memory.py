"""Issue 13 item 2: what a picture may cost in memory, and that a reset gives it back.

Memory is measured in fresh subprocesses (RSS from /proc/self/statm, peaks from VmHWM),
so what other tests allocated does not blur the numbers.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mock_gateway import launch
from mock_gateway.core.jobs import InputImage
from mock_gateway.media import pictures, samples
from mock_gateway.media.inputs import Inputs
from mock_gateway.media.outputs import Outputs
from mock_gateway.settings import Settings

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="RSS is read from /proc/self/statm"
)


def run(script: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# Peaks are VmHWM, this process's own high-water mark: getrusage's ru_maxrss would carry the
# parent's across fork and exec.
_MEASURE = """
import os

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def peak_mb():
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
"""

# The whole mock in-process: RMBG submits of data: URLs (fetch path, probe_image), their
# outputs downloaded (cut_out, the outputs cache), then POST /_mock/reset.
_RESET_GIVES_BACK = (
    _MEASURE
    + """
import asyncio, base64, gc, io, json, sys
from PIL import Image, ImageDraw
from aiohttp.test_utils import TestClient, TestServer
from mock_gateway.app import create_app
from mock_gateway.settings import Settings

AUTH = {"Ocp-Apim-Subscription-Key": "test-key"}
SUBMIT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"

def picture(size, shade):
    w, h = size
    im = Image.new("RGB", size, (235, 235, 235 - shade))
    ImageDraw.Draw(im).ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(200, 20, shade))
    out = io.BytesIO()
    im.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

async def jobs(client, urls):
    async def submit(url):
        resp = await client.post(SUBMIT, json={"image_url": url}, headers=AUTH)
        assert resp.status == 202, await resp.text()
        return (await resp.json())["request_id"]
    ids = await asyncio.gather(*(submit(u) for u in urls))
    resp = await client.post("/_mock/clock/advance", json={"seconds": 3600})
    assert resp.status == 200
    async def download(rid):
        status = await (await client.get(f"/v2/requests/status/{rid}", headers=AUTH)).json()
        assert status["status"] == "COMPLETED", status
        path = "/" + status["output"]["media_url"][0].split("://", 1)[1].split("/", 1)[1]
        resp = await client.get(path)
        assert resp.status == 200
        return len(await resp.read())
    return await asyncio.gather(*(download(r) for r in ids))

async def main(width, height, count):
    settings = Settings(manual_clock=True, access_log=False)
    async with TestClient(TestServer(create_app(settings))) as client:
        await jobs(client, [picture((320, 240), 0)])  # warm up every path once
        assert (await client.post("/_mock/reset")).status == 200
        urls = [picture((width, height), 10 + i) for i in range(count)]
        gc.collect()
        start = rss_mb()
        await jobs(client, urls)
        loaded, peak = rss_mb(), peak_mb()
        assert (await client.post("/_mock/reset")).status == 200
        after = rss_mb()
    print(json.dumps({"start": start, "loaded": loaded, "peak": peak, "after": after}))

asyncio.run(main(*map(int, sys.argv[1:4])))
"""
)


@linux_only
def test_a_reset_gives_the_memory_of_large_pictures_back() -> None:
    side = int(pictures.MAX_INPUT_PIXELS**0.5) * 9 // 10  # large, but allowed
    m = run(_RESET_GIVES_BACK, str(side), str(side), "4")
    print(f"RSS MB for 4 pictures of {side}x{side}: {m}")
    assert m["peak"] > m["start"] + 200, f"the pictures were really decoded: {m}"
    # Two at a time at most (MAX_PIXELS_AT_ONCE), each cut-out about 8 bytes a pixel at its
    # peak; unbounded, the four reached 3.3 GB.
    assert m["peak"] < m["start"] + 700, f"too much at once: {m}"
    assert m["after"] <= m["start"] * 1.2 + 25, f"a reset keeps the memory: {m}"


# A 6300x6300 flat PNG (about 120 KB) through every decoding entry point: refused from its
# header, fast, and the peak RSS barely moves.
_BOMB = (
    _MEASURE
    + """
import asyncio, base64, json, sys, time
from mock_gateway.core.errors import InputRejected
from mock_gateway.media import pictures, samples
from mock_gateway.media.inputs import Inputs
from mock_gateway.settings import Settings

data = open(sys.argv[1], "rb").read()
inputs = Inputs(Settings(), lambda: None)
url = "data:image/png;base64," + base64.b64encode(data).decode()
messages = []
start, peak, began = rss_mb(), peak_mb(), time.monotonic()
for check in (pictures.probe_image, pictures.cut_out):
    try:
        check(data)
    except pictures.NotAnImage as e:
        messages.append(str(e))
try:
    asyncio.run(inputs.resolve(url))
except InputRejected as e:
    messages.append(str(e))
seconds = time.monotonic() - began
print(json.dumps({"messages": messages, "seconds": seconds, "start": start, "peak_before": peak,
                  "peak_after": peak_mb(), "after": rss_mb()}))
"""
)


@linux_only
def test_a_small_png_of_a_huge_picture_is_refused_without_decoding(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (6300, 6300), (200, 30, 30)).save(buf, "PNG")
    assert len(buf.getvalue()) < 200_000
    path = tmp_path / "bomb.png"
    path.write_bytes(buf.getvalue())
    m = run(_BOMB, str(path))
    print(f"6300x6300 PNG of {len(buf.getvalue())} bytes: {m}")
    too_large = f"image is too large: 6300x6300 pixels (max {pictures.MAX_INPUT_PIXELS} pixels)"
    assert m["messages"] == [too_large, too_large, f"image_url is not an image: {too_large}"]
    assert m["seconds"] < 0.5
    assert m["peak_after"] - m["peak_before"] < 10, f"it was decoded after all: {m}"


# --------------------------------------------------------------------------- the budget


def png_header_only(width: int, height: int, colour_type: int = 2, depth: int = 8) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_the_budget_allows_a_12_megapixel_photo() -> None:
    assert 4032 * 3024 <= pictures.MAX_INPUT_PIXELS < 6300 * 6300
    assert pictures.decoded_bytes("RGB", (4032, 3024)) <= pictures.MAX_DECODED_BYTES


@pytest.mark.parametrize(
    ("mode", "per_pixel"),
    [
        *[("1", 1), ("L", 1), ("P", 1), ("I;16", 2), ("I", 4), ("F", 4), ("LA", 4)],
        *[("RGB", 4), ("RGBA", 4), ("CMYK", 4), ("YCbCr", 4), ("no such mode", 4)],
    ],
)
def test_decoded_bytes_follow_pillows_own_layout(mode: str, per_pixel: int) -> None:
    # Pillow keeps one byte per pixel for single 8-bit bands, else 4 (RGB is padded to 4).
    assert pictures.decoded_bytes(mode, (7, 3)) == 21 * per_pixel


def test_the_decoded_bytes_are_checked_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pictures, "MAX_DECODED_BYTES", 1_000_000)
    # Grey (1 byte a pixel) fits where colour (4 bytes a pixel in memory) does not.
    grey = png_header_only(1000, 900, colour_type=0)
    with pytest.raises(pictures.NotAnImage, match="truncated"):
        pictures.probe_image(grey)  # within budget: decoded, and found to hold no pixels
    with pytest.raises(
        pictures.NotAnImage,
        match=r"^image is too large: 1000x900 pixels in mode RGB take 3600000 bytes to decode "
        r"\(max 1000000 bytes\)$",
    ):
        pictures.probe_image(png_header_only(1000, 900))


def test_pictures_in_work_at_once_are_bounded_in_pixels() -> None:
    import threading
    import time

    workload = pictures._Workload(100)
    order: list[str] = []

    def work(name: str, pixels: int, hold: float) -> None:
        with workload.admit(pixels):
            order.append(f"{name} in")
            time.sleep(hold)
            order.append(f"{name} out")

    big = threading.Thread(target=work, args=("big", 80, 0.2))
    big.start()
    time.sleep(0.05)
    small = threading.Thread(target=work, args=("small", 10, 0))
    other = threading.Thread(target=work, args=("other", 30, 0))
    small.start()
    small.join()
    other.start()
    other.join()
    big.join()
    assert order == ["big in", "small in", "small out", "big out", "other in", "other out"]
    with workload.admit(500):  # alone, even one over the limit is admitted
        assert workload.in_work == 500
    assert workload.in_work == 0


# --------------------------------------------------------------------------- caches


class _Job:
    """Just what the FIBO renderer reads."""

    def __init__(self, prompt: str) -> None:
        from mock_gateway.core.catalog import DEFAULT_MODELS, Kind

        self.model = next(m for m in DEFAULT_MODELS.values() if m.kind is Kind.FIBO)
        self.params = {"prompt": prompt, "seed": 1, "aspect_ratio": "1:1", "steps_num": 8}


def _cached(outputs: Outputs) -> list[Hashable]:
    return list(outputs._cache)


async def test_outputs_are_byte_bounded_and_cleared_by_the_inputs_reset() -> None:
    inputs = Inputs(Settings(), lambda: None)  # type: ignore[arg-type,return-value]
    outputs = Outputs(inputs, max_bytes=1)
    first = await outputs.png(_Job("a red fox"))  # type: ignore[arg-type]
    await outputs.png(_Job("a blue car"))  # type: ignore[arg-type]
    assert len(_cached(outputs)) == 1, "bounded: the older one was dropped"
    assert outputs.size_bytes == len(await outputs.png(_Job("a blue car")))  # type: ignore[arg-type]
    pictures.sample_picture(samples.SAMPLES[0])
    inputs.forget()
    assert _cached(outputs) == [] and outputs.size_bytes == 0
    assert pictures.sample_cache_size() == 0
    again = await outputs.png(_Job("a red fox"))  # type: ignore[arg-type]
    assert again == first, "rebuilt the same"
    outputs.clear()
    assert _cached(outputs) == [] and outputs.size_bytes == 0


def test_inputs_of_short_urls_are_kept_until_the_inputs_reset() -> None:
    """What an RMBG submit's URL resolves to at once (a stand-in for a remote URL the mock
    may not fetch, a sample of its own, or None: to be fetched) is kept for a short URL and
    made again for a long one (a client could fill memory with those); a reset drops all."""
    inputs = Inputs(Settings(), lambda: None)  # type: ignore[arg-type,return-value]
    here = "http://127.0.0.1:8080"
    url = "https://example.com/cat.jpg"
    first = inputs.resolve_now(url, here)
    assert first == InputImage("stand-in", url, *samples.stand_in_size(url))
    assert inputs.resolve_now(url, here) is first
    sample = f"{here}/_mock/samples/{samples.SAMPLES[0]}.png"
    assert inputs.resolve_now(sample, here) == InputImage(
        "sample", samples.SAMPLES[0], *samples.sample_size(samples.SAMPLES[0])
    )
    assert inputs.resolve_now(sample, "http://127.0.0.1:9999") is None, "another server's: fetched"
    long_url = "https://example.com/" + "a" * 600 + ".jpg"
    long_one = inputs.resolve_now(long_url, here)
    assert long_one is not None and long_one.ref == long_url
    assert inputs.resolve_now(long_url, here) is not long_one
    assert inputs._kept.cache_info().currsize == 3
    inputs.forget()
    assert inputs._kept.cache_info().currsize == 0
    assert inputs.resolve_now(url, here) is not first


async def test_a_render_that_outlives_a_reset_is_not_cached() -> None:
    inputs = Inputs(Settings(), lambda: None)  # type: ignore[arg-type,return-value]
    outputs = Outputs(inputs)
    pending = asyncio.ensure_future(outputs.png(_Job("a green tree")))  # type: ignore[arg-type]
    await asyncio.sleep(0)  # the render is under way in its thread
    outputs.clear()
    assert await pending
    assert _cached(outputs) == []


needs_jemalloc = pytest.mark.skipif(
    launch.find_jemalloc() is None,
    reason="jemalloc is not installed (Debian: libjemalloc2; make bench installs it)",
)
# Run on jemalloc in a fresh interpreter: RSS at the start, with `held` (500,000 small
# objects, over 100 MB), and after `then` (which must let go of `held`).
_ON_JEMALLOC = """
import asyncio, json, os
from mock_gateway.media import memory
PAGE = os.sysconf("SC_PAGESIZE")
def rss(): return int(open("/proc/self/statm").read().split()[1]) * PAGE
start = rss()
held = [{"n": i, "s": str(i) * 20} for i in range(500_000)]
full = rss()
%s
print(json.dumps({"start": start, "full": full, "after": rss()}))
"""


def on_jemalloc(then: str) -> dict[str, int]:
    env = {**os.environ, "PYTHONMALLOC": "malloc", "LD_PRELOAD": str(launch.find_jemalloc())}
    script = _ON_JEMALLOC % then
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    sizes: dict[str, int] = json.loads(out.stdout)
    assert sizes["full"] - sizes["start"] > 100 << 20, sizes  # the objects were really made
    return sizes


@linux_only
@needs_jemalloc
def test_on_jemalloc_giving_back_returns_the_freed_pages() -> None:
    """`serve` preloads jemalloc where installed; it keeps freed pages until it is busy
    again, so a reset of a quiet server would keep them. Catches a give_back that does not
    purge jemalloc's arenas (RSS stayed about 100 MB above the start here)."""
    sizes = on_jemalloc("del held\nmemory.give_back()")
    assert sizes["after"] - sizes["start"] < 25 << 20, sizes


@linux_only
@needs_jemalloc
def test_on_jemalloc_what_is_freed_just_after_a_reset_goes_back_too() -> None:
    """What the connection that asked for a reset still holds (its previous answer) is freed
    only after the reset; on a running loop give_back purges once more a moment later.
    Catches a give_back that purges only once (make soak: 66 MB after a reset, 54 at start)."""
    then = (
        "async def main():\n"
        "    global held\n"
        "    memory.give_back()  # while `held` is still alive\n"
        "    held = None\n"
        "    await asyncio.sleep(memory.PURGE_AGAIN_SECONDS + 0.25)\n"
        "asyncio.run(main())"
    )
    sizes = on_jemalloc(then)
    assert sizes["after"] - sizes["start"] < 25 << 20, sizes


def test_give_back_is_safe_to_call() -> None:
    from mock_gateway.media import memory

    memory.give_back()
    memory.give_back()


def test_giving_back_forgets_the_parsed_url_caches() -> None:
    """yarl and urllib keep the last URLs they parsed; left over after a reset, they hold on
    to memory the run filled (each a 1 MB arena of Python's allocator). Catches a yarl that
    renamed its caches: `forget_parsed_urls` would then skip them without a word."""
    import urllib.parse

    import yarl
    import yarl._url

    from mock_gateway.media import memory

    for n in range(50):
        yarl.URL(f"https://127.0.0.1:8080/hook?n={n}")
        yarl.URL(f"/v2/requests/status/{n}", encoded=True)
        urllib.parse.urlsplit(f"https://127.0.0.1/{n}")
    caches = [yarl._url.encode_url, yarl._url.pre_encoded_url]
    assert all(c.cache_info().currsize > 0 for c in caches)
    memory.give_back()
    assert [c.cache_info().currsize for c in caches] == [0, 0]
    assert urllib.parse.urlsplit.cache_info().currsize == 0  # type: ignore[attr-defined]
