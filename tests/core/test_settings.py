"""Settings: parsed once, strictly; every mistake is a ConfigError naming the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mock_gateway.core.accounts import RateLimit
from mock_gateway.core.catalog import DEFAULT_MODELS, FIBO, RMBG
from mock_gateway.settings import ConfigError, Settings, load

LONG_KEY = "sk-live-0123456789abcdef0123456789abcdef"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mock.toml"
    path.write_text(text, "utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Settings:
    return load(write(tmp_path, text))


def config_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    return str(caught.value)


# -- defaults ----------------------------------------------------------------------------------


def test_no_file_gives_the_defaults() -> None:
    s = load(None)
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.manual_clock is False
    assert s.time_scale == 1.0
    assert s.api_generation == 2
    assert [k.key for k in s.keys] == ["test-key"]
    test_key = s.keys[0]
    assert test_key.balance_usd == Decimal("100.00")
    assert test_key.rate_limit == RateLimit(1000, 1.0)
    assert test_key.models is None
    assert dict(s.models) == DEFAULT_MODELS
    assert s.scenarios == ()


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    s = load_text(tmp_path, "")
    assert s.port == 8080
    assert [k.key for k in s.keys] == ["test-key"]


def test_overrides_apply_only_flags_that_were_given() -> None:
    s = Settings().with_overrides(port=0, manual_clock=True, seed=None, host=None)
    assert (s.port, s.manual_clock, s.seed, s.host) == (0, True, 0, "127.0.0.1")


# -- a full file -------------------------------------------------------------------------------

FULL = f"""
[server]
host = "127.0.0.1"
port = 9000
manual_clock = true
time_scale = 2
seed = 42
api_generation = 1
error_style = "apim"
fetch_allowlist = ["images.example.com"]

[keys."{LONG_KEY}"]
balance_usd = "0.05"
models = ["bria-fibo-bbq-preview"]
rate_limit = {{ requests = 5, per_seconds = 2 }}
api_generation = 2

[keys."float-key"]
balance_usd = 0.05

[models."bria-fibo-bbq-preview"]
price_usd = "0.05"
queue_seconds = [0, 1]
processing_seconds = [1.5, 2.5]
enabled = false

[[scenarios]]
match = {{ model = "bria-fibo-bbq-preview", on = "submit" }}
outcome = "FAILED"
times = 2

