"""GreedySite (http/listen.py): every waiting connection is taken at once, on either loop.

The broken server these catch: the stock site under uvloop, which takes one connection per
turn of the loop, so a burst of clients waits for turns (0.5-1.4 s at 256 connections
under load in `make bench`).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable

import pytest
from aiohttp import web

from mock_gateway.http.listen import GreedySite

BURST = 40
TURNS = 6  # loop turns a burst may take: accept, adopt, connection_made, and slack


def loops() -> list[Callable[[], asyncio.AbstractEventLoop]]:
    uvloop = pytest.importorskip("uvloop")
    return [asyncio.new_event_loop, uvloop.new_event_loop]


@pytest.fixture(params=["asyncio", "uvloop"])
def loop_factory(request: pytest.FixtureRequest) -> Callable[[], asyncio.AbstractEventLoop]:
    factories = dict(zip(("asyncio", "uvloop"), loops(), strict=True))
    return factories[request.param]


def hello_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


async def burst(site_for: Callable[[web.AppRunner], web.BaseSite]) -> tuple[int, list[bytes]]:
    """(connections the server had after TURNS turns of the loop, each client's answer)."""
    runner = web.AppRunner(hello_app(), handle_signals=False)
    await runner.setup()
    site = site_for(runner)
    await site.start()
    port = runner.addresses[0][1]
    clients: list[socket.socket] = []
    try:
        # Blocking connects, the loop standing still: each handshake completes in the
        # kernel, and the whole burst waits in the accept queue for one turn of the loop.
        for _ in range(BURST):
            client = socket.create_connection(("127.0.0.1", port))
            clients.append(client)
        for _ in range(TURNS):
            await asyncio.sleep(0)
        assert runner.server is not None
        taken = len(runner.server.connections)
        loop = asyncio.get_running_loop()
        answers = []
        for client in clients:
            client.setblocking(False)
            await loop.sock_sendall(client, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answers.append(await asyncio.wait_for(loop.sock_recv(client, 4096), 5))
        return taken, answers
    finally:
        for client in clients:
            client.close()
        await runner.cleanup()


def test_a_burst_of_connections_is_taken_in_one_turn(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        taken, answers = runner.run(burst(lambda r: GreedySite(r, "127.0.0.1", 0)))
    assert taken == BURST
    assert all(a.startswith(b"HTTP/1.1 200 OK\r\n") and a.endswith(b"hello") for a in answers)


def test_the_stock_site_on_uvloop_is_what_this_avoids() -> None:
    """The reason GreedySite exists, kept visible: if uvloop ever accepts greedily again,
    this fails and the module can go."""
    uvloop = loops()[1]
    with asyncio.Runner(loop_factory=uvloop) as runner:
        taken, answers = runner.run(burst(lambda r: web.TCPSite(r, "127.0.0.1", 0)))
    assert taken < BURST
    assert len(answers) == BURST  # each is answered in the end, a turn at a time


def test_the_site_reports_its_port_and_refuses_a_port_in_use() -> None:
    async def scenario() -> None:
        runner = web.AppRunner(hello_app(), handle_signals=False)
        await runner.setup()
        site = GreedySite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        assert site.port == port and site.name == f"http://127.0.0.1:{port}"
        other = web.AppRunner(hello_app(), handle_signals=False)
        await other.setup()
        with pytest.raises(OSError) as caught:
            await GreedySite(other, "127.0.0.1", port).start()
        assert caught.value.errno == errno.EADDRINUSE
        await other.cleanup()
        await runner.cleanup()
        # Closed: the port no longer answers.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()

    asyncio.run(scenario())


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_connections_caught_by_a_stop_are_closed_not_left_hanging(
    loop_factory: Callable[[], asyncio.AbstractEventLoop], turns: int
) -> None:
    """Clients that connect just before the server stops: an accepted socket not yet handed
    to the web server is closed by the site's stop, so no task outlives the cleanup and no
    client waits for an answer that never comes (found in review: they hung)."""

    async def scenario() -> tuple[int, list[bytes]]:
        runner = web.AppRunner(hello_app(), handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        await GreedySite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        for _ in range(turns):
            await asyncio.sleep(0)
        await runner.cleanup()
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        heard = []
        for client in clients:
            client.settimeout(1)
            try:
                heard.append(client.recv(100))  # b"": closed by the server
            except ConnectionResetError:
                heard.append(b"reset")
            except TimeoutError:
                heard.append(b"no answer, still open")
            finally:
                client.close()
        for task in left:  # so that a broken site fails this test instead of hanging it
            task.cancel()
        await asyncio.wait(left, timeout=5) if left else None
        return len(left), heard

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        left, heard = runner.run(scenario())
    assert left == 0
    assert all(h in (b"", b"reset") for h in heard), heard


def test_a_family_the_system_lacks_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With IPv6 disabled, listening on every interface still works on IPv4, as asyncio's
    create_server does (found in review: the site raised EAFNOSUPPORT)."""
    real = socket.socket

    def no_ipv6(family: int = socket.AF_INET, *args: object, **kwargs: object) -> socket.socket:
        if family == socket.AF_INET6:
            raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
        return real(family, *args, **kwargs)  # type: ignore[arg-type]

    async def scenario() -> list[tuple[str, int]]:
        runner = web.AppRunner(hello_app(), handle_signals=False)
        await runner.setup()
        monkeypatch.setattr(socket, "socket", no_ipv6)
        try:
            await GreedySite(runner, None, 0).start()
        finally:
            monkeypatch.setattr(socket, "socket", real)
        addresses = [a[:2] for a in runner.addresses]
        await runner.cleanup()
        return addresses

    addresses = asyncio.run(scenario())
    assert addresses and all(host == "0.0.0.0" for host, _ in addresses)
