"""The mock's one API: every use case, whole. No HTTP objects here.

`http/` (the gateway's routes and the control API), `running.py` (and through it the pytest
plugin and the contract suite's control) and the inspector call these methods and nothing
below them: none of them touches the gateway's steps or a store. A gateway call runs the
front door's steps in their order (route, key, rate limit, model access, body, balance),
and every use case that changes state ends with the store's commit, so with `--state` an
answer the client saw is already on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from . import __version__
from .core.accounts import Account, account_id
from .core.errors import (
    EndpointNotFound,
    ForcedError,
    GatewayError,
    InvalidParameters,
    RequestNotFound,
    StoreUnavailable,
)
from .core.faults import MAX_SLOW_MS, Fault
from .core.faults import TOKENS as FAULT_TOKENS
from .core.ids import uuid7
from .core.jobs import Job, Status, iso
from .core.scenarios import FLAGS, NO_EFFECTS, Effects, check_rule, parse_header
from .core.store import SharedStore
from .core.validation import check
from .gateway import Gateway
from .media.outputs import Outputs
from .settings import ConfigError, Settings, key_config
from .views import fal, gen1, gen2, story
from .views.control import job_summary
from .webhooks import callback_headers, check_headers

Body = Callable[[], Awaitable[Any]]  # reads the request's JSON body (or raises a 4xx)


class KeyNotFound(GatewayError):
    status = 404
    error = "Key not found"


class RuleNotFound(GatewayError):
    status = 404
    error = "Scenario rule not found"


class MediaNotFound(GatewayError):
    status = 404
    error = "Media not found"


class ClockKindKept(GatewayError):
    status = 409
    error = "Conflict"


class Faulted(Exception):
    """A submit's fault happens before the job is accepted: nothing is charged, and the
    front door faults a stand-in of the answer (a 202 naming no job) instead."""

    def __init__(self, body: dict[str, Any], status: int) -> None:
        super().__init__("faulted before acceptance")
        self.body, self.status = body, status


class FalInProgress(GatewayError):
    status = 400
    error = "Request is still in progress"


class FalRunFailed(GatewayError):
    """A failed run's result GET; fal answers 422 for a rejected input, 500 for a fault."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.error)
        self.status = 422 if job.outcome is Status.FAILED else 500


@dataclass(slots=True)
class Trace:
    """What a use case learned about its request, for the journal and the access log."""

    key: str | None = None  # redacted label, never the key
    generation: int = 2
    model_id: str | None = None
    request_id: str | None = None
    rules: list[str] = field(default_factory=list)
    fault: Fault | None = None  # what the front door does to the connection
    closed: str | None = None  # "client closed": the client hung up before the answer


@dataclass(slots=True)
class Call:
    """One gateway request as the service sees it: the key it carries, its scenario header,
    the base URL it came in on, and the trace the journal reads afterwards."""

    key: str | None
    scenario: str | None = None
    base_url: str = ""
    trace: Trace = field(default_factory=Trace)


def input_text(subject: Any) -> str | None:
    """What `match.input_contains` of a scenario rule is matched against: the value of the
    model's input field (prompt, image_url), when it is text."""
    return subject if isinstance(subject, str) else None


# generation -> (body of the answer, HTTP status): 202 QUEUED, or the older 200 IN_QUEUE.
SUBMITTED: dict[int, tuple[Callable[[Job, str], dict[str, Any]], int]] = {
    1: (gen1.submitted, 200),
    2: (gen2.submitted, 202),
}


