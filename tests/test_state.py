"""`mock-gateway serve --state PATH` end to end: real processes killed and restarted.

Each test runs the mock as users do (a child process on 127.0.0.1, manual clock) and,
where webhooks are involved, the HTTPS sink on a background thread with its own CA.
Every wait has a deadline and every process is killed in a finally.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mock_gateway.sink import Received, WebhookSink, local_tls
from pixazo_contract.serving import ServedApp
from tests.conftest import FIBO_SUBMIT, RMBG_SUBMIT, _epoch
from tests.processes import TIMEOUT, count_in_flight, run
from tests.test_cli import Server, http

KEY = "sk-state-7f3a9c1e5b2d4f6a8c0e-raw-secret"
TEST_KEY = "test-key"  # the configured key of a default mock
SHUTDOWN = re.compile(
    r"shutdown: (\d+) webhook deliveries in flight finished, (\d+) abandoned after ([\d.]+) s; "
    r"(\d+) callbacks not delivered \((.*)\)$"
)
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def auth(key: str = KEY) -> dict[str, str]:
    return {"Ocp-Apim-Subscription-Key": key}


def download(url: str) -> tuple[int, str, bytes]:
    """GET raw bytes: (status, Content-Type, body)."""
    try:
        with _opener.open(urllib.request.Request(url), timeout=TIMEOUT) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers.get_content_type(), e.read()


def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """`check()` once it is truthy; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def small_png(width: int = 37, height: int = 23) -> bytes:
    im = Image.new("RGB", (width, height), (240, 240, 235))
    for x in range(10, 27):
        for y in range(6, 17):
            im.putpixel((x, y), (200, 30, 40))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


class Mock:
    """Verbs over one running Server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url

    def get(self, path: str, key: str | None = None) -> tuple[int, Any]:
        return http("GET", self.url + path, headers=auth(key) if key else None)

    def ok(self, path: str) -> Any:
        status, body = self.get(path)
        assert status == 200, body
        return body

    def submit(
        self, path: str, body: dict[str, Any], key: str = KEY, **headers: str
    ) -> dict[str, Any]:
        status, answer = http("POST", self.url + path, body, {**auth(key), **headers})
        assert status == 202, answer
        assert answer["status"] == "QUEUED" and answer["polling_url"].endswith(answer["request_id"])
        return dict(answer)

    def status(self, request_id: str, key: str = KEY) -> tuple[int, Any]:
        return self.get(f"/v2/requests/status/{request_id}", key)

    def now(self) -> float:
        return float(self.ok("/_mock/clock")["epoch"])

    def advance(self, seconds: float) -> float:
        before = self.now()
        status, body = http("POST", self.url + "/_mock/clock/advance", {"seconds": seconds})
        assert status == 200, body
        assert body["manual"] is True and body["epoch"] == pytest.approx(before + seconds)
        return float(body["epoch"])

    def ends(self, request_id: str) -> float:
        return _epoch(self.ok(f"/_mock/jobs/{request_id}")["ends_at"])

    def advance_to(self, t: float) -> None:
        now = self.now()
        assert t > now, (t, now)
        self.advance(t - now)

    def snapshot(self) -> dict[str, Any]:
        """Everything the control API shows about the kept state."""
        return {
            "key": self.ok(f"/_mock/keys/{KEY}"),
            "jobs": self.ok("/_mock/jobs"),
            "scenarios": self.ok("/_mock/scenarios"),
            "events": self.ok("/_mock/events"),
            "webhooks": self.ok("/_mock/webhooks"),
            "requests": self.ok("/_mock/requests"),
            "clock": self.ok("/_mock/clock"),
        }


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts; killed at the end whatever happens."""
    started: list[Server] = []
    try:
        yield started
    finally:
        for s in started:
            s.kill()


@pytest.fixture
def sink(tmp_path: Path, servers: list[Server]) -> Iterator[tuple[WebhookSink, str, Path]]:
    """The HTTPS sink on a loopback port: (sink, its hook URL, the CA file to trust).

    At the end the mocks go first, then the sink's slow answers finish, so no connection is
    left open when its loop closes.
    """
    tls, ca_file = local_tls(tmp_path / "sink")
    hook = WebhookSink()
    busy = count_in_flight(hook.app)
    with ServedApp(hook.app, tls) as served:
        yield hook, served.url + "/hook", ca_file
        for s in servers:
            s.kill()
        hook.delay = 0.0
        with contextlib.suppress(AssertionError):
            eventually(lambda: busy[0] == 0, "the sink's answers in flight", timeout=5)


