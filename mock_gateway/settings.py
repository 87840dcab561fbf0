"""Settings: parsed once, strictly, from defaults, a TOML file and command-line flags.

Unknown sections or fields, wrong types and out-of-range values are errors with the file
and field named: a typo in a config never silently runs defaults.
"""

from __future__ import annotations

import contextlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .core.accounts import Account, RateLimit, redact
from .core.catalog import DEFAULT_MODELS, Model
from .core.errors import InvalidParameters
from .core.scenarios import check_rule
from .core.validation import check

# Assumed checks (the contract suite's ids) whose request constraints a calibrated mock can
# lift, because the live gateway was seen to accept what they forbid.
# A shared store's namespace: no ':' (keys would nest), no braces (it is a hash tag).
NAMESPACE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
RELAXABLE = frozenset(
    {
        "assumed.validation.guidance-range",
        "assumed.validation.aspect-ratios",
        "assumed.validation.steps-range",
        "assumed.validation.blank-prompt",
        "assumed.validation.image-url",
    }
)


class ConfigError(ValueError):
    """A config file or flag that cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class KeyConfig:
    key: str = field(repr=False)  # never in a repr or traceback
    balance_usd: Decimal
    models: frozenset[str] | None = None
    rate_limit: RateLimit | None = None
    api_generation: int | None = None

    def account(self) -> Account:
        return Account(
            self.key, self.balance_usd, self.models, self.rate_limit, self.api_generation
        )


# What a key gets for every field it does not set, in the config or through the control API:
# a new key works at once (README, "Control API"). Generous: a poller every 100 ms, or a burst
# of submits, never starves; tests that need a tight limit or an empty wallet say so.
NEW_KEY_BALANCE_USD = Decimal("100.00")
NEW_KEY_RATE_LIMIT = RateLimit(1000, 1.0)

DEFAULT_KEYS = (KeyConfig("test-key", NEW_KEY_BALANCE_USD, rate_limit=NEW_KEY_RATE_LIMIT),)


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    time_scale: float = 1.0  # multiplies every simulated duration
    manual_clock: bool = False
    seed: int = 0
    api_generation: int = 2  # for keys that do not set their own
    error_style: str = "page"  # "page": the documented bodies; "apim": the front door's shape
    media_type: str = "image/png"  # or "application/octet-stream" (the status example)
    # "iso": every timestamp like the status example; "mixed": updated_at and completed_at
    # like the webhook example's `2026-05-22 13:19:23`.
    timestamps: str = "mixed"
    # Assumed checks (ids as in the contract suite) whose request constraints are lifted:
    # e.g. "assumed.validation.guidance-range" accepts any guidance_scale (a calibrated mock).
    relaxed: frozenset[str] = frozenset()
    profile: str | None = None  # the fidelity report this mock was calibrated from
    max_body_bytes: int = 25 * 1024 * 1024
    allow_remote_fetch: bool = False
    fetch_allowlist: tuple[str, ...] = ()
    fetch_timeout_seconds: float = 10.0
    fetch_connect_timeout_seconds: float = 5.0  # an input fetch's TCP connect, each hop
    max_input_bytes: int = 20 * 1024 * 1024
    journal_size: int = 10_000
    access_log: bool = True
    # Behind a proxy: build absolute URLs from X-Forwarded-Proto/-Host (off: a client could
    # otherwise point every polling_url and callback URL at a host of its choosing).
    trust_forwarded: bool = False
    webhook_timeout_seconds: float = 15.0  # wall time a receiver has to answer
    webhook_max_attempts: int = 10
    webhook_sync_interval_seconds: float = 5.0  # sync mode: a poll cycle (at most 15 s)
    webhook_ca: str | None = None  # PEM file of extra CAs to trust (e.g. the sink's)
    allow_remote_webhooks: bool = False
    webhook_allowlist: tuple[str, ...] = ()
    header_timeout_seconds: float = 10.0  # connection open / first byte -> headers complete
    body_timeout_seconds: float = 30.0  # headers complete -> the whole body read
    keepalive_timeout_seconds: float = 15.0  # an idle keep-alive connection is closed then
    max_connections: int = 1024  # open at once; past it a new connection is closed
    fast_lane: bool = True  # the hot routes answered off the socket (mock_gateway/http/fast.py)
    admin_token: str | None = field(default=None, repr=False)  # Bearer token for /_mock/
    require_admin_token: bool = False  # refuse to start beyond loopback without one
    state: str | None = None  # SQLite file that keeps everything across restarts (None: memory)
    # redis://HOST:PORT/DB: several processes serve one gateway (mock_gateway/stores/redis.py)
    store: str | None = field(default=None, repr=False)  # the URL may carry a password
    namespace: str = "mock-gateway"  # the gateway's keys in that Redis: `{namespace}:...`
    claim_lease_seconds: float = 30.0  # a dead process's claimed work is taken over after it
    shutdown_grace_seconds: float = 5.0  # SIGTERM: how long deliveries in flight may finish
    keys: tuple[KeyConfig, ...] = DEFAULT_KEYS
    models: Mapping[str, Model] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    scenarios: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # may hold keys

    def with_overrides(self, **flags: Any) -> Settings:
        """These settings with every flag that is not None applied on top."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


