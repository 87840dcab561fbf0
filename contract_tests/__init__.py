"""A black-box, hypothesis-driven contract suite for the Pixazo gateway (Bria RMBG 2.0, FIBO).

Run it with `python -m pixazo_contract` (the mock, started in-process on a manual clock) or
`python -m pixazo_contract --live` (PIXAZO_BASE_URL, default https://gateway.pixazo.ai, with
the key in PIXAZO_API_KEY). Each run writes fidelity-report.json and fidelity-report.md (and a JUnit
fidelity-report.xml) in the current directory, or --report-dir / $CONTRACT_REPORT_DIR.
"""

from __future__ import annotations

__all__: list[str] = []
