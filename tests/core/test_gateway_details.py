"""The gateway's small details: a URL's host, an input that cannot be read at submit, and
an input read once only. Each test's docstring names the broken mock it catches."""

from __future__ import annotations

from mock_gateway.core.catalog import RMBG
from mock_gateway.core.clock import ManualClock
from mock_gateway.core.jobs import InputImage, Job, Status
from mock_gateway.core.scenarios import Effects
from mock_gateway.gateway import Gateway, host_of
from mock_gateway.settings import Settings
from tests.core.test_gateway import BASE, T0, FakeResolver

UNREADABLE = "http://[unclosed/in.png"
STAND_IN = "https://images.example.com/cat.png"
FETCHED = "http://127.0.0.1:9/in.png"


class CountingResolver(FakeResolver):
    """The fake resolver, counting its I/O-free reads; one URL it cannot parse."""

    def __init__(self) -> None:
        super().__init__()
        self.read_now: list[str] = []

    def resolve_now(self, url: str, base_url: str) -> InputImage | None:
        self.read_now.append(url)
        if url == UNREADABLE:
            raise ValueError("Invalid IPv6 URL")
        return super().resolve_now(url, base_url)


def counting_gateway() -> tuple[Gateway, CountingResolver]:
    resolver = CountingResolver()
    return Gateway(Settings(manual_clock=True), resolver, ManualClock(T0)), resolver


def test_host_of_is_the_host_without_its_port() -> None:
    """Broken: host_of gives the URL's netloc (host and port) instead of its host."""
    assert host_of("http://images.example.com:8080/cat.png") == "images.example.com"
    assert host_of("https://user@Images.Example.com:443/x?y#z") == "images.example.com"
    assert host_of("http://[unclosed/x") is None
    assert host_of("data:image/png;base64,AAAA") is None


async def test_an_input_that_cannot_be_read_at_submit_fails_the_job_with_why() -> None:
    """Broken: an RMBG input whose URL cannot be parsed leaves the job with no error (it
    ends with no input and no message) instead of FAILED with the parser's reason."""
    gw, resolver = counting_gateway()
    account = gw.authenticate("test-key")
    job = gw.submit(account, RMBG, {"image_url": UNREADABLE}, Effects(), BASE)
    assert resolver.read_now == [UNREADABLE]
    assert job.settled is True
    assert job.error == "image_url could not be read: Invalid IPv6 URL"
    assert job.input is None
    await gw.advance(job.ended_at - gw.now() + 0.1)
    assert job.status_at(gw.now()) is Status.FAILED
    assert job.error == "image_url could not be read: Invalid IPv6 URL"
    assert resolver.fetched == []


def planned(gw: Gateway, url: str) -> Job:
    """A job as a shared store keeps it: planned, its input read before it is written."""
    job = gw.plan(gw.authenticate("test-key"), RMBG, {"image_url": url}, Effects(), BASE)
    gw.read_input_now(job)
    return job


async def test_an_input_read_before_the_job_was_kept_is_not_read_again() -> None:
    """Broken: accepting a job whose input the shared store already read (at once, or to
    be fetched, or failed) reads it again: a second read for every such submit."""
    gw, resolver = counting_gateway()
    ready, failed, fetched = planned(gw, STAND_IN), planned(gw, UNREADABLE), planned(gw, FETCHED)
    assert resolver.read_now == [STAND_IN, UNREADABLE, FETCHED]
    for job in (ready, failed, fetched):
        gw.accepted(job)
    assert resolver.read_now == [STAND_IN, UNREADABLE, FETCHED], "each read once"
    assert ready.input == InputImage("stand-in", STAND_IN, 640, 480)
    assert failed.error == "image_url could not be read: Invalid IPv6 URL"
    await gw.advance(fetched.ended_at - gw.now() + 0.1)
    assert resolver.fetched == [FETCHED]
    assert fetched.input == InputImage("bytes", "sha-of-" + FETCHED, 800, 600)
    assert resolver.read_now == [STAND_IN, UNREADABLE, FETCHED]