# [server] fields: name -> (type, check)
_SERVER: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "host": (str, None),
    "port": (int, lambda v: 0 <= v <= 65535),
    "time_scale": ((int, float), lambda v: 0 < v <= 1000),
    "manual_clock": (bool, None),
    "seed": (int, None),
    "api_generation": (int, lambda v: v in (1, 2)),
    "error_style": (str, lambda v: v in ("page", "apim")),
    "media_type": (str, lambda v: v in ("image/png", "application/octet-stream")),
    "timestamps": (str, lambda v: v in ("iso", "mixed")),
    "profile": (str, None),
    "relaxed": (list, lambda v: all(isinstance(r, str) and r in RELAXABLE for r in v)),
    "max_body_bytes": (int, lambda v: v >= 1024),
    "allow_remote_fetch": (bool, None),
    "fetch_allowlist": (list, lambda v: all(isinstance(h, str) for h in v)),
    "fetch_timeout_seconds": ((int, float), lambda v: 0 < v <= 300),
    "fetch_connect_timeout_seconds": ((int, float), lambda v: 0 < v <= 300),
    "max_input_bytes": (int, lambda v: v >= 1024),
    "journal_size": (int, lambda v: 0 <= v <= 10_000_000),
    "access_log": (bool, None),
    "trust_forwarded": (bool, None),
    "webhook_timeout_seconds": ((int, float), lambda v: 0 < v <= 300),
    "webhook_max_attempts": (int, lambda v: 1 <= v <= 100),
    "webhook_sync_interval_seconds": ((int, float), lambda v: 0 < v <= 15),
    "webhook_ca": (str, None),
    "allow_remote_webhooks": (bool, None),
    "webhook_allowlist": (list, lambda v: all(isinstance(h, str) for h in v)),
    "state": (str, lambda v: bool(v.strip())),
    "store": (str, lambda v: v.startswith(("redis://", "rediss://", "unix://"))),
    "namespace": (str, lambda v: bool(NAMESPACE.fullmatch(v))),
    "claim_lease_seconds": ((int, float), lambda v: 1 <= v <= 3600),
    "admin_token": (str, lambda v: len(v.strip()) >= 8),
    "header_timeout_seconds": ((int, float), lambda v: 0 < v <= 600),
    "body_timeout_seconds": ((int, float), lambda v: 0 < v <= 3600),
    "keepalive_timeout_seconds": ((int, float), lambda v: 0 < v <= 3600),
    "max_connections": (int, lambda v: 1 <= v <= 1_000_000),
    "fast_lane": (bool, None),
    "require_admin_token": (bool, None),
    "shutdown_grace_seconds": ((int, float), lambda v: 0 <= v <= 600),
}

_MODEL_FIELDS = {"price_usd", "queue_seconds", "processing_seconds", "enabled"}


def load(path: str | Path | None) -> Settings:
    """Settings from the TOML file at `path` (or the defaults for None)."""
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    return from_mapping(data, source=str(path))


