"""Every method of the blocking client against the mock, and the wrapper's own duties."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from mock_gateway.running import RunningGateway
from pixazo_client import (
    ConfigurationError,
    JobStatus,
    Model,
    PixazoClient,
    State,
    Submission,
    ValidationError,
)

from .conftest import CAT, FIBO_SUBMIT, KEY, PNG_MAGIC, RMBG_SUBMIT, SimTime, journal


def test_remove_background_submits_the_image_url_and_returns_the_submission(
    pixazo: PixazoClient, gw: RunningGateway
) -> None:
    job = pixazo.remove_background(CAT)
    assert isinstance(job, Submission)
    assert job.model is Model.RMBG and job.generation == 2
    assert job.request_id.startswith("bria-rmbg-2-0-682_")
    assert job.status_url == f"{gw.url}/v2/requests/status/{job.request_id}"
    assert journal(gw) == [("POST", RMBG_SUBMIT, 202)]
    [planned] = gw.jobs
    assert planned["request_id"] == job.request_id


def test_text_to_image_sends_only_the_parameters_given(
    pixazo: PixazoClient, gw: RunningGateway
) -> None:
    job = pixazo.text_to_image("a lighthouse", aspect_ratio="16:9", seed=5555, steps_num=50)
    assert job.model is Model.FIBO and job.request_id.startswith("bria-fibo-bbq-preview_")
    assert journal(gw) == [("POST", FIBO_SUBMIT, 202)]
    [planned] = gw.jobs
    assert planned["params"] == {
        "prompt": "a lighthouse",
        "aspect_ratio": "16:9",
        "seed": 5555,
        "steps_num": 50,
        "guidance_scale": 7.5,  # not sent: the gateway's documented default
    }


def test_status_reports_each_state_in_one_shape(pixazo: PixazoClient, gw: RunningGateway) -> None:
    job = pixazo.remove_background(CAT)
    first = pixazo.status(job)
    assert first.status is State.QUEUED and first.media_urls == () and first.error is None
    assert first.model_id == "bria-rmbg-2-0-682" and first.generation == 2
    assert first.raw["request_id"] == job.request_id and first.raw["output"] is None
    gw.advance(60)
    done = pixazo.status(job.request_id)  # a plain generation-2 id is enough
    assert done.status is State.COMPLETED and done.terminal
    assert done.media_type == "image/png"
    assert done.media_urls == tuple(done.raw["output"]["media_url"])
    statuses = [e["status"] for e in gw.requests if e["method"] == "GET"]
    assert statuses == [200, 200]


def test_wait_polls_until_completed_and_reports_every_poll(
    pixazo: PixazoClient, gw: RunningGateway, sim: SimTime
) -> None:
    job = pixazo.text_to_image("a lighthouse")
    seen: list[JobStatus] = []
    done = pixazo.wait(job, timeout=120, on_update=seen.append)
    assert done.status is State.COMPLETED
    assert [s.status for s in seen][-1] is State.COMPLETED
    assert seen[0].status is State.QUEUED
    assert len(seen) == 1 + len(sim.sleeps)  # one poll, then one more after each gap
    assert all(5.0 <= gap <= 10.0 for gap in sim.sleeps), sim.sleeps
    gets = [e for e in gw.requests if e["method"] == "GET"]
    assert len(gets) == len(seen)


def test_download_writes_the_real_png(
    pixazo: PixazoClient, gw: RunningGateway, tmp_path: Path
) -> None:
    done = pixazo.wait(pixazo.text_to_image("a lighthouse", aspect_ratio="4:3"), timeout=120)
    path = pixazo.download(done, tmp_path / "out.png")
    assert path == tmp_path / "out.png"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(data)).size == (1152, 896)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"], "no partial file left behind"
    again = pixazo.download(done.media_urls[0], tmp_path / "again.png")  # a URL works too
    assert again.read_bytes() == data


def test_download_refuses_a_status_that_has_no_picture(
    pixazo: PixazoClient, tmp_path: Path
) -> None:
    queued = pixazo.status(pixazo.remove_background(CAT))
    with pytest.raises(ValidationError, match="QUEUED"):
        pixazo.download(queued, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_key_is_an_error_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="PIXAZO_API_KEY"):
        PixazoClient()
    with pytest.raises(ConfigurationError):
        PixazoClient("   ")


def test_key_and_base_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, gw: RunningGateway
) -> None:
    monkeypatch.setenv("PIXAZO_API_KEY", KEY)
    monkeypatch.setenv("PIXAZO_BASE_URL", gw.url + "/")
    with PixazoClient() as pixazo:
        assert pixazo.base_url == gw.url
        assert pixazo.remove_background(CAT).generation == 2
    monkeypatch.delenv("PIXAZO_BASE_URL")
    with PixazoClient() as live:
        assert live.base_url == "https://gateway.pixazo.ai"  # never contacted


@pytest.mark.parametrize("url", ["ftp://host", "gateway.pixazo.ai", "http://", "http://h/?q=1"])
def test_an_unusable_base_url_is_an_error_at_construction(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base URL"):
        PixazoClient(KEY, url)


def test_the_key_never_shows_in_reprs() -> None:
    key = "sk-live-0123456789abcdef0123456789abcdef"
    with PixazoClient(key, "http://127.0.0.1:9") as pixazo:
        shown = repr(pixazo)
    assert key not in shown and "sk-l…" in shown
    assert shown.startswith("PixazoClient(base_url='http://127.0.0.1:9'")


def test_one_private_loop_serves_every_call_and_close_releases_it(
    pixazo: PixazoClient, gw: RunningGateway
) -> None:
    job = pixazo.remove_background(CAT)
    loop = pixazo._loop
    assert loop is not None and not loop.is_closed()
    pixazo.status(job)
    assert pixazo._loop is loop, "no new loop per call"
    pixazo.close()
    assert loop.is_closed()
    pixazo.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        pixazo.status(job)


def test_a_client_never_used_closes_without_a_loop() -> None:
    pixazo = PixazoClient(KEY, "http://127.0.0.1:9")
    pixazo.close()
    assert pixazo._loop is None


async def test_inside_a_running_loop_it_says_to_use_the_async_client(
    pixazo: PixazoClient,
) -> None:
    with pytest.raises(RuntimeError, match="AsyncPixazoClient"):
        pixazo.status("bria-rmbg-2-0-682_x")
    assert asyncio.get_running_loop().is_running()
