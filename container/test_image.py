"""`make image-test`: the image `make image` built, run as its users run it.

Each test starts containers with host networking on free loopback ports (labelled, removed
after), except the Testcontainers one, which publishes its port the way Testcontainers does.
Run by `make image-test` only (these need dockerd): `python -m pytest container`.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.procs import free_port

ROOT = Path(__file__).resolve().parent.parent
LABEL = "pixazo-mock-image-test"
RUN = uuid.uuid4().hex[:8]  # this run's label value: another run's leftovers are not ours
FIBO = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
KEY = "test-key"


def docker(*args: str, timeout: float = 120, check: bool = True) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args[:3])}: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def image() -> str:
    """The image `make image` built (IMAGE overrides)."""
    from mock_gateway import __version__

    name = os.environ.get("IMAGE", f"pixazo-mock:{__version__}")
    docker("image", "inspect", name)
    base = ROOT / "build" / "image" / "base"
    print(f"\nimage under test: {name} (base {base.read_text().strip() if base.exists() else '?'})")
    return name


class Running:
    """One container of the image, on the host's network."""

    def __init__(
        self,
        image: str,
        *args: str,
        env: dict[str, str] | None = None,
        volumes: tuple[str, ...] = (),
    ) -> None:
        self.name = f"{LABEL}-{uuid.uuid4().hex[:8]}"
        flags = ["--detach", "--name", self.name, "--label", f"{LABEL}={RUN}", "--network", "host"]
        for key, value in (env or {}).items():
            flags += ["--env", f"{key}={value}"]
        for volume in volumes:
            flags += ["--volume", volume]
        self.id = docker("run", *flags, image, *args)

    def logs(self) -> str:
        return docker("logs", self.name, check=False)

    def stop(self) -> float:
        started = time.monotonic()
        docker("stop", self.name)
        return time.monotonic() - started

    def remove(self) -> None:
        docker("rm", "--force", "--volumes", self.name, check=False)


@pytest.fixture
def containers(image: str) -> Iterator[Any]:
    started: list[Running] = []

    def start(*args: str, **kw: Any) -> Running:
        running = Running(image, *args, **kw)
        started.append(running)
        return running

    yield start
    for running in started:
        running.remove()
    left = docker("ps", "--all", "--quiet", "--filter", f"label={LABEL}={RUN}")
    assert left == "", f"containers left behind: {left}"


def mock_env(port: int, **more: str) -> dict[str, str]:
    return {"MOCK_GATEWAY_HOST": "127.0.0.1", "MOCK_GATEWAY_PORT": str(port), **more}