class Service:
    def __init__(self, gateway: Gateway, outputs: Outputs) -> None:
        self.gateway = gateway
        self.settings: Settings = gateway.settings
        self.outputs = outputs
        self.store = gateway.store
        # Several processes, one gateway: the few steps that must be exact across them are
        # the shared store's (None otherwise, and the hot path pays one test for it).
        self.shared: SharedStore | None = (
            cast(SharedStore, self.store) if self.store.shared else None
        )
        # Fire what fell due, so nothing a request reads is stale (the gateway's own method:
        # every request calls it, and a wrapper would be a frame on the hot path).
        self.catch_up: Callable[[], None] = gateway.catch_up
        # Bumped by every control write: with the journal's and the delivery log's numbers
        # and the clock, what the inspector's change feed watches (`changes`).
        self.edits = 0

    # -- the front door's shared steps ------------------------------------------------------

    def admit(self, call: Call) -> Account:
        """Key then rate limit, the first two checks of every gateway call."""
        gateway = self.gateway
        if self.shared is not None:
            self.shared.follow()
        account = gateway.authenticate(call.key)
        call.trace.key = account.label
        call.trace.generation = gateway.generation_of(account)
        gateway.admit(account)
        return account

    async def _scenarios(
        self, call: Call, key: str, model_id: str, subject: Any, on: str
    ) -> Effects:
        """The call's effects (its header first, then the rules matching this endpoint, the
        key, the model and the input); adds latency and raises the forced status if one is
        asked for. Without a header or any rule (the hot path) it matches nothing at all."""
        if not call.scenario and not self.store.rules.rules:
            return NO_EFFECTS
        if self.shared is not None:
            rules = await self.shared.effects(key, model_id, input_text(subject), on)
        else:
            rules = self.gateway.effects(key, model_id, input_text(subject), on)
        if not call.scenario and not rules.rules:
            return rules  # nothing asked, nothing matched
        effects = parse_header(call.scenario) if call.scenario else Effects()
        effects.merge(rules)
        call.trace.rules = effects.rules
        call.trace.fault = effects.fault
        if rules.rules:
            self.store.commit()  # a counted rule was used up
        if effects.latency_ms:
            await asyncio.sleep(effects.latency_ms / 1000)
        if effects.http is not None:
            raise ForcedError(effects.http)
        return effects

    async def _shared_lookup(self, account: Account, request_id: str) -> None:
        """On a shared store: count the request in the key's window, then bring in the job
        as kept now (another process may have accepted it; `settle` waits for its input)."""
        assert self.shared is not None
        await self.shared.admit(account, self.gateway.now())
        await self.shared.fetch(request_id, self.gateway.now(), wait=False)

    async def _on_job(self, call: Call, account: Account, job: Job, on: str) -> Job:
        """Trace the job, apply the scenarios of this endpoint, and settle its input: the
        job to answer about."""
        trace = call.trace
        model_id = trace.model_id = job.model.model_id
        trace.request_id = job.request_id
        await self._scenarios(call, account.key, model_id, job.subject, on)
        return job if job.settled else await self.gateway.settle(job)

    def noise(self, size: int) -> bytes:
        """Bytes for `fault-garbage`, from the seeded generator: the same under --seed."""
        return self.gateway.rng.randbytes(size)

    def record(self, method: str, path: str, status: int | None, trace: Trace) -> None:
        """One gateway request in the journal (the key already redacted in the trace)."""
        self.store.journal.record(
            self.gateway.now(),
            method,
            path,
            status,
            trace.key,
            trace.model_id,
            trace.request_id,
            trace.rules,
            trace.fault.token if trace.fault else trace.closed,
        )

    def answering_generation(self, call: Call) -> int:
        """The generation whose shape an error to this call takes: that of the key as it is
        now, as for a success (a submit acts on the key as it is after a latency scenario);
        the generation seen at admission if the key has gone since; 2, the page's shape, for
        a call never admitted (no key, an unknown one, the mock's own paths)."""
        trace = call.trace
        if trace.key is None:
            return trace.generation
        account = self.store.accounts.get(call.key or "")
        return trace.generation if account is None else self.gateway.generation_of(account)

    # -- gateway use cases ------------------------------------------------------------------

    async def submit(
        self,
        call: Call,
        model_id: str,
        action: str,
        body: Body,
        webhook_url: str | None = None,
        webhook_mode: str | None = None,
    ) -> tuple[dict[str, Any], int]:
        """A submit on either generation: the answer's body and HTTP status."""
        gateway = self.gateway
        known = gateway.models.get(model_id)
        if known is not None and action != f"{known.name}-request":
            raise EndpointNotFound()  # a real model with a made-up endpoint: routing fails first
        account = self.admit(call)
        if self.shared is not None:
            await self.shared.admit(account, gateway.now())
        model = gateway.model_for(account, model_id)
        call.trace.model_id = model.model_id
        params = gateway.validate(model, await body())
        if gateway.generation_of(account) == 2:  # the older API has no webhooks: headers ignored
            webhook_url, webhook_mode = check_headers(webhook_url, webhook_mode)
        else:
            webhook_url, webhook_mode = None, None
        effects = await self._scenarios(
            call, account.key, model.model_id, params.get(model.input_field), "submit"
        )
        if effects.fault is not None and not effects.fault.keeps_the_job:
            # Before acceptance: not charged. The answer faulted is a 202 naming no job.
            stand_in = f"{model.model_id}_{uuid7(gateway.now(), gateway.rng)}"
            raise Faulted(gen2.submitted_as(stand_in, call.base_url), 202)
        # A latency scenario may have slept through a reset: act on the key as it is now.
        account = gateway.authenticate(call.key)
        plan = (account, model, params, effects, call.base_url)
        if self.shared is not None:
            job = await self.shared.submit(
                gateway, *plan, webhook_url=webhook_url, webhook_mode=webhook_mode
            )
        else:
            job = gateway.submit(*plan, webhook_url=webhook_url, webhook_mode=webhook_mode)
        if self.store.durable:  # on disk before the answer; concurrent submits share a commit
            await self.store.committed()
        call.trace.request_id = job.request_id
        render, status = SUBMITTED[job.generation]
        return render(job, call.base_url), status

    async def status(self, call: Call, request_id: str) -> dict[str, Any]:
        """Generation 2's status of the caller's job."""
        account = self.admit(call)
        if self.shared is not None:
            await self._shared_lookup(account, request_id)
        job = self.gateway.job_for(account, request_id, generation=2)
        job = await self._on_job(call, account, job, "status")
        settings = self.settings
        return gen2.status(
            job, self.gateway.now(), settings.media_type, settings.timestamps == "mixed"
        )

    async def result(self, call: Call, model_id: str, action: str, body: Body) -> dict[str, Any]:
        """Generation 1's result endpoint: the job named in the body."""
        gateway = self.gateway
        known = gateway.models.get(model_id)
        if known is not None and action != f"{known.name}-request-result":
            raise EndpointNotFound()
        account = self.admit(call)
        if self.shared is not None:
            await self.shared.admit(account, gateway.now())
        model = gateway.model_for(account, model_id)
        try:
            asked = check("gen1/result_request", await body())
            if self.shared is not None:
                await self.shared.fetch(asked["request_id"].lower(), gateway.now(), wait=False)
            job = gateway.job_for(account, asked["request_id"].lower(), generation=1, model=model)
        except (InvalidParameters, RequestNotFound) as e:
            generation = gateway.generation_of(account)
            about_the_id = isinstance(e, RequestNotFound) or e.field == "request_id"
            if generation != 1 and about_the_id:
                # The likeliest cause: a generation-2 key asking the older page's endpoint.
                e.message = (
                    f"{e.message}. This key uses API generation {generation}: poll "
                    "GET /v2/requests/status/<request_id> (this result endpoint is generation 1's)"
                )
            raise
        job = await self._on_job(call, account, job, "result")
        return gen1.result(job, gateway.now())

    async def _fal_job(self, call: Call, request_id: str) -> Job:
        account = self.admit(call)
        if self.shared is not None:
            await self._shared_lookup(account, request_id)
        job = self.gateway.job_for(account, request_id, generation=1)
        return await self._on_job(call, account, job, "result")

    async def fal_status(self, call: Call, request_id: str) -> dict[str, Any]:
        """The fal-style queue status a generation-1 `response_url` points into."""
        job = await self._fal_job(call, request_id)
        return fal.status(job, self.gateway.now())

    async def fal_result(self, call: Call, request_id: str) -> dict[str, Any]:
        job = await self._fal_job(call, request_id)
        state = job.status_at(self.gateway.now())
        if state in (Status.QUEUED, Status.PROCESSING):
            raise FalInProgress("Request is still in progress")
        if state is not Status.COMPLETED:
            raise FalRunFailed(job)
        png = await self.outputs.png(job)
        return fal.output(job, len(png))

    async def output(self, call: Call, request_id: str) -> bytes:
        """A completed job's output PNG, as the mock's CDN serves it (no key, as on R2).
        Scenario rules `on: cdn` match by the job's key, model and input."""
        if self.shared is not None:
            await self.shared.fetch(request_id, self.gateway.now(), wait=False)
        job = self.store.jobs.get(request_id)
        if job is None:
            raise MediaNotFound()
        await self._scenarios(call, job.key, job.model.model_id, job.subject, "cdn")
        job = await self.gateway.settle(job)
        if job.status_at(self.gateway.now()) is not Status.COMPLETED:
            raise MediaNotFound("the job has no output (yet)")
        return await self.outputs.png(job)

    # -- control: the mock's own verbs ------------------------------------------------------

    def health(self) -> dict[str, Any]:
        gateway = self.gateway
        shared = self.shared.health() if self.shared is not None else None
        try:
            jobs = len(self.store.jobs)
        except StoreUnavailable:  # health answers all the same, and says why
            jobs = 0
        found: dict[str, Any] = {
            "status": "ok" if shared is None or shared["answers"] else "degraded",
            "version": __version__,
            "now": iso(gateway.now()),
            "manual_clock": gateway.clock.manual,
            "api_generation": self.settings.api_generation,
            "jobs": jobs,
            "store": self.store.kind,
        }
        if shared is not None:
            found["shared"] = shared
        return found

    def _edited(self) -> None:
        """A control write is done: keep it, and let the change feed see it."""
        self.edits += 1
        self.store.commit()

    def reset(self) -> dict[str, Any]:
        """Back to the configured keys and rules; no jobs, journal, deliveries or events."""
        self.gateway.reset()
        self.edits += 1
        return {"status": "reset", "now": iso(self.gateway.now())}

    def put_key(
        self, key: str, fields: Any, *, source: str = "body"
    ) -> tuple[dict[str, Any], bool]:
        """Create or update a key (balance_usd, models, rate_limit, api_generation): its view,
        and whether it was created."""
        try:
            config = key_config(key, fields, source=source)
        except ConfigError as e:
            raise InvalidParameters(str(e).removeprefix(f"{source}: ")) from None
        if self.shared is not None:  # change the key as it is now, not as last heard of
            self.shared.refresh()
        created = self.store.accounts.get(key) is None
        account = self.gateway.put_key(config, set(fields))
        self._edited()
        return self._view(account), created

    def _view(self, account: Account) -> dict[str, Any]:
        if self.shared is not None:  # the wallet as all processes have spent it
            account.balance_usd = self.shared.balance(account)
        return account.view(self.settings.api_generation)

    def get_key(self, key: str) -> dict[str, Any]:
        if self.shared is not None:
            self.shared.refresh()
        account = self.store.accounts.get(key)
        if account is None:
            raise KeyNotFound()
        return self._view(account)

    def accounts(self) -> dict[str, Any]:
        """Every key as the inspector lists it: redacted, with an `id` to edit it by, and
        the requests counted in its rate-limit window now (null: no limit, or counted in
        the shared store)."""
        if self.shared is not None:
            self.shared.refresh()
        now = self.gateway.now()
        listed = []
        for account in list(self.store.accounts.values()):
            view = self._view(account)
            view["id"] = account_id(account.key)
            view["window_used"] = account.window.used(now) if account.window else None
            listed.append(view)
        return {"accounts": listed}

    def update_account(self, account_id_: str, fields: Any) -> dict[str, Any]:
        """Change the given fields of the key listed with this `id` (PUT /_mock/keys/{key}'s
        fields, for a page that never holds the key itself)."""
        found = self._account_by_id(account_id_)
        if found is None:
            raise KeyNotFound()
        try:
            config = key_config("-", fields, source="body")
        except ConfigError as e:
            raise InvalidParameters(str(e).removeprefix("body: ")) from None
        account = self.gateway.update_key(found, config, set(fields))
        self._edited()
        view = self._view(account)
        view["id"] = account_id_
        return view

    def _account_by_id(self, wanted: str) -> Account | None:
        """The kept account listed with this `id` (keys are few: a scan)."""
        if self.shared is not None:
            self.shared.refresh()
        return next((a for a in self.store.accounts.values() if account_id(a.key) == wanted), None)

    def delete_key(self, key: str) -> dict[str, Any]:
        if not self.store.accounts.delete(key):
            raise KeyNotFound()
        self._edited()
        return {"deleted": True}

    def clock(self) -> dict[str, Any]:
        now = self.gateway.now()
        return {"now": iso(now), "epoch": now, "manual": self.gateway.clock.manual}

    def set_clock_running(self, running: bool) -> dict[str, Any]:
        """Freeze the simulated clock where it is, or let it run on from there. Only where
        the clock's kind is not kept: a --state file or a shared store keeps the kind the
        mock was started with (--manual-clock)."""
        if self.store.durable:
            raise ClockKindKept(
                "the clock's kind is kept with the state (--state, --store): restart with or "
                "without --manual-clock instead"
            )
        self.gateway.set_running(running)
        self.edits += 1
        return self.clock()

    async def advance(self, body: Any) -> dict[str, Any]:
        """Move simulated time; answers once everything due by then has happened."""
        seconds = float(check("control/clock_advance", body)["seconds"])
        if self.shared is not None:
            await self.shared.advance(self.gateway, seconds)
        else:
            await self.gateway.advance(seconds)
        self.edits += 1
        return self.clock()

    def add_scenario(self, body: Any) -> dict[str, Any]:
        rule = self.store.rules.add(check_rule(body))
        self._edited()
        return rule.view()

    def scenarios(self) -> dict[str, Any]:
        if self.shared is not None:
            self.shared.refresh()
        return {"scenarios": [r.view() for r in self.store.rules.rules]}

    def clear_scenarios(self) -> dict[str, Any]:
        if self.shared is not None:
            self.shared.refresh()
        rules = self.store.rules
        count = len(rules.rules)
        rules.clear()
        self._edited()
        return {"deleted": count}

    def delete_scenario(self, rule_id: str) -> dict[str, Any]:
        if not self.store.rules.remove(rule_id):
            raise RuleNotFound()
        self._edited()
        return {"deleted": 1}

    def vocabulary(self) -> dict[str, Any]:
        """What a scenario rule may say, for forms that must not offer a misspelt word: the
        outcomes, flags, faults (with their parameter), endpoints, models and statuses."""
        return {
            "outcomes": [Status.FAILED.value, Status.ERROR.value],
            "flags": sorted(FLAGS),
            "faults": list(FAULT_TOKENS),
            "max_slow_ms": MAX_SLOW_MS,
            "on": ["submit", "status", "result", "cdn"],
            "models": sorted(self.gateway.models),
            "statuses": list(Status.__members__),
        }

    def changes(self) -> tuple[Any, ...]:
        """A value that differs whenever anything the inspector shows may have changed
        (cheap: a few counters and the clock; the change feed compares it a few times a
        second). A running clock changes it always: statuses move with time."""
        store = self.store
        return (
            self.edits,
            store.journal.next_number,
            store.deliveries.next_n,
            len(store.jobs),
            len(store.events),
            len(self.gateway.fetches()),  # an RMBG input read decides an outcome
            self.gateway.now(),
        )

    def journal(self, since: int = 0, limit: int | None = None) -> dict[str, Any]:
        return {"requests": self.store.journal.entries(since=since, limit=limit)}

    def jobs(
        self,
        model: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        *,
        account: str | None = None,
        generation: int | None = None,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Jobs with their plans, newest first, optionally of one model, status now, key
        (`account`: its id, as /_mock/accounts lists it; labels can be alike) or generation;
        `offset` matching jobs skipped, at most `limit` listed (the control API's page is
        its own default). `matched` counts every job that fits (all of them when nothing is
        asked)."""
        if status is not None and status not in Status.__members__:
            raise InvalidParameters(
                f"status: must be one of {list(Status.__members__)}", field="status"
            )
        if generation is not None and generation not in (1, 2):
            raise InvalidParameters("generation: must be 1 or 2", field="generation")
        now = self.gateway.now()
        label = self.store.accounts.label
        found: list[dict[str, Any]] = []
        total = len(self.store.jobs)
        filtered = bool(model or status or account or generation)
        key = None  # the key as jobs keep it, of the account asked for
        if account:
            owner = self._account_by_id(account)
            if owner is None:  # an unknown id: no job is its
                return {"jobs": [], "total": total, "matched": 0}
            key = owner.key
        matched = 0
        for job in self.store.jobs.newest_first():
            full = limit is not None and len(found) >= limit
            if full and not filtered:
                break  # nothing asked: every job matches, `total` counts them
            if model and job.model.model_id != model:
                continue
            if generation and job.generation != generation:
                continue
            if status and job.status_at(now).value != status:
                continue
            if key and job.key != key:
                continue
            matched += 1
            if matched > offset and not full:
                found.append(job_summary(job, now, label(job.key)))
        return {"jobs": found, "total": total, "matched": matched if filtered else total}

    def job(self, request_id: str) -> dict[str, Any]:
        found = self._kept_job(request_id)
        return job_summary(found, self.gateway.now(), self.store.accounts.label(found.key))

    def _kept_job(self, request_id: str) -> Job:
        # A job whose input this process fetches is the one it keeps (as `fetch` does): a
        # copy read in its place would lose the input the fetch gets.
        if self.shared is not None and not self.gateway.fetching(request_id):
            self.shared.load_job(request_id)
        found = self.store.jobs.get(request_id)
        if found is None:
            raise RequestNotFound(request_id)
        return found

    def job_story(self, request_id: str) -> dict[str, Any]:
        """Everything the mock knows of one job, for the inspector: its plan against the
        clock, every answer about it (journal), every callback attempt (with its body), the
        work still pending, what shaped it, its money, and how to replay the polls and the
        callbacks with curl."""
        job = self._kept_job(request_id)
        now = self.gateway.now()
        journal, times = self.store.journal.of_request(request_id)
        attempts = self.store.deliveries.entries(request_id)
        pending = [e for e in self.store.events.pending() if e.request_id == request_id]
        rules = {r.rule_id: r.view() for r in self.store.rules.rules}
        shaped = story.shaped_by(job, journal)
        shaped["rule_views"] = [rules[r] for r in shaped["rules"] if r in rules]
        status = job.status_at(now)
        key_kept = any(a.key == job.key for a in self.store.accounts.values())
        return {
            "job": job_summary(job, now, self.store.accounts.label(job.key)),
            "now": iso(now),
            "journal": story.seen(job, journal, times),
            "deliveries": attempts,
            "events": [e.view() for e in pending],
            "shaped_by": shaped,
            "money": story.money(job, now, pending, key_kept),
            "input": (job.input.source if job.input is not None else None),
            "output": status is Status.COMPLETED,
            "curl": {
                "status": story.status_curl(job),
                "callbacks": {
                    f"{a['delivery_id']}/{a['attempt']}": story.callback_curl(
                        a, callback_headers(a["delivery_id"], a["attempt"])
                    )
                    for a in attempts
                },
            },
        }

    async def job_picture(self, request_id: str, which: str) -> bytes:
        """A job's input picture (as the mock read it) or its output (once COMPLETED), for
        the inspector: no scenario rule of the CDN is matched or used up by looking."""
        job = await self.gateway.settle(self._kept_job(request_id))
        if which == "input":
            if job.input is None:
                raise MediaNotFound("the job has no input picture (yet)")
            try:
                return await asyncio.to_thread(self.outputs.input_bytes, job.input)
            except KeyError:
                raise MediaNotFound("the job's input picture is no longer kept") from None
        if job.status_at(self.gateway.now()) is not Status.COMPLETED:
            raise MediaNotFound("the job has no output (yet)")
        return await self.outputs.png(job)

    def deliveries(
        self, request_id: str | None = None, since: int = 0, limit: int | None = None
    ) -> dict[str, Any]:
        """Webhook delivery attempts numbered after `since`, oldest first, at most `limit`
        (None: all kept); one job's with `request_id`. With `next` (the `since` of the
        following page) and `dropped` (older attempts no longer kept)."""
        return self.store.deliveries.page(request_id, since, limit)

    def events(self, limit: int | None = None) -> dict[str, Any]:
        """The scheduled work still to happen (refunds, callbacks, retries), soonest first;
        at most `limit` of them (`total` counts all)."""
        pending = self.store.events.pending()
        shown = pending if limit is None else pending[:limit]
        return {"events": [e.view() for e in shown], "total": len(pending)}
