"""Listening: every waiting connection accepted at once, on either event loop.

asyncio's server accepts up to its backlog each time the listening socket is ready. libuv,
under uvloop, accepts one connection per turn of the loop (since libuv 1.45). Under load a
turn answers hundreds of requests, so 256 clients that connect together waited up to a
second for their first answer: the bench measured p99 0.5-1.4 s at 256 connections on
uvloop, 40 ms on asyncio, with the same code. `GreedySite` binds and listens as aiohttp's
`TCPSite` does, but accepts by itself, every connection waiting, and hands each socket to
the loop (`connect_accepted_socket`): both loops then take connections as asyncio does.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import sys
from typing import Any

from aiohttp import web

log = logging.getLogger("mock_gateway.server")

# asyncio's own answer to running out of descriptors: stop accepting for a second.
ACCEPT_RETRY_SECONDS = 1.0
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# Connections the kernel holds until accepted (capped by net.core.somaxconn): a burst of
# clients connecting together must not overflow it, or their SYNs wait a second for a resend.
BACKLOG = 1024
# asyncio's rule: on Windows SO_REUSEADDR would let a second server take a port in use.
_REUSE_ADDRESS = os.name == "posix" and sys.platform != "cygwin"


class Listening:
    """The listening sockets of one site: what aiohttp reads of a server (`sockets`,
    `close`), the accepting done here."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sockets: list[socket.socket]) -> None:
        self._loop = loop
        self.sockets = sockets

    def close(self) -> None:
        for sock in self.sockets:
            if sock.fileno() >= 0:
                self._loop.remove_reader(sock.fileno())
                sock.close()


class GreedySite(web.TCPSite):
    """A TCPSite that accepts every waiting connection each time its socket is ready."""

    __slots__ = ("_adopting",)

    def __init__(
        self, runner: web.BaseRunner, host: str | None, port: int, *, reuse_port: bool = False
    ) -> None:
        super().__init__(runner, host, port, backlog=BACKLOG, reuse_port=reuse_port or None)
        self._adopting: set[asyncio.Task[Any]] = set()  # accepted, not yet the server's

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if not _can_watch_sockets(loop):
            await super().start()  # e.g. Windows' proactor loop: no add_reader; asyncio's own
            return
        self._runner._reg_site(self)  # what BaseSite.start does; TCPSite's would listen
        sockets = await _listen(loop, self._host, self._port, self._backlog, self._reuse_port)
        self._server = Listening(loop, sockets)  # type: ignore[assignment]
        self._bound_port = sockets[0].getsockname()[1]
        for sock in sockets:
            loop.add_reader(sock.fileno(), self._accept, loop, sock)

    async def stop(self) -> None:
        """Listen no more, then let the connections already accepted reach the web server
        (a turn of the loop), whose shutdown, next in the runner's cleanup, closes them:
        none is left open and unanswered (found in review: they hung)."""
        if self._server is not None:
            self._server.close()
        await asyncio.gather(*self._adopting, return_exceptions=True)
        await super().stop()

    def _accept(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        for _ in range(self._backlog):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return  # none left waiting (or one gave up before it was taken)
            except OSError as e:
                if e.errno not in _OUT_OF_RESOURCES:
                    raise
                log.warning("cannot accept connections (%s): trying again in 1 s", e.strerror)
                loop.remove_reader(sock.fileno())
                loop.call_later(ACCEPT_RETRY_SECONDS, self._resume, loop, sock)
                return
            conn.setblocking(False)
            task = loop.create_task(self._adopt(loop, conn))
            self._adopting.add(task)  # held: a task only weakly referenced may vanish
            task.add_done_callback(self._adopting.discard)

    def _resume(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        if sock.fileno() >= 0:  # not closed meanwhile
            loop.add_reader(sock.fileno(), self._accept, loop, sock)

    async def _adopt(self, loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
        server = self._runner.server
        assert server is not None  # set until the sites have stopped, and stop() waits for us
        try:
            await loop.connect_accepted_socket(server, conn)
        except OSError:  # the client went away before its transport was made
            conn.close()


async def _listen(
    loop: asyncio.AbstractEventLoop,
    host: str | None,
    port: int,
    backlog: int,
    reuse_port: bool | None,
) -> list[socket.socket]:
    """Bound, listening, non-blocking sockets for `host` (every address it names, as
    `loop.create_server` does; None or "" for all interfaces)."""
    infos = await loop.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    seen: set[Any] = set()
    try:
        for family, kind, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            try:
                sock = socket.socket(family, kind, proto)
            except OSError:  # e.g. IPv6 disabled: listen on the other families, as asyncio does
                continue
            sockets.append(sock)
            if _REUSE_ADDRESS:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                # Each family on its own socket, as asyncio does (no dual-stack surprises).
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as e:
                raise OSError(
                    e.errno, f"error while attempting to bind on address {address!r}: {e.strerror}"
                ) from None
            sock.listen(backlog)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    if not sockets:
        raise OSError(errno.EADDRNOTAVAIL, f"no address to listen on for {host!r}")
    return sockets


def _can_watch_sockets(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether `loop` has add_reader: selector loops and uvloop; not the proactor loop,
    Windows' default."""
    return sys.platform != "win32" or isinstance(loop, asyncio.SelectorEventLoop)
