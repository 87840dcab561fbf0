"""The client against the mock's network faults (`fault-*` scenario rules): reads ride them out
or give up with a typed error saying which fault and how many attempts; a submit is never
sent twice, and a lost submit answer says the job may exist.

Every fault comes from a rule (`match.on`: submit, status, result or cdn) on a mock in a
thread. Backoff goes through `sim.sleep` (no real waiting); a hang costs the client's
`timeout` (0.5 s here) per attempt.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mock_gateway.running import RunningGateway
from pixazo_client import (
    AsyncPixazoClient,
    JobStatus,
    PixazoClient,
    RetryPolicy,
    State,
    SubmitOutcomeUnknownError,
    TransportError,
)
from pixazo_client import cli as pixazo_cli

from .conftest import CAT, FIBO_SUBMIT, KEY, PNG_MAGIC, RMBG_RESULT, RMBG_SUBMIT, SimTime
from .test_pixazo_cli import LONG_KEY, env_for, pixazo

# the client's per-call timeout here: what a hang costs per attempt. Longer under mutmut, whose
# statistics run traces every call and slows a clean submit on a busy machine past 0.5 s
TIMEOUT = 2.0 if "MUTANT_UNDER_TEST" in os.environ else 0.5
# token -> (the error's kind, what its message says)
FAULTS: dict[str, tuple[str, str]] = {
    "fault-reset": ("reset", "the connection was reset"),
    "fault-empty": ("closed", "the connection closed with no answer"),
    "fault-truncated": ("truncated", "the answer was cut short"),
    "fault-garbage": ("garbage", "the answer is not HTTP"),
    "fault-hang": ("timeout", f"no answer within {TIMEOUT:g} s"),
}
TOKENS = list(FAULTS)
READS = ["status", "result", "cdn"]


@pytest.fixture
def client(make_sync: Callable[..., PixazoClient]) -> PixazoClient:
    """A client retrying 3 times (0.5 s, then 1 s, on the simulated clock)."""
    return make_sync(timeout=TIMEOUT)


def uses_left(gw: RunningGateway, rule: dict[str, Any]) -> int:
    """How many more requests the rule will fault (it counts the CDN's, which the journal
    does not list)."""
    request = urllib.request.Request(f"{gw.url}/_mock/scenarios", headers=gw.admin_headers)
    with urllib.request.urlopen(request, timeout=5) as answer:
        rules = json.load(answer)["scenarios"]
    (found,) = [r for r in rules if r["id"] == rule["id"]]
    return int(found["times"])


def calls(gw: RunningGateway, method: str, path: str) -> int:
    return sum(1 for e in gw.requests if (e["method"], e["path"]) == (method, path))


def balance(gw: RunningGateway) -> float:
    return float(gw.key(KEY)["balance_usd"])


class Read:
    """One read of a finished job, on the endpoint a rule's `on` names."""

    def __init__(self, gw: RunningGateway, client: PixazoClient, on: str, tmp_path: Path):
        self.gw, self.client, self.on, self.out = gw, client, on, tmp_path / "out.png"
        if on == "result":
            gw.put_key(KEY, api_generation=1)  # generation 1: status is POST ...-result
            self.job = client.remove_background(CAT)
        else:
            self.job = client.text_to_image("a lighthouse")
        gw.advance(60)
        self.done = client.status(self.job)
        assert self.done.status is State.COMPLETED

    def __call__(self) -> JobStatus | Path:
        if self.on == "cdn":
            return self.client.download(self.done, self.out)
        return self.client.status(self.job)

    def sent(self) -> int | None:
        """Requests this read has sent on the wire since the setup (None for the CDN, which
        the journal does not list: there the rule's uses left tell)."""
        if self.on == "cdn":
            return None
        if self.on == "result":
            return calls(self.gw, "POST", RMBG_RESULT) - 1  # the setup's own status call
        return calls(self.gw, "GET", f"/v2/requests/status/{self.job.request_id}") - 1

    def check_success(self, got: JobStatus | Path) -> None:
        if self.on == "cdn":
            assert got == self.out and self.out.read_bytes().startswith(PNG_MAGIC)
        else:
            assert isinstance(got, JobStatus) and got.status is State.COMPLETED


# -- reads: status, generation-1 result, download -----------------------------------------


@pytest.mark.parametrize("on", READS)
@pytest.mark.parametrize("token", TOKENS)
def test_a_read_retries_through_two_faults_then_succeeds(
    gw: RunningGateway, sim: SimTime, client: PixazoClient, tmp_path: Path, token: str, on: str
) -> None:
    read = Read(gw, client, on, tmp_path)
    rule = gw.scenario(match={"on": on}, fault=token, times=2)
    read.check_success(read())
    assert uses_left(gw, rule) == 0 and sim.sleeps == [0.5, 1.0], "2 faulted tries, backing off"
    assert read.sent() in (3, None), "then the clean one"


