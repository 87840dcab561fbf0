"""Plain-text output: section titles, aligned tables and target lines."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field


def say(text: str = "") -> None:
    """One line of the report (stdout, flushed so the report appears as it is measured)."""
    print(text, flush=True)


def note(text: str) -> None:
    """Progress chatter (stderr): what is running now, kept out of the report itself."""
    print(f"  .. {text}", file=sys.stderr, flush=True)


def section(title: str) -> None:
    say()
    say(title)
    say("=" * len(title))


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """An aligned table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    say(line(header))
    say("-+-".join("-" * w for w in widths))
    for row in rows:
        say(line(row))


@dataclass
class Targets:
    """Targets checked during the run, reported at the end (never asserted)."""

    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, measured: str) -> None:
        """Record one target and print its line."""
        self.results.append((name, ok, measured))
        say(f"  [{'PASS' if ok else 'FAIL'}] {name}: {measured}")

    def summary(self) -> None:
        section("Summary of targets")
        for name, ok, measured in self.results:
            say(f"  [{'PASS' if ok else 'FAIL'}] {name}: {measured}")
        passed = sum(ok for _, ok, _ in self.results)
        say(f"  {passed}/{len(self.results)} targets met")
