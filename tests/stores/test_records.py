"""A job as flat text fields and back: everything a reader can see comes back the same."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import redis.asyncio as aioredis
from hypothesis import given
from hypothesis import strategies as st

from mock_gateway.core.catalog import DEFAULT_MODELS, FIBO, RMBG
from mock_gateway.core.jobs import InputImage, Job, Status
from mock_gateway.stores.records import DIGEST, FIELDS, digest, job_fields, job_from_fields
from mock_gateway.stores.redis_atoms import Atomics
from tests.core.test_jobs import fibo_bodies, rmbg_bodies
from tests.redis_server import RedisServer

times = st.floats(0, 4e9, allow_nan=False)
inputs = st.one_of(
    st.none(),
    st.builds(InputImage, st.sampled_from(["bytes", "sample", "stand-in"]), st.text(max_size=20),
              st.integers(1, 9000), st.integers(1, 9000)),
)  # fmt: skip


@st.composite
def jobs(draw: st.DrawFn) -> Job:
    fibo = draw(st.booleans())
    params: dict[str, Any] = dict(draw(fibo_bodies) if fibo else draw(rmbg_bodies))
    created = draw(times)
    started = created + draw(st.floats(0, 1e4))
    image = None if fibo else draw(inputs)
    if image is not None and draw(st.booleans()):  # a stand-in for the job's own URL
        image = InputImage("stand-in", params["image_url"], image.width, image.height)
    return Job(
        request_id=draw(st.text(min_size=1, max_size=40)),
        model=FIBO if fibo else RMBG,
        key=draw(st.sampled_from(["sha256:ab12", "test-key", "ключ"])),
        generation=draw(st.sampled_from([1, 2])),
        params=params,
        created_at=created,
        started_at=started,
        ended_at=started + draw(st.floats(0, 1e4)),
        base_url=draw(st.sampled_from(["http://127.0.0.1:8080", "http://[::1]:9"])),
        forced=draw(st.sampled_from([None, Status.FAILED, Status.ERROR])),
        error=draw(st.one_of(st.none(), st.text(max_size=20))),
        input=image,
        settled=draw(st.booleans()),
        flags=draw(st.frozensets(st.sampled_from(["webhook-drop", "timestamps-mixed"]))),
        webhook_url=draw(st.one_of(st.none(), st.just("https://127.0.0.1:9/hook"))),
        webhook_mode=draw(st.sampled_from([None, "terminal", "sync"])),
    )


def seen(job: Job) -> dict[str, Any]:
    """Everything a reader of the job can see, with types (and a float's sign and bits)."""

    def typed(value: Any) -> Any:
        if isinstance(value, float):
            return ("float", value.hex() if math.isfinite(value) else repr(value))
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [typed(v) for v in value]
        return (type(value).__name__, value)

    names = ["request_id", "key", "generation", "base_url", "forced", "error", "input",
             "settled", "flags", "webhook_url", "webhook_mode", "seed", "subject"]  # fmt: skip
    out = {name: typed(getattr(job, name)) for name in names}
    out["model"] = job.model.model_id
    out["params"] = typed(job.params)
    out["times"] = [t.hex() for t in (job.created_at, job.started_at, job.ended_at)]
    return out


@given(job=jobs())
def test_a_job_comes_back_from_its_fields_as_it_was(job: Job) -> None:
    fields = job_fields(job)
    assert set(fields) == {"job"} and isinstance(fields["job"], str)
    assert len(json.loads(fields["job"])) == len(FIELDS)
    assert seen(job_from_fields(fields, DEFAULT_MODELS)) == seen(job)


@given(job=jobs())
def test_a_redis_hash_as_it_comes_back_reads_the_same(job: Job) -> None:
    # HGETALL answers bytes for names and values, with the store's own fields among them.
    raw = {k.encode(): v.encode() for k, v in job_fields(job).items()}
    raw[b"charged"] = b"40000"
    assert seen(job_from_fields(raw, DEFAULT_MODELS)) == seen(job)


async def test_a_job_written_by_the_accept_script_reads_back_the_same(
    redis_server: RedisServer,
) -> None:
    # The path a shared store takes: fields into the charge script, HGETALL on another process.
    client = aioredis.Redis.from_url(redis_server.url)
    atoms = Atomics(client, "records")
    job = Job(
        request_id="bria-fibo-bbq-preview_0190",
        model=FIBO,
        key="sha256:ab12",
        generation=2,
        params={"prompt": "a lighthouse", "seed": 7, "guidance_scale": 7},
        created_at=1_800_000_000.125,
        started_at=1_800_000_002.5,
        ended_at=1_800_000_011.0000001,
        base_url="http://127.0.0.1:8080",
        webhook_url="https://127.0.0.1:9/hook",
        webhook_mode="terminal",
    )
    try:
        await atoms.set_balance("sha256:ab12", Decimal(1))
        assert (
            await atoms.accept("sha256:ab12", FIBO.price_usd, job.request_id, job_fields(job)) == 1
        )
        raw = await client.hgetall(f"{atoms.ns}:job:{job.request_id}")
        assert seen(job_from_fields(raw, DEFAULT_MODELS)) == seen(job)
    finally:
        await client.aclose()


def test_a_key_that_is_not_valid_unicode_still_has_a_digest() -> None:
    # A header's bytes that are not UTF-8 reach the gateway as lone surrogates
    # (surrogateescape); hashing them must not fail, nor make two keys one.
    odd = "key-\udcff"
    assert digest(odd).startswith(DIGEST) and len(digest(odd)) == len(digest("key"))
    assert digest(odd) != digest("key-") != digest("key-\udcfe")