def start(servers: list[Server], *args: str, cwd: Path) -> Mock:
    server = Server(*args, cwd=cwd)
    servers.append(server)
    return Mock(server)


def accepted_since(hook: WebhookSink, t: float) -> list[Received]:
    return [r for r in list(hook.received) if r.at >= t and 200 <= r.answered < 300]


# -- a. kill -9 and restart -------------------------------------------------------------------


def test_a_kill_9_loses_nothing_committed_and_the_restart_goes_on(
    tmp_path: Path, servers: list[Server], sink: tuple[WebhookSink, str, Path]
) -> None:
    hook, hook_url, ca = sink
    hook.fail_first = 1
    state = tmp_path / "state.db"
    args = ("--state", str(state), "--webhook-ca", str(ca), "--seed", "11", "--quiet")
    first = start(servers, *args, cwd=tmp_path)
    assert f"state {state}: 0 jobs kept" in first.server.lines[0]

    status, view = http("PUT", f"{first.url}/_mock/keys/{KEY}", {"balance_usd": "10"})
    assert status == 201, view
    assert view["balance_usd"] == 10.0 and view["key"] == "sk-s…"
    rule = {"match": {"key": KEY, "on": "status"}, "http": 503, "times": 2}
    status, added = http("POST", first.url + "/_mock/scenarios", rule)
    assert status == 201, added
    assert added["times"] == 2 and added["match"]["key"] == "sk-s…"

    # The webhook job: its first attempt fails (the sink answers 500), a retry is pending.
    hooked = first.submit(FIBO_SUBMIT, {"prompt": "a red kite"}, **{"X-Webhook-URL": hook_url})
    rid3 = hooked["request_id"]
    ends3 = first.ends(rid3)
    first.advance_to(ends3 + 0.002)
    refused = eventually(hook.refused, "the failed first attempt")
    assert [(r.request_id, r.attempt, r.answered) for r in refused] == [(rid3, 1, 500)]
    delivery_id = refused[0].delivery_id
    assert delivery_id and delivery_id.endswith(rid3[-12:])
    events = first.ok("/_mock/events")
    assert events["total"] == 1, events
    (retry,) = events["events"]
    assert retry["kind"] == "deliver" and retry["request_id"] == rid3
    assert retry["delivery_id"] == delivery_id and retry["attempts_made"] == 1
    assert retry["status"] == "COMPLETED" and retry["final"] is True and retry["held"] is False
    assert _epoch(retry["due"]) == pytest.approx(ends3 + 5, abs=0.01)  # the first backoff
    log = first.ok(f"/_mock/webhooks?request_id={rid3}")["deliveries"]
    assert [(e["attempt"], e["outcome"], e["http_status"]) for e in log] == [(1, "failed", 500)]

    # Two jobs still running at the kill: FIBO, and RMBG on a data: URL (a stored blob).
    picture = small_png()
    data_url = "data:image/png;base64," + base64.b64encode(picture).decode()
    rid1 = first.submit(FIBO_SUBMIT, {"prompt": "a lighthouse at dusk"})["request_id"]
    rid2 = first.submit(RMBG_SUBMIT, {"image_url": data_url})["request_id"]
    status, body = first.status(rid1)
    assert status == 503, body  # the rule's first use
    (listed,) = first.ok("/_mock/scenarios")["scenarios"]
    assert listed["times"] == 1
    eventually(  # the picture decoded: the job's outcome is known, its blob stored
        lambda: first.ok(f"/_mock/jobs/{rid2}")["planned_outcome"] == "COMPLETED",
        "the RMBG input to be decoded",
    )
    before = first.snapshot()
    price = {j["request_id"]: Decimal(str(j["price_usd"])) for j in before["jobs"]["jobs"]}
    assert before["key"]["balance_usd"] == float(Decimal(10) - sum(price.values()))
    assert {j["request_id"]: j["status"] for j in before["jobs"]["jobs"]} == {
        rid3: "COMPLETED",
        rid1: "QUEUED",
        rid2: "QUEUED",
    }
    time.sleep(0.4)  # journal lines reach the file within 0.25 s
    first.server.kill()  # SIGKILL
    assert first.server.proc.returncode == -signal.SIGKILL

    stored = state.read_bytes() + (
        Path(f"{state}-wal").read_bytes() if Path(f"{state}-wal").exists() else b""
    )
    assert len(stored) > 4096
    assert KEY.encode() not in stored, "the raw key was written to the state file"

    second = start(servers, *args, cwd=tmp_path)
    assert f"state {state}: 3 jobs kept" in second.server.lines[0]
    after = second.snapshot()
    assert after == before
    assert second.ok(f"/_mock/keys/{KEY}") == before["key"]
    seq = before["requests"]["requests"][-1]["seq"]

    # The rule goes on with the use it had left; the key works at its kept balance.
    status, body = second.status(rid1)
    assert status == 503, body
    (listed,) = second.ok("/_mock/scenarios")["scenarios"]
    assert listed["times"] == 0
    status, body = second.status(rid1)
    assert status == 200 and body["status"] == "QUEUED" and body["request_id"] == rid1
    journal = second.ok(f"/_mock/requests?since={seq}")["requests"]
    assert [(e["seq"], e["status"], e["request_id"]) for e in journal] == [
        (seq + 1, 503, rid1),
        (seq + 2, 200, rid1),
    ]

    # Each job ends on its planned schedule; the retry goes out at its due time.
    started = time.time()
    for rid in sorted((rid1, rid2), key=second.ends):
        end = second.ends(rid)
        second.advance_to(end - 0.01)
        status, body = second.status(rid)
        assert status == 200 and body["status"] == "PROCESSING", body
        second.advance_to(end + 0.002)
        status, body = second.status(rid)
        assert status == 200 and body["status"] == "COMPLETED", body
        (media_url,) = body["output"]["media_url"]
        # The URL names the host the job came in on: the first run's port (--port 0).
        assert media_url == f"{first.url}/_mock/cdn/v1/{rid}/output.png"
        code, kind, png = download(f"{second.url}/_mock/cdn/v1/{rid}/output.png")
        assert code == 200 and kind == "image/png", (code, kind, png[:200])
        if rid == rid2:
            assert png_size(png) == (37, 23) == png_size(picture)
        else:
            assert min(png_size(png)) > 0
    now = second.now()
    if now < ends3 + 5:
        second.advance_to(ends3 + 5.01)
    (delivered,) = eventually(lambda: accepted_since(hook, started), "the retried callback")
    assert delivered.delivery_id == delivery_id, "a retry keeps its callback's delivery id"
    assert delivered.attempt == 2 and delivered.request_id == rid3
    status, final = second.status(rid3)
    assert status == 200 and final["status"] == "COMPLETED"
    assert delivered.body == final
    assert second.ok("/_mock/events") == {"events": [], "total": 0}
    log = second.ok(f"/_mock/webhooks?request_id={rid3}")["deliveries"]
    assert [(e["delivery_id"], e["attempt"], e["outcome"]) for e in log] == [
        (delivery_id, 1, "failed"),
        (delivery_id, 2, "delivered"),
    ]
    # The kept balance is what the restart charges from: one more submit takes one price.
    second.submit(FIBO_SUBMIT, {"prompt": "after the restart"})
    expected = Decimal(str(before["key"]["balance_usd"])) - price[rid1]
    assert second.ok(f"/_mock/keys/{KEY}")["balance_usd"] == float(expected)


