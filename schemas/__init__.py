"""JSON Schemas (draft 2020-12): the single source of truth for the mock, client and contract suite.

Schemas are named by their path under this package without `.json`, e.g. `gen2/status_response`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["load", "names", "validator"]


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
def load(name: str) -> dict[str, Any]:
    """The schema called `name` (a fresh parse once, then cached: treat it as read-only)."""
    folder, _, file = name.partition("/")
    text = resources.files(__name__).joinpath(folder, f"{file}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for the schema called `name`."""
    return Draft202012Validator(load(name))
