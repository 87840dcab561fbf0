"""Wiring only: options, markers, hypothesis profiles, the target fixture, the report hooks.

The logic lives in plain modules (target, checks, report); this file connects them to pytest.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import expectations
from .http import Secret
from .ledger import Ledger, pop, push
from .report import JSON_FILE, REPORT_FILE, Report
from .target import DEFAULT_LIVE_URL, MockControl, RunConfig, Target, open_target

settings.register_profile(
    "mock",
    # Examples are cheap on the mock (milliseconds, play money, a manual clock).
    max_examples=100,
    stateful_step_count=20,
    deadline=None,  # one step may render a picture; time limits belong to the live path
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "live",
    # Every generated submit may be paid, and every job takes real seconds.
    max_examples=3,
    stateful_step_count=6,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking storms
    report_multiple_bugs=False,  # one failure is enough; each replay of a bug costs money
    database=None,  # never replay a stored paid example against another target
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=False,
)

REPORT = pytest.StashKey[Report]()
CONFIG = pytest.StashKey[RunConfig]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "Pixazo gateway contract suite")
    group.addoption(
        "--contract-target",
        choices=("mock", "live"),
        default=None,
        help="mock: start the mock in-process; live: HTTP only (default: live when "
        "PIXAZO_BASE_URL is set)",
    )
    group.addoption("--contract-base-url", default=None, help="the live gateway's base URL")
    group.addoption(
        "--contract-profile",
        default=None,
        help="a fidelity-report.json whose observations the assumed checks expect "
        "(default: $CONTRACT_PROFILE, else the mock's defaults)",
    )
    group.addoption(
        "--contract-report-dir",
        default=os.environ.get("CONTRACT_REPORT_DIR") or ".",
        help="where fidelity-report.json and .md are written (default: $CONTRACT_REPORT_DIR, "
        "else here)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mock_only: needs the mock's control API; skipped on a live target"
    )
    chosen = config.getoption("--contract-target")
    live = chosen == "live" if chosen else bool(os.environ.get("PIXAZO_BASE_URL"))
    base = config.getoption("--contract-base-url") or os.environ.get("PIXAZO_BASE_URL")
    try:
        run = RunConfig.from_env(live, base or DEFAULT_LIVE_URL)
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None
    key = os.environ.get("PIXAZO_API_KEY", "")
    if live and not key:
        raise pytest.UsageError("PIXAZO_API_KEY is not set: the live target needs a key")
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("live" if live else "mock")
    config.stash[CONFIG] = run
    try:
        wanted = expectations.load(
            config.getoption("--contract-profile") or os.environ.get("CONTRACT_PROFILE"),
            float(os.environ.get("CONTRACT_TIME_SCALE") or 1.0),
        )
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None
    if not live and (wanted.profile or wanted.time_scale != 1.0):
        raise pytest.UsageError(
            "a profile and CONTRACT_TIME_SCALE describe a live target (--live); the in-process "
            "mock runs its defaults"
        )
    expectations.use(wanted)
    config.stash[REPORT] = Report(
        live=live,
        label=f"live (black-box) at {run.base_url}" if live else "mock, in-process",
        directory=Path(config.getoption("--contract-report-dir")),
        secret=Secret(key) if live else None,
        # On the mock every assumption must hold; live, a contradiction is only reported.
        ledger=Ledger(strict=not live),
    )
    push(config.stash[REPORT].ledger)


def pytest_unconfigure(config: pytest.Config) -> None:
    report = config.stash.get(REPORT, None)
    if report is not None:
        pop(report.ledger)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.stash[CONFIG].live:
        return
    skip = pytest.mark.skip(reason="mock_only: needs the mock's control API (live target)")
    for item in items:
        if item.get_closest_marker("mock_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The gateway under test, for the whole run."""
    report = pytestconfig.stash[REPORT]
    key = os.environ.get("PIXAZO_API_KEY") if report.live else None
    with open_target(pytestconfig.stash[CONFIG], key) as found:
        report.target = found
        yield found


@pytest.fixture
def mock(target: Target) -> MockControl:
    """The mock's control verbs (tests using it are marked mock_only)."""
    if target.mock is None:
        pytest.skip("needs the mock's control API")
    return target.mock


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    kept = item.config.stash[REPORT]
    # The key must not reach the terminal, the JUnit XML or the report, even if an answer
    # echoed it: scrub before any other hook sees the report.
    if report.longrepr is not None:
        text = str(report.longrepr)
        if kept.scrub(text) != text:
            report.longrepr = kept.scrub(text)
    report.sections = [(title, kept.scrub(body)) for title, body in report.sections]
    reason = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    error = call.excinfo.value if call.excinfo is not None and not report.skipped else None
    if report.failed and error is None:
        reason = str(report.longrepr).strip().splitlines()[-1:][0] if report.longrepr else ""
    kept.record(item.nodeid, report.when, report.outcome, report.duration, error, reason)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    report = session.config.stash.get(REPORT, None)
    if report is not None:
        report.write()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report = terminalreporter.config.stash.get(REPORT, None)
    if report is None:
        return
    terminalreporter.section("contract")
    terminalreporter.write_line(f"target: {report.target.label if report.target else report.label}")
    terminalreporter.write_line(f"spent: {report.spend_line()}")
    terminalreporter.write_line(f"rate limiting: {report.waits_line()}")
    for line in report.summary_lines():
        terminalreporter.write_line(report.scrub(line))
    where = report.directory.resolve()
    terminalreporter.write_line(f"report: {where / REPORT_FILE} and {where / JSON_FILE}")
