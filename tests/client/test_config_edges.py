"""Where the client's key and base URL come from, at the edges: no key anywhere, a long bad
URL, trailing slashes. Each was a change no test noticed (make mutation)."""

from __future__ import annotations

import pytest

from pixazo_client.config import resolve_api_key, resolve_base_url
from pixazo_client.errors import ConfigurationError


def test_no_key_anywhere_is_a_configuration_error_saying_where_to_put_one() -> None:
    """Catches: a missing key accepted (as "" or None), or the words of its error changed."""
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(None, {})
    assert str(caught.value) == "no API key: pass api_key=... or set PIXAZO_API_KEY"


def test_a_bad_base_url_is_quoted_to_100_characters() -> None:
    """Catches: the refused URL cut at another length than 100 characters."""
    url = "ftp://" + "a" * 200
    with pytest.raises(ConfigurationError) as caught:
        resolve_base_url(url, {})
    assert str(caught.value) == (
        f"base URL must be http(s)://host[:port][/path], not 'ftp://{'a' * 94}'"
    )


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/X//", "http://127.0.0.1:8080/X"),
        ("https://gateway.example/pathX", "https://gateway.example/pathX"),
        ("http://hostX/", "http://hostX"),
    ],
)
def test_only_trailing_slashes_are_stripped(given: str, resolved: str) -> None:
    """Catches: characters other than `/` (here `X`) stripped off the end of the base URL."""
    assert resolve_base_url(given, {}) == resolved
