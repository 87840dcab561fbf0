"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from ..gateway import Gateway
from ..media.outputs import Outputs
from ..settings import Settings
from ..webhooks import Webhooks


@dataclass(slots=True)
class Trace:
    """What a handler learned about its request, for the journal and the access log."""

    key: str | None = None  # redacted label, never the key
    generation: int = 2
    model_id: str | None = None
    request_id: str | None = None
    rules: list[str] = field(default_factory=list)


SETTINGS = web.AppKey("settings", Settings)
GATEWAY = web.AppKey("gateway", Gateway)
OUTPUTS = web.AppKey("outputs", Outputs)
SESSION = web.AppKey("session", aiohttp.ClientSession)  # input fetches
WEBHOOK_SESSION = web.AppKey("webhook_session", aiohttp.ClientSession)
WEBHOOKS = web.AppKey("webhooks", Webhooks)
TRACE = web.RequestKey("trace", Trace)
