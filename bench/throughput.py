"""Section 1: requests/s of the mock against the ceiling, same load generator, same load.

The mock and the ceiling run as two subprocesses but are loaded one after the other, never
together, so they never compete for the CPU; the idle one costs nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .client import Client
from .load import LoadGenerator, LoadResult, Request, Workload, combine, interleave
from .procs import ROOT, HarnessError, Reaper, Server, mock_command
from .report import Targets, note, say, table

KEY = "bench-key"
FIBO_ID = "bria-fibo-bbq-preview"
RMBG_ID = "bria-rmbg-2-0-682"
FIBO_PATH = f"/{FIBO_ID}/v1/bria-fibo-bbq-preview-request"
RMBG_PATH = f"/{RMBG_ID}/v1/bria-rmbg-2-0-request"
FIBO_BODY = {
    "prompt": "A red fox curled up asleep on a mossy log in a misty autumn forest, "
    "soft morning light, photorealistic"
}
RMBG_BODY = {"image_url": "https://example.com/cat.jpg"}  # a stand-in: never fetched
SUBMITS = (
    Request("POST", FIBO_PATH, json.dumps(FIBO_BODY).encode()),
    Request("POST", RMBG_PATH, json.dumps(RMBG_BODY).encode()),
)
# Moving the mock's clock past every pool job's end makes each status answer final
# (COMPLETED, with its output URL: the largest shape) and stable for the whole run.
SKIP_AHEAD_SECONDS = 60

# Issue 14's targets, against the ceiling (bare aiohttp, app router, asyncio) in the same run.
FLOW_RATIO_TARGET = 1.2  # WireMock with fixed stubs measured 1.15x that ceiling
SUBMIT_RATIO_TARGET = 1.0
STATUS_P99_TARGET_MS = 5.0  # at the usual connections
MANY_P99_TARGET_MS = 30.0  # at MANY_CONNECTIONS
MANY_CONNECTIONS = 256
MANY_WORKLOADS = ("status", "flow")
STATE_RATIO_TARGET = 0.5  # the SQLite store (--state) against the in-memory one
P99_TARGET_MS = 20.0


@dataclass(frozen=True)
class Options:
    seconds: int  # measured per server and workload, split evenly over the rounds
    warmup: int  # before a server's first round of each workload
    rounds: int  # mock, ceiling, mock, ceiling...: slow drifts of a shared machine even out
    connections: int
    pool: int
    baseline: str | None = None  # a git ref whose mock is loaded in turn with today's
    # (servers' CPU, load generator's), taskset lists; None: where the scheduler puts them
    cpus: tuple[str, str] | None = None

    @property
    def server_cpus(self) -> str | None:
        return self.cpus[0] if self.cpus else None

    @property
    def load_cpus(self) -> str | None:
        return self.cpus[1] if self.cpus else None

    @property
    def round_seconds(self) -> int:
        return max(1, -(-self.seconds // self.rounds))  # wrk takes whole seconds only


@dataclass(frozen=True)
class Samples:
    """What the mock answered during set-up: the status pool and one body per answer kind."""

    ids: list[str]
    content_type: str
    submit: dict[str, bytes]  # model_id -> a 202 body
    status: dict[str, bytes]  # model_id -> a 200 status body


def prepare_mock(port: int, pool: int) -> Samples:
    """Create the bench key and `pool` jobs through the real submit endpoint; returns Samples."""
    with Client(port) as admin:
        admin.expect(
            201, "PUT", f"/_mock/keys/{KEY}", {"balance_usd": 100_000_000, "rate_limit": None}
        )
    ids: list[str] = []
    submit: dict[str, bytes] = {}
    content_type = ""
    with Client(port, KEY) as client:
        for n in range(pool):
            model_id, path, body = (
                (FIBO_ID, FIBO_PATH, FIBO_BODY) if n % 2 == 0 else (RMBG_ID, RMBG_PATH, RMBG_BODY)
            )
            answer = client.expect(202, "POST", path, body)
            ids.append(answer.json()["request_id"])
            submit.setdefault(model_id, answer.body)
            content_type = answer.content_type
    with Client(port) as admin:
        admin.expect(200, "POST", "/_mock/clock/advance", {"seconds": SKIP_AHEAD_SECONDS})
    status: dict[str, bytes] = {}
    with Client(port, KEY) as client:
        for request_id in ids[:2]:  # one FIBO, one RMBG
            answer = client.expect(200, "GET", f"/v2/requests/status/{request_id}")
            if answer.json()["status"] != "COMPLETED":
                raise RuntimeError(f"pool job {request_id} is not COMPLETED after the skip ahead")
            status[answer.json()["model_id"]] = answer.body
    return Samples(ids, content_type, submit, status)


def start_baseline(reaper: Reaper, ref: str, where: Path, cpus: str | None = None) -> Server:
    """The mock as it was at git `ref` (a worktree), run by this interpreter: only the code
    differs, not the machine, the Python or the libraries."""
    made = subprocess.run(
        ["git", "worktree", "add", "--detach", str(where), ref],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise HarnessError(f"--baseline {ref}: git worktree failed: {made.stderr.strip()}")
    # From the worktree's folder, its own mock_gateway is found before the installed one.
    # Started as `mock-gateway serve` starts (on the same allocator) where the ref has the
    # launcher; older refs through their CLI.
    entry = (
        "mock_gateway" if (where / "mock_gateway" / "launch.py").exists() else "mock_gateway.cli"
    )
    argv = [sys.executable, "-m", entry, "serve", "--port", "0", "--quiet"]
    return Server("baseline", argv, reaper, cwd=where, cpus=cpus)


def start_ceiling(
    reaper: Reaper, samples: Samples, workdir: Path, cpus: str | None = None
) -> Server:
    """The ceiling subprocess, serving the mock's own sample bodies."""
    bodies = workdir / "ceiling-bodies.json"
    bodies.write_text(
        json.dumps(
            {
                "content_type": samples.content_type,
                "submit": {k: v.decode() for k, v in samples.submit.items()},
                "status": {k: v.decode() for k, v in samples.status.items()},
            }
        )
    )
    return Server(
        "ceiling",
        [sys.executable, "-m", "bench.ceiling", "--port", "0", "--bodies", str(bodies)],
        reaper,
        cpus=cpus,
    )


