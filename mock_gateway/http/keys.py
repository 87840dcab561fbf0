"""Typed keys for what the app and each request carry."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from ..service import Call, Service
from ..settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", Service)
SESSION = web.AppKey("session", aiohttp.ClientSession)  # input fetches
WEBHOOK_SESSION = web.AppKey("webhook_session", aiohttp.ClientSession)
CALL = web.RequestKey("call", Call)
