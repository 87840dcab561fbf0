"""One soak mode: a fresh mock and sink, paced submits, then both sides' records compared.

The sink's own record is its stdout, one line per attempt (`mock_gateway.sink.line`), kept
in a file per sink process: unlike `GET /received`, it survives the outage's stop. The last
sink process is cross-checked against its `GET /received` and `GET /refused`. The mock's
record is `GET /_mock/webhooks`, read page by page while the run goes on (the log keeps only
the newest `journal_size` attempts); a gap in its numbers `n` is reported, never skipped.
"""

from __future__ import annotations

import collections
import http.client
import json
import re
import ssl
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.client import KEY_HEADER, Client
from bench.procs import ROOT, HarnessError, Reaper, Server, mock_command
from bench.report import note

KEY = "soak-key"
FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
RMBG = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
CAT = "https://example.com/cat.jpg"  # a stand-in: the mock never fetches it
FINAL = frozenset({"COMPLETED", "FAILED", "ERROR"})
WORK = frozenset({"deliver", "terminal", "progress"})  # events that still owe a callback
SUBMITTERS = 4  # connections submitting in parallel
MODES = ("steady", "flaky", "outage")
DESCRIBE = {
    "steady": "a healthy receiver",
    "flaky": "the receiver answers its first {fail_first:,} callbacks 500",
    "outage": "the receiver is down for {outage:g} s mid-run (same port and CA after)",
}
# One line of the sink's stdout: time, request id, status, attempt, delivery id, answer.
_LINE = re.compile(r"^\S+  (\S+)  (\S+)  attempt (\S+)  delivery (\S+)  -> (\d{3})\b")


class Timeout(HarnessError):
    """The global deadline passed."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, doing: str) -> None:
        if self.left() <= 0:
            raise Timeout(f"the global deadline ({self.seconds:g} s) passed while {doing}")


# A reset gives back what the run took (issue 13): the mock's command runs on the C library's
# allocator for that (mock_gateway/launch.py); on Python's own it kept about 45% more.
RESET_RSS_SLACK = 0.2


@dataclass(frozen=True)
class Plan:
    jobs: int
    outage: float  # seconds the sink is down (outage mode)
    window: float  # seconds the submits are spread over
    fail_first: int  # flaky mode's --fail-first
    time_scale: float
    reset_pause: float  # seconds between POST /_mock/reset and the last RSS reading


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Result:
    mode: str
    accepted: int = 0
    terminal: int = 0
    expected: int = 0  # callbacks the mock made (distinct delivery ids in its log)
    delivered: int = 0  # distinct delivery ids the sink accepted
    lost: int = 0  # accepted jobs whose final callback the sink never accepted
    duplicates: int = 0  # extra acceptances of a delivery id already accepted
    given_up: int = 0
    failed: int = 0  # failed attempts in the mock's log
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # error kind -> its first text
    rss_mb: tuple[float, float, float] = (0.0, 0.0, 0.0)  # before, after, after reset
    seconds: float = 0.0
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


@dataclass(frozen=True, slots=True)
class Arrival:
    """One attempt as the sink printed it."""

    request_id: str
    status: str
    attempt: str
    delivery_id: str
    answered: int

    @property
    def accepted(self) -> bool:
        return 200 <= self.answered < 300


class _SinkProcess(Server):
    """`Server`, with stdout (the sink's line per attempt) appended to a file."""

    def __init__(self, argv: Sequence[str], reaper: Reaper, out: Path) -> None:
        self.name = "sink"
        self._reaper = reaper
        self._tail = collections.deque(maxlen=20)
        with out.open("ab") as stdout:
            self.proc = reaper.spawn(
                argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT
            )
        self.port = self._wait_for_port(15.0)
        threading.Thread(target=self._drain, daemon=True).start()


class Sink:
    """The HTTPS sink, restartable on the same port and --ca-dir; one stdout file per start."""

    def __init__(self, reaper: Reaper, folder: Path, extra: Sequence[str]) -> None:
        self.reaper, self.folder, self.extra = reaper, folder, list(extra)
        self.ca = folder / "sink-ca.pem"
        self.outputs: list[Path] = []
        self.port = 0
        self.server = self._start()
        self.port = self.server.port

    def _start(self) -> _SinkProcess:
        out = self.folder / f"sink-{len(self.outputs) + 1}.out"
        self.outputs.append(out)
        argv = mock_command(
            "sink", "--https", "--port", str(self.port), "--ca-dir", str(self.folder), *self.extra
        )
        return _SinkProcess(argv, self.reaper, out)

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        server = self._start()
        if server.port != self.port:
            raise HarnessError(f"the sink came back on port {server.port}, not {self.port}")
        self.server = server

    def arrivals(self, output: Path | None = None) -> list[Arrival]:
        """Every attempt the sink printed (all starts, or one file), in order."""
        found = []
        for path in [output] if output else self.outputs:
            for text in path.read_text("utf-8", errors="replace").splitlines():
                match = _LINE.match(text)
                if not match:
                    raise HarnessError(f"unreadable sink line in {path.name}: {text[:200]!r}")
                rid, status, attempt, delivery, code = match.groups()
                found.append(Arrival(rid, status, attempt, delivery, int(code)))
        return found

    def listed(self) -> list[Arrival]:
        """What the running sink lists at GET /received and GET /refused."""
        context = ssl.create_default_context(cafile=str(self.ca))
        found = []
        for path, name in (("/received", "received"), ("/refused", "refused")):
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=60, context=context)
            try:
                conn.request("GET", path)
                records = json.loads(conn.getresponse().read())[name]
            finally:
                conn.close()
            found += [
                Arrival(
                    str(r["request_id"]),
                    str(r["status"]),
                    str(r["attempt"]),
                    str(r["delivery_id"]),
                    int(r["answered"]),
                )
                for r in records
            ]
        return found