def compare_answers(mock: Server, ceiling: Server, samples: Samples) -> list[list[str]]:
    """Rows (answer, mock bytes, ceiling bytes, same?) checking the ceiling mirrors the mock."""
    rows = []
    probes: list[tuple[str, str, str, dict[str, str] | None]] = [
        ("submit " + m, "POST", p, b)
        for m, p, b in ((FIBO_ID, FIBO_PATH, FIBO_BODY), (RMBG_ID, RMBG_PATH, RMBG_BODY))
    ]
    probes += [
        (
            f"status {samples.ids[i].partition('_')[0]}",
            "GET",
            f"/v2/requests/status/{samples.ids[i]}",
            None,
        )
        for i in (0, 1)
    ]
    with Client(mock.port, KEY) as m, Client(ceiling.port, KEY) as c:
        for label, method, path, body in probes:
            a, b = m.request(method, path, body), c.request(method, path, body)
            same = (a.status, len(a.body), a.content_type) == (
                b.status,
                len(b.body),
                b.content_type,
            )
            rows.append(
                [
                    label,
                    f"{a.status} {len(a.body)} B",
                    f"{b.status} {len(b.body)} B",
                    "yes" if same else "NO",
                ]
            )
    return rows


def workloads(ids: list[str]) -> list[Workload]:
    """submit (FIBO and RMBG alternately), status (over the pool), a 50/50 mix, and the flow
    (submits in turn with polls of the jobs those submits created)."""
    statuses = tuple(Request("GET", f"/v2/requests/status/{i}") for i in ids)
    return [
        Workload("submit", SUBMITS),
        Workload("status", statuses),
        Workload("mix", interleave(SUBMITS, statuses)),
        Workload("flow", SUBMITS, flow=True),
    ]


def at_many(loads: list[Workload]) -> list[Workload]:
    """The workloads measured again at MANY_CONNECTIONS, named e.g. 'status@256'."""
    return [
        Workload(f"{w.name}@{MANY_CONNECTIONS}", w.requests, w.flow)
        for w in loads
        if w.name in MANY_WORKLOADS
    ]


