"""`mock-gateway`: run the mock (`serve`) or a local webhook receiver (`sink`)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

from . import __version__, launch, sink, workers
from .app import create_app
from .http.keys import SERVICE
from .http.listen import GreedySite
from .http.server import GuardedRunner
from .media.inputs import is_loopback
from .settings import ConfigError, Settings, load


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be from 0 to 65535")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError("must be > 0 and <= 1000")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError("must be from 0 to 600 (seconds)")
    return value


def parser(environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The command line; `environ`: where `serve` reads MOCK_GATEWAY_<OPTION> defaults."""
    top = argparse.ArgumentParser(
        prog="mock-gateway",
        description="Offline stand-in for the Pixazo gateway (Bria RMBG 2.0, FIBO).",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = top.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the mock gateway")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1: loopback only)")
    serve.add_argument("--port", type=_port, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--config", metavar="FILE", help="TOML file with keys, prices, durations, scenarios"
    )
    serve.add_argument(
        "--time-scale", type=_positive, metavar="F", help="multiply every simulated duration by F"
    )
    serve.add_argument(
        "--manual-clock",
        action="store_true",
        default=None,
        help="freeze time; move it with POST /_mock/clock/advance",
    )
    serve.add_argument("--seed", type=int, help="seed of the one random generator (default 0)")
    serve.add_argument(
        "--api-generation", type=int, choices=(1, 2), help="default API generation of keys"
    )
    serve.add_argument(
        "--allow-remote-fetch",
        action="store_true",
        default=None,
        help="fetch image_url from hosts beyond loopback (default: a synthetic stand-in picture)",
    )
    serve.add_argument(
        "--webhook-ca",
        metavar="FILE",
        help="PEM file of CAs to trust for webhook receivers, besides the system store",
    )
    serve.add_argument(
        "--allow-remote-webhooks",
        action="store_true",
        default=None,
        help="deliver webhooks to hosts beyond loopback (default: logged as blocked)",
    )
    serve.add_argument(
        "--profile",
        metavar="REPORT",
        help="adopt what a fidelity report (fidelity-report.json from a live contract run) "
        "observed: timestamp form, media type, error style, validation, durations",
    )
    serve.add_argument(
        "--trust-forwarded",
        action="store_true",
        default=None,
        help="behind a proxy: absolute URLs use X-Forwarded-Proto and X-Forwarded-Host",
    )
    serve.add_argument(
        "--state",
        metavar="PATH",
        help="keep everything (keys, wallets, jobs, rules, logs, pending webhooks, the clock) "
        "in the SQLite file PATH: a restart on it goes on where the last run stopped",
    )
    serve.add_argument(
        "--store",
        metavar="URL",
        help="share one gateway between processes: keep everything in Redis at URL "
        "(redis://HOST:PORT/DB); every mock started on it answers as the same gateway",
    )
    serve.add_argument(
        "--namespace",
        metavar="NAME",
        help="with --store: the gateway's name in that Redis (default mock-gateway); "
        "independent gateways can share one Redis under different names",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="with --store: N processes on one port (SO_REUSEPORT), one gateway; the road "
        "to more cores (default 1)",
    )
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument(
        "--shutdown-grace",
        type=_non_negative,
        metavar="S",
        help="on SIGTERM or Ctrl-C, give webhook deliveries in flight S seconds (default 5)",
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="protect the control API (/_mock/, but health, samples and the CDN): send "
        "Authorization: Bearer TOKEN (default: $MOCK_GATEWAY_ADMIN_TOKEN; none: open)",
    )
    serve.add_argument(
        "--require-admin-token",
        action="store_true",
        default=None,
        help="refuse to listen beyond loopback without an admin token",
    )
    serve.add_argument(
        "--loop",
        choices=LOOPS,
        default=None,
        help="event loop: uvloop where it is installed (the default; 10-20%% more requests/s), "
        "else asyncio; --loop asyncio asks for the standard library's",
    )
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.add_argument(
        "--address-file",
        metavar="PATH",
        help="once listening, write the base URL (http://host:port) to PATH: for a "
        "healthcheck or a script, whatever the port (0 included)",
    )
    serve.epilog = (
        "Each of "
        + ", ".join(f"--{o.replace('_', '-')}" for o in FROM_ENVIRONMENT)
        + " may come from the environment instead, as MOCK_GATEWAY_<NAME> (e.g. "
        "MOCK_GATEWAY_PORT=9090, MOCK_GATEWAY_MANUAL_CLOCK=1): what a container sets. A "
        "flag given wins over the environment, the environment over --config's file; an "
        "empty variable counts as unset."
    )
    if environ is not None:
        _defaults_from_environment(top, serve, environ)
    sink.add_parser(commands)
    return top