@pytest.mark.parametrize("on", READS)
@pytest.mark.parametrize("token", TOKENS)
def test_a_persistent_read_fault_gives_up_with_a_typed_error(
    gw: RunningGateway, sim: SimTime, client: PixazoClient, tmp_path: Path, token: str, on: str
) -> None:
    read = Read(gw, client, on, tmp_path)
    rule = gw.scenario(match={"on": on}, fault=token, times=10)
    with pytest.raises(TransportError) as caught:
        read()
    e = caught.value
    kind, says = FAULTS[token]
    assert type(e) is TransportError, "a read never claims a job may have been made"
    assert (e.kind, e.attempts, e.sent) == (kind, 3, True)
    assert says in str(e) and str(e).endswith(" (3 attempts)")
    assert "\n" not in str(e)
    assert uses_left(gw, rule) == 7, "exactly the policy's tries: aiohttp adds no hidden one"
    assert read.sent() in (3, None)
    assert sim.sleeps == [0.5, 1.0]
    assert not read.out.exists() and list(tmp_path.iterdir()) == [], "no file, no part file"


@pytest.mark.parametrize("on", READS)
def test_a_slow_answer_within_the_timeout_arrives_whole(
    gw: RunningGateway,
    sim: SimTime,
    make_sync: Callable[..., PixazoClient],
    tmp_path: Path,
    on: str,
) -> None:
    read = Read(gw, make_sync(timeout=5.0), on, tmp_path)
    gw.scenario(match={"on": on}, fault="fault-slow-200")
    read.check_success(read())
    assert sim.sleeps == []


@pytest.mark.parametrize(
    ("on", "token"),
    [
        ("status", "fault-slow-3000"),
        ("result", "fault-slow-3000"),
        # 20 pieces 1.6 timeouts apart (0.8 s): a gap longer than the timeout
        ("cdn", f"fault-slow-{round(TIMEOUT * 32000)}"),
    ],
)
def test_an_answer_slower_than_the_timeout_is_retried_like_a_hang(
    gw: RunningGateway, sim: SimTime, client: PixazoClient, tmp_path: Path, on: str, token: str
) -> None:
    read = Read(gw, client, on, tmp_path)
    rule = gw.scenario(match={"on": on}, fault=token, times=1)
    read.check_success(read())
    assert uses_left(gw, rule) == 0 and sim.sleeps == [0.5]
    assert read.sent() in (2, None)


def test_a_download_that_keeps_flowing_is_not_cut_off(
    gw: RunningGateway, sim: SimTime, client: PixazoClient, tmp_path: Path
) -> None:
    """A download's timeout bounds each read, not the whole: 2.4 timeouts (1.2 s) in 20
    pieces."""
    read = Read(gw, client, "cdn", tmp_path)
    gw.scenario(match={"on": "cdn"}, fault=f"fault-slow-{round(TIMEOUT * 2400)}")
    read.check_success(read())
    assert sim.sleeps == []


def test_without_retries_a_read_fault_is_one_attempt(
    gw: RunningGateway, make_sync: Callable[..., PixazoClient]
) -> None:
    client = make_sync(retry=RetryPolicy.none())
    job = client.text_to_image("a lighthouse")
    gw.scenario(match={"on": "status"}, fault="fault-empty")
    with pytest.raises(TransportError, match=r"closed with no answer \(1 attempt\)$") as caught:
        client.status(job)
    assert caught.value.attempts == 1
    assert calls(gw, "GET", f"/v2/requests/status/{job.request_id}") == 1


def test_wait_rides_out_faulted_polls(
    gw: RunningGateway, sim: SimTime, client: PixazoClient
) -> None:
    job = client.text_to_image("a lighthouse")
    gw.scenario(match={"on": "status"}, fault="fault-truncated", times=2)
    assert client.wait(job, timeout=300).status is State.COMPLETED
    assert sim.sleeps[:2] == [0.5, 1.0]


async def test_the_async_client_retries_reads_too(gw: RunningGateway, apixazo: Any) -> None:
    job = await apixazo.text_to_image("a lighthouse")
    gw.scenario(match={"on": "status"}, fault="fault-reset", times=2)
    assert (await apixazo.status(job)).request_id == job.request_id


# -- submits ------------------------------------------------------------------------------------


