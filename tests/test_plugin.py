"""The pytest plugin, used as integrating teams use it: from a test file in a fresh directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    text = README.read_text("utf-8")
    found = re.search(
        r"<!-- example: test_my_integration.py -->\n```python\n(.*?)```\n<!-- end example -->",
        text,
        re.S,
    )
    assert found, "the README's plugin example is marked with <!-- example: ... --> comments"
    return found[1]


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist -n 2"])
def test_the_readme_example_passes_in_a_fresh_directory(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_my_integration.py").write_text(readme_example(), "utf-8")
    result = run_pytest(tmp_path, *workers)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b5 passed\b", result.stdout), result.stdout


def test_state_is_reset_between_tests_and_markers_configure_a_test(tmp_path: Path) -> None:
    (tmp_path / "test_reset.py").write_text(
        """
import json, urllib.request, pytest

def post(gw, key="test-key"):
    request = urllib.request.Request(
        gw.url + "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
        data=b'{"prompt": "x"}',
        headers={"Content-Type": "application/json", "Ocp-Apim-Subscription-Key": key})
    with urllib.request.urlopen(request) as answer:
        return answer.status, json.load(answer)

def test_first_leaves_state_behind(mock_gateway):
    mock_gateway.put_key("extra", balance_usd=1)
    mock_gateway.scenario(http=503, match={"on": "status"})
    assert post(mock_gateway)[0] == 202
    assert len(mock_gateway.jobs) == 1 and len(mock_gateway.requests) == 1

def test_second_starts_clean(mock_gateway):
    assert mock_gateway.jobs == [] and mock_gateway.requests == []
    with pytest.raises(urllib.error.HTTPError) as e:
        post(mock_gateway, key="extra")
    assert e.value.code == 401

@pytest.mark.mock_gateway(api_generation=1, seed=3)
def test_marker_settings(mock_gateway):
    assert post(mock_gateway)[1]["status"] == "IN_QUEUE"

def test_back_to_defaults(mock_gateway):
    assert post(mock_gateway)[1]["status"] == "QUEUED"

@pytest.mark.mock_gateway(colour="red")
def test_unknown_marker_setting(mock_gateway):
    pass
""",
        "utf-8",
    )
    result = run_pytest(tmp_path)
    assert "4 passed" in result.stdout, result.stdout + result.stderr
    assert "unknown setting(s) ['colour']" in result.stdout + result.stderr


def test_an_error_inside_the_mock_fails_the_test_that_caused_it(tmp_path: Path) -> None:
    (tmp_path / "test_bug.py").write_text(
        """
import urllib.request, pytest
from mock_gateway.http import keys

def test_a_request_hits_a_bug(mock_gateway, monkeypatch):
    from mock_gateway.gateway import Gateway
    def broken(self, key):
        raise RuntimeError("boom inside the mock")
    monkeypatch.setattr(Gateway, "authenticate", broken)
    request = urllib.request.Request(mock_gateway.url + "/v2/requests/status/x",
                                     headers={"Ocp-Apim-Subscription-Key": "test-key"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request)
    assert e.value.code == 500
""",
        "utf-8",
    )
    result = run_pytest(tmp_path)
    assert result.returncode != 0
    assert "the mock gateway logged an error during this test" in result.stdout
    assert "boom inside the mock" in result.stdout


def test_the_plugin_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "test_off.py").write_text("def test_x(mock_gateway):\n    pass\n", "utf-8")
    result = run_pytest(tmp_path, "-p", "no:mock_gateway")
    assert result.returncode != 0 and "fixture 'mock_gateway' not found" in result.stdout


def test_the_fixtures_work_in_this_suite_too(mock_gateway: Any, webhook_sink: Any) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        mock_gateway.url + "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request",
        data=json.dumps({"prompt": "x"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Ocp-Apim-Subscription-Key": mock_gateway.api_key,
            "X-Webhook-URL": webhook_sink.url,
            "X-Webhook-Mode": "sync",
        },
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 202
    mock_gateway.advance(60)
    statuses = [b["status"] for b in webhook_sink.received]
    assert statuses[0] == "QUEUED" and statuses[-1] == "COMPLETED"
    assert webhook_sink.url.startswith("https://127.0.0.1:")
