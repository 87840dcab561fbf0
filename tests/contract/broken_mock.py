"""A pytest plugin that breaks the in-process mock the contract suite starts, in one named way.

    PYTHONPATH=<repository> python -m pixazo_contract -p tests.contract.broken_mock \
        --broken-mock double-charge -m mock_only -x

The patch (`broken_gateways.MOCK_VARIANTS`) is applied when pytest is configured, before the
suite's target fixture starts the mock, and undone when pytest is done. Without
`--broken-mock` the plugin does nothing (the unbroken mock, for comparison). It breaks only
the mock: a live run (`--live`, or PIXAZO_BASE_URL set) with `--broken-mock` refuses to start.
Only tests/contract/test_sharpness.py uses it; nothing in contract_tests/ knows of it.
"""

from __future__ import annotations

import os

import pytest

from .broken_gateways import MOCK_VARIANTS, mock_variant

OPTION = "--broken-mock"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("broken mock", "tests/contract: break the in-process mock").addoption(
        OPTION,
        metavar="NAME",
        default=None,
        choices=[v.name for v in MOCK_VARIANTS],
        help="patch the mock the suite starts so that it breaks one rule (mock target only)",
    )


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption(OPTION)
    if name is None:
        return
    target = config.getoption("--contract-target", default=None)
    live = target == "live" if target else bool(os.environ.get("PIXAZO_BASE_URL"))
    if live:
        raise pytest.UsageError(
            f"{OPTION} breaks the in-process mock: it has no place in a live run"
        )
    patcher = pytest.MonkeyPatch()
    mock_variant(name).patch(patcher)
    config.add_cleanup(patcher.undo)