def run(reaper: Reaper, generator: LoadGenerator, options: Options, targets: Targets) -> None:
    """Measure, print the table and check the targets."""
    note("starting the mocks (in memory; --state) and creating their status pools")
    cpus = options.server_cpus
    mock = Server("mock", mock_command("serve", "--port", "0", "--quiet"), reaper, cpus=cpus)
    ceiling: Server | None = None
    durable: Server | None = None
    baseline: Server | None = None
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        try:  # the servers stop at the end of this section, never weighing on the next ones
            state = str(Path(workdir) / "state.db")
            durable = Server(
                "state",
                mock_command("serve", "--port", "0", "--quiet", "--state", state),
                reaper,
                cpus=cpus,
            )
            try:
                samples = prepare_mock(mock.port, options.pool)
                durable_samples = prepare_mock(durable.port, options.pool)
            except (RuntimeError, OSError) as e:
                said = mock.tail() + (durable.tail() if durable else "")
                raise HarnessError(f"setting up a mock failed: {e}\n  stderr:\n{said}") from e
            ceiling = start_ceiling(reaper, samples, Path(workdir), cpus)
            describe_setup(mock, ceiling, samples, options)
            per_server = {
                "mock": workloads(samples.ids),
                "ceiling": workloads(samples.ids),
                "state": workloads(durable_samples.ids),
            }
            servers = [mock, ceiling, durable]
            if options.baseline:
                baseline = start_baseline(
                    reaper, options.baseline, Path(workdir) / "baseline", cpus
                )
                servers.append(baseline)
                per_server["baseline"] = workloads(prepare_mock(baseline.port, options.pool).ids)
            results = measure(generator, servers, per_server, options)
            many = replace(options, connections=MANY_CONNECTIONS)
            results |= measure(
                generator,
                [mock, ceiling],
                {s.name: at_many(per_server[s.name]) for s in (mock, ceiling)},
                many,
            )
        finally:
            for server in (ceiling, durable, mock, baseline):
                if server is not None:
                    server.stop()
            if options.baseline:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(Path(workdir) / "baseline")],
                    cwd=ROOT,
                    capture_output=True,
                    check=False,
                )
    print_results(results)
    if generator.client_bound:
        say("WARNING: the Python fallback load generator was used: these rates are bounded by the")
        say("WARNING: client, not the servers, and the ratios understate the gap. Install wrk.")
        say()
    check_targets(results, targets)


def describe_setup(mock: Server, ceiling: Server, samples: Samples, options: Options) -> None:
    """Print where things run, the load, and the answer-by-answer comparison."""
    say(
        f"mock on {mock.base_url}, ceiling on {ceiling.base_url}; {len(samples.ids)} pool jobs "
        f"created via submit, then the mock's clock moved +{SKIP_AHEAD_SECONDS} s (all COMPLETED)"
    )
    say(
        f"load: {options.connections} connections; per workload and server {options.warmup} s "
        f"warm-up, then {options.rounds} x {options.round_seconds} s measured, the servers in "
        "turn, every other round in reverse order (p50: mean of rounds, p99: worst round)"
    )
    if options.cpus:
        say(
            f"pinned (taskset): every server of this section on CPU {options.server_cpus}, "
            f"wrk on CPU {options.load_cpus}"
        )
    say()
    say("Answers (the ceiling must mirror the mock's status, size and Content-Type):")
    table(["answer", "mock", "ceiling", "same"], compare_answers(mock, ceiling, samples))
    say()


def measure(
    generator: LoadGenerator,
    servers: list[Server],
    loads: dict[str, list[Workload]],
    options: Options,
) -> dict[tuple[str, str], LoadResult]:
    """{(workload, server name): result}, the servers loaded in turn, never two at once;
    `loads` gives each server its workloads (the same kinds, over its own pool ids)."""
    results: dict[tuple[str, str], LoadResult] = {}

    def load(workload: Workload, server: Server, seconds: float) -> LoadResult:
        return generator.run(
            workload, server.base_url, seconds, options.connections, options.load_cpus
        )

    for index, first in enumerate(loads[servers[0].name]):
        parts: dict[str, list[LoadResult]] = {s.name: [] for s in servers}
        for round_ in range(options.rounds):
            # Every other round in the reverse order (A B C, C B A, A B C...): a host that
            # speeds up or slows down steadily through the rounds favours no server.
            for server in servers if round_ % 2 == 0 else servers[::-1]:
                workload = loads[server.name][index]
                note(f"{workload.name} on the {server.name}, round {round_ + 1}/{options.rounds}")
                if round_ == 0 and options.warmup:
                    # Thrown away: connections open and caches (routes, the interpreter's
                    # specialised bytecode) settle before anything is measured.
                    load(workload, server, options.warmup)
                parts[server.name].append(load(workload, server, options.round_seconds))
        for name, runs in parts.items():
            results[first.name, name] = combine(runs)
    return results


