"""Running a network-level fault on the connection (the kinds are in `core/faults.py`).

A fault is a response object aiohttp "prepares" like any other: instead of the clean answer
it resets, closes, truncates, garbles, dribbles or withholds it, then tells aiohttp the
connection is gone (a ConnectionResetError, which aiohttp treats as a client that left:
no traceback, no second answer). The answer it works on is the one the request would have
had, so a truncated status poll carries the real first half of the real body.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable

from aiohttp import web

from ..core import faults
from ..core.faults import Fault

SLOW_CHUNKS = 20  # a slow answer arrives in this many pieces, evenly spread


class Closed(web.StreamResponse):
    """The answer to a request whose client hung up first: nothing is sent."""

    async def prepare(self, request: web.BaseRequest) -> None:
        raise ConnectionResetError("the client closed the connection first")

    async def write_eof(self, data: bytes = b"") -> None:
        return None


class FaultResponse(web.StreamResponse):
    """`answer`, as `fault` says the connection should carry it."""

    def __init__(
        self,
        fault: Fault,
        answer: web.Response,
        noise: Callable[[int], bytes],
        *,
        stand_in: bool = False,
    ):
        super().__init__(status=answer.status, reason=answer.reason)
        self.fault = fault
        self._answer = answer
        self._noise = noise
        self._stand_in = stand_in  # a 202 naming no job: never let a whole id through

    async def prepare(self, request: web.BaseRequest) -> None:
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client closed the connection first")
        kind = self.fault.kind
        if kind == faults.RESET:
            sock = transport.get_extra_info("socket")
            if sock is not None:  # linger 0: close() sends RST, not FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        elif kind == faults.EMPTY:
            transport.close()
        elif kind == faults.TRUNCATED:
            head, body = _raw(self._answer)
            cut = len(body) // 2
            if self._stand_in:  # cut inside the request id: nothing a client could chase
                value = body.find(b'"request_id": "') + len(b'"request_id": "')
                cut = min(cut, body.find(b"_", value) + 9)  # "<model>_" and 8 of the uuid
            transport.write(head + body[:cut])
            transport.close()
        elif kind == faults.GARBAGE:
            transport.write(self._noise(256))
            transport.close()
        elif kind == faults.SLOW:
            await _dribble(request, b"".join(_raw(self._answer)), self.fault.slow_ms / 1000)
        elif kind == faults.HANG:
            await _hang(request, faults.MAX_HANG_SECONDS)
            if request.transport is not None:
                request.transport.close()
        raise ConnectionResetError(f"fault {self.fault.token}")  # aiohttp: the client is gone

    async def write_eof(self, data: bytes = b"") -> None:
        return None


def _raw(answer: web.Response) -> tuple[bytes, bytes]:
    """The answer as bytes on the wire: (status line and headers, body)."""
    body = answer.body if isinstance(answer.body, bytes) else b""
    lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
    content_type = answer.headers.get("Content-Type") or answer.content_type
    if answer.charset and "charset" not in content_type:
        content_type += f"; charset={answer.charset}"
    lines.append(f"Content-Type: {content_type}")
    for name, value in answer.headers.items():
        if name.lower() not in ("content-type", "content-length", "connection"):
            lines.append(f"{name}: {value}")
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1"), body


async def _dribble(request: web.BaseRequest, data: bytes, seconds: float) -> None:
    """Send `data` in SLOW_CHUNKS pieces over `seconds`, then close."""
    size = max(1, -(-len(data) // SLOW_CHUNKS))
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    gap = seconds / max(1, len(pieces))
    for n, piece in enumerate(pieces):
        transport = request.transport
        if transport is None or transport.is_closing():
            return  # the client gave up
        if n:
            await asyncio.sleep(gap)
        transport.write(piece)
    await asyncio.sleep(gap)
    if request.transport is not None:
        request.transport.close()


async def _hang(request: web.BaseRequest, limit: float) -> None:
    """Wait until the client closes the connection, or `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.05)
