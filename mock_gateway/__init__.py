"""An offline, faithful stand-in for the Pixazo gateway's Bria endpoints.

Run it with `mock-gateway serve`, in a thread with `mock_gateway.running.running()`, or in
pytest through the `mock_gateway` and `webhook_sink` fixtures (`mock_gateway.pytest_plugin`).
"""

from __future__ import annotations

from importlib.metadata import version

# pyproject.toml is the one place the version is written; every part reads it from there.
__version__ = version("pixazo-mock-toolkit")

__all__ = ["__version__"]