class LogReader(threading.Thread):
    """Reads `GET /_mock/webhooks` page by page as the run goes on."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.entries: list[dict[str, Any]] = []
        self.missed = 0  # attempts numbered past `since` that were gone before being read
        self.dropped = 0  # the mock's own count, as last seen
        self.since = 0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            with Client(self.port, timeout=60) as client:
                while not self._stop_event.wait(0.25):
                    self.read_all(client)
        except BaseException as e:  # reported by finish(); a thread cannot raise to main
            self.error = e

    def read_all(self, client: Client) -> None:
        while True:
            page = client.expect(
                200, "GET", f"/_mock/webhooks?since={self.since}&limit=5000"
            ).json()
            self.dropped = page["dropped"]
            for entry in page["deliveries"]:
                n = entry["n"]
                self.missed += max(0, n - self.since - 1)
                self.since = n
                self.entries.append(
                    {k: entry[k] for k in ("delivery_id", "request_id", "final", "attempt",
                                           "outcome", "error", "duplicate", "wall_time")}
                )  # fmt: skip
            self.since = max(self.since, page["next"])
            if len(page["deliveries"]) < 5000:
                return

    def finish(self) -> None:
        """Stop the thread, then read what is left."""
        self._stop_event.set()
        self.join(30)
        if self.error is not None:
            raise HarnessError(f"reading GET /_mock/webhooks failed: {self.error!r}")
        with Client(self.port, timeout=60) as client:
            self.read_all(client)


def error_kind(error: str | None) -> str:
    """A failed attempt's recorded `error`, reduced to its cause."""
    text = (error or "").lower()
    if not text:
        return "no error recorded"
    if text.startswith("no answer within"):
        return "timeout"
    if text.startswith("tls"):
        return "TLS"
    if "cannot connect" in text or "connect call failed" in text or "refused" in text:
        return "connection refused"
    if text.startswith("answered http"):
        return (error or "").removeprefix("answered ")
    # The sink stopped with the attempt under way: cut off while sending or awaiting.
    if any(w in text for w in ("disconnected", "reset", "closed", "can not write request")):
        return "disconnected"
    return "other"


def rss_mb(pid: int) -> float:
    """VmRSS of process `pid`, in MB."""
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) / 1024
    raise HarnessError(f"no VmRSS in /proc/{pid}/status")


