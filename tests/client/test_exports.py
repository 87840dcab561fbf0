"""The client's public surface is on purpose, and its layering holds."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import pixazo_client

SOURCES = sorted(Path(pixazo_client.__file__).parent.glob("*.py"))


def test_all_names_exist_and_every_public_name_is_listed() -> None:
    exported = set(pixazo_client.__all__)
    assert len(exported) == len(pixazo_client.__all__), "no duplicates"
    assert all(hasattr(pixazo_client, name) for name in exported)
    public = {
        name
        for name, value in vars(pixazo_client).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and getattr(value, "__module__", "pixazo_client").startswith("pixazo_client")
    }
    assert public <= exported | {"annotations"}, public - exported


def test_every_error_is_under_one_base_and_every_status_class_under_gateway_error() -> None:
    errors = [getattr(pixazo_client, n) for n in pixazo_client.__all__ if n.endswith("Error")]
    assert all(issubclass(e, pixazo_client.PixazoError) for e in errors)
    for name in (
        "BadRequestError",
        "ModelNotFoundError",
        "AuthenticationError",
        "InsufficientBalanceError",
        "PermissionDeniedError",
        "NotFoundError",
        "RateLimitError",
        "ServerError",
    ):
        assert issubclass(getattr(pixazo_client, name), pixazo_client.GatewayError)
    documented = pixazo_client.errors.__doc__ or ""
    assert all(e.__name__ in documented for e in errors), "the tree in the docstring is complete"


@pytest.mark.parametrize("module", [m.name for m in pkgutil.iter_modules(pixazo_client.__path__)])
def test_each_module_lists_names_that_exist(module: str) -> None:
    loaded = importlib.import_module(f"pixazo_client.{module}")
    assert all(hasattr(loaded, name) for name in loaded.__all__)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_client_never_imports_the_mock() -> None:
    assert all("mock_gateway" not in imports(p) for p in SOURCES)


def test_only_the_transport_touches_aiohttp() -> None:
    assert [p.name for p in SOURCES if "aiohttp" in imports(p)] == ["transport.py"]


def test_the_version_is_the_installed_distributions() -> None:
    installed = importlib.metadata.version("pixazo-mock-toolkit")
    assert pixazo_client.__version__ == installed
    agent = importlib.import_module("pixazo_client.transport").USER_AGENT
    assert agent == f"pixazo-client/{installed}"


def test_the_version_is_read_from_the_metadata_not_written_in_the_source() -> None:
    assert all('"0.1.0"' not in p.read_text("utf-8") for p in SOURCES)
    version = importlib.import_module("pixazo_client._version")
    original = importlib.metadata.version
    try:
        importlib.metadata.version = lambda name: f"9.9.9+{name}"  # type: ignore[assignment]
        reloaded = importlib.reload(version)
        assert reloaded.__version__ == "9.9.9+pixazo-mock-toolkit"
    finally:
        importlib.metadata.version = original
        importlib.reload(version)