# -- b, c. SIGTERM with callbacks in flight and queued ---------------------------------------


def _sigterm_with_deliveries_in_flight(
    mock: Mock, hook: WebhookSink, hook_url: str, jobs: int, grace: float, *, via: str
) -> tuple[list[str], re.Match[str], float]:
    """Submit `jobs` webhook jobs and get deliveries in flight to the slow sink, then SIGTERM.

    `via="advance"`: terminal-mode jobs whose ends an advance (on a thread) runs through;
    `via="sync"`: sync-mode jobs, whose first callback goes out at the submit. Returns the
    job ids, the shutdown line's match, and the seconds from the signal to the exit.
    """
    headers = {"X-Webhook-URL": hook_url}
    if via == "sync":
        headers["X-Webhook-Mode"] = "sync"
    rids = [
        mock.submit(FIBO_SUBMIT, {"prompt": f"kite {i}"}, TEST_KEY, **headers)["request_id"]
        for i in range(jobs)
    ]
    if via == "advance":
        seconds = max(mock.ends(rid) for rid in rids) - mock.now() + 0.01
        advancing = threading.Thread(target=_advance_quietly, args=(mock.url, seconds), daemon=True)
        advancing.start()

    def in_flight() -> bool:
        listed = mock.ok("/_mock/events")["events"]
        return any(e["kind"] == "deliver" for e in listed)

    eventually(in_flight, "a delivery in flight")
    time.sleep(0.3)  # the attempts' POSTs have reached the slow sink
    assert hook.received == [], "nothing answered yet: the sink is slow"
    mock.server.proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    code = mock.server.proc.wait(timeout=grace + 4)
    took = time.monotonic() - signalled
    mock.server._reader.join(timeout=TIMEOUT)
    assert code == 0, mock.server.lines
    assert mock.server.lines[-1] == "mock-gateway stopped"
    (line,) = [x for x in mock.server.lines if x.startswith("shutdown:")]
    found = SHUTDOWN.search(line)
    assert found is not None, line
    return rids, found, took


