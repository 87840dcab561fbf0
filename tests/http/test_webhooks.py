"""Webhooks against a real HTTPS receiver (trustme CA), on the manual clock."""

from __future__ import annotations

import asyncio
import itertools
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestServer

from mock_gateway.app import webhook_tls
from mock_gateway.settings import ConfigError, Settings
from tests.conftest import FIBO_SUBMIT, RMBG_SUBMIT, Gw, _epoch


class Receiver:
    """A webhook endpoint that records what arrives and fails or stalls when told to."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_first = 0
        self.answer = 200
        self.stall = 0.0
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        if self.stall:
            await asyncio.sleep(self.stall)
        self.bodies.append(await request.json())
        self.headers.append(dict(request.headers))
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        return web.Response(status=self.answer, headers={"Location": "https://127.0.0.1/"})

    @property
    def statuses(self) -> list[str]:
        return [b["status"] for b in self.bodies]


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def receiver(ca: trustme.CA, aiohttp_server: Any) -> tuple[Receiver, str]:
    hook = Receiver()
    server: TestServer = await aiohttp_server(hook.app, ssl=server_context(ca))
    return hook, str(server.make_url("/hook"))


@pytest.fixture
async def hooked(make_client: Any, ca: trustme.CA, tmp_path: Path) -> Gw:
    """A mock that trusts the receiver's CA, with short timeouts and few attempts."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client = await make_client(
        webhook_ca=str(ca_file), webhook_timeout_seconds=0.5, webhook_max_attempts=4
    )
    return Gw(client)


async def submit(
    gw: Gw, url: str, mode: str | None = None, scenario: str | None = None, path: str = FIBO_SUBMIT
) -> str:
    headers = {"X-Webhook-URL": url}
    if mode:
        headers["X-Webhook-Mode"] = mode
    if scenario:
        headers["X-Mock-Scenario"] = scenario
    body = (
        {"prompt": "a lighthouse"} if path == FIBO_SUBMIT else {"image_url": "https://a.test/x.png"}
    )
    status, answer = await gw.submit(path, body, headers=headers)
    assert status == 202, answer
    return str(answer["request_id"])


async def deliveries(gw: Gw, request_id: str) -> list[dict[str, Any]]:
    resp = await gw.client.get(f"/_mock/webhooks?request_id={request_id}")
    return list((await resp.json())["deliveries"])


async def to_end(gw: Gw, request_id: str, extra: float = 0.001) -> None:
    plan = await gw.job(request_id)
    now = (await (await gw.client.get("/_mock/clock")).json())["epoch"]
    await gw.advance(max(0.0, _epoch(plan["ends_at"]) - now + extra))