def wait_for_health(url: str, container: Running, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_mock/health", timeout=2) as answer:
                found: dict[str, Any] = json.loads(answer.read())
                return found
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise AssertionError(f"no health answer from {url}:\n{container.logs()}") from None
            time.sleep(0.1)


def call(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def a_job_with_a_webhook_that_has_ended(base: str, sink_port: int) -> dict[str, Any]:
    """A FIBO job whose callback goes to the sink on `sink_port`, then 60 simulated s."""
    hook = f"https://127.0.0.1:{sink_port}/webhook"
    status, job = call(
        "POST",
        base + FIBO,
        {"prompt": "a lighthouse at dusk"},
        {"Ocp-Apim-Subscription-Key": KEY, "X-Webhook-URL": hook},
    )
    assert status == 202, job
    status, _ = call("POST", f"{base}/_mock/clock/advance", {"seconds": 60})
    assert status == 200
    found: dict[str, Any] = job
    return found


def curl(*args: str) -> str:
    done = subprocess.run(
        ["curl", "-sS", "--fail-with-body", *args], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_the_pages_curl_examples_work_against_the_container(containers: Any) -> None:
    """The README's curl (the gateway page's example, host swapped): submit, poll, download."""
    port = free_port()
    mock = containers(env=mock_env(port, MOCK_GATEWAY_TIME_SCALE="0.05"))
    base = f"http://127.0.0.1:{port}"
    assert wait_for_health(base, mock)["status"] == "ok"
    submitted = json.loads(
        curl(
            "-X",
            "POST",
            f"{base}{FIBO}",
            "-H",
            "Content-Type: application/json",
            "-H",
            "Cache-Control: no-cache",
            "-H",
            f"Ocp-Apim-Subscription-Key: {KEY}",
            "--data-raw",
            '{"prompt": "A magnificent hot air balloon festival at sunrise"}',
        )
    )
    assert submitted["status"] == "QUEUED"
    assert submitted["polling_url"].startswith(f"{base}/v2/requests/status/")
    deadline = time.monotonic() + 20
    while True:
        status = json.loads(
            curl("-H", f"Ocp-Apim-Subscription-Key: {KEY}", submitted["polling_url"])
        )
        if status["status"] not in ("QUEUED", "PROCESSING") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status["status"] == "COMPLETED", status
    png = subprocess.run(
        ["curl", "-sS", "--fail", status["output"]["media_url"][0]],
        capture_output=True,
        timeout=30,
        check=True,
    ).stdout
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # the RMBG page's curl, with one of the mock's own sample pictures
    cutout = json.loads(
        curl(
            "-X",
            "POST",
            f"{base}/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request",
            "-H",
            "Content-Type: application/json",
            "-H",
            f"Ocp-Apim-Subscription-Key: {KEY}",
            "--data-raw",
            json.dumps({"image_url": f"{base}/_mock/samples/cat.png"}),
        )
    )
    while True:
        status = json.loads(curl("-H", f"Ocp-Apim-Subscription-Key: {KEY}", cutout["polling_url"]))
        if status["status"] not in ("QUEUED", "PROCESSING") or time.monotonic() > deadline + 20:
            break
        time.sleep(0.2)
    assert status["status"] == "COMPLETED", status


def test_the_contract_suite_passes_black_box_against_the_container(containers: Any) -> None:
    """The same suite `make contract-live` runs against the real gateway."""
    port = free_port()
    mock = containers(env=mock_env(port, MOCK_GATEWAY_TIME_SCALE="0.05"))
    base = f"http://127.0.0.1:{port}"
    wait_for_health(base, mock)
    env = {
        **os.environ,
        "PIXAZO_BASE_URL": base,
        "PIXAZO_API_KEY": KEY,
        "CONTRACT_POLL_INTERVAL": "0.2",
    }
    suite = subprocess.run(
        [sys.executable, "-m", "pixazo_contract", "--live"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]


def test_a_webhook_reaches_the_sink_container_over_https(containers: Any, tmp_path: Path) -> None:
    """The sink from the same image writes its CA to a mounted folder; the mock trusts it."""
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    ca_dir.chmod(0o777)  # the image's user (uid 10001) writes the CA here
    sink_port, port = free_port(), free_port()
    sink = containers(
        "sink", "--https", "--port", str(sink_port), "--ca-dir", "/ca", volumes=(f"{ca_dir}:/ca",)
    )
    deadline = time.monotonic() + 20
    while not (ca_dir / "sink-ca.pem").exists():
        assert time.monotonic() < deadline, f"the sink wrote no CA:\n{sink.logs()}"
        time.sleep(0.1)
    mock = containers(
        env=mock_env(
            port, MOCK_GATEWAY_MANUAL_CLOCK="1", MOCK_GATEWAY_WEBHOOK_CA="/ca/sink-ca.pem"
        ),
        volumes=(f"{ca_dir}:/ca:ro",),
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_health(base, mock)
    job = a_job_with_a_webhook_that_has_ended(base, sink_port)
    trust = ssl.create_default_context(cafile=str(ca_dir / "sink-ca.pem"))
    status, received = call("GET", f"https://127.0.0.1:{sink_port}/received", context=trust)
    assert status == 200, received
    callbacks = received if isinstance(received, list) else received.get("received", received)
    bodies = [c.get("body", c) for c in callbacks]
    assert [(b["request_id"], b["status"]) for b in bodies] == [(job["request_id"], "COMPLETED")]


def test_docker_stop_is_quick_and_leaves_nothing_running(containers: Any) -> None:
    port = free_port()
    mock = containers(env=mock_env(port))
    wait_for_health(f"http://127.0.0.1:{port}", mock)
    # not root: the image's own user (the rule), which owns only /data
    assert docker("exec", mock.name, "id", "-u") == "10001"
    took = mock.stop()
    assert took < 2.0, f"docker stop took {took:.1f} s"
    state = json.loads(docker("inspect", "--format", "{{json .State}}", mock.name))
    assert (state["Running"], state["ExitCode"]) == (False, 0), state
    assert (
        docker("ps", "--quiet", "--filter", f"label={LABEL}={RUN}", "--filter", f"name={mock.name}")
        == ""
    )


@pytest.fixture
def volume() -> Iterator[str]:
    """A named volume, removed after the test (ask for it before `containers`: it goes
    after them)."""
    name = f"{LABEL}-{RUN}-{uuid.uuid4().hex[:6]}"
    yield name
    docker("volume", "rm", "--force", name, check=False)


def test_settings_from_the_environment_and_state_in_the_data_volume(
    volume: str, containers: Any
) -> None:
    """A named volume, as the README shows it: Docker gives it /data's owner (the image's
    user), so --state can write there with no chmod."""
    data = volume
    port = free_port()
    env = mock_env(
        port,
        MOCK_GATEWAY_STATE="/data/mock.sqlite",
        MOCK_GATEWAY_MANUAL_CLOCK="1",
        MOCK_GATEWAY_ADMIN_TOKEN="image-test-token",
        MOCK_GATEWAY_SEED="7",
    )
    base = f"http://127.0.0.1:{port}"
    first = containers(env=env, volumes=(f"{data}:/data",))
    health = wait_for_health(base, first)
    assert (health["store"], health["manual_clock"]) == ("sqlite", True)
    status, job = call("POST", base + FIBO, {"prompt": "kept"}, {"Ocp-Apim-Subscription-Key": KEY})
    assert status == 202, job
    assert call("GET", f"{base}/_mock/jobs")[0] == 401  # the admin token from the environment
    first.stop()
    second = containers(env=env, volumes=(f"{data}:/data",))
    wait_for_health(base, second)
    status, kept = call(
        "GET",
        f"{base}/_mock/jobs/{job['request_id']}",
        headers={"Authorization": "Bearer image-test-token"},
    )
    assert status == 200 and kept["request_id"] == job["request_id"], kept


def test_the_healthcheck_reports_healthy_whatever_port_a_flag_gave(containers: Any) -> None:
    """Broken image: a healthcheck that asks $MOCK_GATEWAY_PORT (8080) while a flag after
    the image name moved the mock (it never turns healthy)."""
    port = free_port()
    mock = containers("serve", "--port", str(port), env={"MOCK_GATEWAY_HOST": "127.0.0.1"})
    deadline = time.monotonic() + 30
    while (
        health := docker("inspect", "--format", "{{.State.Health.Status}}", mock.name)
    ) != "healthy":
        assert time.monotonic() < deadline, f"health {health}:\n{mock.logs()}"
        time.sleep(0.5)


def test_testcontainers_starts_the_image_and_a_client_uses_it(image: str) -> None:
    """What a team's own test does with Testcontainers' generic container (no skip: a
    missing docker is a failure here)."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    container = (
        DockerContainer(image)
        .with_exposed_ports(8080)
        .with_env("MOCK_GATEWAY_TIME_SCALE", "0.05")
        .with_kwargs(labels={LABEL: "testcontainers"})
        .waiting_for(HttpWaitStrategy(8080, "/_mock/health").for_status_code(200))
    )
    with container:
        base = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(8080)}"
        assert call("GET", f"{base}/_mock/health")[1]["status"] == "ok"
        deadline = time.monotonic() + 20
        status, job = call(
            "POST", base + FIBO, {"prompt": "a lighthouse"}, {"Ocp-Apim-Subscription-Key": KEY}
        )
        assert status == 202, job
        poll = f"{base}/v2/requests/status/{job['request_id']}"
        while (answer := call("GET", poll, headers={"Ocp-Apim-Subscription-Key": KEY})[1])[
            "status"
        ] in ("QUEUED", "PROCESSING"):
            assert time.monotonic() < deadline, answer
            time.sleep(0.2)
        assert answer["status"] == "COMPLETED", answer


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or `docker-compose` (Debian's), whichever is here."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if subprocess.run(["docker-compose", "version"], capture_output=True).returncode == 0:
        return ["docker-compose"]
    return None


def test_the_compose_file_runs_the_mock_and_its_sink(image: str) -> None:
    """container/compose.yaml as the README shows it (needs a compose: make image-test
    installs Debian's docker-compose where it is missing)."""
    compose = compose_command()
    assert compose is not None, "no docker compose here (make image-test installs it)"
    port, sink_port = free_port(), free_port()
    project = f"{LABEL}-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "IMAGE": image, "MOCK_PORT": str(port), "SINK_PORT": str(sink_port)}
    up = [*compose, "--file", str(ROOT / "container" / "compose.yaml"), "--project-name", project]
    try:
        started = subprocess.run(
            [*up, "up", "--detach"], env=env, capture_output=True, text=True, timeout=120
        )
        assert started.returncode == 0, started.stderr
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                assert call("GET", f"{base}/_mock/health")[1]["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "the compose mock never answered"
                time.sleep(0.2)
        job = a_job_with_a_webhook_that_has_ended(base, sink_port)
        _, sent = call("GET", f"{base}/_mock/webhooks?request_id={job['request_id']}")
        assert [(d["status"], d["outcome"]) for d in sent["deliveries"]] == [
            ("COMPLETED", "delivered")
        ], sent
    finally:
        down = subprocess.run(
            [*up, "down", "--volumes", "--timeout", "2"], env=env, capture_output=True, timeout=120
        )
    assert down.returncode == 0, down.stderr
    project_label = f"label=com.docker.compose.project={project}"
    assert docker("ps", "--all", "--quiet", "--filter", project_label) == ""
