"""An offline, faithful stand-in for the Pixazo gateway's Bria endpoints.

Run it with `mock-gateway serve`, in a thread with `mock_gateway.running.running()`, or in
pytest through the `mock_gateway` and `webhook_sink` fixtures (`mock_gateway.pytest_plugin`).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