def _advance_quietly(url: str, seconds: float) -> None:
    with contextlib.suppress(OSError, ValueError):  # the server may stop under it
        http("POST", url + "/_mock/clock/advance", {"seconds": seconds})


def _restart_delivers_everything_kept(
    servers: list[Server],
    args: tuple[str, ...],
    cwd: Path,
    hook: WebhookSink,
    rids: list[str],
    found: re.Match[str],
) -> None:
    """Restart on the same state: every callback pending at the shutdown arrives, the ones
    cut off in flight under the delivery id they had."""
    abandoned, left = int(found[2]), int(found[4])
    # The start fires what is due at once: a slow sink (1 s) keeps it listed meanwhile.
    hook.delay = 1.0
    restarted = time.time()
    second = start(servers, *args, cwd=cwd)
    pending = second.ok("/_mock/events")
    hook.delay = 0.0  # callbacks made from here on are answered at once
    assert pending["total"] == left, pending
    assert {e["request_id"] for e in pending["events"]} == set(rids)
    assert {e["kind"] for e in pending["events"]} <= {"deliver", "terminal", "progress"}
    kept_ids = {e["delivery_id"] for e in pending["events"] if e["kind"] == "deliver"}
    assert len(kept_ids) >= abandoned
    for e in pending["events"]:
        if e["kind"] == "deliver":  # an attempt cut off by the shutdown is not counted as made
            assert e["attempts_made"] == 0, e
    finals = {e["request_id"] for e in pending["events"] if e["final"] or e["kind"] == "terminal"}
    assert finals == set(rids), "every job's final callback is still to come"

    last = max(second.ends(rid) for rid in rids)
    if second.now() < last + 0.01:
        second.advance_to(last + 0.01)  # returns once the deliveries it started are answered
    else:
        second.advance(1)
    log = second.ok("/_mock/webhooks")["deliveries"]
    made = {e["delivery_id"] for e in log}
    assert kept_ids <= made
    arrived = eventually(
        lambda: (a := accepted_since(hook, restarted)) and len(a) >= len(made) and a,
        f"{len(made)} callbacks after the restart",
    )
    assert sorted(r.delivery_id or "" for r in arrived) == sorted(made), "each exactly once"
    final = [r for r in arrived if r.body["completed_at"] is not None]
    assert sorted(r.request_id or "" for r in final) == sorted(rids)
    for r in final:
        status, body = second.status(r.request_id or "", TEST_KEY)
        assert status == 200 and body["status"] == "COMPLETED" and r.body == body
    assert {e["outcome"] for e in log} == {"delivered"}
    # The attempts cut off by the shutdown were re-run under the same delivery ids.
    cut_off = eventually(
        lambda: (
            (ids := {r.delivery_id for r in list(hook.received) if r.at < restarted})
            and len(ids) >= abandoned
            and ids
        ),
        "the sink to record the attempts cut off",
    )
    assert len(cut_off) == abandoned and cut_off <= kept_ids
    assert second.ok("/_mock/events") == {"events": [], "total": 0}
    assert second.server.stop() == 0
    assert not [x for x in second.server.lines if x.startswith("shutdown:")], "nothing left"


