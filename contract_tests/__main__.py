"""`python -m pixazo_contract [--live] [--report-dir DIR] [pytest options]`: run the suite.

Without --live (and without PIXAZO_BASE_URL) the suite starts the mock in-process on a
manual clock. With --live it is black-box: HTTP only to PIXAZO_BASE_URL (default
https://gateway.pixazo.ai) with the key from PIXAZO_API_KEY, which is never printed. Other
options go to pytest (e.g. -x, -k NAME). Exit status: pytest's, so 5 ("no tests ran") fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

# Only the standard library and pytest are imported before pytest starts: it rewrites the
# asserts of this distribution's modules, which it cannot do to modules already imported.
PACKAGE = Path(__file__).resolve().parent
DEFAULT_LIVE_URL = "https://gateway.pixazo.ai"  # as target.DEFAULT_LIVE_URL
JUNIT_FILE = "fidelity-report.xml"  # beside report.JSON_FILE and report.REPORT_FILE


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pixazo_contract",
        allow_abbrev=False,  # the rest of the options are pytest's: never guess at them
        description="Contract suite for the Pixazo gateway: the mock, or a live target.",
        epilog="Unknown options are passed to pytest (e.g. -x, -k NAME, -q).",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help=f"black-box run against PIXAZO_BASE_URL (default {DEFAULT_LIVE_URL}) with "
        "PIXAZO_API_KEY",
    )
    parser.add_argument(
        "--report-dir",
        default=os.environ.get("CONTRACT_REPORT_DIR") or ".",
        metavar="DIR",
        help="where fidelity-report.json, .md and .xml go (default: $CONTRACT_REPORT_DIR, "
        "else here)",
    )
    parser.add_argument(
        "--profile",
        metavar="REPORT",
        help="expect what this fidelity-report.json observed live (for a mock started with "
        "the same --profile); default $CONTRACT_PROFILE",
    )
    args, extra = parser.parse_known_args(argv)
    # A base URL in the environment means a live target, as with --live.
    live = args.live or bool(os.environ.get("PIXAZO_BASE_URL"))
    if live and not os.environ.get("PIXAZO_API_KEY"):
        print(
            "pixazo_contract: PIXAZO_API_KEY is not set; a live run needs the gateway key in it",
            file=sys.stderr,
        )
        return 2
    base = os.environ.get("PIXAZO_BASE_URL") or DEFAULT_LIVE_URL
    report_dir = Path(args.report_dir)
    pytest_args = [
        str(PACKAGE),
        "-p",
        "no:cacheprovider",
        # Unused here, and slow to load: faker scans its locales, the mock's own plugin
        # imports the whole mock (which the mock target imports itself when it needs it).
        "-p",
        "no:faker",
        "-p",
        "no:mock_gateway",
        # Other tools' plugins a developer's environment may hold: none serves the suite.
        "-p",
        "no:schemathesis",
        "-p",
        "no:anyio",
        # One process: the budget, the ledger and the report are the run's own (xdist workers
        # would each spend the whole budget and write an empty report).
        "-p",
        "no:xdist",
        # Every check raises its own one-line message; rewriting the asserts of all of this
        # distribution's modules (recompiled on each run where bytecode is not kept) adds
        # nothing to that and costs seconds.
        "--assert=plain",
        f"--rootdir={PACKAGE.parent}",
        f"--junitxml={report_dir / JUNIT_FILE}",
        f"--hypothesis-profile={'live' if live else 'mock'}",
        f"--contract-target={'live' if live else 'mock'}",
        f"--contract-report-dir={report_dir}",
        *([f"--contract-base-url={base}"] if live else []),
        *([f"--contract-profile={args.profile}"] if args.profile else []),
        *extra,
    ]
    return int(pytest.main(pytest_args))


if __name__ == "__main__":
    sys.exit(main())