SUBMIT_FAULTS = [
    *((token, False) for token in TOKENS),
    *((f"{token},fault-after-accept", True) for token in TOKENS),
    ("fault-after-accept", True),  # alone: a reset after acceptance
]


@pytest.mark.parametrize(("token", "accepted"), SUBMIT_FAULTS)
def test_a_submit_fault_is_outcome_unknown_and_never_sent_twice(
    gw: RunningGateway, sim: SimTime, client: PixazoClient, token: str, accepted: bool
) -> None:
    gw.scenario(match={"on": "submit"}, fault=token)
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        client.text_to_image("a lighthouse")
    e = caught.value
    kind, says = FAULTS[token.split(",")[0] if token != "fault-after-accept" else "fault-reset"]
    assert (e.kind, e.attempts, e.sent, e.model_id) == (kind, 1, True, "bria-fibo-bbq-preview")
    message = str(e)
    assert message.startswith(f"POST {gw.url}{FIBO_SUBMIT}: {says}, after the submit was sent")
    assert "the job may exist and may have been charged" in message
    assert "did not submit again" in message and f"GET {gw.url}/_mock/requests" in message
    assert message.endswith(  # no webhook named: nothing after this
        "; the live gateway documents no way to list jobs or to deduplicate a submit, so check "
        "the account's balance or usage for the charge first: a second submit is a second "
        "job, charged again."
    )
    assert "\n" not in message
    assert calls(gw, "POST", FIBO_SUBMIT) == 1 and sim.sleeps == [], "never resent"
    (entry,) = gw.requests
    journaled = "fault-reset,fault-after-accept" if token == "fault-after-accept" else token
    assert entry["fault"] == journaled
    if accepted:  # charged, and the journal names the job, as the message says
        (job,) = gw.jobs
        assert entry["request_id"] == job["request_id"]
        assert balance(gw) == pytest.approx(99.96)
        assert client.status(entry["request_id"]).status is State.QUEUED, "found, followed"
    else:
        assert gw.jobs == [] and balance(gw) == 100.0


