"""`mock-gateway serve` end to end: a real process on a loopback port.

These spawn processes, so there are few of them; one server is shared by the tests that
only read from it. Every wait has a timeout and every process is killed in a finally.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_gateway import cli, launch
from mock_gateway.settings import ConfigError
from tests.processes import TIMEOUT, child_env, command, run

LONG_KEY = "sk-live-0123456789abcdef0123456789abcdef"
REDACTED = "sk-l…"
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")

# Never through a proxy from the environment: only 127.0.0.1 is ever contacted.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


class Server:
    """A running `mock-gateway serve`, its stderr read line by line on a thread."""

    def __init__(
        self,
        *args: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        python_options: tuple[str, ...] = (),  # the interpreter's own, e.g. -E
    ) -> None:
        argv = command("serve", "--port", "0", "--manual-clock", *args)
        self.proc = subprocess.Popen(
            [argv[0], *python_options, *argv[1:]],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=cwd,
            env=env or child_env(),
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        banner = self.wait_for(LISTENING.pattern)
        match = LISTENING.search(banner)
        assert match is not None
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line.rstrip("\n"))
        self._new.put(None)  # end of stream

    def wait_for(self, pattern: str) -> str:
        """The next stderr line matching `pattern` (fails after TIMEOUT or at exit)."""
        while True:
            try:
                line = self._new.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no line like {pattern!r} in {self.lines}") from None
            if line is None:
                raise AssertionError(f"exited without a line like {pattern!r}: {self.lines}")
            if re.search(pattern, line):
                return line

    def stop(self) -> int:
        """SIGTERM, then the exit code once stderr is fully read."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(cwd=tmp_path_factory.mktemp("serve"))
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers a test starts itself (to stop them); killed at the end whatever happens."""
    started: list[Server] = []
    try:
        yield started
    finally:
        for s in started:
            s.kill()


def test_serve_announces_its_loopback_address_and_answers_health(server: Server) -> None:
    assert 0 < server.port < 65536
    status, body = http("GET", server.url + "/_mock/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["manual_clock"] is True


def test_on_a_non_default_port_every_url_the_mock_builds_points_back_at_that_port(
    server: Server,
) -> None:
    assert server.port != 8080
    status, doc = http("GET", server.url + "/openapi.json")
    assert status == 200
    assert doc["servers"][0] == {"url": server.url, "description": "this mock"}
    assert "http://127.0.0.1:8080" not in json.dumps(doc)
    key = {"Ocp-Apim-Subscription-Key": "test-key"}
    fibo = "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request"
    status, job = http("POST", server.url + fibo, {"prompt": "a lighthouse"}, key)
    assert status == 202
    assert job["polling_url"] == f"{server.url}/v2/requests/status/{job['request_id']}"
    # The same server reached under another name builds URLs with that name.
    other = f"http://localhost:{server.port}"
    status, doc = http("GET", other + "/openapi.json")
    assert doc["servers"][0]["url"] == other


def test_a_request_log_line_shows_the_redacted_key_never_the_key(server: Server) -> None:
    status, _ = http("PUT", f"{server.url}/_mock/keys/{LONG_KEY}", {"balance_usd": "5"})
    assert status in (200, 201)
    status, _ = http(
        "GET",
        server.url + "/v2/requests/status/no-such-job",
        headers={"Ocp-Apim-Subscription-Key": LONG_KEY},
    )
    assert status == 404
    line = server.wait_for(r"GET /v2/requests/status/no-such-job")
    assert "404" in line
    assert f"key={REDACTED}" in line
    assert LONG_KEY not in line


def test_the_full_key_never_reaches_the_log(server: Server) -> None:
    status, _ = http("GET", f"{server.url}/_mock/keys/{LONG_KEY}x")  # a key made for this test
    assert status == 404
    server.wait_for(r"GET /_mock/keys/")
    assert not [line for line in server.lines if LONG_KEY in line]


def test_sigterm_stops_it_cleanly(tmp_path: Path, fresh: list[Server]) -> None:
    s = Server(cwd=tmp_path)
    fresh.append(s)
    # A served request also proves the signal handlers are installed.
    assert http("GET", s.url + "/_mock/health")[0] == 200
    assert s.stop() == 0
    assert "stopped" in s.lines[-1]


def test_quiet_prints_no_request_lines(tmp_path: Path, fresh: list[Server]) -> None:
    s = Server("--quiet", cwd=tmp_path)
    fresh.append(s)
    assert http("GET", s.url + "/_mock/health")[0] == 200
    status, _ = http(
        "GET", s.url + "/v2/requests/status/x", headers={"Ocp-Apim-Subscription-Key": "test-key"}
    )
    assert status == 404
    assert s.stop() == 0
    # Only the banner and the goodbye: no per-request lines.
    assert len(s.lines) == 2, s.lines
    assert LISTENING.search(s.lines[0])
    assert "stopped" in s.lines[1]


def test_a_bad_config_exits_2_with_one_line_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "mock.toml"
    config.write_text('[server]\nport = "80"\n', "utf-8")
    done = run(tmp_path, "serve", "--config", str(config), "--port", "0")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "port" in lines[0]
    assert str(config) in lines[0]


def test_a_port_in_use_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(tmp_path, "serve", "--port", str(port), "--manual-clock")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "already in use" in lines[0]
    assert str(port) in lines[0]


def test_a_profile_that_cannot_be_read_exits_2_with_one_line(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--profile", "missing.json", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("mock-gateway: profile missing.json: cannot read")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_profile_is_adopted_and_said_at_start_up(tmp_path: Path, fresh: list[Server]) -> None:
    report = tmp_path / "fidelity-report.json"
    report.write_text(
        json.dumps(
            {
                "assumptions": [
                    {
                        "id": "assumed.output.media-type",
                        "outcome": "contradicted",
                        "observed": ["application/octet-stream"],
                    },
                    {"id": "assumed.gen1.eta", "outcome": "contradicted", "observed": ["grew"]},
                ]
            }
        ),
        "utf-8",
    )
    s = Server("--profile", str(report), cwd=tmp_path)
    fresh.append(s)
    # Said before the banner (the server is up once the constructor returns).
    said = [line.split(": ", 1)[1] for line in s.lines if line.startswith("profile ")]
    assert said == [
        "adopted assumed.output.media-type: application/octet-stream",
        "cannot adopt assumed.gen1.eta: observed grew",
    ]


def test_the_loop_is_uvloop_unless_asyncio_is_asked_for(
    tmp_path: Path, fresh: list[Server]
) -> None:
    """`--loop`: uvloop by default where it is installed (a dependency on this platform),
    asyncio when asked. The banner says which loop runs. Catches a default that changed,
    or a --loop that is ignored."""
    default = Server(cwd=tmp_path)
    fresh.append(default)
    installed = importlib.util.find_spec("uvloop") is not None  # not on Windows or PyPy
    assert ("loop uvloop" if installed else "loop asyncio") in default.lines[0]
    assert http("GET", default.url + "/_mock/health")[0] == 200
    plain = Server("--loop", "asyncio", cwd=tmp_path)
    fresh.append(plain)
    assert "loop asyncio" in plain.lines[0]
    assert http("GET", plain.url + "/_mock/health")[0] == 200
    assert plain.stop() == 0 and default.stop() == 0


def test_without_uvloop_the_default_is_asyncio_and_asking_for_it_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where uvloop does not install (Windows), the mock still runs, on asyncio; only an
    explicit --loop uvloop is refused, naming what is missing."""
    real = importlib.import_module

    def no_uvloop(name: str, package: str | None = None) -> object:
        if name == "uvloop":
            raise ImportError("No module named 'uvloop'")
        return real(name, package)

    monkeypatch.setattr("mock_gateway.cli.importlib.import_module", no_uvloop)
    assert cli.loop_factory(None) is asyncio.new_event_loop
    assert cli.loop_factory("asyncio") is asyncio.new_event_loop
    with pytest.raises(ConfigError, match=r"^--loop uvloop: uvloop is not installed"):
        cli.loop_factory("uvloop")


