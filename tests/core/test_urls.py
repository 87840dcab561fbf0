"""url_parts answers exactly what urllib.parse.urlsplit answers, on its fast path and off it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mock_gateway.core import urls
from mock_gateway.core.urls import url_parts

_host_chars = "abcxyz019.-_ABC[]:@%"
_tail_chars = "abc/?#:@[]%.-_=&+ ~\t\n\\\u00e9XY"

url_like = st.builds(
    lambda scheme, host, port, tail: f"{scheme}{host}{port}{tail}",
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:", "//", "", " http://"]),
    st.text(_host_chars, max_size=12),
    st.sampled_from(["", ":", ":80", ":8080", ":x", ":99999"]),
    st.text(_tail_chars, max_size=16),
)


# The fast path's own form, with every printable character after the host.
plain_like = st.builds(
    lambda scheme, host, port, tail: f"{scheme}{host}{port}{tail}",
    st.sampled_from(["http://", "https://"]),
    st.text("abz09.-", min_size=1, max_size=10),
    st.sampled_from(["", ":", ":80", ":65535"]),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=16),
)


def _urlsplit_parts(url: str) -> tuple[str | None, str, str] | type[ValueError]:
    try:
        parts = urlsplit(url)
        return parts.hostname, parts.netloc, parts.path
    except ValueError:
        return ValueError


def _parts(url: str) -> tuple[str | None, str, str] | type[ValueError]:
    try:
        return url_parts(url)
    except ValueError:
        return ValueError


@given(url=st.one_of(plain_like, url_like, st.text(max_size=30)))
@example(url="https://images.example.com/photos/1.jpg")
@example(url="http://127.0.0.1:8080/_mock/samples/cat.png?x=1#top")
@example(url="http://host:/p")
@example(url="http://host?q/p")
@example(url="http://host#f?q")
@example(url="http://[::1/x.png")
def test_url_parts_are_urlsplits(url: str) -> None:
    assert _parts(url) == _urlsplit_parts(url)


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("https://images.example.com/photos/1.jpg", True),
        ("http://127.0.0.1:8080/x?y#z", True),
        ("HTTPS://Example.com/x", False),  # urlsplit lowercases: left to it
        ("http://user@host/x", False),
        ("http://[::1]:80/x", False),
        ("http://host/a b", False),
    ],
)
def test_the_plain_form_takes_the_fast_path(url: str, plain: bool) -> None:
    # The speed is the module's reason to exist: a broken pattern would quietly send every
    # URL to urlsplit and still pass the equality test above.
    assert (urls._PLAIN.match(url) is not None) is plain
