"""An offline, faithful stand-in for the Pixazo gateway's Bria endpoints.

Run it with `mock-gateway serve`, in a thread with `mock_gateway.running.running()`, or in
pytest through the `mock_gateway` and `webhook_sink` fixtures (`mock_gateway.pytest_plugin`).
"""

from __future__ import annotations

import typing

__all__ = ["__version__"]

if typing.TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        # Read on first use, not on import: the metadata lookup costs tens of ms, and the
        # command's launcher (mock_gateway/launch.py) imports this package before it
        # re-executes. pyproject.toml is the one place the version is written.
        if name == "__version__":
            from importlib.metadata import version

            value = version("pixazo-mock-toolkit")
            globals()["__version__"] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