def test_serve_runs_on_the_c_allocator_unless_pythonmalloc_is_chosen(
    tmp_path: Path, fresh: list[Server]
) -> None:
    """`serve` starts itself again with PYTHONMALLOC=malloc (mock_gateway/launch.py): the
    allocator on which a reset gives memory back, jemalloc where installed. Same process id,
    same arguments; a PYTHONMALLOC the user set is kept. Catches a launcher that never
    re-executes (resets keep Python's arenas), one that overrides the user's choice, or one
    that names jemalloc in the banner without loading it."""
    env = {k: v for k, v in child_env().items() if k not in ("PYTHONMALLOC", "LD_PRELOAD")}
    default = Server("--seed", "7", cwd=tmp_path, env=env)
    fresh.append(default)
    jemalloc = launch.find_jemalloc()  # preloaded where installed (make bench installs it)
    expected = "jemalloc" if jemalloc else "malloc"
    assert "seed 7" in default.lines[0] and f"allocator {expected}" in default.lines[0]
    environ = Path(f"/proc/{default.proc.pid}/environ").read_bytes().split(b"\0")
    assert b"PYTHONMALLOC=malloc" in environ  # the process Popen started, re-executed
    maps = Path(f"/proc/{default.proc.pid}/maps").read_text()
    assert (launch.JEMALLOC in maps) is bool(jemalloc)  # loaded, not just named
    assert http("GET", default.url + "/_mock/health")[0] == 200
    chosen = Server(cwd=tmp_path, env={**env, "PYTHONMALLOC": "pymalloc"})
    fresh.append(chosen)
    assert "allocator pymalloc" in chosen.lines[0]
    # PYTHONMALLOC=malloc chosen: glibc's malloc, no second start and so no preload.
    glibc = Server(cwd=tmp_path, env={**env, "PYTHONMALLOC": "malloc"})
    fresh.append(glibc)
    assert "allocator malloc" in glibc.lines[0]
    assert launch.JEMALLOC not in Path(f"/proc/{glibc.proc.pid}/maps").read_text()
    assert chosen.stop() == 0 and default.stop() == 0 and glibc.stop() == 0