def wall(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def submit(port: int, hook: str, plan: Plan, deadline: Deadline) -> tuple[list[str], Counter[int]]:
    """Submit `plan.jobs` jobs spread evenly over `plan.window` s: (accepted ids, answers).

    Job n: FIBO when n is even, else RMBG; `terminal` webhooks for n % 4 in (0, 1), else
    `sync`: every combination a quarter of the jobs.
    """
    accepted: list[list[str]] = [[] for _ in range(SUBMITTERS)]
    answers: list[Counter[int]] = [Counter() for _ in range(SUBMITTERS)]
    failures: list[BaseException] = []
    started = time.monotonic()

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for n in range(k, plan.jobs, SUBMITTERS):
                deadline.check("submitting")
                due = started + plan.window * n / plan.jobs
                time.sleep(max(0.0, due - time.monotonic()))
                path, body = (
                    (FIBO, {"prompt": f"a lighthouse at dusk, take {n}", "seed": n})
                    if n % 2 == 0
                    else (RMBG, {"image_url": CAT})
                )
                headers = {
                    KEY_HEADER: KEY,
                    "Content-Type": "application/json",
                    "X-Webhook-URL": hook,
                    "X-Webhook-Mode": "terminal" if n % 4 < 2 else "sync",
                }
                conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
                response = conn.getresponse()
                answer = response.read()
                answers[k][response.status] += 1
                if response.status == 202:
                    accepted[k].append(json.loads(answer)["request_id"])
        except BaseException as e:  # re-raised in the main thread below
            failures.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline.left()))
    if failures:
        raise failures[0]
    deadline.check("submitting")
    return [rid for ids in accepted for rid in ids], sum(answers, Counter())


def wait_settled(port: int, deadline: Deadline) -> None:
    """Until no event owes a callback any more (every one delivered or given up)."""
    with Client(port, timeout=60) as client:
        while True:
            events = client.expect(200, "GET", "/_mock/events").json()["events"]
            owing = sum(e["kind"] in WORK for e in events)
            if owing == 0:
                return
            if deadline.left() <= 0:
                raise Timeout(
                    f"the global deadline ({deadline.seconds:g} s) passed with {owing:,} "
                    "callbacks still owed (GET /_mock/events)"
                )
            time.sleep(min(1.0, max(0.05, deadline.left())))


def run_mode(mode: str, plan: Plan, reaper: Reaper, deadline: Deadline) -> Result:
    result = Result(mode)
    started = time.monotonic()
    extra = ["--fail-first", str(plan.fail_first)] if mode == "flaky" else []
    with tempfile.TemporaryDirectory(prefix=f"soak-{mode}-") as folder:
        sink = Sink(reaper, Path(folder), extra)
        mock = Server(
            "mock",
            mock_command(
                "serve",
                "--port",
                "0",
                "--quiet",
                "--time-scale",
                f"{plan.time_scale:g}",
                "--webhook-ca",
                str(sink.ca),
            ),
            reaper,
        )
        try:
            measure(mode, plan, mock, sink, result, deadline)
        finally:
            mock.stop()
            sink.stop()
    result.seconds = time.monotonic() - started
    return result


def measure(
    mode: str, plan: Plan, mock: Server, sink: Sink, result: Result, deadline: Deadline
) -> None:
    with Client(mock.port) as control:
        control.expect(
            201, "PUT", f"/_mock/keys/{KEY}", {"balance_usd": 100_000_000, "rate_limit": None}
        )
    rss_before = rss_mb(mock.proc.pid)
    reader = LogReader(mock.port)
    reader.start()
    outage: list[float] = []  # wall times: sink stopped, sink starting again
    outage_failure: list[BaseException] = []

    def cut() -> None:
        try:
            time.sleep(max(0.0, (plan.window - plan.outage) / 2))
            sink.stop()
            outage.append(time.time())
            note(f"{mode}: sink stopped for {plan.outage:g} s")
            time.sleep(plan.outage)
            outage.append(time.time())
            sink.restart()
            note(f"{mode}: sink started again on port {sink.port}")
        except BaseException as e:  # re-raised in the main thread
            outage_failure.append(e)

    cutter = threading.Thread(target=cut, daemon=True)
    hook = f"https://127.0.0.1:{sink.port}/hook"
    note(f"{mode}: submitting {plan.jobs:,} jobs over {plan.window:g} s to {hook}")
    if mode == "outage":
        cutter.start()
    ids, answers = submit(mock.port, hook, plan, deadline)
    if mode == "outage":
        cutter.join(max(1.0, deadline.left()))
        if outage_failure:
            raise outage_failure[0]
        if cutter.is_alive():
            raise Timeout("the deadline passed during the outage")
    note(f"{mode}: all submitted; waiting until every callback is delivered or given up")
    wait_settled(mock.port, deadline)
    reader.finish()
    with Client(mock.port, timeout=60) as control:
        jobs = control.expect(200, "GET", f"/_mock/jobs?limit={len(ids) + 10}").json()["jobs"]
        rss_after = rss_mb(mock.proc.pid)
        control.expect(200, "POST", "/_mock/reset")
    time.sleep(plan.reset_pause)
    result.rss_mb = (rss_before, rss_after, rss_mb(mock.proc.pid))
    tally(mode, plan, result, ids, answers, jobs, reader, sink, outage)