[[scenarios]]
http = 503
"""


def test_a_full_file_parses_into_the_right_values(tmp_path: Path) -> None:
    s = load_text(tmp_path, FULL)
    assert (s.host, s.port, s.manual_clock, s.seed) == ("127.0.0.1", 9000, True, 42)
    assert s.time_scale == 2.0
    assert isinstance(s.time_scale, float)
    assert (s.api_generation, s.error_style) == (1, "apim")
    assert s.fetch_allowlist == ("images.example.com",)

    keys = {k.key: k for k in s.keys}
    assert set(keys) == {LONG_KEY, "float-key"}  # the file's keys replace the default
    k = keys[LONG_KEY]
    assert k.models == frozenset({"bria-fibo-bbq-preview"})
    assert k.rate_limit == RateLimit(5, 2.0)
    assert k.api_generation == 2
    assert keys["float-key"].models is None
    assert keys["float-key"].rate_limit == RateLimit(1000, 1.0)  # the new-key default

    fibo = s.models["bria-fibo-bbq-preview"]
    assert fibo.queue_seconds == (0.0, 1.0)
    assert fibo.processing_seconds == (1.5, 2.5)
    assert fibo.enabled is False
    assert s.models["bria-rmbg-2-0-682"] == RMBG  # untouched models keep their defaults
    assert FIBO.enabled is True  # the catalog itself is not changed

    assert s.scenarios == (
        {
            "match": {"model": "bria-fibo-bbq-preview", "on": "submit"},
            "outcome": "FAILED",
            "times": 2,
        },
        {"http": 503},
    )


def test_money_is_exact_from_a_string_and_from_a_float(tmp_path: Path) -> None:
    s = load_text(tmp_path, FULL)
    keys = {k.key: k for k in s.keys}
    # Decimal(0.05) would be 0.05000000000000000277...; the text is what counts.
    assert keys[LONG_KEY].balance_usd == Decimal("0.05")
    assert keys["float-key"].balance_usd == Decimal("0.05")
    assert str(keys["float-key"].balance_usd) == "0.05"
    assert s.models["bria-fibo-bbq-preview"].price_usd == Decimal("0.05")


def test_a_float_price_is_exact(tmp_path: Path) -> None:
    s = load_text(tmp_path, '[models."bria-rmbg-2-0-682"]\nprice_usd = 0.018\n')
    assert s.models["bria-rmbg-2-0-682"].price_usd == Decimal("0.018")


def test_a_key_gets_the_documented_defaults(tmp_path: Path) -> None:
    # A key that sets nothing works at once, like test-key: $100.00, 1,000 requests a second.
    (k,) = load_text(tmp_path, '[keys."plain"]\n').keys
    assert k.balance_usd == Decimal("100.00")
    assert (k.models, k.rate_limit, k.api_generation) == (None, RateLimit(1000, 1.0), None)
    account = k.account()
    assert account.key == "plain"
    assert account.window is not None


def test_an_empty_wallet_is_still_one_field_away(tmp_path: Path) -> None:
    (k,) = load_text(tmp_path, '[keys."broke"]\nbalance_usd = 0\n').keys
    assert k.balance_usd == Decimal("0")
    assert k.rate_limit == RateLimit(1000, 1.0)


# -- mistakes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[serve]\nport = 1\n", "serve"),
        ("[server]\nprot = 1\n", "prot"),
        ('[server]\nport = "80"\n', "port"),
        ("[server]\nport = 1.5\n", "port"),
        ("[server]\nport = true\n", "port"),
        ('[server]\nmanual_clock = "false"\n', "manual_clock"),
        ("[server]\nmanual_clock = 0\n", "manual_clock"),
        ('[server]\ntime_scale = "2"\n', "time_scale"),
        ("[server]\ntime_scale = true\n", "time_scale"),
        ("[server]\nhost = 127\n", "host"),
        ('[server]\nfetch_allowlist = "x.example"\n', "fetch_allowlist"),
        ("[server]\nport = 65536\n", "port"),
        ("[server]\nport = -1\n", "port"),
        ("[server]\ntime_scale = 0\n", "time_scale"),
        ("[server]\ntime_scale = 1001\n", "time_scale"),
        ("[server]\ntime_scale = nan\n", "time_scale"),
        ("[server]\napi_generation = 3\n", "api_generation"),
        ('[server]\nerror_style = "fancy"\n', "error_style"),
        ('[server]\nmedia_type = "image/jpeg"\n', "media_type"),
        ("[server]\nmax_body_bytes = 10\n", "max_body_bytes"),
        ("[server]\nfetch_allowlist = [1]\n", "fetch_allowlist"),
        ('[models."bria-fibo"]\nenabled = false\n', "bria-fibo"),
        ('[models."bria-fibo-bbq-preview"]\ncolour = "red"\n', "colour"),
        ('[models."bria-fibo-bbq-preview"]\nenabled = "no"\n', "enabled"),
        ('[models]\n"bria-fibo-bbq-preview" = 5\n', "bria-fibo-bbq-preview"),
        ('[models."bria-fibo-bbq-preview"]\nqueue_seconds = [3, 1]\n', "queue_seconds"),
        ('[models."bria-fibo-bbq-preview"]\nqueue_seconds = [1]\n', "queue_seconds"),
        ('[models."bria-fibo-bbq-preview"]\nqueue_seconds = [-1, 1]\n', "queue_seconds"),
        ('[models."bria-fibo-bbq-preview"]\nprocessing_seconds = [1, "2"]\n', "processing_seconds"),
        (
            '[models."bria-fibo-bbq-preview"]\nprocessing_seconds = [true, 2]\n',
            "processing_seconds",
        ),
        ('[models."bria-fibo-bbq-preview"]\nprocessing_seconds = 5\n', "processing_seconds"),
        ('[[scenarios]]\nmatch = { on = "submit" }\n', "effect"),
        ('[[scenarios]]\noutcome = "FAILD"\n', "outcome"),
        ("[[scenarios]]\nhttp = 200\n", "http"),
        ('[[scenarios]]\nhttp = 500\nwhen = "now"\n', "when"),
        ("[[scenarios]]\nhttp = 500\n[[scenarios]]\nhttp = 500\ntimes = 0\n", "#2"),
        ('[keys."k"]\nbalance_usd = "a lot"\n', "balance_usd"),
        ('[keys."k"]\nbalance_usd = -1\n', "balance_usd"),
        ('[keys."k"]\nrate_limit = { requests = 0, per_seconds = 1 }\n', "rate_limit"),
        ('[keys."k"]\napi_generation = 3\n', "api_generation"),
        ('[keys."k"]\nwallet = 5\n', "wallet"),
    ],
)
def test_each_mistake_is_a_config_error_naming_the_field(
    tmp_path: Path, text: str, named: str
) -> None:
    message = config_error(tmp_path, text)
    assert named in message
    assert str(tmp_path / "mock.toml") in message  # and the file


def test_wrong_type_message_says_so(tmp_path: Path) -> None:
    assert "wrong type" in config_error(tmp_path, '[server]\nmanual_clock = "false"\n')
    assert "out of range" in config_error(tmp_path, "[server]\nport = 70000\n")


def test_an_unknown_model_lists_the_known_ones(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[models."bria-fibo"]\nenabled = false\n')
    assert "bria-fibo-bbq-preview" in message
    assert "bria-rmbg-2-0-682" in message


def test_a_key_table_error_names_the_redacted_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, f'[keys."{LONG_KEY}"]\nbalance_usd = "lots"\n')
    assert '[keys."sk-l…"]' in message
    assert "balance_usd" in message


@pytest.mark.parametrize(
    "text",
    [
        f'[keys."{LONG_KEY}"]\nbalance_usd = "lots"\n',
        f'[keys."{LONG_KEY}"]\nextra = 1\n',
        f'[keys."{LONG_KEY}"]\nrate_limit = {{ requests = "many", per_seconds = 1 }}\n',
        f'[keys]\n"{LONG_KEY}" = 5\n',
        f'[[scenarios]]\nmatch = {{ key = "{LONG_KEY}" }}\n',
        f'[[scenarios]]\nmatch = {{ key = "{LONG_KEY}", on = "poll" }}\nhttp = 500\n',
        f'[[scenarios]]\nmatch = {{ key = "{LONG_KEY}" }}\nhttp = 200\n',
    ],
)
def test_the_full_key_is_never_in_an_error_message(tmp_path: Path, text: str) -> None:
    assert LONG_KEY not in config_error(tmp_path, text)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "absent.toml")


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    assert "not valid TOML" in config_error(tmp_path, "[server\nport = 1\n")


# -- known bugs --------------------------------------------------------------------------------


@pytest.mark.parametrize("price", ['"abc"', "-1", "true"])
def test_a_bad_price_names_the_model_and_field(tmp_path: Path, price: str) -> None:
    message = config_error(tmp_path, f'[models."bria-fibo-bbq-preview"]\nprice_usd = {price}\n')
    assert "price_usd" in message
    assert "bria-fibo-bbq-preview" in message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("server = 1\n", "server"),
        ('keys = "x"\n', "keys"),
        ("models = 5\n", "models"),
        ("scenarios = 5\n", "scenarios"),
    ],
)
def test_a_section_that_is_not_a_table_is_a_config_error(
    tmp_path: Path, text: str, named: str
) -> None:
    assert named in config_error(tmp_path, text)


def test_an_unknown_scenario_flag_is_a_config_error(tmp_path: Path) -> None:
    assert "timestamps-mixd" in config_error(
        tmp_path, '[[scenarios]]\nflags = ["timestamps-mixd"]\n'
    )


def test_an_infinite_duration_is_a_config_error(tmp_path: Path) -> None:
    assert "queue_seconds" in config_error(
        tmp_path, '[models."bria-fibo-bbq-preview"]\nqueue_seconds = [0, inf]\n'
    )


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_bytes(b"\xff\xfe[server]\n")
    with pytest.raises(ConfigError):
        load(path)
