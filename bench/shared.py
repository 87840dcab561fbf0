"""Section 2: the flow on the shared store (issue 16): one process in memory, one process on
Redis, two worker processes on Redis (`--workers 2`, one port), loaded in turn by wrk.

Redis runs on the same machine (its own redis-server on a loopback port, no persistence),
so on two cores it competes with the mocks for the CPU: the two-worker row says what a
second process buys when Redis needs a core too. The note under the table spells out what
that implies for a machine with more cores.
"""

from __future__ import annotations

from .load import LoadGenerator, LoadResult
from .procs import HarnessError, Reaper, Server, mock_command
from .redis_server import RedisServer
from .report import Targets, note, say, table
from .throughput import Options, measure, prepare_mock, workloads

WORKLOAD = "flow"


def run(reaper: Reaper, generator: LoadGenerator, options: Options, targets: Targets) -> None:
    note("starting redis-server and the mocks (memory; Redis x1; Redis, --workers 2)")
    redis = RedisServer().start()
    servers: list[Server] = []
    try:
        configurations = {
            "memory": ("serve", "--port", "0", "--quiet"),
            "redis x1": (
                "serve", "--port", "0", "--quiet", "--store", redis.url, "--namespace", "one",
            ),
            "redis x2": (
                "serve", "--port", "0", "--quiet", "--store", redis.url, "--namespace", "two",
                "--workers", "2",
            ),
        }  # fmt: skip
        for name, argv in configurations.items():
            servers.append(Server(name, mock_command(*argv), reaper, timeout=30))
        loads = {}
        for server in servers:
            try:
                samples = prepare_mock(server.port, options.pool)
            except (RuntimeError, OSError) as e:
                raise HarnessError(f"setting up {server.name} failed: {e}\n{server.tail()}") from e
            loads[server.name] = [w for w in workloads(samples.ids) if w.name == WORKLOAD]
        results = measure(generator, servers, loads, options)
    finally:
        for server in servers:
            server.stop()
        redis.close()
    report(results, options, targets)


def report(results: dict[tuple[str, str], LoadResult], options: Options, targets: Targets) -> None:
    memory = results[WORKLOAD, "memory"].rps
    rows = []
    for name in ("memory", "redis x1", "redis x2"):
        r = results[WORKLOAD, name]
        rows.append(
            [
                name,
                f"{r.rps:,.0f}",
                f"{r.rps / memory:.2f}",
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                str(r.failures),
            ]
        )
    say(f"flow at {options.connections} connections (submits in turn with polls of their jobs)")
    table(["store", "req/s", "x memory", "p50 ms", "p99 ms", "errors"], rows)
    say()
    one, two = results[WORKLOAD, "redis x1"], results[WORKLOAD, "redis x2"]
    say(f"  a second worker on Redis: {two.rps / one.rps:.2f}x one (2 cores shared by 2 workers,")
    say("  redis-server and wrk). Per core, a worker on Redis makes about")
    say(f"  {one.rps:,.0f} flow req/s; on a 16-core machine with Redis on a core of its own,")
    say("  workers should add up nearly linearly until Redis's one thread saturates (the")
    say("  flow sends it about 1.5 commands per request): a few times one process in memory,")
    say("  bounded by Redis rather than by the mock (README, Performance).")
    say()
    targets.check(
        "redis: 2 workers answer the flow without errors",
        two.failures == 0 and one.failures == 0,
        f"failures: x1 {one.failures}, x2 {two.failures}",
    )
