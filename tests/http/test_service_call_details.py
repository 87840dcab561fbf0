"""The service's record of a call: the model a submit names in the journal, and a rule's
latency slept exactly. Each test's docstring names the broken mock it catches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mock_gateway import service as service_module
from tests.conftest import FIBO_SUBMIT, Gw

FIBO_ID = "bria-fibo-bbq-preview"


class Sleeps:
    """`asyncio` as the service module sees it, with every `sleep` recorded (and skipped)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


async def test_the_journal_names_the_model_of_a_submit(gw: Gw) -> None:
    """Catches: submit leaving the call's trace without its model (`trace.model_id = None`),
    so the journal's entry for an accepted submit, or one refused by validation, names no
    model."""
    status, _ = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 202
    status, _ = await gw.submit(FIBO_SUBMIT, {"prompt": ""})
    assert status == 400
    resp = await gw.client.get("/_mock/requests")
    entries = (await resp.json())["requests"]
    assert [(e["status"], e["model_id"]) for e in entries] == [(202, FIBO_ID), (400, FIBO_ID)]


async def test_a_rules_latency_is_slept_in_seconds(gw: Gw, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches: the latency of a matching rule slept as a slightly different number of
    seconds (e.g. `latency_ms / 1001`) rather than exactly latency_ms / 1000."""
    resp = await gw.client.post("/_mock/scenarios", json={"latency_ms": 250})
    assert resp.status in (200, 201), await resp.text()
    sleeps = Sleeps()
    monkeypatch.setattr(service_module, "asyncio", sleeps)
    status, _ = await gw.submit(FIBO_SUBMIT, {"prompt": "a fox"})
    assert status == 202
    assert sleeps.seconds == [0.25]
