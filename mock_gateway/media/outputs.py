"""Job outputs, the mock's own "CDN": rendered lazily at first download, then cached.

Pure functions of their inputs, so equal inputs share one cached file and a cache entry
can be dropped and rebuilt at any time (the cache is bounded by bytes, and emptied with the
inputs on a reset: `Inputs.forget` calls `clear`). How a job's output is
made depends on its model's kind only: `RENDERERS` has one recipe per `Kind`, so a new model
of a new kind is a catalog entry plus a renderer here.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ..core.catalog import Kind
from ..core.jobs import InputImage, Job
from .inputs import Inputs

# A cache key (equal for equal outputs) and the work that makes the PNG.
Recipe = tuple[Hashable, Callable[[], bytes]]
Renderer = Callable[[Inputs, Job], Recipe]


def _fibo(inputs: Inputs, job: Job) -> Recipe:
    p = job.params
    key = ("fibo", p["prompt"], p["seed"], p["aspect_ratio"], p["steps_num"])

    def render() -> bytes:
        from . import pictures  # on the first picture, not at start-up (media/samples.py)

        return pictures.render_fibo(
            p["prompt"], seed=p["seed"], aspect_ratio=p["aspect_ratio"], steps_num=p["steps_num"]
        )

    return key, render


def _rmbg(inputs: Inputs, job: Job) -> Recipe:
    image = job.input
    assert image is not None, "a completed RMBG job always has its input"

    def render() -> bytes:
        from . import pictures  # on the first picture, not at start-up (media/samples.py)

        return pictures.cut_out(inputs.encoded(image))

    return ("rmbg", image.source, image.ref), render


RENDERERS: dict[Kind, Renderer] = {Kind.FIBO: _fibo, Kind.RMBG: _rmbg}


class Outputs:
    def __init__(self, inputs: Inputs, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._inputs = inputs
        self._max_bytes = max_bytes
        self._cache: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._rendering: dict[Hashable, asyncio.Future[bytes]] = {}
        self._generation = 0  # bumped by clear(): a render begun before it is not kept
        inputs.on_forget(self.clear)

    @property
    def size_bytes(self) -> int:
        """Bytes of PNG held in the cache."""
        return self._size

    def clear(self) -> bool:
        """Drop every cached output (a reset); renders under way finish but are not kept.
        Whether there was anything to drop."""
        had = bool(self._cache)
        self._cache.clear()
        self._size = 0
        self._generation += 1
        return had

    async def png(self, job: Job) -> bytes:
        """The output PNG of a completed job."""
        key, render = self._recipe(job)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pending = self._rendering.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        generation = self._generation
        try:
            data = await asyncio.to_thread(render)  # Pillow work off the event loop
            if generation == self._generation:
                self._keep(key, data)
            future.set_result(data)
            return data
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # mark retrieved: waiters (if any) re-raise it
            raise
        finally:
            if self._rendering.get(key) is future:
                del self._rendering[key]

    def input_bytes(self, image: InputImage) -> bytes:
        """A job's input picture as read (the inspector's thumbnail); KeyError if gone."""
        return self._inputs.encoded(image)

    def _recipe(self, job: Job) -> Recipe:
        return RENDERERS[job.model.kind](self._inputs, job)

    def _keep(self, key: Hashable, data: bytes) -> None:
        self._cache[key] = data
        self._size += len(data)
        while self._size > self._max_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._size -= len(dropped)
