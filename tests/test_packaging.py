"""The toolkit as another team installs it: a wheel in a fresh venv, one extra, nothing else.

Each venv gets only `pip install 'pixazo-mock-toolkit[EXTRA]'`, resolved with no index from
the wheel built here from the source and the dependency wheels `make test` collects in
.venv/wheelhouse. So a dependency missing from an extra fails here, as it would for a user,
and no test reaches the network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.test_plugin import readme_example

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
INSTALL_TIMEOUT = 300.0
RUN_TIMEOUT = 120.0


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_env() -> dict[str, str]:
    """The environment a user's shell would have: nothing of this repository's venv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toolkit's wheel, built from a copy of the source (the checkout stays untouched)."""
    assert (WHEELHOUSE / ".built").exists(), "run `make test`: it collects .venv/wheelhouse"
    work = tmp_path_factory.mktemp("dist")
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    out = work / "wheels"
    run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
        "--find-links", WHEELHOUSE, "-w", out, source,
        cwd=work, env=clean_env(),
    )  # fmt: skip
    assert len(list(out.glob("pixazo_mock_toolkit-*.whl"))) == 1
    return out


def fresh_venv(where: Path, dist: Path, extra: str) -> Path:
    """A new venv with exactly `pip install 'pixazo-mock-toolkit[extra]'`; its bin folder."""
    run(sys.executable, "-m", "venv", where, cwd=where.parent, env=clean_env())
    bin_dir = where / "bin"
    run(
        bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-index",
        "--find-links", dist, "--find-links", WHEELHOUSE, f"pixazo-mock-toolkit[{extra}]",
        cwd=where.parent, env=clean_env(),
    )  # fmt: skip
    return bin_dir


@pytest.fixture(scope="module")
def pytest_venv(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("users") / "venv", dist, "pytest")


def user_project(tmp_path: Path) -> Path:
    """A user's project with packages of the generic names the toolkit must not claim."""
    project = tmp_path / "their-app"
    for name in ("client", "schemas", "contract_tests"):
        (project / name).mkdir(parents=True)
        (project / name / "__init__.py").write_text(f"OWNER = 'their-app {name}'\n", "utf-8")
    return project


def test_the_wheel_installs_next_to_a_users_own_client_package(
    pytest_venv: Path, tmp_path: Path
) -> None:
    project = user_project(tmp_path)
    script = (
        "import client, schemas, contract_tests\n"
        "import pixazo_client, pixazo_schemas, pixazo_contract, mock_gateway\n"
        "from pixazo_client import PixazoClient\n"
        "assert client.OWNER == 'their-app client', client.__file__\n"
        "assert schemas.OWNER == 'their-app schemas'\n"
        "assert contract_tests.OWNER == 'their-app contract_tests'\n"
        "assert 'site-packages' in pixazo_client.__file__, pixazo_client.__file__\n"
        "assert pixazo_schemas.validator('gen2/fibo_request').is_valid({'prompt': 'x'})\n"
        "print('both', PixazoClient.__name__, mock_gateway.__version__)\n"
    )
    out = run(pytest_venv / "python", "-c", script, cwd=project, env=clean_env())
    assert out.startswith("both PixazoClient ")
    site = Path(run(pytest_venv / "python", "-c", "import sysconfig; print("
                    "sysconfig.get_paths()['purelib'])", cwd=project, env=clean_env()).strip())
    installed = {p.name for p in site.iterdir() if (p / "__init__.py").exists()}
    ours = {"mock_gateway", "pixazo_client", "pixazo_contract", "pixazo_schemas"}
    assert ours <= installed
    assert not installed & {"client", "schemas", "contract_tests"}, "no generic import names"


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_the_pytest_extra_runs_the_readmes_plugin_example(
    pytest_venv: Path, tmp_path: Path, workers: list[str]
) -> None:
    project = user_project(tmp_path)
    (project / "test_my_integration.py").write_text(readme_example(), "utf-8")
    out = run(
        pytest_venv / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers,
        "test_my_integration.py",
        cwd=project, env=clean_env(),
    )  # fmt: skip
    assert "5 passed" in out, out


