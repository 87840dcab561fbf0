"""`--admin-token`: the control API behind a Bearer token; the gateway and its media open."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.conftest import AUTH, FIBO_SUBMIT, MakeClient
from tests.processes import child_env, command

TOKEN = "s3cret-admin-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/_mock/reset"),
        ("PUT", "/_mock/keys/x-key"),
        ("GET", "/_mock/keys/test-key"),
        ("DELETE", "/_mock/keys/test-key"),
        ("POST", "/_mock/clock/advance"),
        ("POST", "/_mock/scenarios"),
        ("GET", "/_mock/requests"),
        ("GET", "/_mock/jobs"),
        ("GET", "/_mock/webhooks"),
        ("GET", "/_mock/events"),
    ],
)
async def test_control_operations_need_the_token(
    make_client: MakeClient, method: str, path: str
) -> None:
    client = await make_client(admin_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        resp = await client.request(method, path, json={"seconds": 1}, headers=headers)
        assert resp.status == 401, (path, headers)
        body = await resp.json()
        assert body["error"] == "Unauthorized" and "Bearer" in body["message"]
        assert TOKEN not in await resp.text()
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await client.get("/_mock/keys/test-key", headers=BEARER)).status == 200


async def test_health_samples_cdn_and_the_gateway_stay_open(make_client: MakeClient) -> None:
    client = await make_client(admin_token=TOKEN)
    assert (await client.get("/_mock/health")).status == 200
    assert (await client.get("/_mock/samples")).status == 200
    resp = await client.post(FIBO_SUBMIT, json={"prompt": "a kite"}, headers=AUTH)
    assert resp.status == 202
    request_id = (await resp.json())["request_id"]
    await client.post("/_mock/clock/advance", json={"seconds": 60}, headers=BEARER)
    cdn = await client.get(f"/_mock/cdn/v1/{request_id}/output.png")
    assert cdn.status == 200 and cdn.content_type == "image/png"


async def test_without_a_token_the_control_api_is_open_as_before(make_client: MakeClient) -> None:
    client = await make_client()
    assert (await client.get("/_mock/jobs")).status == 200


def run_serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`serve` that stops at once: its port is taken, so it exits after the checks (and
    nothing ever listens beyond loopback)."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # taken on every address, loopback included
        taken.listen()
        port = str(taken.getsockname()[1])
        return subprocess.run(
            command("serve", "--port", port, "--quiet", *args),
            capture_output=True,
            text=True,
            timeout=30,
            env={**child_env(), **(env or {})},
        )


def test_binding_beyond_loopback_without_a_token_warns() -> None:
    done = run_serve("--host", "0.0.0.0")
    assert "WARNING: --host 0.0.0.0 without an admin token" in done.stderr
    done = run_serve("--host", "0.0.0.0", env={"MOCK_GATEWAY_ADMIN_TOKEN": TOKEN})
    assert "WARNING" not in done.stderr and TOKEN not in done.stderr


def test_require_admin_token_refuses_to_start_beyond_loopback_without_one() -> None:
    done = run_serve("--host", "0.0.0.0", "--require-admin-token")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("mock-gateway: --host 0.0.0.0 reaches beyond loopback")
    assert run_serve("--require-admin-token").stderr.count("refusing") == 0, "loopback is fine"


def test_a_short_token_is_refused() -> None:
    done = run_serve("--admin-token", "short")
    assert done.returncode == 2 and "at least 8 characters" in done.stderr
    assert "short" not in done.stderr.replace("at least 8", "")
