"""A GatewayError reads (str(), args[0]: what a traceback or a log line shows, e.g. the
cause of the KeyError that `Running.key` raises) as its message, or, when it has none, as
its error line."""

from __future__ import annotations

from mock_gateway.core.errors import GatewayError, InsufficientBalance, InvalidParameters


def test_an_error_without_a_message_reads_as_its_error_line() -> None:
    """Broken: the exception's text is None (`super().__init__(None)`, or `message and
    self.error`, which is None when there is no message): str() shows "None"."""
    assert str(GatewayError()) == "An unexpected error occurred, please try again later"
    assert GatewayError().args == ("An unexpected error occurred, please try again later",)
    assert str(InvalidParameters()) == "Invalid request parameters"


def test_an_error_with_a_message_reads_as_its_message() -> None:
    """Broken: the exception's text is its error line or None instead of its message
    (`super().__init__(None)`, or `message and self.error`)."""
    assert str(InvalidParameters("x: bad")) == "x: bad"
    assert InvalidParameters("x: bad").args == ("x: bad",)
    assert str(InsufficientBalance()) == "Your wallet does not have enough balance."