def test_b_sigterm_during_an_advance_keeps_what_was_in_flight_and_queued(
    tmp_path: Path, servers: list[Server], sink: tuple[WebhookSink, str, Path]
) -> None:
    hook, hook_url, ca = sink
    hook.delay = 2.0  # beyond the grace, well under the mock's webhook timeout (15 s)
    state = tmp_path / "state.db"
    args = ("--state", str(state), "--webhook-ca", str(ca), "--shutdown-grace", "0.5", "--quiet")
    jobs = 4
    first = start(servers, *args, cwd=tmp_path)
    rids, found, took = _sigterm_with_deliveries_in_flight(
        first, hook, hook_url, jobs, grace=0.5, via="advance"
    )
    finished, abandoned, left = int(found[1]), int(found[2]), int(found[4])
    assert took < 0.5 + 3, f"exit took {took:.1f} s with a grace of 0.5 s"
    assert found[3] == "0.5"
    assert abandoned >= 1 and finished + abandoned <= jobs, found[0]
    assert left == jobs, found[0]  # one callback per job: none delivered, none forgotten
    assert found[5] == f"kept in {state}, delivered after the next start on it"
    _restart_delivers_everything_kept(servers, args, tmp_path, hook, rids, found)


def test_b_sigterm_with_sync_callbacks_in_flight_keeps_them_for_the_restart(
    tmp_path: Path, servers: list[Server], sink: tuple[WebhookSink, str, Path]
) -> None:
    hook, hook_url, ca = sink
    hook.delay = 2.0  # beyond the grace, well under the mock's webhook timeout (15 s)
    state = tmp_path / "state.db"
    args = ("--state", str(state), "--webhook-ca", str(ca), "--shutdown-grace", "0.5", "--quiet")
    jobs = 3
    first = start(servers, *args, cwd=tmp_path)
    rids, found, took = _sigterm_with_deliveries_in_flight(
        first, hook, hook_url, jobs, grace=0.5, via="sync"
    )
    finished, abandoned, left = int(found[1]), int(found[2]), int(found[4])
    assert took < 0.5 + 3, f"exit took {took:.1f} s with a grace of 0.5 s"
    assert found[3] == "0.5"
    assert (finished, abandoned) == (0, jobs), found[0]  # each job's first callback
    # Per job: the cut-off callback, its next sync cycle (jobs last >= 10 s, cycles are 5 s)
    # and its final callback.
    assert left == 3 * jobs, found[0]
    assert found[5] == f"kept in {state}, delivered after the next start on it"
    _restart_delivers_everything_kept(servers, args, tmp_path, hook, rids, found)


def test_c_sigterm_without_state_says_the_callbacks_are_lost(
    tmp_path: Path, servers: list[Server], sink: tuple[WebhookSink, str, Path]
) -> None:
    hook, hook_url, ca = sink
    hook.delay = 2.0
    args = ("--webhook-ca", str(ca), "--shutdown-grace", "0.5", "--quiet")
    first = start(servers, *args, cwd=tmp_path)
    _, found, took = _sigterm_with_deliveries_in_flight(
        first, hook, hook_url, 2, grace=0.5, via="sync"
    )
    assert took < 0.5 + 3
    finished, abandoned, left = int(found[1]), int(found[2]), int(found[4])
    assert (finished, abandoned, left) == (0, 2, 3 * 2), found[0]
    assert found[5] == "lost: without --state nothing outlives the process"
    assert list(tmp_path.glob("*.db*")) == []


# -- d. one process per state file ---------------------------------------------------------------