def tally(
    mode: str,
    plan: Plan,
    result: Result,
    ids: list[str],
    answers: Counter[int],
    jobs: list[dict[str, Any]],
    reader: LogReader,
    sink: Sink,
    outage: list[float],
) -> None:
    status = {j["request_id"]: j["status"] for j in jobs}
    result.accepted = len(ids)
    result.terminal = sum(status.get(rid) in FINAL for rid in ids)
    log = reader.entries
    result.expected = len({e["delivery_id"] for e in log})
    result.given_up = sum(e["outcome"] == "gave_up" for e in log)
    failed = [e for e in log if e["outcome"] == "failed"]
    result.failed = len(failed)
    result.errors = Counter(error_kind(e["error"]) for e in failed)
    for e in failed:
        result.examples.setdefault(error_kind(e["error"]), str(e["error"]))

    arrivals = sink.arrivals()
    acceptances = Counter(a.delivery_id for a in arrivals if a.accepted)
    result.delivered = len(acceptances)
    result.duplicates = sum(count - 1 for count in acceptances.values())
    finals = {a.request_id for a in arrivals if a.accepted and a.status in FINAL}
    result.lost = sum(rid not in finals for rid in ids)
    made = {e["delivery_id"] for e in log}
    undelivered = len(made - acceptances.keys())
    unknown = len(acceptances.keys() - made)

    others = ", ".join(f"{n:,} answered {code}" for code, n in sorted(answers.items()))
    result.check("every submit accepted (202)", len(ids) == plan.jobs, others or "none sent")
    result.check(
        "every accepted job terminal",
        result.terminal == result.accepted,
        f"{result.terminal:,} of {result.accepted:,}",
    )
    result.check(
        "0 lost: every job's final callback accepted by the sink",
        result.lost == 0,
        f"{result.lost:,} lost",
    )
    result.check(
        "0 unexpected duplicates: no delivery id accepted twice",
        result.duplicates == 0,
        f"{result.duplicates:,}",
    )
    result.check(
        "every callback the mock made was accepted by the sink (progress ones too)",
        undelivered == 0 and unknown == 0,
        f"{undelivered:,} made but never accepted ({result.given_up:,} given up), "
        f"{unknown:,} accepted but not in the mock's log",
    )
    result.check(
        "the mock's webhook log read without a gap",
        reader.missed == 0,
        f"{reader.missed:,} attempts gone before being read (dropped {reader.dropped:,})",
    )
    # The last sink process's two records of the same attempts must agree.
    printed = Counter(sink.arrivals(sink.outputs[-1]))
    listed = Counter(sink.listed())
    result.check(
        "the sink's printed lines agree with its GET /received and /refused",
        printed == listed,
        f"{sum(printed.values()):,} printed, {sum(listed.values()):,} listed, "
        f"{sum((printed - listed).values()) + sum((listed - printed).values()):,} differ",
    )
    before, _, after_reset = result.rss_mb
    if mode != "outage":
        # The target is for a working receiver (issue 13). After an outage a reset keeps
        # about 12 MB more, whether the outage lasted 3 s or 10 s (3,700 or 13,000 refused
        # attempts): printed in the table, not yet explained (README: Soak).
        result.check(
            f"RSS after the reset within {RESET_RSS_SLACK:.0%} of RSS at start",
            after_reset <= before * (1 + RESET_RSS_SLACK),
            f"{after_reset:.0f} MB after the reset, {before:.0f} MB at start",
        )
    if mode == "outage":
        check_outage_errors(result, failed, outage)


def check_outage_errors(result: Result, failed: list[dict[str, Any]], outage: list[float]) -> None:
    """Every failed attempt names its real cause: while the sink was down (margin 0.5 s),
    the connection was refused; a timeout is never the cause (the sink answers at once)."""
    down_from, down_to = outage[0] + 0.5, outage[1]
    during, wrong = 0, []
    for e in failed:
        kind = error_kind(e["error"])
        down = down_from <= wall(e["wall_time"]) <= down_to
        during += down
        if kind in ("timeout", "TLS", "other", "no error recorded") or (
            down and kind != "connection refused"
        ):
            wrong.append(e)
    example = f"; e.g. {wrong[0]['error']!r}" if wrong else ""
    result.check(
        "every failed attempt's error names its real cause",
        during > 0 and not wrong,
        f"{during:,} attempts failed while the sink was down, "
        f"{len(wrong):,} with another cause{example}",
    )
