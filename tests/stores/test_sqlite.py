"""The SQLite store (`--state PATH`) in process: close an app, open another on the same file,
and the control API and the gateway show the very same state.

Each test builds the mock with `create_app(Settings(state=...))` behind aiohttp's test
client, works through the use cases over HTTP, closes the app (its cleanup closes the store)
and opens a new app on the same file.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from mock_gateway.app import create_app
from mock_gateway.core.accounts import redact
from mock_gateway.settings import ConfigError, Settings
from tests.conftest import FIBO_SUBMIT, RMBG_SUBMIT, _epoch

KEY = "sk-durable-5e1f0c9a7b3d2e4f6a8b-raw"
OLD = "sk-older-generation-4d2c8e6f0a1b3c5d"
RESULT = "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"
DEAD_HOOK = "https://127.0.0.1:1/hook"  # nothing listens: every attempt fails at once

Client = TestClient[Any, Any]


def settings(path: Path, **overrides: Any) -> Settings:
    return Settings(
        **{"state": str(path), "manual_clock": True, "access_log": False, "seed": 3, **overrides}
    )


@pytest.fixture
def open_mock(aiohttp_client: Any) -> Any:
    async def make(path: Path | None, **overrides: Any) -> Client:
        if path is None:
            app = create_app(Settings(manual_clock=True, access_log=False, **overrides))
        else:
            app = create_app(settings(path, **overrides))
        client: Client = await aiohttp_client(app)
        return client

    return make


async def get(client: Client, path: str, key: str | None = None) -> Any:
    headers = {"Ocp-Apim-Subscription-Key": key} if key else {}
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def send(
    client: Client, method: str, path: str, body: Any = None, key: str | None = None, **h: str
) -> tuple[int, Any]:
    headers = {"Ocp-Apim-Subscription-Key": key, **h} if key else h
    resp = await client.request(method, path, json=body, headers=headers)
    return resp.status, await resp.json()


async def submit(client: Client, path: str, body: Any, key: str = KEY, **headers: str) -> str:
    status, answer = await send(client, "POST", path, body, key, **headers)
    assert status in (200, 202), answer
    return str(answer["request_id"])


async def advance(client: Client, seconds: float) -> None:
    status, body = await send(client, "POST", "/_mock/clock/advance", {"seconds": seconds})
    assert status == 200, body


def data_url(width: int = 29, height: int = 17) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def snapshot(client: Client, keys: dict[str, str]) -> dict[str, Any]:
    """Everything the control API and the gateway show; `keys`: job id -> the key it is of."""
    jobs = await get(client, "/_mock/jobs")
    seen: dict[str, Any] = {
        "health": await get(client, "/_mock/health"),
        "clock": await get(client, "/_mock/clock"),
        "accounts": {k: await get(client, f"/_mock/keys/{k}") for k in (KEY, OLD, "test-key")},
        "jobs": jobs,
        "job": {
            j["request_id"]: await get(client, f"/_mock/jobs/{j['request_id']}")
            for j in jobs["jobs"]
        },
        "scenarios": await get(client, "/_mock/scenarios"),
        "requests": await get(client, "/_mock/requests"),
        "webhooks": await get(client, "/_mock/webhooks"),
        "events": await get(client, "/_mock/events"),
    }
    answers: dict[str, Any] = {}
    for rid, key in keys.items():
        if key == OLD:
            answers[rid] = await send(client, "POST", RESULT, {"request_id": rid}, OLD)
        else:
            answers[rid] = await send(client, "GET", f"/v2/requests/status/{rid}", None, key)
    seen["answers"] = answers
    return seen


async def wait_settled(client: Client, request_id: str) -> None:
    for _ in range(200):
        if (await get(client, f"/_mock/jobs/{request_id}"))["planned_outcome"] is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{request_id}: its input was never decoded")


async def test_close_and_reopen_shows_the_same_accounts_jobs_rules_logs_and_events(
    open_mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "s.db"
    mock = await open_mock(path)
    limit = {"requests": 50, "per_seconds": 2.0}
    status, _ = await send(
        mock,
        "PUT",
        f"/_mock/keys/{KEY}",
        {
            "balance_usd": "5",
            "models": ["bria-fibo-bbq-preview", "bria-rmbg-2-0-682"],
            "rate_limit": limit,
        },
    )
    assert status == 201
    status, _ = await send(
        mock, "PUT", f"/_mock/keys/{OLD}", {"balance_usd": "1", "api_generation": 1}
    )
    assert status == 201
    for rule in (
        {
            "match": {"key": KEY, "model": "bria-fibo-bbq-preview", "on": "submit"},
            "flags": ["timestamps-mixed"],
            "times": 5,
        },
        {"match": {"input_contains": "boom"}, "outcome": "FAILED", "error": "kept failure"},
    ):
        status, _ = await send(mock, "POST", "/_mock/scenarios", rule)
        assert status == 201

    keys: dict[str, str] = {}
    hooked = await submit(mock, FIBO_SUBMIT, {"prompt": "hooked"}, **{"X-Webhook-URL": DEAD_HOOK})
    keys[hooked] = KEY
    plan = await get(mock, f"/_mock/jobs/{hooked}")
    now = (await get(mock, "/_mock/clock"))["epoch"]
    await advance(mock, _epoch(plan["ends_at"]) - now + 0.002)  # first attempt fails: a retry
    keys[await submit(mock, FIBO_SUBMIT, {"prompt": "boom goes the lighthouse"})] = KEY
    keys[await submit(mock, FIBO_SUBMIT, {"prompt": "error"}, **{"X-Mock-Scenario": "error"})] = KEY
    picture = await submit(mock, RMBG_SUBMIT, {"image_url": data_url()})
    keys[picture] = KEY
    keys[await submit(mock, RMBG_SUBMIT, {"image_url": "https://a.test/cat.jpg"}, OLD)] = OLD
    sync = await submit(
        mock,
        FIBO_SUBMIT,
        {"prompt": "sync"},
        "test-key",
        **{"X-Webhook-URL": DEAD_HOOK, "X-Webhook-Mode": "sync"},
    )
    keys[sync] = "test-key"
    await wait_settled(mock, picture)
    assert (await send(mock, "GET", "/v2/requests/status/nope", None, KEY))[0] == 404
    assert (await send(mock, "GET", f"/v2/requests/status/{sync}", None, "wrong"))[0] == 401
    await advance(mock, 1.5)

    before = await snapshot(mock, keys)
    # The state is rich enough to mean something.
    assert len(before["jobs"]["jobs"]) == 6
    assert {e["kind"] for e in before["events"]["events"]} >= {
        "deliver",
        "refund",
        "terminal",
        "progress",
    }
    assert [r["times"] for r in before["scenarios"]["scenarios"]] == [2, None]
    outcomes = {j["request_id"]: j["planned_outcome"] for j in before["jobs"]["jobs"]}
    assert outcomes[picture] == "COMPLETED" and "FAILED" in outcomes.values()
    assert {e["outcome"] for e in before["webhooks"]["deliveries"]} == {"failed"}
    assert before["accounts"][KEY]["rate_limit"] == limit
    await mock.close()

    stored = path.read_bytes()
    wal = Path(f"{path}-wal")
    stored += wal.read_bytes() if wal.exists() else b""
    assert KEY.encode() not in stored and OLD.encode() not in stored

    again = await open_mock(path)
    after = await snapshot(again, keys)
    # The first snapshot's own polls (made after it read the journal) were kept too, numbered
    # on from the last line it saw.
    lines, kept = before.pop("requests")["requests"], after.pop("requests")["requests"]
    seq = lines[-1]["seq"]
    assert kept[: len(lines)] == lines
    assert [(e["seq"], e["request_id"]) for e in kept[len(lines) :]] == [
        (seq + 1 + i, rid) for i, rid in enumerate(keys)
    ]
    assert after == before

    # Numbering goes on where it stopped: journal lines, rules, callbacks and events.
    status, body = await send(again, "GET", "/v2/requests/status/nope", None, KEY)
    assert status == 404 and body["error"] == "Request not found", body
    last = (await get(again, "/_mock/requests"))["requests"][-1]
    assert last["path"] == "/v2/requests/status/nope"
    assert last["seq"] == seq + 2 * len(keys) + 1
    status, rule = await send(again, "POST", "/_mock/scenarios", {"latency_ms": 1, "times": 1})
    assert status == 201 and rule["id"] == "rule-3"
    event_ids = {e["id"] for e in before["events"]["events"]}
    late = await submit(again, FIBO_SUBMIT, {"prompt": "late"}, **{"X-Webhook-URL": DEAD_HOOK})
    events = (await get(again, "/_mock/events"))["events"]
    (new,) = [e for e in events if e["request_id"] == late]
    assert new["kind"] == "terminal" and new["id"] > max(event_ids)
    numbers = {
        int(e["delivery_id"].split("_")[1])
        for e in [*before["webhooks"]["deliveries"], *before["events"]["events"]]
        if e["delivery_id"]
    }
    plan = await get(again, f"/_mock/jobs/{late}")
    now = (await get(again, "/_mock/clock"))["epoch"]
    await advance(again, _epoch(plan["ends_at"]) - now + 0.002)
    (attempt,) = (await get(again, f"/_mock/webhooks?request_id={late}"))["deliveries"]
    assert attempt["outcome"] == "failed" and attempt["status"] == "COMPLETED"
    assert int(attempt["delivery_id"].split("_")[1]) > max(numbers)


async def test_a_reset_empties_the_store_for_good(open_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    configured = {"match": {"on": "status"}, "latency_ms": 1}
    mock = await open_mock(path, scenarios=(configured,))
    status, _ = await send(mock, "PUT", f"/_mock/keys/{KEY}", {"balance_usd": "5"})
    assert status == 201
    assert (
        await send(
            mock, "POST", "/_mock/scenarios", {"match": {"on": "result"}, "http": 503, "times": 1}
        )
    )[0] == 201
    rid = await submit(
        mock, FIBO_SUBMIT, {"prompt": "forgotten"}, "test-key", **{"X-Webhook-URL": DEAD_HOOK}
    )
    await submit(mock, RMBG_SUBMIT, {"image_url": data_url()}, "test-key")
    await advance(mock, 60)  # callbacks tried and failed, retries pending
    assert (await get(mock, "/_mock/webhooks"))["deliveries"]
    assert (await get(mock, "/_mock/events"))["total"] >= 1
    clock = (await get(mock, "/_mock/clock"))["epoch"]
    status, body = await send(mock, "POST", "/_mock/reset")
    assert status == 200 and body["status"] == "reset"
    await mock.close()

    again = await open_mock(path, scenarios=(configured,))
    assert (await get(again, "/_mock/jobs")) == {"jobs": [], "total": 0, "matched": 0}
    assert (await get(again, "/_mock/requests")) == {"requests": []}
    assert (await get(again, "/_mock/webhooks"))["deliveries"] == []
    assert (await get(again, "/_mock/events")) == {"events": [], "total": 0}
    (rule,) = (await get(again, "/_mock/scenarios"))["scenarios"]
    assert rule["id"] == "rule-1" and rule["latency_ms"] == 1 and rule["match"]["on"] == "status"
    assert (await send(again, "GET", f"/_mock/keys/{KEY}"))[0] == 404
    assert (await get(again, "/_mock/keys/test-key"))["balance_usd"] == 100.0
    assert (await get(again, "/_mock/clock"))["epoch"] == clock  # the clock is kept
    status, body = await send(again, "GET", f"/v2/requests/status/{rid}", None, "test-key")
    assert status == 404, body
    await again.close()
    with contextlib.closing(sqlite3.connect(path, timeout=0.1)) as db:  # nothing old is left
        assert db.execute("SELECT COUNT(*) FROM blobs").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)


async def test_a_file_that_is_not_a_state_file_is_refused_clearly(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(ConfigError, match=r"^state .*garbage\.db: not a mock-gateway state file"):
        create_app(settings(garbage))
    assert garbage.read_bytes() == bytes(range(256)) * 64, "left as it was"


async def test_a_state_in_a_folder_that_does_not_exist_is_refused_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "s.db"
    with pytest.raises(ConfigError) as refused:
        create_app(settings(missing))
    assert str(refused.value) == (f"state {missing}: folder {missing.parent} does not exist")
    assert not missing.parent.exists()


async def test_a_file_of_another_schema_version_is_refused(open_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    mock = await open_mock(path)
    await submit(mock, FIBO_SUBMIT, {"prompt": "kept"}, "test-key")
    await mock.close()
    with contextlib.closing(sqlite3.connect(path, timeout=0.1)) as db, db:
        db.execute("UPDATE meta SET value = 2 WHERE name = 'schema_version'")
    with pytest.raises(ConfigError) as refused:
        create_app(settings(path))
    assert str(refused.value) == (
        f"state {path}: written by another version (schema 2, this mock reads 1); use a new file"
    )


async def test_a_state_file_open_in_this_process_is_refused(open_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    mock = await open_mock(path)
    with pytest.raises(ConfigError) as refused:
        create_app(settings(path))
    assert str(refused.value) == (
        f"state {path}: in use by another running mock-gateway (one process per state file)"
    )
    rid = await submit(mock, FIBO_SUBMIT, {"prompt": "still mine"}, "test-key")
    assert (await get(mock, f"/_mock/jobs/{rid}"))["request_id"] == rid


async def test_a_deleted_keys_jobs_keep_its_redacted_label_as_in_memory(
    open_mock: Any, tmp_path: Path
) -> None:
    labels = []
    for path in (None, tmp_path / "s.db"):
        mock = await open_mock(path)
        assert (await send(mock, "PUT", f"/_mock/keys/{KEY}", {"balance_usd": "5"}))[0] == 201
        rid = await submit(mock, FIBO_SUBMIT, {"prompt": "orphan"})
        assert (await send(mock, "DELETE", f"/_mock/keys/{KEY}")) == (200, {"deleted": True})
        labels.append((await get(mock, f"/_mock/jobs/{rid}"))["key"])
    assert labels == [redact(KEY), redact(KEY)]


async def test_journal_numbering_after_a_reset_goes_on_across_a_restart_as_in_memory(
    open_mock: Any, tmp_path: Path
) -> None:
    seqs = []
    for path in (None, tmp_path / "s.db"):
        mock = await open_mock(path)
        for _ in range(3):
            assert (await send(mock, "GET", "/v2/requests/status/x", None, "test-key"))[0] == 404
        assert (await send(mock, "POST", "/_mock/reset"))[1]["status"] == "reset"
        if path is not None:
            await mock.close()
            mock = await open_mock(path)
        assert (await send(mock, "GET", "/v2/requests/status/x", None, "test-key"))[0] == 404
        (line,) = (await get(mock, "/_mock/requests"))["requests"]
        assert line["path"] == "/v2/requests/status/x"
        seqs.append(line["seq"])
    assert seqs == [4, 4]


async def test_the_delivery_log_is_kept_whole_on_state_and_numbered_on_across_restarts(
    open_mock: Any, tmp_path: Path
) -> None:
    """Memory keeps the newest `journal_size` attempts; the file keeps every one, so the
    control API pages through all of them and drops none, before and after a restart."""
    path = tmp_path / "s.db"
    remote = {"X-Webhook-URL": "https://hooks.example.com/cb"}  # blocked: one attempt each
    mock = await open_mock(path, journal_size=5)
    rids = [
        await submit(mock, FIBO_SUBMIT, {"prompt": "p"}, "test-key", **remote) for _ in range(12)
    ]
    await advance(mock, 60)
    for _ in range(1001):  # journal lines: enough to make the store trim its logs
        assert (await send(mock, "GET", "/v2/requests/status/x"))[0] == 401
    await advance(mock, 1)  # a commit

    async def whole(client: Client) -> dict[str, Any]:
        log: dict[str, Any] = await get(client, "/_mock/webhooks")
        assert [e["n"] for e in log["deliveries"]] == list(range(1, len(log["deliveries"]) + 1))
        return log

    before = await whole(mock)
    assert sorted(e["request_id"] for e in before["deliveries"]) == sorted(rids)
    assert before["dropped"] == 0 and before["next"] == 12
    page = await get(mock, "/_mock/webhooks?since=2&limit=3")
    assert [e["n"] for e in page["deliveries"]] == [3, 4, 5] and page["next"] == 5
    second = before["deliveries"][1]["request_id"]
    (one,) = (await get(mock, f"/_mock/webhooks?request_id={second}"))["deliveries"]
    assert one["n"] == 2
    await mock.close()
    with contextlib.closing(sqlite3.connect(path, timeout=0.1)) as db:
        (lines,) = db.execute("SELECT COUNT(*) FROM journal").fetchone()
        assert lines < 1001, "the store did trim its logs (the journal)"

    again = await open_mock(path, journal_size=5)
    assert await whole(again) == before
    late = await submit(again, FIBO_SUBMIT, {"prompt": "p"}, "test-key", **remote)
    await advance(again, 60)
    (entry,) = (await get(again, "/_mock/webhooks?since=12"))["deliveries"]
    assert (entry["n"], entry["request_id"]) == (13, late)
    assert (await send(again, "POST", "/_mock/reset"))[1]["status"] == "reset"
    await again.close()

    third = await open_mock(path, journal_size=5)
    assert await get(third, "/_mock/webhooks") == {"deliveries": [], "dropped": 0, "next": 13}
    after = await submit(third, FIBO_SUBMIT, {"prompt": "p"}, "test-key", **remote)
    await advance(third, 60)
    (entry,) = (await get(third, "/_mock/webhooks"))["deliveries"]
    assert (entry["n"], entry["request_id"]) == (14, after), "a reset does not reuse numbers"