@pytest.fixture
def served(pytest_venv: Path, tmp_path: Path) -> Iterator[str]:
    """`mock-gateway serve` from the installed wheel, on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [pytest_venv / "mock-gateway", "serve", "--port", str(port), "--time-scale", "0.05",
         "--quiet"],
        cwd=tmp_path, env=clean_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "/_mock/health", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the installed mock never answered health"
                time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_the_contract_extra_runs_the_suite_live_with_nothing_else(
    tmp_path_factory: pytest.TempPathFactory, dist: Path, served: str, tmp_path: Path
) -> None:
    bin_dir = fresh_venv(tmp_path_factory.mktemp("contract") / "venv", dist, "contract")
    env = {
        **clean_env(),
        "PIXAZO_BASE_URL": served,
        "PIXAZO_API_KEY": "test-key",
        "CONTRACT_POLL_INTERVAL": "0.2",
    }
    out = run(
        bin_dir / "python", "-m", "pixazo_contract", "--live", "-q", "--report-dir", tmp_path,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert " passed" in out and "failed" not in out, out
    assert (tmp_path / "fidelity-report.md").exists()


# -- the GitHub Action, run step by step as a runner would ----------------------------------


def action_env(step: dict[str, object], inputs: dict[str, str]) -> dict[str, str]:
    """A step's `env:` with each `${{ inputs.NAME }}` replaced by that input's value."""
    env: dict[str, str] = {}
    for name, value in dict(step.get("env") or {}).items():  # type: ignore[call-overload]
        match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", str(value))
        assert match, f"{name}: an action step reads only its inputs"
        env[str(name)] = inputs[match.group(1)]
    return env


def test_the_action_installs_the_toolkit_and_exposes_the_mocks_url(
    tmp_path: Path, dist: Path
) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    inputs = {name: spec["default"] for name, spec in action["inputs"].items()}
    inputs.update({"port": "0", "manual-clock": "true", "extras": "pytest"})
    run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path, env=clean_env())
    inputs["python"] = str(tmp_path / "venv" / "bin" / "python")
    outputs, path_file = tmp_path / "github-output", tmp_path / "github-path"
    outputs.touch()
    path_file.touch()
    runner_env = {
        **clean_env(),
        # The action's own checkout: a copy, so pip's in-tree build leaves this one alone.
        "GITHUB_ACTION_PATH": str(dist.parent / "source"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_PATH": str(path_file),
        # What a runner would fetch from PyPI comes from the local wheels here.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": f"{dist} {WHEELHOUSE}",
    }
    pid = None
    try:
        for step in action["runs"]["steps"]:
            assert step["shell"] == "bash"
            env = {**runner_env, **action_env(step, inputs)}
            added = path_file.read_text("utf-8").split()
            env["PATH"] = os.pathsep.join([*added, env["PATH"]])
            run("bash", "-eo", "pipefail", "-c", step["run"], cwd=tmp_path, env=env)
        written = dict(
            line.split("=", 1) for line in outputs.read_text("utf-8").splitlines() if line
        )
        pid = int(written["pid"])
        url = written["base-url"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and not url.endswith(":0")
        with urllib.request.urlopen(url + "/_mock/health", timeout=5) as answer:
            health = json.load(answer)
        assert health["status"] == "ok" and health["manual_clock"] is True
        assert Path(written["log"]).read_text("utf-8").startswith("mock-gateway ")
        declared = {name: spec["value"] for name, spec in action["outputs"].items()}
        assert declared == {
            name: f"${{{{ steps.start.outputs.{name} }}}}" for name in ("base-url", "pid", "log")
        }
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)


def test_the_start_script_refuses_a_bad_port_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [ROOT / "scripts" / "start-mock", "--port", "eighty"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "start-mock: --port must be a whole number\n"
