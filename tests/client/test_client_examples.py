"""examples/client_rmbg.py and examples/client_fibo.py, as the README shows them, against a mock
on a real clock sped up 100 times, polling every 50 ms (PIXAZO_POLL_INTERVAL)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mock_gateway.running import RunningGateway, running

from .conftest import PNG_MAGIC

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only


@pytest.fixture
def fast() -> Iterator[RunningGateway]:
    with running(manual_clock=False, time_scale=0.01) as gw:
        yield gw


def run_example(name: str, gw: RunningGateway, cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAZO_")}
    env |= {
        "PIXAZO_API_KEY": gw.api_key,
        "PIXAZO_BASE_URL": gw.url,
        "PIXAZO_POLL_INTERVAL": "0.05",
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


@pytest.mark.parametrize(
    ("name", "out", "size"),
    [("client_rmbg.py", "cut-out.png", None), ("client_fibo.py", "fibo.png", (1344, 768))],
)
def test_each_example_submits_waits_and_downloads_a_png(
    fast: RunningGateway, tmp_path: Path, name: str, out: str, size: tuple[int, int] | None
) -> None:
    printed = run_example(name, fast, tmp_path)
    assert printed == f"COMPLETED {out}\n"
    data = (tmp_path / out).read_bytes()
    assert data.startswith(PNG_MAGIC)
    with Image.open(tmp_path / out) as picture:
        assert picture.mode == ("RGBA" if size is None else "RGB")
        if size is not None:
            assert picture.size == size
    [job] = fast.jobs
    assert job["status"] == "COMPLETED"


def test_the_rmbg_example_takes_an_image_url_and_a_file_name(
    fast: RunningGateway, tmp_path: Path
) -> None:
    sample = f"{fast.url}/_mock/samples/portrait.png"
    printed = run_example("client_rmbg.py", fast, tmp_path, sample, "mine.png")
    assert printed == "COMPLETED mine.png\n"
    with _no_proxy.open(sample, timeout=10) as response:
        original = Image.open(io.BytesIO(response.read()))
    with Image.open(tmp_path / "mine.png") as cut:
        assert cut.size == original.size, "a cut-out of the input's exact size"
