"""Issue 14: the fast lane (mock_gateway/http/fast.py) answers exactly as the ordinary path.

Each request is played twice on raw sockets: as is (the fast lane takes it when it can) and
with an empty `X-Mock-Scenario` header, which means nothing to the service (no scenario) but
keeps the request on aiohttp's path. The answers must be the same bytes (request ids,
timestamps and the Date header aside) and journaled alike. The other tests pin down what the
fast lane must hand over, and the connection limits it keeps.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_gateway.http.fast import _ENCODE, Lane
from mock_gateway.http.server import GuardedHandler, GuardedRunner
from mock_gateway.running import RunningGateway, running
from mock_gateway.settings import Settings

FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
RMBG = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
ORDINARY = b"X-Mock-Scenario: \r\n"  # no scenario, but not the fast lane's to take


@pytest.fixture(scope="module")
def gw() -> Iterator[RunningGateway]:
    with running(keepalive_timeout_seconds=0.6, header_timeout_seconds=0.6) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(gw: RunningGateway) -> None:
    """No rule left by an earlier test: while one exists the fast lane takes nothing."""
    gw.reset()
    gw.put_key("gen1-key", balance_usd=10, api_generation=1)
    gw.put_key("poor-key", balance_usd=0)


def lane(gw: RunningGateway) -> Lane:
    runner = gw._runner
    assert isinstance(runner, GuardedRunner) and runner.lane is not None
    return runner.lane


def port(gw: RunningGateway) -> int:
    return int(gw.url.rsplit(":", 1)[1])


def request(
    gw: RunningGateway,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    key: str | None = "test-key",
    content_type: str | None = "application/json",
    extra: bytes = b"",
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port(gw)}"]
    if key is not None:
        lines.append(f"Ocp-Apim-Subscription-Key: {key}")
    if body is not None:
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body)}")
    return "\r\n".join(lines).encode() + b"\r\n" + extra + b"\r\n" + (body or b"")


def answers(gw: RunningGateway, data: bytes, count: int = 1, timeout: float = 5) -> list[bytes]:
    """The first `count` whole answers to `data`, sent on one new connection."""
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=timeout) as s:
        s.sendall(data)
        return read_answers(s, count)


def read_answers(s: socket.socket, count: int) -> list[bytes]:
    got, out = b"", []
    while len(out) < count:
        head, sep, rest = got.partition(b"\r\n\r\n")
        if sep:
            size = int(re.search(rb"\r\nContent-Length: (\d+)", head)[1])  # type: ignore[index]
            if len(rest) >= size:
                out.append(head + sep + rest[:size])
                got = rest[size:]
                continue
        chunk = s.recv(65536)
        assert chunk, f"closed after {len(out)} answers: {got!r}"
        got += chunk
    return out


_VARIABLE = [
    (rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"<uuid>"),
    (rb"\d{4}-\d\d-\d\d[T ][\d:.]+Z?", b"<time>"),
    (rb"Date: [^\r]+", b"Date: <date>"),
    (rb"Content-Length: \d+", b"Content-Length: <n>"),  # ids and times differ in length
]


def same_shape(answer: bytes) -> bytes:
    for pattern, stand_in in _VARIABLE:
        answer = re.sub(pattern, stand_in, answer)
    return answer


def both_ways(gw: RunningGateway, *args: object, **kwargs: object) -> tuple[bytes, bytes]:
    """The answer through the fast lane (checked: it took the request), then the ordinary."""
    before = lane(gw).answered
    fast = answers(gw, request(gw, *args, **kwargs))[0]  # type: ignore[arg-type]
    assert lane(gw).answered == before + 1, "the fast lane did not take it"
    kwargs["extra"] = ORDINARY + kwargs.get("extra", b"")  # type: ignore[operator]
    ordinary = answers(gw, request(gw, *args, **kwargs))[0]  # type: ignore[arg-type]
    assert lane(gw).answered == before + 1, "the fast lane took the ordinary one"
    return fast, ordinary


def submitted_id(answer: bytes) -> str:
    request_id: str = json.loads(answer.partition(b"\r\n\r\n")[2])["request_id"]
    return request_id


bodies = st.one_of(
    st.builds(lambda p: {"prompt": p}, st.text(max_size=30)),
    st.builds(lambda u: {"image_url": u}, st.sampled_from(["https://example.com/a.jpg", "nope"])),
    st.dictionaries(
        st.sampled_from(["prompt", "seed", "steps_num", "x"]), st.integers(), max_size=3
    ),
    st.just([]),
).map(lambda v: json.dumps(v).encode())
raw_bodies = st.one_of(bodies, st.sampled_from([b"", b"   ", b"{", b"NaN", b"\xff\xfe", b"[1,"]))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from([FIBO, RMBG, RESULT, "/bria-fibo-bbq-preview/v1/other-request"]),
    body=raw_bodies,
    key=st.sampled_from(["test-key", "gen1-key", "poor-key", "wrong-key", None]),
    content_type=st.sampled_from(
        ["application/json", "Application/JSON; charset=utf-8", "text/plain", None]
    ),
)
def test_a_post_is_answered_the_same_both_ways(
    gw: RunningGateway, path: str, body: bytes, key: str | None, content_type: str | None
) -> None:
    fast, ordinary = both_ways(gw, "POST", path, body, key=key, content_type=content_type)
    assert same_shape(fast) == same_shape(ordinary)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(["test-key", "gen1-key", "wrong-key", None]),
    known=st.booleans(),
    seconds=st.sampled_from([0, 3, 60]),
)
def test_a_status_poll_is_answered_the_same_both_ways(
    gw: RunningGateway, key: str | None, known: bool, seconds: int
) -> None:
    request_id = "bria-fibo-bbq-preview_not-a-job"
    if known:
        request_id = submitted_id(answers(gw, request(gw, "POST", FIBO, b'{"prompt": "a fox"}'))[0])
    gw.advance(seconds)
    path = f"/v2/requests/status/{request_id}"
    fast, ordinary = both_ways(gw, "GET", path, key=key)
    assert same_shape(fast) == same_shape(ordinary)


@pytest.mark.parametrize("depth", [63, 64, 1000, 1023, 5000])
def test_a_body_nested_past_the_limit_is_the_same_400_both_ways(
    gw: RunningGateway, depth: int
) -> None:
    """Arrays and objects more than 64 levels deep (the body's own object counts) are
    refused at the door, whichever reader read them (orjson stops at 1024 levels, json
    near 990): never a 202 whose value the views, the journal or a store cannot hold."""
    body = b'{"image_url": "https://example.com/a.jpg", "x": ' + b"[" * depth + b"]" * depth
    fast, ordinary = both_ways(gw, "POST", RMBG, body + b"}")
    assert same_shape(fast) == same_shape(ordinary)
    status, _, text = fast.partition(b"\r\n\r\n")
    if depth < 64:
        assert status.startswith(b"HTTP/1.1 202"), fast
    else:
        assert status.startswith(b"HTTP/1.1 400"), fast
        assert json.loads(text)["message"] == "the request body is nested more than 64 levels deep"


def test_the_journal_shows_a_fast_answer_like_an_ordinary_one(gw: RunningGateway) -> None:
    gw.reset()
    both_ways(gw, "POST", FIBO, b'{"prompt": "a lighthouse"}')
    both_ways(gw, "GET", "/v2/requests/status/unknown", key="wrong-key")
    journal = gw.requests
    assert len(journal) == 4, journal
    for fast, ordinary in (journal[0:2], journal[2:4]):
        variable = {"seq", "at", "request_id", "wall_time", "sim_time"}
        assert {k: v for k, v in fast.items() if k not in variable} == {
            k: v for k, v in ordinary.items() if k not in variable
        }
    assert journal[0]["status"] == 202 and journal[2]["status"] == 401


def test_pipelined_requests_are_answered_in_order_across_the_hand_over(
    gw: RunningGateway,
) -> None:
    """Fast, fast, then one only aiohttp answers (health), then fast again: one write."""
    data = (
        request(gw, "POST", FIBO, b'{"prompt": "one"}')
        + request(gw, "GET", "/v2/requests/status/nope")
        + b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"
        + request(gw, "GET", "/v2/requests/status/nope2")
    )
    got = answers(gw, data, 4)
    assert [a.split(b"\r\n", 1)[0] for a in got] == [
        b"HTTP/1.1 202 Accepted",
        b"HTTP/1.1 404 Not Found",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 404 Not Found",
    ]
    assert b'"status": "ok"' in got[2] and b"nope2" in got[3]


def test_a_head_in_pieces_is_the_lanes_once_whole(gw: RunningGateway) -> None:
    """Headers that come in pieces wait in the lane; the body with the last piece: the
    lane answers it."""
    data = request(gw, "POST", FIBO, b'{"prompt": "a fox in pieces"}')
    head = data.index(b"\r\n\r\n")
    before = lane(gw).answered
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s:
        for i in range(0, head, 7):
            s.sendall(data[i : min(i + 7, head)])
            time.sleep(0.002)
        s.sendall(data[head:])
        (answer,) = read_answers(s, 1)
    assert answer.startswith(b"HTTP/1.1 202 Accepted")
    assert lane(gw).answered == before + 1


def test_a_body_still_coming_after_its_headers_is_the_ordinary_paths(gw: RunningGateway) -> None:
    """The body's deadline (408) and a hang-up in the middle are the ordinary path's: the
    lane hands such a request over, and it is answered all the same."""
    data = request(gw, "POST", FIBO, b'{"prompt": "a fox in pieces"}')
    head = data.index(b"\r\n\r\n") + 4
    before = lane(gw).answered
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s:
        s.sendall(data[:head])
        time.sleep(0.05)
        for i in range(head, len(data), 7):
            s.sendall(data[i : i + 7])
            time.sleep(0.002)
        (answer,) = read_answers(s, 1)
    assert answer.startswith(b"HTTP/1.1 202 Accepted")
    assert b'"prompt"' not in answer and b'"status": "QUEUED"' in answer
    assert lane(gw).answered == before


def test_while_a_rule_exists_the_ordinary_path_answers_and_faults_work(
    gw: RunningGateway,
) -> None:
    """A rule can fault an answer, which only the ordinary path can carry out."""
    gw.reset()
    job = submitted_id(answers(gw, request(gw, "POST", FIBO, b'{"prompt": "x"}'))[0])
    poll = request(gw, "GET", f"/v2/requests/status/{job}")
    gw.scenario(match={"on": "status"}, fault="fault-empty", times=1)
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s:
        s.sendall(poll)
        assert s.recv(65536) == b""  # closed with no answer, as the rule says
    assert answers(gw, poll)[0].startswith(b"HTTP/1.1 200 OK")  # the rule is used up
    # Used up, it stays listed but can fault nothing: the fast lane takes requests again.
    assert [r.times for r in gw.service.store.rules.rules] == [0]
    before = lane(gw).answered
    answers(gw, poll)
    assert lane(gw).answered == before + 1


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(gw: RunningGateway) -> None:
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s:
        s.sendall(request(gw, "GET", "/v2/requests/status/nope"))
        read_answers(s, 1)
        started = time.monotonic()
        assert s.recv(65536) == b""  # closed by the server, not by our timeout
        assert 0.5 <= time.monotonic() - started < 2.5


def test_unfinished_headers_are_cut_off_at_the_header_timeout(gw: RunningGateway) -> None:
    with socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s:
        s.sendall(request(gw, "GET", "/v2/requests/status/nope"))
        read_answers(s, 1)
        s.sendall(b"GET /v2/requests/status/x HTTP/1.1\r\nHost: x\r\n")  # never ends
        started = time.monotonic()
        assert s.recv(65536) == b""
        assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    "data",
    [
        b"GET /v2/requests/status/a%20b HTTP/1.1\r\nHost: x\r\n\r\n",  # decoded by aiohttp
        b"GET /v2/requests/status/x?y=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /v2/requests/status/x HTTP/1.0\r\nHost: x\r\n\r\n",
        b"GET /v2/requests/status/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST " + FIBO.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"GET /v2/requests/status/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        b"GET /v2/requests/status/x HTTP/1.1\r\n\r\n",  # no Host
    ],
)
def test_what_the_fast_lane_does_not_take_gets_the_ordinary_answer(
    gw: RunningGateway, data: bytes
) -> None:
    line, rest = data.split(b"\r\n", 1)
    data = line + b"\r\nOcp-Apim-Subscription-Key: test-key\r\n" + rest  # past the 401
    ordinary = data.replace(b"\r\n\r\n", b"\r\n" + ORDINARY + b"\r\n", 1)
    before = lane(gw).answered
    answer = answers(gw, data)[0]
    assert lane(gw).answered == before, "the fast lane took it"
    assert same_shape(answer) == same_shape(answers(gw, ordinary)[0])
    assert not answer.startswith(b"HTTP/1.1 401")


def test_answers_that_wait_for_a_commit_keep_their_order(tmp_path: Path) -> None:
    """With --state a submit waits for its commit before answering: the fast lane carries it
    on in a task, and the requests pipelined behind it wait their turn."""
    with running(state=str(tmp_path / "state.db")) as durable:
        data = b"".join(
            request(durable, "POST", FIBO, json.dumps({"prompt": f"take {n}"}).encode())
            + request(durable, "GET", f"/v2/requests/status/nope{n}")
            for n in range(5)
        )
        got = answers(durable, data, 10)
        assert [a.split(b"\r\n", 1)[0] for a in got] == [
            b"HTTP/1.1 202 Accepted",
            b"HTTP/1.1 404 Not Found",
        ] * 5
        assert [b"nope%d" % n in got[2 * n + 1] for n in range(5)] == [True] * 5
        ids = [submitted_id(a) for a in got[::2]]
        assert len(set(ids)) == 5 and all(durable.service.store.jobs.get(i) for i in ids)


def test_a_long_pipelined_burst_is_answered_whole_and_in_order(gw: RunningGateway) -> None:
    """Answers that await nothing are written as soon as they are ready, one after another
    in the same turn: 3,000 polls sent at once all come back, in order (a lane that handled
    each next request from inside the previous one's would run out of stack)."""
    gw.put_key("burst-key", rate_limit=None)  # 3,000 at once: past the default 1,000 a second
    polls = (
        request(gw, "GET", f"/v2/requests/status/nope{n}", key="burst-key") for n in range(3000)
    )
    data = b"".join(polls)
    got = answers(gw, data, 3000, timeout=30)
    assert [b"'nope%d'" % n in a for n, a in enumerate(got)] == [True] * 3000
    assert {a.split(b"\r\n", 1)[0] for a in got} == {b"HTTP/1.1 404 Not Found"}


def test_in_memory_an_answer_needs_no_task_of_its_own(gw: RunningGateway) -> None:
    """In memory a fast answer awaits nothing: it runs in a turn of the loop without a task
    of its own (asyncio registers each task in a WeakSet, in Python: a few percent of a
    poll). Catches a lane that still makes a task per answer; on a shared store each answer
    gets one (tests/stores/test_redis_fast_lane.py: redis-py's timeouts need it)."""
    made: list[object] = []

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kw: Any) -> asyncio.Task[Any]:
        made.append(coro)
        return asyncio.Task(coro, loop=loop, **kw)

    async def factory(value: Any) -> None:
        asyncio.get_running_loop().set_task_factory(value)

    gw.call(factory(counting))
    try:
        got = answers(
            gw, b"".join(request(gw, "GET", f"/v2/requests/status/n{n}") for n in range(50)), 50
        )
    finally:
        gw.call(factory(None))
    assert [a.split(b"\r\n", 1)[0] for a in got] == [b"HTTP/1.1 404 Not Found"] * 50
    assert len(made) < 5, made  # the connection's own handler task, not one per answer


def test_a_hang_up_cancels_an_answer_that_is_waiting(tmp_path: Path) -> None:
    """A submit waiting for its --state commit (carried on in a task) when the client hangs
    up: the wait is cancelled (as aiohttp cancels its handler), and the server goes on."""
    with running(state=str(tmp_path / "state.db")) as durable:
        store = durable.service.store
        commit = store.committed
        waiting, cancelled = threading.Event(), threading.Event()

        async def slow_commit() -> None:
            waiting.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.set()
                raise
            await commit()

        store.committed = slow_commit  # type: ignore[method-assign]
        with socket.create_connection(("127.0.0.1", port(durable)), timeout=5) as s:
            s.sendall(request(durable, "POST", FIBO, b'{"prompt": "gone"}'))
            assert waiting.wait(5)
        assert cancelled.wait(5)
        store.committed = commit  # type: ignore[method-assign]
        (answer,) = answers(durable, request(durable, "GET", "/v2/requests/status/nope"))
        assert answer.startswith(b"HTTP/1.1 404 Not Found")


def test_a_fast_answer_under_way_when_the_server_stops_is_still_sent(tmp_path: Path) -> None:
    """A submit waiting for its --state commit when the server is told to stop: the job is
    kept, so its 202 must reach the client (aiohttp waits for its own requests likewise)."""
    server = RunningGateway(Settings(manual_clock=True, state=str(tmp_path / "state.db")))
    server.start()
    store = server.service.store
    commit = store.committed

    async def slow_commit() -> None:
        await asyncio.sleep(0.5)
        await commit()

    store.committed = slow_commit  # type: ignore[method-assign]
    with socket.create_connection(("127.0.0.1", port(server)), timeout=5) as s:
        s.sendall(request(server, "POST", FIBO, b'{"prompt": "last words"}'))
        time.sleep(0.1)  # the submit is waiting for its commit
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        (answer,) = read_answers(s, 1)
        stopping.join(10)
    assert answer.startswith(b"HTTP/1.1 202 Accepted")


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_an_answer_about_to_start_when_the_server_stops_is_still_sent(
    loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request read, its answer's turn of the loop not yet come, when the server stops:
    the answer is sent before the connection closes. On uvloop too, where the pending turn
    is not an asyncio.Handle (found in review: the stop looked for one, and went on)."""
    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        monkeypatch.setattr(asyncio, "new_event_loop", uvloop.new_event_loop)
    server = RunningGateway(Settings(manual_clock=True)).start()
    held, release, shutting = threading.Event(), threading.Event(), threading.Event()
    step, shutdown = GuardedHandler._step, GuardedHandler.shutdown

    def late_step(self: GuardedHandler, exchange: Any) -> None:
        if not release.is_set():  # the answer's turn has not come yet
            held.set()
            self._loop.call_soon(late_step, self, exchange)
            return
        step(self, exchange)

    async def watched_shutdown(self: GuardedHandler, timeout: float | None = 15.0) -> None:
        shutting.set()
        await shutdown(self, timeout)

    monkeypatch.setattr(GuardedHandler, "_step", late_step)
    monkeypatch.setattr(GuardedHandler, "shutdown", watched_shutdown)
    with socket.create_connection(("127.0.0.1", port(server)), timeout=5) as s:
        s.sendall(request(server, "GET", "/v2/requests/status/nope"))
        assert held.wait(5)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        assert shutting.wait(5)
        release.set()
        (answer,) = read_answers(s, 1)
        stopping.join(10)
    assert answer.startswith(b"HTTP/1.1 404 Not Found")


def test_a_fast_answer_that_fails_closes_its_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in the lane (it answers every gateway error itself) is logged with its
    traceback, and the client's connection is closed at once instead of waiting for the
    keep-alive timeout (long here, as by default)."""

    async def broken(self: Lane, *args: Any) -> bytes:
        raise RuntimeError("a bug in the lane")

    monkeypatch.setattr(Lane, "answer", broken)
    with (
        running(keepalive_timeout_seconds=30, header_timeout_seconds=30) as gw,
        socket.create_connection(("127.0.0.1", port(gw)), timeout=5) as s,
    ):
        s.sendall(request(gw, "GET", "/v2/requests/status/nope"))
        assert s.recv(65536) == b""  # closed, not left waiting (the timeout would raise)
    assert any(r.exc_info and "a bug in the lane" in str(r.exc_info[1]) for r in caplog.records), (
        caplog.text
    )


def test_a_rule_for_one_endpoint_leaves_the_others_in_the_fast_lane(gw: RunningGateway) -> None:
    """A status rule sends status polls the ordinary way (it may fault them) and leaves
    submits to the lane; a CDN rule never touches the lane's routes."""
    job = submitted_id(answers(gw, request(gw, "POST", FIBO, b'{"prompt": "x"}'))[0])
    poll = request(gw, "GET", f"/v2/requests/status/{job}")
    gw.scenario(match={"on": "cdn"}, fault="fault-empty")
    before = lane(gw).answered
    assert answers(gw, poll)[0].startswith(b"HTTP/1.1 200 OK")
    assert lane(gw).answered == before + 1
    gw.scenario(match={"on": "status", "model": "no-such-model"}, fault="fault-empty")
    answers(gw, poll)
    assert lane(gw).answered == before + 1  # status: the ordinary path now
    answers(gw, request(gw, "POST", FIBO, b'{"prompt": "y"}'))
    assert lane(gw).answered == before + 2  # submits: still the lane


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json.dumps writes them, so must the lane
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON_VALUES)
def test_the_lanes_encoder_writes_what_json_dumps_writes(value: object) -> None:
    """The lane encodes answers with one prebuilt encoder; the ordinary path's json_response
    calls json.dumps. Catches an encoder built with other separators, escaping or float
    form (a lane whose answers differ from the ordinary path's by a space)."""
    assert "".join(_ENCODE(value, 0)) == json.dumps(value)


def test_the_lanes_encoder_refuses_what_json_dumps_refuses() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        "".join(_ENCODE({"when": object()}, 0))


def test_without_the_c_accelerator_the_lane_encodes_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where json's C encoder is missing (PyPy), the module still loads and encodes as
    json.dumps (found in review: it failed at import, calling None)."""
    import importlib.util
    import json.encoder
    import sys

    import mock_gateway.http.fast as fast

    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    spec = importlib.util.spec_from_file_location("mock_gateway.http.fast_pure", fast.__file__)
    assert spec is not None and spec.loader is not None
    pure = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, pure)  # dataclasses look their module up
    spec.loader.exec_module(pure)
    body = {"request_id": "x", "n": [1, 2.5, None, True], "é": "ü"}
    assert "".join(pure._ENCODE(body, 0)) == json.dumps(body)
