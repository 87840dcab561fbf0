"""An offline, faithful stand-in for the Pixazo gateway's Bria endpoints."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
