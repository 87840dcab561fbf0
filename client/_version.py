"""The client's version: the installed distribution's, so pyproject.toml is the one source.

No fallback: `pixazo_client` exists only as installed (setuptools maps the `client/` folder
to that name), so its distribution's metadata is always there.
"""

from __future__ import annotations

import importlib.metadata

__all__ = ["DISTRIBUTION", "__version__"]

DISTRIBUTION = "pixazo-mock-toolkit"
__version__ = importlib.metadata.version(DISTRIBUTION)