def print_results(results: dict[tuple[str, str], LoadResult]) -> None:
    rows = []
    for name in dict.fromkeys(w for w, _ in results):
        m, c = results[name, "mock"], results[name, "ceiling"]
        rows.append(
            [
                name,
                f"{m.rps:,.0f}",
                f"{c.rps:,.0f}",
                f"{m.rps / c.rps:.2f}" if c.rps else "-",
                f"{m.p50_ms:.2f}",
                f"{m.p99_ms:.2f}",
                f"{c.p50_ms:.2f}",
                f"{c.p99_ms:.2f}",
                f"{m.http_errors}/{c.http_errors}",
                f"{m.socket_errors}/{c.socket_errors}",
            ]
        )
    table(
        [
            "workload",
            "mock req/s",
            "ceiling req/s",
            "ratio mock/ceiling",
            "mock p50 ms",
            "mock p99 ms",
            "ceiling p50",
            "ceiling p99",
            "non-2xx m/c",
            "sock err m/c",
        ],
        rows,
    )
    say("  submit: FIBO and RMBG submits in turn; status: GETs over the pool ids;")
    say("  mix: submit and status in turn (50/50); flow: submits in turn with polls of the jobs")
    say(f"  they created; @{MANY_CONNECTIONS}: at {MANY_CONNECTIONS} connections.")
    say("  m/c = mock/ceiling.")
    say()
    rows = []
    for name in dict.fromkeys(w for w, s in results if s == "state"):
        m, d, c = results[name, "mock"], results[name, "state"], results[name, "ceiling"]
        rows.append(
            [
                name,
                f"{d.rps:,.0f}",
                f"{d.rps / m.rps:.2f}" if m.rps else "-",
                f"{d.rps / c.rps:.2f}" if c.rps else "-",
                f"{d.p50_ms:.2f}",
                f"{d.p99_ms:.2f}",
                f"{d.http_errors}",
                f"{d.socket_errors}",
            ]
        )
    if any(server == "baseline" for _, server in results):
        changes = []
        for name in dict.fromkeys(w for w, s in results if s == "baseline"):
            m, b = results[name, "mock"], results[name, "baseline"]
            change = (m.rps / b.rps - 1) * 100 if b.rps else 0.0
            changes.append([name, f"{b.rps:,.0f}", f"{m.rps:,.0f}", f"{change:+.1f}%"])
        say("Today's mock against the --baseline one (same load, in turn):")
        table(["workload", "baseline req/s", "today req/s", "change"], changes)
        say()
    say("The same load on a mock with --state (SQLite, WAL; each submit committed before its")
    say("answer), loaded in turn with the two above:")
    table(
        [
            "workload",
            "state req/s",
            "state/memory",
            "state/ceiling",
            "state p50 ms",
            "state p99 ms",
            "non-2xx",
            "sock err",
        ],
        rows,
    )
    say()


def check_targets(results: dict[tuple[str, str], LoadResult], targets: Targets) -> None:
    def ratio(name: str) -> float:
        c = results[name, "ceiling"].rps
        return results[name, "mock"].rps / c if c else 0.0

    targets.check(
        f"flow ratio >= {FLOW_RATIO_TARGET} (ahead of WireMock's 1.15)",
        ratio("flow") >= FLOW_RATIO_TARGET,
        f"{ratio('flow'):.2f}",
    )
    targets.check(
        f"submit ratio >= {SUBMIT_RATIO_TARGET}",
        ratio("submit") >= SUBMIT_RATIO_TARGET,
        f"{ratio('submit'):.2f}",
    )
    status_p99 = results["status", "mock"].p99_ms
    targets.check(
        f"status p99 <= {STATUS_P99_TARGET_MS:g} ms",
        status_p99 <= STATUS_P99_TARGET_MS,
        f"{status_p99:.2f} ms",
    )
    for name in MANY_WORKLOADS:
        many = results[f"{name}@{MANY_CONNECTIONS}", "mock"]
        targets.check(
            f"{name} at {MANY_CONNECTIONS} connections: p99 <= {MANY_P99_TARGET_MS:g} ms, "
            "0 socket errors",
            many.p99_ms <= MANY_P99_TARGET_MS and many.socket_errors == 0,
            f"{many.p99_ms:.2f} ms, {many.socket_errors} socket errors",
        )
    for name in ("submit", "status"):
        kept, memory = results[name, "state"].rps, results[name, "mock"].rps
        share = kept / memory if memory else 0.0
        targets.check(
            f"--state {name} >= {STATE_RATIO_TARGET} x in-memory",
            share >= STATE_RATIO_TARGET,
            f"{share:.2f}",
        )
    worst = max((r.p99_ms, w) for (w, s), r in results.items() if s == "mock" and "@" not in w)
    targets.check(
        f"mock p99 < {P99_TARGET_MS:g} ms at every workload",
        worst[0] < P99_TARGET_MS,
        f"worst {worst[0]:.2f} ms ({worst[1]})",
    )
    failed = sum(r.failures for r in results.values())
    targets.check("no non-2xx answers or socket errors", failed == 0, f"{failed}")
