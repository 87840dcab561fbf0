"""Fallback load generator: `python -m bench.pyload SPEC.json`, used only without wrk.

SPEC is {"base_url", "key", "seconds", "connections", "requests": [[method, path, body]],
"flow", "ring", "status_path"}. Each of `connections` workers sends one request at a time
over its own keep-alive connection, cycling through the list; with "flow", every other
request polls one of the last `ring` request ids the submits were given. Prints the same
`BENCH-RESULT` line as the wrk script (latencies in microseconds). One Python process
tops out far below wrk, so the numbers it gives are bounded by this client, not by the
server.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from .client import KEY_HEADER
from .load import RESULT_TAG


async def worker(
    session: aiohttp.ClientSession,
    spec: dict[str, Any],
    start: int,
    deadline: float,
    latencies: list[float],
    errors: list[int],
    ids: collections.deque[str],
) -> None:
    """Send requests until `deadline`; appends latencies (µs), counts [non-2xx, socket] errors."""
    requests, base = spec["requests"], spec["base_url"]
    flow = bool(spec.get("flow"))
    i = start
    turn = 0
    while time.perf_counter() < deadline:
        turn += 1
        if flow and turn % 2 == 0 and ids:
            method, path, body = "GET", spec["status_path"] + random.choice(ids), None
        else:
            method, path, body = requests[i % len(requests)]
            i += 1
        headers = {KEY_HEADER: spec["key"]}
        if body is not None:
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            async with session.request(method, base + path, data=body, headers=headers) as r:
                answer = await r.read()
                if not 200 <= r.status < 300:
                    errors[0] += 1
                elif flow and r.status == 202:
                    ids.append(json.loads(answer)["request_id"])  # the oldest falls out
        except (aiohttp.ClientError, TimeoutError):
            errors[1] += 1
            continue
        latencies.append((time.perf_counter() - began) * 1e6)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile of `values` (nearest rank; 0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def play(spec: dict[str, Any]) -> str:
    """The BENCH-RESULT line for one run of `spec`."""
    latencies: list[float] = []
    errors = [0, 0]
    # The last `ring` request ids the submits were given (flow).
    ids: collections.deque[str] = collections.deque(maxlen=int(spec.get("ring", 1024)))
    connections = int(spec["connections"])
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        deadline = began + float(spec["seconds"])
        step = max(1, len(spec["requests"]) // connections)
        await asyncio.gather(
            *(
                worker(session, spec, n * step, deadline, latencies, errors, ids)
                for n in range(connections)
            )
        )
        elapsed = time.perf_counter() - began
    return (
        f"{RESULT_TAG} {len(latencies)} {elapsed * 1e6:.0f} {errors[0]} {errors[1]} "
        f"{percentile(latencies, 50):.0f} {percentile(latencies, 99):.0f}"
    )


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    print(asyncio.run(play(spec)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
