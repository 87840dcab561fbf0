"""Every method of the async client against the mock (the implementation both clients share)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from mock_gateway.running import RunningGateway
from pixazo_client import AsyncPixazoClient, JobStatus, Model, State

from .conftest import CAT, FIBO_SUBMIT, KEY, PNG_MAGIC, RMBG_SUBMIT, SimTime, journal


async def test_remove_background_then_status(
    apixazo: AsyncPixazoClient, gw: RunningGateway
) -> None:
    job = await apixazo.remove_background(CAT)
    assert job.model is Model.RMBG and job.generation == 2
    status = await apixazo.status(job)
    assert status.status is State.QUEUED and status.request_id == job.request_id
    assert journal(gw) == [
        ("POST", RMBG_SUBMIT, 202),
        ("GET", f"/v2/requests/status/{job.request_id}", 200),
    ]


async def test_text_to_image_wait_and_download(
    apixazo: AsyncPixazoClient, gw: RunningGateway, sim: SimTime, tmp_path: Path
) -> None:
    job = await apixazo.text_to_image("a lighthouse", aspect_ratio="9:16", seed=7)
    assert job.model is Model.FIBO and journal(gw)[0] == ("POST", FIBO_SUBMIT, 202)
    seen: list[str] = []

    async def on_update(status: JobStatus) -> None:  # an async callback is awaited
        seen.append(status.status)

    done = await apixazo.wait(job.request_id, timeout=120, on_update=on_update)
    assert done.status is State.COMPLETED and seen[0] == "QUEUED" and seen[-1] == "COMPLETED"
    assert "PROCESSING" in seen, "FIBO processes for 8-15 s: a 5-10 s poller sees it"
    path = await apixazo.download(done, tmp_path / "fibo.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(data)).size == (768, 1344)


async def test_the_async_client_closes_its_session(gw: RunningGateway, sim: SimTime) -> None:
    pixazo = AsyncPixazoClient(KEY, gw.url, sleep=sim.sleep)
    async with pixazo:
        await pixazo.remove_background(CAT)
        session = pixazo._transport._session
        assert session is not None and not session.closed
    assert session.closed
    with pytest.raises(RuntimeError, match="closed"):
        await pixazo.remove_background(CAT)
    assert len(journal(gw)) == 1


async def test_repr_redacts_the_key() -> None:
    async with AsyncPixazoClient("sk-live-0123456789abcdef", "http://127.0.0.1:9") as pixazo:
        assert repr(pixazo) == ("AsyncPixazoClient(base_url='http://127.0.0.1:9', api_key='sk-l…')")
