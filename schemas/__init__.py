"""JSON Schemas (draft 2020-12): the single source of truth for the mock, client and contract suite.

Schemas are named by their path under this package without `.json`, e.g. `gen2/status_response`.
A schema file may use another by a relative reference to its file (`{"$ref":
"../common/timestamp.json"}`), and by nothing else: no `#/...` pointers, so that each file can be
served as an OpenAPI component whose references resolve from the document's root
(`mock_gateway/http/openapi.py`). `load` answers the schema with those references resolved in
place (self-contained, for any validator or generator); `source` answers the file as written.

`catalog` is data, not a schema: the models the gateway sells and FIBO's output sizes
(`_catalog/catalog.json`, its shape in `_catalog/catalog.schema.json`), read by the mock, the
client and the contract suite alike. Folders whose name starts with `_` hold no API schema:
`names` (and so the OpenAPI document) leaves them out.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import typing
from functools import cache
from importlib import resources
from typing import Any

if typing.TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = [
    "VERIFIED_CATALOG",
    "catalog",
    "catalog_digest",
    "load",
    "names",
    "ref_target",
    "source",
    "validator",
]


def names() -> list[str]:
    """Every schema's name, sorted."""
    root = resources.files(__name__)
    found: list[str] = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name):
        if folder.name.startswith("_"):
            continue
        found += [
            f"{folder.name}/{f.name[:-5]}" for f in folder.iterdir() if f.name.endswith(".json")
        ]
    return sorted(found)


@cache
def source(name: str) -> dict[str, Any]:
    """The schema file called `name` as written, its references to other files unresolved
    (parsed once, then cached: treat it as read-only)."""
    folder, _, file = name.partition("/")
    text = resources.files(__name__).joinpath(folder, f"{file}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def ref_target(name: str, ref: str) -> str:
    """The name of the schema that `ref`, written in the schema called `name`, refers to."""
    if not ref.endswith(".json") or "#" in ref or ":" in ref:
        raise ValueError(f"{name}: $ref {ref!r} must be a relative path to a schema file")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(name), ref))[: -len(".json")]
    if target not in names():
        raise ValueError(f"{name}: $ref {ref!r} names no schema ({target})")
    return target


# Beside a $ref, only words for people (they change no verdict) may stay.
_ANNOTATIONS = frozenset({"title", "description", "examples"})


@cache
def load(name: str) -> dict[str, Any]:
    """The schema called `name`, self-contained: each reference to another schema file
    replaced by that schema (cached: treat it as read-only)."""
    schema: dict[str, Any] = _resolved(name, source(name), (name,))
    return schema


def _resolved(name: str, node: Any, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_resolved(name, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = ref_target(name, ref)
        if target in seen:
            raise ValueError(f"{name}: $ref {ref!r} is circular")
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not set(siblings) <= _ANNOTATIONS:
            raise ValueError(f"{name}: $ref {ref!r} has siblings other than {sorted(_ANNOTATIONS)}")
        inlined = {k: v for k, v in source(target).items() if k != "$schema"}
        return {**_resolved(target, inlined, (*seen, target)), **siblings}
    return {key: _resolved(name, value, seen) for key, value in node.items()}


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for the schema called `name`."""
    # Imported here, not at the top: jsonschema costs the mock's start about 45 ms, and a
    # running mock needs it only for a body its compiled check refuses (core/validation.py).
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load(name))


# The SHA-256 of catalog.json followed by catalog.schema.json, as they were when the test
# suite last saw the first validate against the second (tests/test_schemas.py keeps this true).
# For exactly these bytes jsonschema's verdict is known, so `catalog()` skips importing it.
VERIFIED_CATALOG = "551136051ebdea14f7c56cfb1a2315cdbf8fa055892671a82ec27712bfcd37a8"


def catalog_digest(data: bytes, shape: bytes) -> str:
    """What VERIFIED_CATALOG records, for this catalog file and schema file."""
    return hashlib.sha256(data + b"\0" + shape).hexdigest()


@cache
def catalog() -> dict[str, Any]:
    """The model catalog: `{"models": [...], "aspect_ratio_sizes": {...},
    "default_aspect_ratio": ...}`, checked against its schema and for what a schema cannot say
    (parsed once, then cached: treat it as read-only). A broken file raises ValueError."""
    folder = resources.files(__name__).joinpath("_catalog")
    text = folder.joinpath("catalog.json").read_bytes()
    shape = folder.joinpath("catalog.schema.json").read_bytes()
    data: dict[str, Any] = json.loads(text)
    problems: list[str] = []
    if catalog_digest(text, shape) != VERIFIED_CATALOG:
        from jsonschema import Draft202012Validator

        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in Draft202012Validator(json.loads(shape)).iter_errors(data)
        ]
    if not problems:
        problems = _catalog_problems(data)
    if problems:
        raise ValueError("model catalog: " + "; ".join(problems))
    return data


def _catalog_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for model in data["models"]:
        model_id = model["model_id"]
        if model_id in seen:
            problems.append(f"{model_id}: listed twice")
        seen.add(model_id)
        for span in ("queue_seconds", "processing_seconds"):
            low, high = model[span]
            if low > high:
                problems.append(f"{model_id}: {span} min {low} > max {high}")
        if model["request_schema"] not in names():
            problems.append(f"{model_id}: request_schema {model['request_schema']!r} is no schema")
    if data["default_aspect_ratio"] not in data["aspect_ratio_sizes"]:
        problems.append(f"default_aspect_ratio {data['default_aspect_ratio']!r} has no size")
    return problems
