"""The fast lane (mock_gateway/http/fast.py) on a shared store: the hot routes, read off a real
socket, answer on Redis as they do in memory.

Catches a fast lane that runs an answer outside a task (to save the task's cost): the Redis
client's timeouts need one (`asyncio.timeout`), so every submit on Redis answered a 500."""

from __future__ import annotations

import json

from mock_gateway.http.server import GuardedRunner
from mock_gateway.running import running
from tests.http.test_fast import FIBO, answers, request
from tests.redis_server import RedisServer


def test_the_fast_lane_answers_submits_and_polls_on_redis(
    redis_server: RedisServer, namespace: str
) -> None:
    with running(store=redis_server.url, namespace=namespace) as gw:
        runner = gw._runner
        assert isinstance(runner, GuardedRunner) and runner.lane is not None
        before = runner.lane.answered
        (submitted,) = answers(gw, request(gw, "POST", FIBO, b'{"prompt": "a shared fox"}'))
        assert submitted.startswith(b"HTTP/1.1 202 Accepted"), submitted
        request_id = json.loads(submitted.partition(b"\r\n\r\n")[2])["request_id"]
        (polled,) = answers(gw, request(gw, "GET", f"/v2/requests/status/{request_id}"))
        assert polled.startswith(b"HTTP/1.1 200 OK"), polled
        body = json.loads(polled.partition(b"\r\n\r\n")[2])
        assert (body["request_id"], body["status"]) == (request_id, "QUEUED")
        assert runner.lane.answered == before + 2, "both answered by the fast lane"
