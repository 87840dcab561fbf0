"""`AsyncPixazoClient`: the one implementation; `PixazoClient` is a thin wrapper over it.

Which request ids need what (the rule `status()` and `wait()` follow):

- a `Submission` (what the submit methods return) says everything: pass it when you have it;
- a generation-2 id, `<model id>_<uuid>`, names its model: a plain string is enough;
- a generation-1 id is a bare UUID and does not: this client remembers the ones it submitted
  (the last 10,000); for any other, pass `model=` (`"rmbg"`, `"fibo"`, a `Model` or a model id).
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import random
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from .config import poll_policy, redact, resolve_api_key, resolve_base_url
from .errors import ConfigurationError, JobFailedError, ValidationError, WaitTimeoutError
from .models import JobStatus, Model, State, Submission, status_from_gen1, status_from_gen2
from .policy import PollPolicy, RetryPolicy
from .transport import Transport
from .validation import check_params, check_webhook

__all__ = ["AsyncPixazoClient", "OnUpdate", "RequestRef"]

KEY_HEADER = "Ocp-Apim-Subscription-Key"
RequestRef = str | Submission
OnUpdate = Callable[[JobStatus], object]  # may return an awaitable, which is awaited
_REMEMBERED = 10_000


class AsyncPixazoClient:
    """Submit jobs, follow them and fetch their pictures, on either API generation.

    `api_key` defaults to `$PIXAZO_API_KEY` (missing: `ConfigurationError` here, at once);
    `base_url` to `$PIXAZO_BASE_URL`, else the live gateway. `timeout` bounds each HTTP
    call (and each read of a download), `connect_timeout` each connection. `retry` and
    `poll` set the waits (`poll` defaults to `$PIXAZO_POLL_INTERVAL` seconds if set, else
    the page's 5-10 s); `sleep`, `clock` and `rng` are for tests.
    """

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
        if not (0 < timeout < math.inf and 0 < connect_timeout < math.inf):
            raise ConfigurationError("timeout and connect_timeout must be positive seconds")
        self._api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        self.poll = poll_policy(poll)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._transport = Transport(
            timeout=timeout,
            connect_timeout=connect_timeout,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            rng=self._rng,
        )
        self._gen1_models: OrderedDict[str, Model] = OrderedDict()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={redact(self._api_key)!r})"
        )

    async def __aenter__(self) -> AsyncPixazoClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._transport.close()

    # -- submit ---------------------------------------------------------------------------

    async def remove_background(
        self, image_url: str, *, webhook_url: str | None = None, webhook_mode: str | None = None
    ) -> Submission:
        """Submit a Bria RMBG 2.0 job ($0.018): the submission, with its request id."""
        return await self._submit(Model.RMBG, {"image_url": image_url}, webhook_url, webhook_mode)

    async def text_to_image(
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
        """Submit a Bria FIBO job ($0.04): the submission, with its request id."""
        params = {
            "prompt": prompt,
            "aspect_ratio": aspect_ratio,
            "seed": seed,
            "steps_num": steps_num,
            "guidance_scale": guidance_scale,
        }
        return await self._submit(Model.FIBO, params, webhook_url, webhook_mode)

    async def _submit(
        self,
        model: Model,
        params: dict[str, Any],
        webhook_url: str | None,
        webhook_mode: str | None,
    ) -> Submission:
        body = check_params(model, {k: v for k, v in params.items() if v is not None})
        headers = {**self._headers(), **check_webhook(webhook_url, webhook_mode)}
        answer = await self._transport.request(
            "POST", self.base_url + model.submit_path, json_body=body, headers=headers, retry=False
        )
        submission = Submission.from_answer(model, answer.json(), answer.status)
        if submission.generation == 1:
            self._remember(submission)
            if webhook_url is not None:
                warnings.warn(
                    "this key gets generation-1 answers, which send no webhooks: poll instead",
                    stacklevel=3,
                )
        return submission

    # -- follow ---------------------------------------------------------------------------

    async def status(self, request: RequestRef, *, model: str | Model | None = None) -> JobStatus:
        """The job's state now, the same shape for both generations (see the module's rule
        for which ids need `model=`)."""
        request_id, generation, known = self._locate(request, model)
        if generation == 2:
            answer = await self._transport.request(
                "GET",
                f"{self.base_url}/v2/requests/status/{quote(request_id, safe='')}",
                headers=self._headers(),
                retry=True,
            )
            return status_from_gen2(answer.json(), answer.status)
        assert known is not None
        answer = await self._transport.request(
            "POST",
            self.base_url + known.result_path,
            json_body={"request_id": request_id},
            headers=self._headers(),
            retry=True,  # a read, whatever its verb: nothing is charged
        )
        return status_from_gen1(answer.json(), known, answer.status)

    async def wait(
        self,
        request: RequestRef,
        *,
        timeout: float = 600.0,
        on_update: OnUpdate | None = None,
        model: str | Model | None = None,
    ) -> JobStatus:
        """Poll until the job ends: its COMPLETED status.

        Raises JobFailedError on FAILED or ERROR, WaitTimeoutError after `timeout` seconds,
        and at once any 401, 403 or 404 (polling again would not help). `on_update` is
        called with every status polled (sync or async).
        """
        request_id, _, _ = self._locate(request, model)
        deadline = self._clock() + timeout
        polls = 0
        while True:
            current = await self.status(request, model=model)
            polls += 1
            if on_update is not None:
                returned = on_update(current)
                if inspect.isawaitable(returned):
                    await returned
            if current.status is State.COMPLETED:
                return current
            if current.terminal:
                raise JobFailedError(current)
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise WaitTimeoutError(request_id, timeout, current)
            gap = self.poll.delay(polls, current.estimated_seconds, self._rng)
            await self._sleep(min(gap, remaining))

    # -- fetch ----------------------------------------------------------------------------

    async def download(self, status_or_url: JobStatus | str, path: str | os.PathLike[str]) -> Path:
        """Save a finished job's picture (its first media URL) or any URL at `path`; the
        path. The file appears whole or not at all. The API key is never sent with it."""
        if isinstance(status_or_url, JobStatus):
            if status_or_url.status is not State.COMPLETED or not status_or_url.media_urls:
                raise ValidationError(
                    f"request {status_or_url.request_id} is {status_or_url.status}: "
                    "there is nothing to download",
                    field="status",
                )
            url = status_or_url.media_urls[0]
        else:
            url = status_or_url
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(f"not an http(s) URL: {url[:100]!r}", field="url")
        target = Path(path)
        await self._transport.download(url, target)
        return target

    # -- inside ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {KEY_HEADER: self._api_key, "Cache-Control": "no-cache"}

    def _remember(self, submission: Submission) -> None:
        self._gen1_models[submission.request_id] = submission.model
        self._gen1_models.move_to_end(submission.request_id)
        while len(self._gen1_models) > _REMEMBERED:
            self._gen1_models.popitem(last=False)

    def _locate(
        self, request: RequestRef, model: str | Model | None
    ) -> tuple[str, int, Model | None]:
        """(request id, generation, model) for a submission or an id (the module's rule)."""
        if isinstance(request, Submission):
            return request.request_id, request.generation, request.model
        if not isinstance(request, str) or not request.strip() or "/" in request:
            raise ValidationError(f"not a request id: {request!r}", field="request_id")
        request_id = request.strip()
        if "_" in request_id:  # generation 2: "<model id>_<uuid>"
            return request_id, 2, None
        if model is not None:
            try:
                return request_id, 1, Model.parse(model)
            except ValueError as e:
                raise ValidationError(str(e), field="model") from None
        remembered = self._gen1_models.get(request_id)
        if remembered is None:
            raise ValidationError(
                f"{request_id} is a generation-1 request id, which does not name its model; "
                "pass model='rmbg' or model='fibo', or the Submission",
                field="model",
            )
        return request_id, 1, remembered
