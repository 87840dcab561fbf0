"""Where the client's settings come from when not passed: the environment, then defaults.

- `PIXAZO_API_KEY`: the subscription key (never printed); none set is an error.
- `PIXAZO_BASE_URL`: the gateway, or a mock such as `http://127.0.0.1:8080`;
  default `https://gateway.pixazo.ai`.
- `PIXAZO_POLL_INTERVAL`: fixed seconds between polls in `wait()` (for scripts and tests
  against a fast mock); default the page's 5-10 s, growing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .policy import PollPolicy

__all__ = ["DEFAULT_BASE_URL", "poll_policy", "redact", "resolve_api_key", "resolve_base_url"]

DEFAULT_BASE_URL = "https://gateway.pixazo.ai"
ENV_API_KEY = "PIXAZO_API_KEY"
ENV_BASE_URL = "PIXAZO_BASE_URL"
ENV_POLL_INTERVAL = "PIXAZO_POLL_INTERVAL"


def resolve_api_key(api_key: str | None, env: Mapping[str, str] = os.environ) -> str:
    key = api_key if api_key is not None else env.get(ENV_API_KEY, "")
    if not isinstance(key, str) or not key.strip():
        raise ConfigurationError(f"no API key: pass api_key=... or set {ENV_API_KEY}")
    return key.strip()


def resolve_base_url(base_url: str | None, env: Mapping[str, str] = os.environ) -> str:
    url = (base_url if base_url is not None else env.get(ENV_BASE_URL, "")).strip()
    url = url or DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(
            f"base URL must be http(s)://host[:port][/path], not {url[:100]!r}"
        )
    return url.rstrip("/")


def poll_policy(policy: PollPolicy | None, env: Mapping[str, str] = os.environ) -> PollPolicy:
    if policy is not None:
        return policy
    text = env.get(ENV_POLL_INTERVAL, "").strip()
    if not text:
        return PollPolicy()
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigurationError(f"{ENV_POLL_INTERVAL} must be a positive number of seconds")
    return PollPolicy.fixed(seconds)


def redact(key: str) -> str:
    """A key as it may be shown: at most a quarter of it, and at most 4 characters."""
    return key[: min(4, len(key) // 4)] + "…"
