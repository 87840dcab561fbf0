"""A black-box, hypothesis-driven contract suite for the Pixazo gateway (Bria RMBG 2.0, FIBO).

Run it with `python -m pixazo_contract` (the mock, started in-process on a manual clock) or
`python -m pixazo_contract --live` (PIXAZO_BASE_URL, default https://gateway.pixazo.ai, with
the key in PIXAZO_API_KEY). Each run writes contract-report.md and contract-report.xml.
"""

from __future__ import annotations

__all__: list[str] = []
