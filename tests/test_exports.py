"""Each package's public surface is on purpose: __all__ lists exactly what it exports."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["mock_gateway", "pixazo_schemas"])
def test_all_names_exist_and_public_names_are_listed(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert all(hasattr(module, name) for name in exported)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and getattr(v, "__module__", package).startswith(package)
        and not isinstance(v, type(importlib))
    }
    assert public <= exported | {"annotations"}, public - exported