async def test_terminal_mode_delivers_once_the_status_body_of_that_moment(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    rid = await submit(hooked, url)
    await to_end(hooked, rid, extra=-0.01)
    assert hook.bodies == [], "no callback before the end in terminal mode"
    await to_end(hooked, rid, extra=0.002)
    assert hook.statuses == ["COMPLETED"]
    assert hook.bodies[0] == await hooked.status(rid), "the callback equals the status endpoint"
    headers = hook.headers[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Webhook-Attempt"] == "1" and headers["X-Webhook-Delivery-Id"]
    await hooked.advance(3600)
    assert len(hook.bodies) == 1, "exactly one delivery"
    log = await deliveries(hooked, rid)
    assert [(e["attempt"], e["outcome"], e["http_status"]) for e in log] == [(1, "delivered", 200)]
    assert log[0]["url"] == url and log[0]["mode"] == "terminal" and log[0]["status"] == "COMPLETED"


async def test_terminal_mode_delivers_failed_and_error_endings(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    failed = await submit(hooked, url, scenario="fail", path=RMBG_SUBMIT)
    errored = await submit(hooked, url, scenario="error")
    await hooked.advance(60)
    by_id = {b["request_id"]: b for b in hook.bodies}
    assert by_id[failed]["status"] == "FAILED" and by_id[failed]["output"] is None
    assert by_id[errored]["status"] == "ERROR" and by_id[errored]["error"]


async def test_sync_mode_delivers_each_poll_cycle_then_the_terminal_status(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    rid = await submit(hooked, url, mode="sync")
    await hooked.advance(0)
    assert hook.statuses == ["QUEUED"], "the first cycle comes right after the submit"
    await hooked.advance(60)
    statuses = hook.statuses
    assert statuses[-1] == "COMPLETED" and statuses.count("COMPLETED") == 1
    assert "PROCESSING" in statuses
    order = ["QUEUED", "PROCESSING", "COMPLETED"]
    assert statuses == sorted(statuses, key=order.index)
    times = [_epoch(e["sim_time"]) for e in await deliveries(hooked, rid)]
    assert all(0 < b - a <= 15 for a, b in itertools.pairwise(times))
    assert len({h["X-Webhook-Delivery-Id"] for h in hook.headers}) == len(hook.headers)


async def test_a_receiver_that_fails_twice_gets_the_callback_on_the_third_attempt(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.fail_first = 2
    rid = await submit(hooked, url)
    await to_end(hooked, rid)
    assert len(hook.bodies) == 1, "the retry waits for simulated time"
    await hooked.advance(4.9)
    assert len(hook.bodies) == 1
    await hooked.advance(0.2)
    assert len(hook.bodies) == 2
    await hooked.advance(15)
    assert [h["X-Webhook-Attempt"] for h in hook.headers] == ["1", "2", "3"]
    assert len({h["X-Webhook-Delivery-Id"] for h in hook.headers}) == 1, (
        "one callback, three attempts"
    )
    assert all(b == hook.bodies[0] for b in hook.bodies)
    log = await deliveries(hooked, rid)
    assert [(e["attempt"], e["outcome"], e["http_status"]) for e in log] == [
        (1, "failed", 500),
        (2, "failed", 500),
        (3, "delivered", 200),
    ]
    gaps = [_epoch(b["sim_time"]) - _epoch(a["sim_time"]) for a, b in itertools.pairwise(log)]
    assert gaps == pytest.approx([5, 15], abs=0.002)


async def test_non_2xx_including_redirects_is_retried_until_the_mock_gives_up(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.answer = 302
    rid = await submit(hooked, url)
    await hooked.advance(3600)
    assert len(hook.bodies) == 4, "webhook_max_attempts = 4"
    log = await deliveries(hooked, rid)
    assert [e["outcome"] for e in log] == ["failed"] * 4 + ["gave_up"]
    assert log[0]["error"] == "answered HTTP 302"


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.stall = 0.8  # the mock waits 0.5 s of wall time
    rid = await submit(hooked, url)
    await to_end(hooked, rid)
    log = await deliveries(hooked, rid)
    assert log[0]["outcome"] == "failed" and "no answer within 0.5 s" in log[0]["error"]
    hook.stall = 0
    await hooked.advance(5.1)
    assert (await deliveries(hooked, rid))[-1]["outcome"] == "delivered"


async def test_webhook_duplicate_delivers_the_same_callback_twice_and_only_when_asked(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    plain = await submit(hooked, url)
    doubled = await submit(hooked, url, scenario="webhook-duplicate")
    await hooked.advance(60)
    ids = [b["request_id"] for b in hook.bodies]
    assert ids.count(plain) == 1 and ids.count(doubled) == 2
    pair = [
        (b, h) for b, h in zip(hook.bodies, hook.headers, strict=True) if b["request_id"] == doubled
    ]
    assert pair[0][0] == pair[1][0]
    assert pair[0][1]["X-Webhook-Delivery-Id"] == pair[1][1]["X-Webhook-Delivery-Id"]
    assert [e["duplicate"] for e in await deliveries(hooked, doubled)] == [False, True]


async def test_webhook_delay_sends_the_terminal_callback_well_after_the_status_shows_it(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    rid = await submit(hooked, url, scenario="webhook-delay")
    await to_end(hooked, rid, extra=0.01)
    assert (await hooked.status(rid))["status"] == "COMPLETED"
    await hooked.advance(19)
    assert hook.bodies == [], "still late 19 s after the end"
    await hooked.advance(25)
    assert hook.statuses == ["COMPLETED"]


async def test_webhook_out_of_order_sends_an_older_status_after_the_terminal_one(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    await submit(hooked, url, mode="sync")
    rid = await submit(hooked, url, mode="sync", scenario="webhook-out-of-order")
    await hooked.advance(60)
    mine = [b["status"] for b in hook.bodies if b["request_id"] == rid]
    others = [b["status"] for b in hook.bodies if b["request_id"] != rid]
    assert others[-1] == "COMPLETED", "in order when not asked"
    assert mine[-2] == "COMPLETED" and mine[-1] in ("QUEUED", "PROCESSING")


async def test_webhook_drop_loses_the_first_attempt_and_the_retry_delivers(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    rid = await submit(hooked, url, scenario="webhook-drop")
    await to_end(hooked, rid)
    assert hook.bodies == []
    await hooked.advance(5.1)
    assert hook.statuses == ["COMPLETED"] and hook.headers[0]["X-Webhook-Attempt"] == "2"
    assert [e["outcome"] for e in await deliveries(hooked, rid)] == ["dropped", "delivered"]


async def test_an_untrusted_certificate_is_never_delivered_to(
    hooked: Gw, aiohttp_server: Any
) -> None:
    stranger = Receiver()
    server = await aiohttp_server(stranger.app, ssl=server_context(trustme.CA()))
    rid = await submit(hooked, str(server.make_url("/hook")))
    await hooked.advance(3600)
    assert stranger.bodies == []
    log = await deliveries(hooked, rid)
    assert [e["outcome"] for e in log] == ["failed"] * 4 + ["gave_up"]
    assert all(e["error"].startswith("TLS") for e in log[:4])


async def test_a_remote_webhook_is_logged_as_blocked_and_never_sent(hooked: Gw) -> None:
    rid = await submit(hooked, "https://hooks.example.com/callback")
    await hooked.advance(60)
    log = await deliveries(hooked, rid)
    assert [e["outcome"] for e in log] == ["blocked"]
    assert "outbound policy" in log[0]["error"]


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"X-Webhook-URL": "http://127.0.0.1/hook"}, "X-Webhook-URL"),
        ({"X-Webhook-URL": "/hook"}, "X-Webhook-URL"),
        ({"X-Webhook-URL": "https://"}, "X-Webhook-URL"),
        ({"X-Webhook-URL": "ftp://127.0.0.1/hook"}, "X-Webhook-URL"),
        ({"X-Webhook-URL": "https://127.0.0.1/hook", "X-Webhook-Mode": "always"}, "X-Webhook-Mode"),
    ],
)
async def test_bad_webhook_headers_are_400_and_cost_nothing(
    gw: Gw, headers: dict[str, str], field: str
) -> None:
    before = await gw.balance()
    status, body = await gw.submit(FIBO_SUBMIT, {"prompt": "x"}, headers=headers)
    assert status == 400 and body["field"] == field and field in body["message"]
    assert await gw.balance() == before


async def test_edge_cases_are_reproducible_under_the_seed(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver

    async def run() -> list[tuple[float, str, str]]:
        """(seconds after the submit, status sent, outcome) of every attempt."""
        rid = await submit(hooked, url, mode="sync", scenario="webhook-delay,webhook-drop")
        created = _epoch((await hooked.job(rid))["created_at"])
        await hooked.advance(120)
        return [
            (round(_epoch(e["sim_time"]) - created, 3), e["status"], e["outcome"])
            for e in await deliveries(hooked, rid)
        ]

    first = await run()
    await hooked.client.post("/_mock/reset")  # reseeds the one generator
    assert await run() == first
    assert ("dropped" in {o for _, _, o in first}) and first[-1][1:] == ("COMPLETED", "delivered")


async def test_generation_1_keys_ignore_webhook_headers(
    hooked: Gw, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    await hooked.put_key("old", balance_usd=1, api_generation=1)
    resp = await hooked.client.post(
        RMBG_SUBMIT,
        json={"image_url": "https://a.test/x.png"},
        headers={"Ocp-Apim-Subscription-Key": "old", "X-Webhook-URL": url},
    )
    assert resp.status == 200
    await hooked.advance(60)
    assert hook.bodies == []


# -- what reaches the console ----------------------------------------------------------------


def console(caplog: pytest.LogCaptureFixture, request_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "mock_gateway.webhooks" and request_id in r.getMessage()
    ]


async def test_every_failed_and_given_up_attempt_prints_one_line_naming_receiver_and_cause(
    hooked: Gw, receiver: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    hook, url = receiver
    hook.answer = 503
    rid = await submit(hooked, url + "?token=s3cret")
    await hooked.advance(3600)
    lines = console(caplog, rid)
    receiver_url = url.split("?")[0]
    assert lines == [
        *(
            f"webhook COMPLETED for {rid} failed (attempt {n}) to {receiver_url}: answered HTTP 503"
            for n in (1, 2, 3, 4)
        ),
        f"webhook COMPLETED for {rid} given up (attempt 4) to {receiver_url}: "
        "no success in 4 attempts; no more retries",
    ]
    assert not any("s3cret" in line for line in lines), "a query string may hold a token"


async def test_an_untrusted_certificate_line_says_how_to_trust_the_receiver(
    hooked: Gw, aiohttp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = await aiohttp_server(Receiver().app, ssl=server_context(trustme.CA()))
    rid = await submit(hooked, str(server.make_url("/hook")))
    await hooked.advance(3600)
    lines = console(caplog, rid)
    assert len(lines) == 5 and "given up (attempt 4)" in lines[4]
    for line in lines[:4]:
        assert "failed" in line and "TLS: certificate not trusted" in line
        assert line.endswith("start the mock with --webhook-ca <the CA file the receiver printed>")


async def test_a_blocked_delivery_prints_one_line(
    hooked: Gw, caplog: pytest.LogCaptureFixture
) -> None:
    rid = await submit(hooked, "https://hooks.example.com/callback")
    await hooked.advance(60)
    assert console(caplog, rid) == [
        f"webhook COMPLETED for {rid} blocked (attempt 1) to https://hooks.example.com/callback: "
        "not sent: outbound policy allows only loopback (--allow-remote-webhooks lifts it)"
    ]


async def test_a_delivered_callback_prints_nothing(
    hooked: Gw, receiver: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    rid = await submit(hooked, receiver[1])
    await hooked.advance(3600)
    assert receiver[0].statuses == ["COMPLETED"]
    assert console(caplog, rid) == []


# -- the delivery log: numbered, paged, its bound visible -------------------------------------


async def log_page(gw: Gw, query: str = "") -> dict[str, Any]:
    resp = await gw.client.get(f"/_mock/webhooks{query}")
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_the_log_numbers_attempts_pages_them_and_says_how_many_it_dropped(
    make_client: Any,
) -> None:
    gw = Gw(await make_client(journal_size=3))
    rids = [await submit(gw, "https://hooks.example.com/callback") for _ in range(5)]
    await gw.advance(60)  # five callbacks, each one attempt, logged as blocked
    whole = await log_page(gw)
    assert [e["n"] for e in whole["deliveries"]] == [3, 4, 5], "the newest 3 are kept"
    assert whole["dropped"] == 2 and whole["next"] == 5
    kept = [e["request_id"] for e in whole["deliveries"]]
    assert len(set(kept)) == 3 and set(kept) <= set(rids)

    first = await log_page(gw, "?since=0&limit=2")
    assert [e["n"] for e in first["deliveries"]] == [3, 4], "oldest first, at most limit"
    assert first["next"] == 4 and first["dropped"] == 2
    rest = await log_page(gw, f"?since={first['next']}&limit=2")
    assert [e["n"] for e in rest["deliveries"]] == [5] and rest["next"] == 5
    assert (await log_page(gw, "?since=5"))["deliveries"] == []
    assert (await log_page(gw, "?since=5"))["next"] == 5, "a poller keeps its place"
    mine = await log_page(gw, f"?request_id={kept[1]}")
    assert [e["n"] for e in mine["deliveries"]] == [4] and mine["next"] == 5
    gone = (set(rids) - set(kept)).pop()
    assert (await log_page(gw, f"?request_id={gone}"))["deliveries"] == []
    assert (await log_page(gw, f"?request_id={kept[2]}&since=3&limit=1"))["next"] == 5

    for bad in ("?since=-1", "?limit=x"):
        resp = await gw.client.get(f"/_mock/webhooks{bad}")
        assert resp.status == 400, bad

    await gw.client.post("/_mock/reset")  # numbers go on: a poller's `since` stays good
    assert await log_page(gw) == {"deliveries": [], "dropped": 0, "next": 5}
    rid = await submit(gw, "https://hooks.example.com/callback")
    await gw.advance(60)
    after = await log_page(gw, "?since=5")
    assert [(e["n"], e["request_id"]) for e in after["deliveries"]] == [(6, rid)]
    assert after["dropped"] == 0


async def test_an_unbounded_log_keeps_every_attempt_and_drops_none(make_client: Any) -> None:
    gw = Gw(await make_client(journal_size=0))  # 0: no bound
    for _ in range(4):
        await submit(gw, "https://hooks.example.com/callback")
    await gw.advance(60)
    whole = await log_page(gw)
    assert [e["n"] for e in whole["deliveries"]] == [1, 2, 3, 4] and whole["dropped"] == 0


def test_the_webhook_tls_context_is_the_system_store_shared_or_one_with_the_extra_ca(
    ca: trustme.CA, tmp_path: Path
) -> None:
    """Catches: without --webhook-ca, a context that is not the one shared per process (the
    system store loaded again for every gateway) or one that never finishes loading; with
    it, the CA not loaded, the shared context changed to trust it (every later gateway
    would), or an unreadable file not refused with its path (at once, not at the first
    delivery)."""
    loading = webhook_tls(Settings())
    assert webhook_tls(Settings()) is loading
    plain = loading.result(timeout=30)
    assert plain.get_ca_certs() == ssl.create_default_context().get_ca_certs()
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    made = webhook_tls(Settings(webhook_ca=str(pem)))
    assert made.done(), "made at once: a bad file is refused at the start"
    trusting = made.result()
    assert trusting is not plain
    assert len(trusting.get_ca_certs()) == len(plain.get_ca_certs()) + 1
    missing = tmp_path / "nope.pem"
    with pytest.raises(ConfigError, match=f"^webhook_ca {missing}: cannot load: "):
        webhook_tls(Settings(webhook_ca=str(missing)))
