"""`PixazoClient`: the async client run on a private event loop, for code without one.

The loop is created on first use and closed by `close()` (or leaving `with`). One loop for
the client's life keeps its connection pool warm; no `asyncio.run` per call. Like any
object owning a loop, an instance belongs to one thread at a time, and it cannot be used
from inside a running event loop: use `AsyncPixazoClient` there.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from .async_client import AsyncPixazoClient, OnUpdate, RequestRef
from .models import JobStatus, Model, Submission
from .policy import PollPolicy, RetryPolicy

__all__ = ["PixazoClient"]

T = TypeVar("T")


class PixazoClient:
    """The blocking client; every method is `AsyncPixazoClient`'s, with the same arguments."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._async = AsyncPixazoClient(
            api_key,
            base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retry=retry,
            poll=poll,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def base_url(self) -> str:
        return self._async.base_url

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncPixazoClient", type(self).__name__, 1)

    def __enter__(self) -> PixazoClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and the private loop; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._loop is None:
            return
        try:
            self._loop.run_until_complete(self._async.close())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()
            self._loop = None

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            work.close()
            raise RuntimeError("PixazoClient blocks: inside async code use AsyncPixazoClient")
        if self._closed:
            work.close()
            raise RuntimeError("this client is closed")
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(work)

    def remove_background(
        self, image_url: str, *, webhook_url: str | None = None, webhook_mode: str | None = None
    ) -> Submission:
        return self._run(
            self._async.remove_background(
                image_url, webhook_url=webhook_url, webhook_mode=webhook_mode
            )
        )

    def text_to_image(
        self,
        prompt: str,
        *,
        aspect_ratio: str | None = None,
        seed: int | None = None,
        steps_num: int | None = None,
        guidance_scale: float | None = None,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
    ) -> Submission:
        return self._run(
            self._async.text_to_image(
                prompt,
                aspect_ratio=aspect_ratio,
                seed=seed,
                steps_num=steps_num,
                guidance_scale=guidance_scale,
                webhook_url=webhook_url,
                webhook_mode=webhook_mode,
            )
        )

    def status(self, request: RequestRef, *, model: str | Model | None = None) -> JobStatus:
        return self._run(self._async.status(request, model=model))

    def wait(
        self,
        request: RequestRef,
        *,
        timeout: float = 600.0,
        on_update: OnUpdate | None = None,
        model: str | Model | None = None,
    ) -> JobStatus:
        return self._run(
            self._async.wait(request, timeout=timeout, on_update=on_update, model=model)
        )

    def download(self, status_or_url: JobStatus | str, path: str | os.PathLike[str]) -> Path:
        return self._run(self._async.download(status_or_url, path))


for _name in ("remove_background", "text_to_image", "status", "wait", "download"):
    getattr(PixazoClient, _name).__doc__ = getattr(AsyncPixazoClient, _name).__doc__
