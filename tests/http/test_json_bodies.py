"""Issue 14: request bodies are read by orjson where it reads them exactly as json does.

front.decode_json tries orjson first and leaves everything else to json (the reference: the
same function with orjson absent, as on PyPy). Whatever the body, the two must agree: the
same value (types, key order and duplicates included) or the same 400 message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core.errors import InvalidParameters
from mock_gateway.http import front

orjson = pytest.importorskip("orjson")


def outcome(read: Callable[[bytes], Any], raw: bytes) -> tuple[str, str]:
    """What a reader makes of `raw`: ("value", its repr with types) or ("400", the message)."""
    try:
        value = read(raw)
    except InvalidParameters as e:
        return "400", str(e.message)
    return "value", typed(value)


def typed(value: Any) -> str:
    """A repr that tells 1 from 1.0, -0.0 from 0.0 and keeps key order."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{typed(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(typed(v) for v in value) + "]"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return f"{type(value).__name__}:{value!r}"


def json_alone(raw: bytes) -> tuple[str, str]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(front, "orjson", None)
        return outcome(front.decode_json, raw)


def agree(raw: bytes) -> None:
    assert outcome(front.decode_json, raw) == json_alone(raw), raw[:200]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=json_values, ascii_only=st.booleans(), spaced=st.booleans())
def test_any_json_document_reads_the_same(value: Any, ascii_only: bool, spaced: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=2 if spaced else None)
    agree(text.encode("utf-8", "surrogatepass"))


@given(raw=st.binary(max_size=60))
def test_any_bytes_read_the_same(raw: bytes) -> None:
    agree(raw)


@given(digits=st.text("0123456789", min_size=1, max_size=40), sign=st.sampled_from(["", "-"]))
def test_any_number_reads_the_same(digits: str, sign: str) -> None:
    for number in (digits, f"{digits}.5", f"1.{digits}", f"{digits}e-3", f"0.{digits}E+2"):
        agree(f'{{"seed": {sign}{number}}}'.encode())


@pytest.mark.parametrize(
    "raw",
    [
        b'{"seed": 123456789012345678901234567890}',  # orjson alone would make it a float
        b'{"seed": -9223372036854775809}',
        b'{"seed": 18446744073709551616}',
        b'{"seed": 1e400}',
        b'{"seed": -1e400}',
        b'{"seed": NaN}',
        b'{"seed": Infinity}',
        b'{"prompt": "\\ud800"}',  # a lone surrogate, escaped
        b'{"prompt": "\xed\xa0\x80"}',  # one encoded: not UTF-8
        b'{"prompt": "\xff"}',
        b"\xef\xbb\xbf{}",  # a byte order mark
        b"[" * 5000 + b"]" * 5000,
        b"[" * 1000 + b"]" * 1000,
        b"",
        b" \r\n\t",
        b'{"a": 1, "b": 2, "a": 3}',
        b'{"a": 1} x',
    ],
)
def test_the_bodies_orjson_reads_otherwise_are_jsons(raw: bytes) -> None:
    agree(raw)


@pytest.mark.parametrize("depth", [1, 63, 64, 65, 980, 990, 1000, 1023, 1024, 5000])
@pytest.mark.parametrize("opening", [b"[", b'{"a": '])
def test_nesting_past_the_limit_is_the_same_400_either_way(depth: int, opening: bytes) -> None:
    """`depth` levels inside the body's object: at most MAX_DEPTH levels in all are read,
    more are a 400 naming the limit, whether orjson (up to 1024 levels) or json (up to
    some 990, then a RecursionError) would have read them."""
    closing = b"]" if opening == b"[" else b"}"
    raw = b'{"prompt": ' + opening * depth + b"1" + closing * depth + b"}"
    agree(raw)
    kind, said = outcome(front.decode_json, raw)
    if depth + 1 <= front.MAX_DEPTH:
        assert kind == "value"
    else:
        assert (kind, said) == ("400", "the request body is nested more than 64 levels deep")


def test_the_depth_counts_every_branch() -> None:
    """The deepest branch decides, wherever it is: not the first, not the last."""
    deep = "[" * 70 + "]" * 70
    for raw in (f"[{deep}, 1, 2]", f"[1, {deep}, 2]", f'{{"a": 1, "b": {{"c": {deep}}}}}'):
        assert outcome(front.decode_json, raw.encode())[0] == "400", raw[:20]
    shallow = "[" * 30 + "]" * 30
    assert outcome(front.decode_json, f"[{shallow}, {shallow}, {shallow}]".encode())[0] == "value"


def test_an_integer_past_64_bits_stays_exact() -> None:
    assert front.decode_json(b'{"seed": 123456789012345678901234567890}') == {
        "seed": 123456789012345678901234567890
    }


def test_the_usual_body_is_orjsons(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast reader is the one used (a check that it is not skipped for every body)."""
    read: list[bytes] = []

    def spy(raw: bytes) -> Any:
        read.append(raw)
        return orjson.loads(raw)

    monkeypatch.setattr(
        front,
        "orjson",
        type("Spy", (), {"loads": staticmethod(spy), "JSONDecodeError": orjson.JSONDecodeError}),
    )
    assert front.decode_json(b'{"prompt": "a red fox"}') == {"prompt": "a red fox"}
    assert read == [b'{"prompt": "a red fox"}']