def test_after_accept_alone_is_journaled_as_a_reset(
    gw: RunningGateway, client: PixazoClient
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-after-accept")
    with pytest.raises(SubmitOutcomeUnknownError):
        client.remove_background(CAT)
    (entry,) = gw.requests
    assert entry["fault"] == "fault-reset,fault-after-accept" and entry["path"] == RMBG_SUBMIT


def test_a_submit_fault_used_once_is_still_not_retried(
    gw: RunningGateway, client: PixazoClient
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-reset", times=1)
    with pytest.raises(SubmitOutcomeUnknownError):
        client.text_to_image("a lighthouse")
    assert calls(gw, "POST", FIBO_SUBMIT) == 1 and gw.jobs == []
    client.text_to_image("a lighthouse")  # the caller's choice, after looking
    assert calls(gw, "POST", FIBO_SUBMIT) == 2 and len(gw.jobs) == 1


def test_a_slow_submit_within_the_timeout_is_accepted(
    gw: RunningGateway, make_sync: Callable[..., PixazoClient]
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-slow-200")
    job = make_sync(timeout=5.0).text_to_image("a lighthouse")
    assert [j["request_id"] for j in gw.jobs] == [job.request_id]


def test_a_submit_slower_than_the_timeout_may_well_have_made_the_job(
    gw: RunningGateway, client: PixazoClient
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-slow-3000")
    with pytest.raises(
        SubmitOutcomeUnknownError, match=f"no answer within {TIMEOUT:g} s"
    ) as caught:
        client.text_to_image("a lighthouse")
    assert caught.value.kind == "timeout"
    assert len(gw.jobs) == 1 and balance(gw) == pytest.approx(99.96), "it did: charged"


def test_a_webhook_url_is_named_as_a_way_to_hear_of_the_job(
    gw: RunningGateway, client: PixazoClient
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-after-accept")
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        client.text_to_image("a lighthouse", webhook_url="https://example.com/hook")
    assert str(caught.value).endswith(
        "charged again. If it exists, it calls https://example.com/hook when it ends (keys "
        "answered in generation 2; generation 1 sends no webhooks)."
    )


def test_on_the_live_gateway_the_message_names_no_mock(
    gw: RunningGateway, make_sync: Callable[..., PixazoClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pixazo_client.async_client.DEFAULT_BASE_URL", gw.url)
    gw.scenario(match={"on": "submit"}, fault="fault-empty")
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        make_sync().text_to_image("a lighthouse")
    assert "/_mock/" not in str(caught.value)
    assert "Before submitting again: the live gateway documents no way" in str(caught.value)


def test_a_submit_that_cannot_connect_sent_nothing(
    sim: SimTime, make_sync: Callable[..., PixazoClient]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = make_sync(base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as caught:
        client.text_to_image("a lighthouse")
    e = caught.value
    assert not isinstance(e, SubmitOutcomeUnknownError)
    assert (e.kind, e.sent, e.attempts) == ("connect", False, 1)
    assert str(e).endswith("nothing was sent, so nothing was charged (safe to submit again)")
    assert sim.sleeps == []


async def test_the_async_client_raises_the_same_for_a_lost_submit(
    gw: RunningGateway, apixazo: AsyncPixazoClient
) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-garbage,fault-after-accept")
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        await apixazo.remove_background(CAT)
    assert caught.value.kind == "garbage" and len(gw.jobs) == 1


# -- the CLI: one line per fault ------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["fault-reset", "fault-empty", "fault-truncated", "fault-garbage", "fault-after-accept"],
)
def test_the_cli_says_in_one_line_that_a_lost_submit_may_exist(
    gw: RunningGateway, token: str
) -> None:
    gw.put_key(LONG_KEY, balance_usd=10)
    gw.scenario(match={"on": "submit"}, fault=token)
    result = pixazo("fibo", "a lighthouse", env=env_for(gw))
    assert result.code == 10 and result.out == ""
    line = result.one_line_error()
    says = FAULTS.get(token, FAULTS["fault-reset"])[1]
    assert line.startswith(f"pixazo: POST {gw.url}{FIBO_SUBMIT}: {says}, after the submit was")
    assert "the job may exist" in line and f"GET {gw.url}/_mock/requests" in line
    assert len(gw.jobs) == (1 if token == "fault-after-accept" else 0)


@pytest.fixture
def cli(
    gw: RunningGateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`pixazo` in this process, with quick retries (10 ms apart) and a short HTTP timeout:
    what a read fault and a hang cost stays small."""
    quick = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, jitter=0.0)
    factory = functools.partial(AsyncPixazoClient, retry=quick, timeout=TIMEOUT)
    monkeypatch.setattr(pixazo_cli, "AsyncPixazoClient", factory)
    for name, value in env_for(gw, key=KEY).items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> tuple[int, str, str]:
        code = pixazo_cli.main(list(args))
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and err.startswith("pixazo: "), err
        return code, out, err.strip()

    return run


def test_the_cli_on_a_hung_submit(gw: RunningGateway, cli: Callable[..., Any]) -> None:
    gw.scenario(match={"on": "submit"}, fault="fault-hang")
    code, out, line = cli("rmbg", CAT)
    assert (code, out) == (10, "")
    assert f"{RMBG_SUBMIT}: no answer within {TIMEOUT:g} s, after the submit was sent" in line
    assert "the job may exist" in line and calls(gw, "POST", RMBG_SUBMIT) == 1


@pytest.mark.parametrize("token", TOKENS)
def test_the_cli_on_a_persistent_status_fault(
    gw: RunningGateway, cli: Callable[..., Any], token: str
) -> None:
    with PixazoClient(KEY, gw.url) as pixazo_client:
        request_id = pixazo_client.text_to_image("a lighthouse").request_id
    gw.scenario(match={"on": "status"}, fault=token)
    code, out, line = cli("status", request_id)
    assert (code, out) == (1, "")
    assert line == (
        f"pixazo: GET {gw.url}/v2/requests/status/{request_id}: {FAULTS[token][1]} (3 attempts)"
    )


def test_the_cli_on_a_persistent_download_fault(
    gw: RunningGateway, cli: Callable[..., Any], tmp_path: Path
) -> None:
    with PixazoClient(KEY, gw.url) as pixazo_client:
        request_id = pixazo_client.text_to_image("a lighthouse").request_id
    gw.advance(60)
    gw.scenario(match={"on": "cdn"}, fault="fault-truncated")
    code, out, line = cli("wait", request_id, "--out", str(tmp_path / "o.png"))
    assert (code, out) == (1, "")
    assert line.startswith(f"pixazo: GET {gw.url}/_mock/cdn/")
    assert line.endswith("output.png: the answer was cut short (3 attempts)")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_rides_out_a_passing_fault(
    gw: RunningGateway, cli: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with PixazoClient(KEY, gw.url) as pixazo_client:
        request_id = pixazo_client.text_to_image("a lighthouse").request_id
    gw.scenario(match={"on": "status"}, fault="fault-garbage", times=2)
    assert pixazo_cli.main(["status", request_id]) == 0
    assert json.loads(capsys.readouterr().out)["request_id"] == request_id