@pytest.mark.parametrize(
    ("preload", "library", "after"),
    [
        ("", "/usr/lib/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2"),
        ("  ", "/l/libjemalloc.so.2", "/l/libjemalloc.so.2"),
        ("/mine/libx.so", "/l/libjemalloc.so.2", "/mine/libx.so /l/libjemalloc.so.2"),
        ("/opt/libjemalloc.so.2", "/l/libjemalloc.so.2", None),  # the user's own jemalloc
        ("/mine/libx.so", None, None),  # not installed: LD_PRELOAD left as it is
        ("/usr/lib/libtcmalloc_minimal.so.4", "/l/libjemalloc.so.2", None),  # another one
        ("/x/libmimalloc.so.2:/y/liby.so", "/l/libjemalloc.so.2", None),
    ],
)
def test_jemalloc_is_preloaded_after_the_users_own_preloads(
    preload: str, library: str | None, after: str | None
) -> None:
    assert launch.with_jemalloc(preload, library) == after


def test_the_banner_says_jemalloc_only_when_it_is_loaded(tmp_path: Path) -> None:
    """A preload that fails to load (a wrong path) is named in LD_PRELOAD all the same: the
    banner must say what runs. Catches an allocator() that reads LD_PRELOAD's text."""
    script = "from mock_gateway import launch; print(launch.allocator())"
    env = {**child_env(), "PYTHONMALLOC": "malloc", "LD_PRELOAD": "/nowhere/libjemalloc.so.2"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "malloc"
    jemalloc = launch.find_jemalloc()
    if jemalloc is not None:
        env["LD_PRELOAD"] = jemalloc
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == "jemalloc"


def test_jemalloc_is_found_in_the_first_folder_that_holds_it(tmp_path: Path) -> None:
    """Catches a search that stops at the first folder, or takes a folder as the library."""
    first, second, third = (tmp_path / n for n in ("a", "b", "c"))
    for folder in (first, second, third):
        folder.mkdir()
    (first / launch.JEMALLOC).mkdir()  # a folder of that name is not the library
    (second / launch.JEMALLOC).write_bytes(b"")
    (third / launch.JEMALLOC).write_bytes(b"")
    dirs = ("", str(first), str(second), str(third))
    assert launch.find_jemalloc(dirs) == str(second / launch.JEMALLOC)
    assert launch.find_jemalloc((str(first),)) is None


@pytest.mark.parametrize(
    ("args", "environ", "again"),
    [
        (["serve", "--port", "0"], {}, True),
        (["serve"], {"PYTHONMALLOC": "pymalloc"}, False),  # the user's choice
        (["serve"], {"PYTHONMALLOC": "malloc"}, False),  # the second start: no loop
        (["sink", "--port", "0"], {}, False),  # short-lived helpers start once
        (["--version"], {}, False),
        ([], {}, False),
    ],
)
def test_only_serve_without_a_chosen_allocator_starts_again(
    args: list[str], environ: dict[str, str], again: bool
) -> None:
    assert launch.wants_reexec(args, environ) is again


@pytest.mark.parametrize(
    ("argv", "orig_argv", "again"),
    [
        # the console script, with interpreter options of its own
        (["/v/bin/mock-gateway", "serve"], ["/v/bin/python", "/v/bin/mock-gateway", "serve"], True),
        (
            ["/v/bin/mock-gateway", "serve"],
            ["py", "-X", "dev", "/v/bin/mock-gateway", "serve"],
            True,
        ),
        (
            ["/src/mock_gateway/__main__.py", "serve", "-q"],
            ["py", "-m", "mock_gateway", "serve", "-q"],
            True,
        ),
        (["/src/mock_gateway/cli.py", "serve"], ["py", "-m", "mock_gateway.cli", "serve"], True),
        # not ours to replay: a script from stdin or -c, a caller that set sys.argv
        (["-", "serve"], ["py", "-", "serve"], False),
        (["-c", "serve"], ["py", "-c", "import x", "serve"], False),
        (["wrap.py", "serve"], ["py", "wrap.py", "--port", "1"], False),
        (["/v/bin/mock-gateway", "serve"], ["py", "-m", "pytest", "serve"], False),
    ],
)
def test_the_restart_replays_only_a_command_line_that_asked_for_serve(
    argv: list[str], orig_argv: list[str], again: bool
) -> None:
    """Found in review: exec replays the interpreter's command line, so a caller that set
    sys.argv itself (or a script read from stdin) would have been run twice."""
    assert launch.replayable(argv, orig_argv) is again


def test_with_the_environment_ignored_there_is_no_restart_and_the_banner_says_pymalloc(
    tmp_path: Path, fresh: list[Server]
) -> None:
    """`python -E` ignores PYTHONMALLOC: restarting would change nothing, and the banner
    must not claim malloc (found in review)."""
    env = {k: v for k, v in child_env().items() if k != "PYTHONMALLOC"}
    server = Server(cwd=tmp_path, env=env, python_options=("-E",))
    fresh.append(server)
    assert "allocator pymalloc" in server.lines[0], server.lines
    environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
    assert not any(v.startswith(b"PYTHONMALLOC=") for v in environ)
    assert server.stop() == 0


def test_an_unknown_loop_exits_2_naming_the_choices(tmp_path: Path) -> None:
    out = run(tmp_path, "serve", "--port", "0", "--loop", "trio")
    assert out.returncode == 2
    assert "--loop" in out.stderr and "invalid choice" in out.stderr
    assert "'asyncio', 'uvloop'" in out.stderr


# -- settings from the environment (what a container sets) ---------------------------------


def test_serve_options_come_from_mock_gateway_variables_and_a_flag_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken CLI: MOCK_GATEWAY_* ignored (a container's settings lost), or winning over an
    explicit flag."""
    for name, value in {
        "PORT": "9091",
        "HOST": "0.0.0.0",
        "MANUAL_CLOCK": "1",
        "TIME_SCALE": "0.2",
        "SEED": "7",
        "STATE": "/data/mock.sqlite",
        "CONFIG": "/etc/mock.toml",
        "QUIET": "true",
    }.items():
        monkeypatch.setenv(f"MOCK_GATEWAY_{name}", value)
    args = cli.parser(os.environ).parse_args(["serve"])
    assert (args.port, args.host, args.manual_clock, args.time_scale, args.seed) == (
        9091,
        "0.0.0.0",
        True,
        0.2,
        7,
    )
    assert (args.state, args.config, args.quiet) == ("/data/mock.sqlite", "/etc/mock.toml", True)
    flagged = cli.parser(os.environ).parse_args(["serve", "--port", "9092", "--seed", "8"])
    assert (flagged.port, flagged.seed) == (9092, 8)
    monkeypatch.setenv("MOCK_GATEWAY_MANUAL_CLOCK", "0")
    assert cli.parser(os.environ).parse_args(["serve"]).manual_clock is False


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("PORT", "eighty", "must be a whole number"),
        ("PORT", "70000", "must be from 0 to 65535"),
        ("MANUAL_CLOCK", "maybe", "must be 1 or 0"),
        ("API_GENERATION", "3", "must be one of"),
        ("TIME_SCALE", "-1", "must be > 0"),
    ],
)
def test_a_bad_mock_gateway_variable_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    why: str,
) -> None:
    monkeypatch.setenv(f"MOCK_GATEWAY_{name}", value)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"MOCK_GATEWAY_{name}=" in err and why in err, err


def test_an_empty_variable_is_unset_and_a_bad_one_stops_only_serve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken CLI: MOCK_GATEWAY_HOST="" binding every address, MOCK_GATEWAY_MANUAL_CLOCK=""
    switching the clock off over the config file, or a bad serve variable stopping `sink`."""
    monkeypatch.setenv("MOCK_GATEWAY_HOST", "")
    monkeypatch.setenv("MOCK_GATEWAY_MANUAL_CLOCK", " ")
    args = cli.parser(os.environ).parse_args(["serve"])
    assert (args.host, args.manual_clock) == (None, None)
    monkeypatch.setenv("MOCK_GATEWAY_PORT", "eighty")
    with pytest.raises(SystemExit) as shown:
        cli.main(["--version"])
    assert shown.value.code == 0 and "MOCK_GATEWAY" not in capsys.readouterr().err


def test_the_address_file_names_where_serve_listens(tmp_path: Path) -> None:
    """Broken CLI: no file, or port 0 written as 0 (a healthcheck could not find it)."""
    where = tmp_path / "address"
    process = subprocess.Popen(
        command("serve", "--port", "0", "--quiet", "--address-file", str(where)),
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.monotonic()
        while not where.exists():
            assert time.monotonic() - started < TIMEOUT, "no address file"
            time.sleep(0.05)
        url = where.read_text().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", url), url
        with urllib.request.urlopen(f"{url}/_mock/health", timeout=5) as answer:
            assert json.loads(answer.read())["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_mock_gateway_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's exported MOCK_GATEWAY_* must not change what these tests parse."""
    for name in [n for n in os.environ if n.startswith("MOCK_GATEWAY_")]:
        monkeypatch.delenv(name)


_FREEZE_AT_START = """
import json, os, signal, sys
from mock_gateway import cli
from mock_gateway.settings import Settings

address, seen = sys.argv[1], []

class Recorder:  # the CLI's `gc`: each call, with whether serve had started by then
    def freeze(self):
        seen.append(["freeze", os.path.exists(address)])
        os.kill(os.getpid(), signal.SIGTERM)  # serve's own handler: a clean stop

    def unfreeze(self):
        seen.append(["unfreeze", os.path.exists(address)])

cli.gc = Recorder()
code = cli.serve(Settings(port=0, access_log=False), address_file=address)
print(json.dumps([code, seen]))
"""


def test_serve_freezes_what_start_up_made_once_it_listens_and_unfreezes_at_the_stop(
    tmp_path: Path,
) -> None:
    """Catches: the start-up freeze gone (the first full collection under load then walks
    every module and the app: a 20-25 ms pause), run before the app is built and listening
    (it would leave the app's objects to the collector), or no unfreeze at the stop (the
    process then crashed on its way out in about half of its exits: test_sigterm_...)."""
    address = tmp_path / "address"
    out = subprocess.run(
        [sys.executable, "-c", _FREEZE_AT_START, str(address)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=child_env(),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        0,
        [["freeze", True], ["unfreeze", True]],
    ]