def from_mapping(data: Mapping[str, Any], *, source: str = "config") -> Settings:
    unknown = set(data) - {"server", "keys", "models", "scenarios"}
    if unknown:
        raise ConfigError(f"{source}: unknown section(s): {', '.join(sorted(unknown))}")
    for section, shape_type in (
        ("server", dict),
        ("keys", dict),
        ("models", dict),
        ("scenarios", list),
    ):
        if section in data and not isinstance(data[section], shape_type):
            shape = "a table" if shape_type is dict else "an array of tables ([[scenarios]])"
            raise ConfigError(f"{source}: {section} must be {shape}")
    values: dict[str, Any] = {}
    for name, value in data.get("server", {}).items():
        if name not in _SERVER:
            raise ConfigError(f"{source}: [server] has no field '{name}'")
        kind, ok = _SERVER[name]
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise ConfigError(f"{source}: [server] {name} has the wrong type ({value!r})")
        if ok is not None and not ok(value):
            raise ConfigError(f"{source}: [server] {name} is out of range ({value!r})")
        values[name] = tuple(value) if isinstance(value, list) else value
    if "relaxed" in values:
        values["relaxed"] = frozenset(values["relaxed"])
    for name in (
        "time_scale",
        "webhook_timeout_seconds",
        "webhook_sync_interval_seconds",
        "claim_lease_seconds",
    ):
        if name in values:
            values[name] = float(values[name])
    if "keys" in data:
        values["keys"] = tuple(
            key_config(k, v, source=f'{source}: [keys."{redact(k)}"]')
            for k, v in data["keys"].items()
        )
    models = dict(DEFAULT_MODELS)
    for model_id, fields in data.get("models", {}).items():
        if model_id not in models:
            known = ", ".join(models)
            raise ConfigError(f"{source}: [models] unknown model '{model_id}' (known: {known})")
        models[model_id] = model_config(
            models[model_id], fields, source=f"{source}: [models.{model_id}]"
        )
    values["models"] = models
    rules = data.get("scenarios", [])
    for i, rule in enumerate(rules):
        try:
            check_rule(rule)
        except InvalidParameters as e:
            raise ConfigError(f"{source}: [[scenarios]] #{i + 1}: {e.message}") from None
    values["scenarios"] = tuple(rules)
    return Settings(**values)


def key_config(key: str, fields: Any, *, source: str) -> KeyConfig:
    """A key's settings from a config table or a control-API body (same schema)."""
    try:
        check("control/key_update", fields)
    except InvalidParameters as e:
        raise ConfigError(f"{source}: {e.message}") from None
    models = fields.get("models")
    rate_limit: RateLimit | None = NEW_KEY_RATE_LIMIT
    if "rate_limit" in fields:  # null: no limit at all
        limit = fields["rate_limit"]
        # JSON Schema calls 2.0 an integer; the window needs a real int.
        rate_limit = (
            RateLimit(int(limit["requests"]), float(limit["per_seconds"])) if limit else None
        )
    balance = fields.get("balance_usd", str(NEW_KEY_BALANCE_USD))
    return KeyConfig(
        key=key,
        balance_usd=money(balance, where=f"{source}: balance_usd"),
        models=frozenset(models) if models is not None else None,
        rate_limit=rate_limit,
        api_generation=fields.get("api_generation"),
    )


def money(value: Any, *, where: str) -> Decimal:
    """Exact dollars from a JSON/TOML number or string (via its text, never via float maths)."""
    amount = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with contextlib.suppress(InvalidOperation):
            amount = Decimal(str(value))
    if amount is None or not amount.is_finite() or amount < 0:
        raise ConfigError(f"{where}: not an amount of money ({value!r})")
    return amount


def model_config(model: Model, fields: Any, *, source: str) -> Model:
    if not isinstance(fields, dict):
        raise ConfigError(f"{source}: must be a table")
    unknown = set(fields) - _MODEL_FIELDS
    if unknown:
        raise ConfigError(f"{source}: unknown field(s): {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "price_usd" in fields:
        changes["price_usd"] = money(fields["price_usd"], where=f"{source}: price_usd")
    for name in ("queue_seconds", "processing_seconds"):
        if name in fields:
            span = fields[name]
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(
                    isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                    for x in span
                )
                or not 0 <= span[0] <= span[1]
            ):
                raise ConfigError(
                    f"{source}: {name} must be [min, max] seconds with 0 <= min <= max"
                )
            changes[name] = (float(span[0]), float(span[1]))
    if "enabled" in fields:
        if not isinstance(fields["enabled"], bool):
            raise ConfigError(f"{source}: enabled must be true or false")
        changes["enabled"] = fields["enabled"]
    return replace(model, **changes)