# Options of `serve` a container (or any process manager) may set in the environment.
FROM_ENVIRONMENT = (
    "host",
    "port",
    "config",
    "time_scale",
    "manual_clock",
    "seed",
    "api_generation",
    "webhook_ca",
    "allow_remote_webhooks",
    "state",
    "store",
    "namespace",
    "quiet",
    "address_file",
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _defaults_from_environment(
    top: argparse.ArgumentParser, serve: argparse.ArgumentParser, environ: Mapping[str, str]
) -> None:
    """MOCK_GATEWAY_<OPTION> as the default of that option; a bad value is one line, exit 2."""
    actions = {a.dest: a for a in serve._actions}
    for dest in FROM_ENVIRONMENT:
        name = f"MOCK_GATEWAY_{dest.upper()}"
        raw = environ.get(name)
        if raw is None or not raw.strip():  # empty: unset (never "bind everywhere", "off")
            continue
        action = actions[dest]
        value: object
        if action.nargs == 0:  # a switch: --manual-clock, --quiet, ...
            if raw.strip().lower() not in (*_TRUE, *_FALSE):
                top.exit(2, f"mock-gateway: {name}={raw[:40]!r}: must be 1 or 0 (true/false)\n")
            value = raw.strip().lower() in _TRUE
        else:
            try:
                value = action.type(raw) if callable(action.type) else raw
            except (argparse.ArgumentTypeError, ValueError) as e:
                why = str(e) or "not a valid value"
                top.exit(2, f"mock-gateway: {name}={raw[:40]!r}: {why}\n")
            if action.choices is not None and value not in action.choices:
                top.exit(2, f"mock-gateway: {name}={raw[:40]!r}: must be one of {action.choices}\n")
        serve.set_defaults(**{dest: value})


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # Only `serve` reads the environment: a bad MOCK_GATEWAY_PORT must not stop `sink`.
    args = parser(os.environ if given[:1] == ["serve"] else None).parse_args(given)
    if args.command == "sink":
        return sink.run(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        settings = load(args.config).with_overrides(
            host=args.host,
            port=args.port,
            time_scale=args.time_scale,
            manual_clock=args.manual_clock,
            seed=args.seed,
            api_generation=args.api_generation,
            allow_remote_fetch=args.allow_remote_fetch,
            webhook_ca=args.webhook_ca,
            allow_remote_webhooks=args.allow_remote_webhooks,
            access_log=False if args.quiet else None,
            trust_forwarded=args.trust_forwarded,
            profile=args.profile,
            state=args.state,
            store=args.store,
            namespace=args.namespace,
            shutdown_grace_seconds=args.shutdown_grace,
            admin_token=args.admin_token or os.environ.get("MOCK_GATEWAY_ADMIN_TOKEN") or None,
            require_admin_token=args.require_admin_token,
        )
        exposed = not is_loopback(settings.host)
        if exposed and not settings.admin_token:
            if settings.require_admin_token:
                raise ConfigError(
                    f"--host {settings.host} reaches beyond loopback and there is no admin "
                    "token (--admin-token or MOCK_GATEWAY_ADMIN_TOKEN): refusing to start"
                )
            print(
                f"mock-gateway: WARNING: --host {settings.host} without an admin token: anyone "
                "who reaches this port can reset the mock, change balances and delete keys "
                "(set --admin-token or MOCK_GATEWAY_ADMIN_TOKEN)",
                file=sys.stderr,
            )
        if settings.admin_token is not None and len(settings.admin_token.strip()) < 8:
            raise ConfigError("the admin token must be at least 8 characters")
        workers.check(settings, args.workers)
    except ConfigError as e:
        print(f"mock-gateway: {e}", file=sys.stderr)
        return 2
    if args.workers > 1:
        try:
            return workers.run(settings, args.workers, sys.argv[1:] if argv is None else list(argv))
        except OSError as e:
            where = f"{settings.host}:{settings.port}"
            print(f"mock-gateway: cannot listen on {where}: {e.strerror or e}", file=sys.stderr)
            return 1
    try:
        factory = loop_factory(args.loop)
    except ConfigError as e:
        print(f"mock-gateway: {e}", file=sys.stderr)
        return 2
    return serve(settings, factory, reuse_port=args.reuse_port, address_file=args.address_file)


LOOPS = ("asyncio", "uvloop")


def loop_factory(choice: str | None) -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop `serve` runs on: `choice`, or (None) uvloop where it is installed, else
    asyncio. uvloop answers 10-20% more requests per second in `make bench`; its one-at-a-time
    accepting is undone by the mock's own (http/listen.py), so its tail latency under hundreds
    of connections is asyncio's. Windows has no uvloop: asyncio there."""
    if choice == "asyncio":
        return asyncio.new_event_loop
    try:  # imported by name: a platform without uvloop still runs the mock
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if choice is None:
            return asyncio.new_event_loop
        raise ConfigError("--loop uvloop: uvloop is not installed (pip install uvloop)") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def serve(
    settings: Settings,
    loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    *,
    reuse_port: bool = False,  # a worker of `--workers N`: the port is shared
    address_file: str | None = None,
) -> int:
    """Run the mock until Ctrl-C or SIGTERM; 0 on a clean stop, 1 if it cannot listen."""
    try:
        with asyncio.Runner(loop_factory=loop) as runner:
            runner.run(_serve(settings, reuse_port, address_file))
    except ConfigError as e:  # found while building the app, e.g. an unreadable --webhook-ca
        print(f"mock-gateway: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        where = f"{settings.host}:{settings.port}"
        if e.errno == errno.EADDRINUSE:
            print(f"mock-gateway: {where} is already in use (try --port)", file=sys.stderr)
        else:
            print(f"mock-gateway: cannot listen on {where}: {e.strerror or e}", file=sys.stderr)
        return 1
    print("mock-gateway stopped", file=sys.stderr)
    return 0


async def _serve(
    settings: Settings, reuse_port: bool = False, address_file: str | None = None
) -> None:
    app = create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before the banner: a supervisor may act on it
        loop.add_signal_handler(sig, stop.set)
    runner = GuardedRunner(app, settings, access_log=None)
    await runner.setup()
    try:
        site = GreedySite(runner, settings.host, settings.port, reuse_port=reuse_port)
        await site.start()
        host, port = runner.addresses[0][:2]
        service = app[SERVICE]
        manual = service.clock()["manual"]
        clock = "manual" if manual else f"real, time scale {settings.time_scale:g}"
        jobs = service.health()["jobs"]
        kept = f", state {settings.state}: {jobs} jobs kept" if settings.state else ""
        shared = service.health().get("shared")
        if shared is not None:
            where = f"{shared['url']} as {shared['namespace']!r}"
            kept = f", shared store {where} (process {shared['process']})"
        if address_file:
            _write_address(address_file, host, port)
        kind = "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
        allocator = launch.allocator()
        print(
            f"mock-gateway {__version__} listening on http://{host}:{port} "
            f"(API generation {settings.api_generation}, clock {clock}, seed {settings.seed}"
            f"{kept}, loop {kind}, allocator {allocator}); "
            "Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        # What start-up made (modules, the app, the catalog) lives as long as the process.
        # Frozen, a full collection under load walks only what requests made since, not
        # everything (a 20-25 ms pass seen under wrk: a pause every connection waits out).
        # The Gateway freezes its jobs the same way as they grow.
        gc.freeze()
        await stop.wait()
    finally:
        # Out of the freeze before anything is torn down: a process that exits with objects
        # frozen crashed on its way out (SIGSEGV) in about half of its exits here.
        gc.unfreeze()
        await runner.cleanup()


def _write_address(path: str, host: str, port: int) -> None:
    """The base URL this process answers on, for a healthcheck or a script (any port, 0
    included). Written whole (a rename), so a reader never sees half of it."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(f"http://{reachable}:{port}\n")
    os.replace(temporary, path)


if __name__ == "__main__":  # `python -m mock_gateway.cli`: as the command, allocator included
    sys.exit(launch.main())
