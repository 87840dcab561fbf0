"""`AsyncPixazoClient`: the one implementation; `PixazoClient` is a thin wrapper over it.

Which request ids need what (the rule `status()` and `wait()` follow):

- a `Submission` (what the submit methods return) says everything: pass it when you have it;
- a generation-2 id, `<model id>_<uuid>`, names its model: a plain string is enough;
- a generation-1 id is a bare UUID and does not. This client remembers the ones it submitted
  or found (the last 10,000); any other is looked up on both generation-1 result endpoints,
  RMBG's then FIBO's: the first that knows it answers (an endpoint answering 404, or 403 for
  a model the key may not use, does not), and it is remembered. `model=` (`"rmbg"`,
  `"fibo"`, a `Model` or a model id) asks that model's endpoint only.
- anything else is a typo: `ValidationError` (field `request_id`), before any request.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import random
import re
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from .config import DEFAULT_BASE_URL, poll_policy, redact, resolve_api_key, resolve_base_url
from .errors import (
    ConfigurationError,
    GatewayError,
    JobFailedError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    SubmitOutcomeUnknownError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WaitTimeoutError,
)
from .models import JobStatus, Model, State, Submission, status_from_gen1, status_from_gen2
from .policy import PollPolicy, RetryPolicy
from .transport import Transport
from .validation import check_params, check_webhook

__all__ = ["AsyncPixazoClient", "OnUpdate", "RequestRef"]

KEY_HEADER = "Ocp-Apim-Subscription-Key"
RequestRef = str | Submission
OnUpdate = Callable[[JobStatus], object]  # may return an awaitable, which is awaited
_REMEMBERED = 10_000
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GEN1_ID = re.compile(_UUID)  # a bare UUID, as fal makes them
_GEN2_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]*_{_UUID}")  # "<model id>_<uuid>"
_SHAPES = (
    "expected <model id>_<uuid> (generation 2) or a bare <uuid> (generation 1), "
    "a <uuid> looking like 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
)
# Where an id of unknown model is looked for: the older page's model first.
_GEN1_LOOKUP = (Model.RMBG, Model.FIBO)


class AsyncPixazoClient:
    """Submit jobs, follow them and fetch their pictures, on either API generation.

    `api_key` defaults to `$PIXAZO_API_KEY` (missing: `ConfigurationError` here, at once);
    `base_url` to `$PIXAZO_BASE_URL`, else the live gateway. `timeout` bounds each HTTP
    call (and each read of a download), `connect_timeout` each connection. `retry` and
    `poll` set the waits (`poll` defaults to `$PIXAZO_POLL_INTERVAL` seconds if set, else
    the page's 5-10 s); `sleep`, `clock` and `rng` are for tests.

    On a network fault (reset, closed with no answer, cut short, not HTTP, timed out) reads
    are retried, then `TransportError` says which fault and how many attempts. A submit is
    never retried: sent and unanswered, it raises `SubmitOutcomeUnknownError` (the job may
    exist and be charged; the message says how to look for it); never sent (no connection),
    a plain `TransportError` whose `.sent` is False.
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
        try:
            answer = await self._transport.request(
                "POST",
                self.base_url + model.submit_path,
                json_body=body,
                headers=headers,
                retry=False,
            )
        except TransportError as e:
            raise self._lost_submit(e, model, webhook_url) from e
        try:
            submission = Submission.from_answer(model, answer.json(), answer.status)
        except UnexpectedResponseError as e:
            raise UnexpectedResponseError(
                f"{e.message}. The gateway accepted the submit, so the job may exist and be "
                f"charged. {self._how_to_find()}",
                status_code=e.status_code,
                body=e.body,
                headers=e.headers,
            ) from e
        if submission.generation == 1:
            self._remember(submission.request_id, submission.model)
            if webhook_url is not None:
                warnings.warn(
                    "this key gets generation-1 answers, which send no webhooks: poll instead",
                    stacklevel=3,
                )
        return submission

    def _lost_submit(
        self, e: TransportError, model: Model, webhook_url: str | None
    ) -> TransportError:
        """What a submit's transport failure means for the money (the module's rule: never
        resubmitted). Nothing sent: nothing charged. Sent: the job may exist."""
        if not e.sent:
            return TransportError(
                f"{e.message}: nothing was sent, so nothing was charged (safe to submit again)",
                kind=e.kind,
            )
        hook = (
            f" If it exists, it calls {webhook_url} when it ends (keys answered in generation "
            "2; generation 1 sends no webhooks)."
            if webhook_url
            else ""
        )
        return SubmitOutcomeUnknownError(
            f"{e.message}, after the submit was sent: the job may exist and may have been "
            "charged; the client cannot know, and did not submit again. "
            f"{self._how_to_find()}{hook}",
            kind=e.kind,
            model_id=model.value,
        )

    def _how_to_find(self) -> str:
        """Where a job whose submit answer was lost can be looked for, honestly."""
        live = (
            "the live gateway documents no way to list jobs or to deduplicate a submit, so "
            "check the account's balance or usage for the charge first: a second submit is a "
            "second job, charged again"
        )
        if self.base_url == DEFAULT_BASE_URL:
            return f"Before submitting again: {live}."
        return (
            f"Before submitting again, look for it: on the mock, GET {self.base_url}"
            f"/_mock/requests lists this request, with its request_id if the job was accepted; "
            f"{live}."
        )

    # -- follow ---------------------------------------------------------------------------

    async def status(self, request: RequestRef, *, model: str | Model | None = None) -> JobStatus:
        """The job's state now, the same shape for both generations (see the module's rule
        for generation-1 ids: without `model=`, an id this client does not know is looked up
        on both result endpoints; `NotFoundError` if neither knows it)."""
        request_id, generation, known = self._locate(request, model)
        if generation == 2:
            answer = await self._transport.request(
                "GET",
                f"{self.base_url}/v2/requests/status/{quote(request_id, safe='')}",
                headers=self._headers(),
                retry=True,
            )
            return status_from_gen2(answer.json(), answer.status)
        if known is not None:
            return await self._gen1_status(request_id, known)
        return await self._gen1_lookup(request_id)

    async def _gen1_status(self, request_id: str, model: Model) -> JobStatus:
        answer = await self._transport.request(
            "POST",
            self.base_url + model.result_path,
            json_body={"request_id": request_id},
            headers=self._headers(),
            retry=True,  # a read, whatever its verb: nothing is charged
        )
        return status_from_gen1(answer.json(), model, answer.status)

    async def _gen1_lookup(self, request_id: str) -> JobStatus:
        """A generation-1 id of unknown model: the first result endpoint that knows it."""
        refusal: GatewayError | None = None
        for model in _GEN1_LOOKUP:
            try:
                found = await self._gen1_status(request_id, model)
            except NotFoundError:
                continue
            except (PermissionDeniedError, ModelNotFoundError) as e:
                # This key cannot ask that model's endpoint; the job may still be the other's.
                refusal = refusal or e
                continue
            self._remember(request_id, model)
            return found
        if refusal is not None:
            raise refusal  # what hid the job, if it exists
        raise NotFoundError(
            f"request {request_id} is unknown to both generation-1 result endpoints for this "
            "key (RMBG and FIBO each answered HTTP 404)",
            status_code=404,
        )

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

    def _remember(self, request_id: str, model: Model) -> None:
        key = request_id.lower()  # the gateway reads generation-1 ids in any case
        self._gen1_models[key] = model
        self._gen1_models.move_to_end(key)
        while len(self._gen1_models) > _REMEMBERED:
            self._gen1_models.popitem(last=False)

    def _locate(
        self, request: RequestRef, model: str | Model | None
    ) -> tuple[str, int, Model | None]:
        """(request id, generation, model) for a submission or an id (the module's rule); the
        model is None for a generation-2 id, and for a generation-1 id to look up."""
        if isinstance(request, Submission):
            return request.request_id, request.generation, request.model
        request_id = request.strip() if isinstance(request, str) else ""
        if _GEN2_ID.fullmatch(request_id):
            return request_id, 2, None
        if not _GEN1_ID.fullmatch(request_id):
            raise ValidationError(f"{request!r} is not a request id: {_SHAPES}", field="request_id")
        if model is not None:
            try:
                return request_id, 1, Model.parse(model)
            except ValueError as e:
                raise ValidationError(str(e), field="model") from None
        return request_id, 1, self._gen1_models.get(request_id.lower())
