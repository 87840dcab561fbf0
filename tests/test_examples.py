"""What the README shows works: its example config loads and behaves as commented."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from mock_gateway.app import create_app
from mock_gateway.settings import load
from tests.conftest import FIBO_SUBMIT, Gw

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_config_loads_with_the_values_it_comments() -> None:
    settings = load(ROOT / "examples" / "mock-gateway.toml")
    assert settings.time_scale == 0.1 and settings.seed == 42
    keys = {k.key: k for k in settings.keys}
    assert set(keys) == {"test-key", "broke-key", "rmbg-only"}
    assert keys["broke-key"].balance_usd == Decimal("0.01")
    assert keys["rmbg-only"].models == frozenset({"bria-rmbg-2-0-682"})
    assert [rule["outcome"] for rule in settings.scenarios] == ["FAILED", "ERROR"]


async def test_the_example_configs_keys_and_scenarios_behave_as_commented(
    aiohttp_client: Any,
) -> None:
    settings = load(ROOT / "examples" / "mock-gateway.toml").with_overrides(
        manual_clock=True, access_log=False
    )
    gw = Gw(await aiohttp_client(create_app(settings)))
    assert (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="broke-key"))[0] == 402
    assert (await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, key="rmbg-only"))[0] == 403
    refused = (await gw.fibo(prompt="something forbidden"))["request_id"]
    crashed = (await gw.fibo(prompt="gpu-crash please"))["request_id"]
    await gw.advance(2.0)  # x 0.1 time scale: every job has ended
    assert (await gw.status(refused))["error"] == "Prompt refused by the content filter"
    assert (await gw.status(crashed))["status"] == "ERROR"
    assert await gw.balance() == 100.0 - 0.04, "the ERROR job was refunded, the FAILED one not"
