"""The image tests' setting: Testcontainers without its reaper (its ryuk image comes from a
registry; each test here removes its own containers)."""

import os

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
