"""A tiny blocking HTTP/1.1 client (stdlib only) for set-up calls and probes.

Set-up traffic (a key, a pool of request ids, sample bodies) is small, so one keep-alive
connection is plenty, and it keeps the harness free of event loops.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

KEY_HEADER = "Ocp-Apim-Subscription-Key"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive connection to 127.0.0.1:`port`."""

    def __init__(self, port: int, key: str | None = None, timeout: float = 10.0) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self._key = key

    def request(self, method: str, path: str, body: Any = None) -> Answer:
        """The answer to one request; `body` (if any) is sent as JSON."""
        headers = {KEY_HEADER: self._key} if self._key else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self._conn.request(method, path, body=data, headers=headers)
        response = self._conn.getresponse()
        return Answer(response.status, response.read(), response.getheader("Content-Type", ""))

    def expect(self, status: int, method: str, path: str, body: Any = None) -> Answer:
        """Like `request`, but raises RuntimeError unless the answer has `status`."""
        answer = self.request(method, path, body)
        if answer.status != status:
            raise RuntimeError(
                f"{method} {path}: expected HTTP {status}, got {answer.status}: "
                f"{answer.body[:300]!r}"
            )
        return answer

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
