"""The ceiling: the least work aiohttp can do to answer the mock's routes.

`python -m bench.ceiling --port 0 --bodies FILE` serves

    POST /{model_id}/v1/{action}            -> 202, the model's sample submit body
    GET  /v2/requests/status/{request_id}   -> 200, the model's sample status body

with bytes captured from the real mock beforehand (same size, shape and Content-Type),
on the same aiohttp in one process, on the default asyncio event loop (the issue's peer: the
mock itself runs on uvloop where installed), served with AppRunner + TCPSite and no access
log. What the mock does
beyond this - middleware, keys, validation, job planning, JSON encoding - is what the
ratio mock/ceiling measures.

FILE is JSON: {"content_type": str, "submit": {model_id: body}, "status": {model_id: body}};
the first entry of each map answers unknown models.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from aiohttp import web


def build_app(bodies: dict[str, object]) -> web.Application:
    """The ceiling app answering from the pre-encoded `bodies` (see the module doc)."""
    content_type = str(bodies["content_type"])
    submit = {k: v.encode() for k, v in bodies["submit"].items()}  # type: ignore[attr-defined]
    status = {k: v.encode() for k, v in bodies["status"].items()}  # type: ignore[attr-defined]
    submit_default, status_default = next(iter(submit.values())), next(iter(status.values()))
    headers = {"Content-Type": content_type}

    async def on_submit(request: web.Request) -> web.Response:
        # Any real JSON endpoint must read the body it is sent, so the ceiling does too.
        await request.read()
        body = submit.get(request.match_info["model_id"], submit_default)
        return web.Response(body=body, status=202, headers=headers)

    async def on_status(request: web.Request) -> web.Response:
        # Generation-2 ids are "<model_id>_<uuid>": answer with that model's body size.
        model_id = request.match_info["request_id"].partition("_")[0]
        return web.Response(body=status.get(model_id, status_default), headers=headers)

    app = web.Application()
    app.router.add_post("/{model_id}/v1/{action}", on_submit)
    app.router.add_get("/v2/requests/status/{request_id}", on_status)
    return app


async def serve(app: web.Application, port: int) -> None:
    """Serve until SIGTERM or SIGINT; announce the port on stderr like the mock does."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        host, bound = runner.addresses[0][:2]
        print(f"ceiling listening on http://{host}:{bound}", file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--port", type=int, default=0)
    args.add_argument("--bodies", required=True, type=Path)
    options = args.parse_args()
    asyncio.run(serve(build_app(json.loads(options.bodies.read_text())), options.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
