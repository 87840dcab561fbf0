"""Outputs are real PNGs on the mock's own CDN; RMBG inputs follow the outbound policy."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image

import pixazo_schemas as schemas
from mock_gateway.media import samples
from mock_gateway.media.inputs import is_loopback
from tests.conftest import BALLOONS, CAT, Gw


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def png_bytes(size: tuple[int, int], colour: tuple[int, int, int] = (10, 200, 30)) -> bytes:
    """A subject (a filled square) on a plain background, encoded as PNG."""
    image = Image.new("RGB", size, (240, 240, 240))
    w, h = size
    image.paste(colour, (w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def completed_output(gw: Gw, request_id: str) -> bytes:
    body = await gw.finish(request_id)
    assert body["status"] == "COMPLETED", body
    status, content_type, data = await gw.download(body["output"]["media_url"][0])
    assert (status, content_type) == (200, "image/png")
    return data


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("1:1", (1024, 1024)), ("16:9", (1344, 768)), ("9:16", (768, 1344)), ("4:3", (1152, 896))],
)
async def test_fibo_output_is_a_png_of_the_aspect_ratio(
    gw: Gw, ratio: str, size: tuple[int, int]
) -> None:
    rid = (await gw.fibo(aspect_ratio=ratio, seed=1))["request_id"]
    image = png(await completed_output(gw, rid))
    assert image.size == size
    assert min(image.size) >= 512


async def test_fibo_output_is_reproducible_by_seed_and_ignores_guidance(gw: Gw) -> None:
    a = await completed_output(gw, (await gw.fibo(seed=7))["request_id"])
    b = await completed_output(gw, (await gw.fibo(seed=7, guidance_scale=9.5))["request_id"])
    c = await completed_output(gw, (await gw.fibo(seed=8))["request_id"])
    assert a == b, "same prompt, seed and parameters (guidance is ignored upstream): same bytes"
    assert a != c, "another seed: another picture"


async def test_output_is_404_until_the_job_completes(gw: Gw) -> None:
    rid = (await gw.fibo())["request_id"]
    resp = await gw.client.get(f"/_mock/cdn/v1/{rid}/output.png")
    assert resp.status == 404
    assert (await resp.json())["error"] == "Media not found"
    resp = await gw.client.get("/_mock/cdn/v1/nope/output.png")
    assert resp.status == 404


async def test_samples_are_listed_with_absolute_urls_and_served(gw: Gw) -> None:
    resp = await gw.client.get("/_mock/samples")
    body = await resp.json()
    assert not list(schemas.validator("control/samples").iter_errors(body))
    base = str(gw.client.make_url("")).rstrip("/")
    for sample in body["samples"]:
        assert sample["url"] == f"{base}/_mock/samples/{sample['name']}.png"
        status, content_type, data = await gw.download(sample["url"])
        assert (status, content_type) == (200, "image/png")
        assert png(data).size == (sample["width"], sample["height"])


async def test_rmbg_of_a_sample_is_an_rgba_cut_out_of_the_same_size(gw: Gw) -> None:
    sample = (await (await gw.client.get("/_mock/samples")).json())["samples"][0]
    rid = (await gw.rmbg(sample["url"]))["request_id"]
    image = png(await completed_output(gw, rid))
    assert image.mode == "RGBA"
    assert image.size == (sample["width"], sample["height"])
    w, h = image.size
    corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
    assert all(image.getpixel(c)[3] == 0 for c in corners), "background is transparent"
    assert image.getpixel((w // 2, h // 2))[3] == 255, "subject is opaque"


async def test_rmbg_of_a_data_url(gw: Gw) -> None:
    url = "data:image/png;base64," + base64.b64encode(png_bytes((300, 200))).decode()
    rid = (await gw.rmbg(url))["request_id"]
    image = png(await completed_output(gw, rid))
    assert (image.size, image.mode) == ((300, 200), "RGBA")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((150, 100))[3] == 255


async def test_rmbg_fetches_a_loopback_url_for_real(gw: Gw, aiohttp_server: Any) -> None:
    hits = []

    async def photo(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=png_bytes((320, 240)), content_type="image/png")

    app = web.Application()
    app.router.add_get("/photo.png", photo)
    server: TestServer = await aiohttp_server(app)
    rid = (await gw.rmbg(str(server.make_url("/photo.png"))))["request_id"]
    image = png(await completed_output(gw, rid))
    assert hits == ["/photo.png"]
    assert image.size == (320, 240)


async def test_an_unreachable_loopback_url_fails_the_job_not_the_submit(
    gw: Gw, unused_tcp_port: int
) -> None:
    rid = (await gw.rmbg(f"http://127.0.0.1:{unused_tcp_port}/gone.png"))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "FAILED"
    assert body["output"] is None
    assert "could not be fetched" in body["error"] and str(unused_tcp_port) in body["error"]
    assert body["completed_at"] is not None


async def test_a_body_that_is_not_an_image_fails_the_job(gw: Gw, aiohttp_server: Any) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>not a picture</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/cat.jpg", page)
    server: TestServer = await aiohttp_server(app)
    rid = (await gw.rmbg(str(server.make_url("/cat.jpg"))))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "FAILED"
    assert body["error"].startswith("image_url is not an image")


async def test_a_loopback_404_fails_the_job_with_the_status(gw: Gw, aiohttp_server: Any) -> None:
    server: TestServer = await aiohttp_server(web.Application())
    rid = (await gw.rmbg(str(server.make_url("/missing.png"))))["request_id"]
    body = await gw.finish(rid)
    assert (body["status"], body["error"]) == ("FAILED", "image_url answered HTTP 404")


async def test_a_bad_data_url_fails_the_job(gw: Gw) -> None:
    rid = (await gw.rmbg("data:image/png;base64,AAAA"))["request_id"]
    body = await gw.finish(rid)
    assert body["status"] == "FAILED"
    assert "not an image" in body["error"]


async def test_a_remote_url_gets_a_deterministic_stand_in_and_is_never_fetched(gw: Gw) -> None:
    # The outbound policy: the mock's HTTP session must not be used for a remote host.
    session = gw.client.app[__import__("mock_gateway.http.keys", fromlist=["SESSION"]).SESSION]
    calls: list[str] = []
    original = session.get

    def spy(url: str, **kwargs: Any) -> Any:
        calls.append(url)
        return original(url, **kwargs)

    session.get = spy  # type: ignore[method-assign]
    first = await completed_output(gw, (await gw.rmbg(CAT))["request_id"])
    again = await completed_output(gw, (await gw.rmbg(CAT))["request_id"])
    other = await completed_output(gw, (await gw.rmbg(CAT + "?v=2"))["request_id"])
    assert calls == []
    assert first == again and first != other
    assert png(first).size == samples.stand_in_size(CAT)


async def test_a_loopback_redirect_to_a_remote_host_is_not_followed(
    gw: Gw, aiohttp_server: Any
) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(CAT)

    app = web.Application()
    app.router.add_get("/moved", moved)
    server: TestServer = await aiohttp_server(app)
    rid = (await gw.rmbg(str(server.make_url("/moved"))))["request_id"]
    image = png(await completed_output(gw, rid))
    assert image.size == samples.stand_in_size(CAT), "the remote target got the stand-in"


async def test_media_type_can_be_the_generic_one_of_the_status_example(make_client: Any) -> None:
    gw = Gw(await make_client(media_type="application/octet-stream"))
    body = await gw.finish((await gw.fibo(prompt=BALLOONS))["request_id"])
    assert body["output"]["media_type"] == "application/octet-stream"
    status, content_type, _ = await gw.download(body["output"]["media_url"][0])
    assert (status, content_type) == (200, "image/png"), "the bytes are always a real PNG"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("localhost", True),
        ("[::1]", True),
        ("::1", True),
        ("example.com", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("localhost.example.com", False),
        (None, False),
        ("", False),
    ],
)
def test_only_loopback_hosts_count_as_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