def test_d_a_second_serve_on_a_state_in_use_exits_2_and_the_first_keeps_serving(
    tmp_path: Path, servers: list[Server]
) -> None:
    state = tmp_path / "state.db"
    first = start(servers, "--state", str(state), "--quiet", cwd=tmp_path)
    rid = first.submit(FIBO_SUBMIT, {"prompt": "before"}, TEST_KEY)["request_id"]
    done = run(tmp_path, "serve", "--port", "0", "--manual-clock", "--state", str(state))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"mock-gateway: state {state}: in use by another running mock-gateway "
        "(one process per state file)"
    ]
    # The first goes on reading and writing its file.
    assert first.ok("/_mock/health")["jobs"] == 1
    assert first.ok("/_mock/health")["store"] == "sqlite"
    other = first.submit(FIBO_SUBMIT, {"prompt": "after"}, TEST_KEY)["request_id"]
    assert [j["request_id"] for j in first.ok("/_mock/jobs")["jobs"]] == [other, rid]
    assert first.server.stop() == 0
    second = start(servers, "--state", str(state), "--quiet", cwd=tmp_path)
    assert [j["request_id"] for j in second.ok("/_mock/jobs")["jobs"]] == [other, rid]


# -- e. the config file's `state` ------------------------------------------------------------------


def test_e_state_in_the_toml_config_works_like_the_flag(
    tmp_path: Path, servers: list[Server]
) -> None:
    state = tmp_path / "kept" / "from-config.db"
    state.parent.mkdir()
    config = tmp_path / "mock.toml"
    config.write_text(f'[server]\nstate = "{state}"\n', "utf-8")
    first = start(servers, "--config", str(config), "--quiet", cwd=tmp_path)
    assert f"state {state}: 0 jobs kept" in first.server.lines[0]
    status, view = http("PUT", f"{first.url}/_mock/keys/{KEY}", {"balance_usd": "2.5"})
    assert status == 201, view
    job = first.submit(FIBO_SUBMIT, {"prompt": "kept by the config's state"})
    kept = first.ok(f"/_mock/keys/{KEY}")
    assert first.server.stop() == 0
    assert state.is_file()

    second = start(servers, "--config", str(config), "--quiet", cwd=tmp_path)
    assert f"state {state}: 1 jobs kept" in second.server.lines[0]
    assert second.ok(f"/_mock/keys/{KEY}") == kept
    assert kept["balance_usd"] < 2.5
    (listed,) = second.ok("/_mock/jobs")["jobs"]
    assert listed["request_id"] == job["request_id"] and listed["params"]["prompt"] == (
        "kept by the config's state"
    )


# -- f. request ids across restarts ----------------------------------------------------------------


def test_f_a_restart_on_the_same_seed_never_draws_a_kept_id_and_memory_runs_repeat(
    tmp_path: Path, servers: list[Server]
) -> None:
    state = tmp_path / "state.db"
    args = ("--seed", "5", "--quiet")
    first = start(servers, "--state", str(state), *args, cwd=tmp_path)
    instant = first.now()
    kept = [first.submit(FIBO_SUBMIT, {"prompt": "p"}, TEST_KEY)["request_id"] for _ in range(3)]
    assert len(set(kept)) == 3
    assert first.server.stop() == 0

    second = start(servers, "--state", str(state), *args, cwd=tmp_path)
    assert second.now() == instant  # the manual clock goes on where it stopped
    again = second.submit(FIBO_SUBMIT, {"prompt": "p"}, TEST_KEY)["request_id"]
    assert again not in kept
    assert again[:-22] == kept[0][:-22], "same simulated instant: same uuid7 time part"
    second.server.kill()

    # Memory runs: the same seed at the same simulated instant gives the same ids.
    runs = [start(servers, *args, cwd=tmp_path) for _ in range(2)]
    starts = [m.now() for m in runs]
    latest = max(starts)
    for m, t in zip(runs, starts, strict=True):
        if t < latest:
            m.advance(latest - t)
    ids = [
        [m.submit(FIBO_SUBMIT, {"prompt": "p"}, TEST_KEY)["request_id"] for _ in range(2)]
        for m in runs
    ]
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 2
    # A fresh state file draws what a memory run does (random part; the time part differs).
    assert [i[-22:] for i in ids[0]] == [i[-22:] for i in kept[:2]]
