"""`make bench`'s section 1: the order in which servers are loaded, and where they run.

The servers are loaded one at a time, round after round; every other round goes in reverse
order, so that a host that speeds up or slows down through a run favours none of them. The
load generator is pinned to a CPU of its own where two are usable, the servers to the other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import procs, throughput
from bench.load import LoadResult, Workload


class Recording:
    """A load generator that records what it was asked to run, and answers at once."""

    client_bound = False

    def __init__(self) -> None:
        self.runs: list[tuple[str, str, float, str | None]] = []

    def run(
        self,
        workload: Workload,
        base_url: str,
        seconds: float,
        connections: int,
        cpus: str | None = None,
    ) -> LoadResult:
        self.runs.append((workload.name, base_url, seconds, cpus))
        return LoadResult(100, seconds, 0, 0, 1.0, 2.0)


def _servers(*names: str) -> list[Any]:
    return [SimpleNamespace(name=n, base_url=f"http://{n}") for n in names]


def test_rounds_alternate_their_order_and_warm_up_once_pinned_to_the_load_cpu() -> None:
    """Catches: every round in the same order (the first server always measured first, so
    a steady drift of the host's speed favours one side), a warm-up in every round, or the
    load generator not given its CPU."""
    servers = _servers("mock", "ceiling", "state")
    loads = {s.name: [Workload("submit", ())] for s in servers}
    options = throughput.Options(6, 1, 4, 32, 10, None, ("1", "0"))
    generator = Recording()
    results = throughput.measure(generator, servers, loads, options)  # type: ignore[arg-type]
    measured = [(url, seconds) for _, url, seconds, _ in generator.runs]
    warm = [url for url, seconds in measured if seconds == options.warmup]
    timed = [url.removeprefix("http://") for url, s in measured if s == options.round_seconds]
    assert warm == ["http://mock", "http://ceiling", "http://state"], "one warm-up each, first"
    assert timed == ["mock", "ceiling", "state", "state", "ceiling", "mock"] * 2
    assert {cpus for *_, cpus in generator.runs} == {"0"}
    assert results["submit", "mock"].requests == 4 * 100


def test_unpinned_options_give_the_generator_no_cpus() -> None:
    generator = Recording()
    servers = _servers("mock", "ceiling")
    options = throughput.Options(2, 0, 2, 32, 10)
    throughput.measure(
        generator,  # type: ignore[arg-type]
        servers,
        {s.name: [Workload("status", ())] for s in servers},
        options,
    )
    assert [cpus for *_, cpus in generator.runs] == [None] * 4


def test_pinned_prefixes_taskset_only_when_asked() -> None:
    assert procs.pinned(["wrk", "-t1"], None) == ["wrk", "-t1"]
    assert procs.pinned(["wrk", "-t1"], "0") == ["taskset", "-c", "0", "wrk", "-t1"]


@pytest.mark.parametrize(
    ("usable", "taskset", "split"),
    [
        ({0, 1}, "/usr/bin/taskset", ("1", "0")),
        ({2, 5, 7}, "/usr/bin/taskset", ("7", "2")),
        ({3}, "/usr/bin/taskset", None),  # one CPU: nothing to split
        ({0, 1}, None, None),  # no taskset: the scheduler decides
    ],
)
def test_cpu_split_needs_two_cpus_and_taskset(
    monkeypatch: pytest.MonkeyPatch,
    usable: set[int],
    taskset: str | None,
    split: tuple[str, str] | None,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: usable, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: taskset if name == "taskset" else None)
    assert procs.cpu_split() == split


def test_a_baseline_with_the_launcher_starts_as_serve_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches: a baseline started through its CLI on pymalloc while today's mock runs on
    the allocator `mock-gateway serve` chooses: the two would differ in more than code."""
    started: list[list[str]] = []

    class FakeServer:
        def __init__(
            self, name: str, argv: list[str], reaper: object, cwd: Path, cpus: str | None
        ) -> None:
            started.append(procs.pinned(argv, cpus))  # as procs.Server spawns it

    monkeypatch.setattr(throughput, "Server", FakeServer)
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda *a, **k: SimpleNamespace(returncode=0, stderr=""),
    )
    for with_launcher in (True, False):
        where = tmp_path / str(with_launcher)
        (where / "mock_gateway").mkdir(parents=True)
        if with_launcher:
            (where / "mock_gateway" / "launch.py").write_text("")
        throughput.start_baseline(None, "HEAD", where, "1")  # type: ignore[arg-type]
    assert [argv[:3] + argv[4:6] for argv in started] == [
        ["taskset", "-c", "1", "-m", "mock_gateway"],
        ["taskset", "-c", "1", "-m", "mock_gateway.cli"],
    ]
