"""How a failed call is put in words (`Transport._failure`), where `status()` asks about a
generation-2 request and which status code it reports for an unreadable answer, and what a
submit answer keeps (`Submission.from_answer`) or says when it cannot be read."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from pixazo_client import (
    AsyncPixazoClient,
    Model,
    RetryPolicy,
    State,
    Submission,
    UnexpectedResponseError,
)
from pixazo_client.transport import Answer, Transport

GATEWAY = "https://gateway.test"
POLL = "https://gateway.pixazo.ai/v2/requests/status/bria-rmbg-2-0-682_abc"
RESULT = "https://gateway.pixazo.ai/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request-result"


def transport() -> Transport:
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    return Transport(
        timeout=30.0,
        connect_timeout=10.0,
        retry=RetryPolicy(),
        sleep=sleep,
        rng=random.Random(0),
    )


def connector_error(strerror: str) -> aiohttp.ClientConnectorError:
    key = ConnectionKey("gateway.test", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(111, strerror))


class SilentConnectorError(aiohttp.ClientConnectorError):
    """A connector error whose text is only whitespace."""

    def __str__(self) -> str:
        return " \n\t "


class StubTransport:
    """Stands in for the client's transport: records each call, answers `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str]] = []

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool,
    ) -> Answer:
        self.calls.append((method, url))
        return self.answer

    async def close(self) -> None:
        return None


def stubbed_client(answer: Answer) -> tuple[AsyncPixazoClient, StubTransport]:
    client = AsyncPixazoClient("test-key", GATEWAY)
    stub = StubTransport(answer)
    client._transport = stub  # type: ignore[assignment]
    return client, stub


# -- Transport._failure -------------------------------------------------------------------


def test_a_connection_error_is_told_on_one_line_with_single_spaces() -> None:
    """Catches: a connector error's words rejoined with something else than one space, its
    text replaced by "None", or the fallback "cannot connect" put in place of a real
    message (`or` turned into `and`)."""
    e = connector_error("Connection\n   refused  by\tpeer")
    assert transport()._failure(e) == (
        "connect",
        "Cannot connect to host gateway.test:443 ssl:default [Connection refused by peer]",
    )


def test_a_connection_error_with_no_words_says_cannot_connect() -> None:
    """Catches: the fallback for a connector error with an empty or blank text changed
    ("cannot connect" misspelt or upper-cased), or the blank text itself shown."""
    key = ConnectionKey("gateway.test", 443, True, True, None, None, None)
    e = SilentConnectorError(key, OSError(111, "refused"))
    assert transport()._failure(e) == ("connect", "cannot connect")


def test_an_other_failure_is_told_on_one_line_with_single_spaces() -> None:
    """Catches: an unclassified failure's words rejoined with something else than one
    space, its text replaced by "None", or its type name put in place of a real message
    (`or` turned into `and`); and the errno check made to raise AttributeError for an
    exception that has no `errno` attribute (getattr without its default)."""
    e = aiohttp.ClientError("the  proxy\nsaid   no")
    assert not hasattr(e, "errno")
    assert transport()._failure(e) == ("other", "the proxy said no")
    assert transport()._failure(aiohttp.InvalidURL("not a url")) == ("other", "not a url")


def test_an_other_failure_with_no_words_is_named_by_its_type() -> None:
    """Catches: an unclassified failure with an empty or blank text named "NoneType" (the
    type of None instead of the exception's), or shown as "None"."""
    assert transport()._failure(aiohttp.ClientError()) == ("other", "ClientError")
    assert transport()._failure(aiohttp.ClientConnectionError()) == (
        "other",
        "ClientConnectionError",
    )
    assert transport()._failure(aiohttp.ClientError("  \n ")) == ("other", "ClientError")


def test_an_os_error_with_a_reset_errno_is_a_reset_and_others_are_not() -> None:
    """Catches: the errno check broken, so a reset reported as a plain OSError is not
    called a reset, or an exception without `errno` crashes the classification."""
    reset = aiohttp.ClientOSError(104, "Connection reset by peer")
    assert transport()._failure(reset) == ("reset", "the connection was reset")
    assert transport()._failure(aiohttp.ClientError("x")) == ("other", "x")


# -- AsyncPixazoClient.status ---------------------------------------------------------------


async def test_status_escapes_every_character_of_the_request_id_in_the_url() -> None:
    """Catches: the request id quoted with `/` left safe (quote's default), so an id with a
    slash asks another path of the gateway instead of the status of that id."""
    body = b'{"request_id": "x", "status": "QUEUED"}'
    client, stub = stubbed_client(Answer(200, {}, body))
    odd = Submission("bria-rmbg-2-0-682_a/b?c#d X%", Model.RMBG, 2, POLL)
    async with client:
        status = await client.status(odd)
    assert status.status is State.QUEUED
    assert stub.calls == [
        ("GET", f"{GATEWAY}/v2/requests/status/bria-rmbg-2-0-682_a%2Fb%3Fc%23d%20X%25")
    ]


async def test_status_reports_the_answers_own_code_for_an_unreadable_body() -> None:
    """Catches: the status answer read without its status code, so an unreadable 203
    answer is reported as HTTP 200 (the reader's default) instead of the code it had."""
    client, _ = stubbed_client(Answer(203, {}, b'{"request_id": 7}'))
    async with client:
        with pytest.raises(UnexpectedResponseError) as caught:
            await client.status("bria-rmbg-2-0-682_01a20138-0fc8-7d82-b082-532b629f6fbe")
    assert caught.value.status_code == 203
    assert caught.value.body == {"request_id": 7}


# -- Submission.from_answer ----------------------------------------------------------------


def test_a_generation_2_submission_keeps_the_answer_it_was_read_from() -> None:
    """Catches: a generation-2 submission made without the body, so its `raw` is empty
    instead of the answer exactly as the gateway sent it."""
    body = {"request_id": "r5", "status": "QUEUED", "polling_url": POLL, "extra": [1, 2]}
    submission = Submission.from_answer(Model.RMBG, body, 202)
    assert (submission.generation, submission.status_url) == (2, POLL)
    assert submission.raw == body
    assert submission.raw is body


def test_generation_1_needs_a_response_url_and_in_queue_both() -> None:
    """Catches: generation 1 recognised by a response_url OR an IN_QUEUE status rather than
    both, so an IN_QUEUE answer with no response_url fails with a bare KeyError, and an
    answer in another status with a response_url is accepted as queued."""
    for body in (
        {"request_id": "r6", "status": "IN_QUEUE"},
        {"request_id": "r6", "status": "IN_QUEUE", "response_url": None},
        {"request_id": "r6", "status": "COMPLETED", "response_url": RESULT},
    ):
        with pytest.raises(UnexpectedResponseError) as caught:
            Submission.from_answer(Model.RMBG, body, 200)
        assert caught.value.status_code == 200 and caught.value.body == body
    queued = {"request_id": "r7", "status": "IN_QUEUE", "response_url": RESULT}
    submission = Submission.from_answer(Model.RMBG, queued, 200)
    assert (submission.generation, submission.status_url) == (1, RESULT)
    assert submission.raw == queued


def test_an_unreadable_submit_answer_says_so_in_exact_words() -> None:
    """Catches: the words naming what could not be read changed (the "submit answer" of
    the message misspelt or upper-cased)."""
    with pytest.raises(UnexpectedResponseError) as caught:
        Submission.from_answer(Model.FIBO, {"status": "DONE"}, 202)
    assert caught.value.message == "unexpected submit answer: {'status': 'DONE'}"
    assert str(caught.value).startswith("unexpected submit answer: ")
