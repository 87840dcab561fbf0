"""The schemas are valid, and agree with the examples on the gateway's own page."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

import pixazo_schemas as schemas

RID = "bria-fibo-bbq-preview_019d4355-f57b-7226-b63c-5ab791b7584a"

# From seeds/001: "Response (Completed)" of the status endpoint.
PAGE_STATUS = {
    "request_id": RID,
    "status": "COMPLETED",
    "model_id": "bria-fibo-bbq-preview",
    "error": None,
    "output": {
        "media_url": [f"https://pub-582b7213209642b9b995c96c95a30381.r2.dev/v1/{RID}/output.ext"],
        "media_type": "application/octet-stream",
    },
    "created_at": "2026-03-31T10:00:00.000Z",
    "updated_at": "2026-03-31T10:00:15.000Z",
    "completed_at": "2026-03-31T10:00:15.000Z",
}
# From seeds/001: the terminal webhook callback, with its mixed timestamp forms.
PAGE_CALLBACK = {
    **PAGE_STATUS,
    "output": {
        "media_url": [f"https://pub-582b7213209642b9b995c96c95a30381.r2.dev/v1/{RID}/output.png"],
        "media_type": "image/png",
    },
    "created_at": "2026-05-22T13:17:32.110Z",
    "updated_at": "2026-05-22 13:19:23",
    "completed_at": "2026-05-22 13:19:23",
}


def errors(name: str, body: Any) -> list[str]:
    return [e.message for e in schemas.validator(name).iter_errors(body)]


@pytest.mark.parametrize("name", schemas.names())
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(schemas.load(name))


def test_the_pages_status_and_callback_examples_validate() -> None:
    assert errors("gen2/status_response", PAGE_STATUS) == []
    assert errors("gen2/status_response", PAGE_CALLBACK) == []


def test_the_pages_submit_answer_validates_with_a_real_uuid7() -> None:
    body = {
        "request_id": RID,
        "status": "QUEUED",
        "polling_url": f"https://gateway.pixazo.ai/v2/requests/status/{RID}",
    }
    assert errors("gen2/submit_response", body) == []
    assert errors("gen2/submit_response", {**body, "extra": 1}), "exactly three fields"


def test_the_pages_requests_validate() -> None:
    assert (
        errors(
            "gen2/fibo_request",
            {
                "prompt": "A magnificent hot air balloon festival",
                "aspect_ratio": "16:9",
                "seed": 5555,
                "steps_num": 50,
                "guidance_scale": 5,
            },
        )
        == []
    )
    assert (
        errors(
            "gen2/rmbg_request",
            {"image_url": "https://fal.media/files/panda/K5Rndvzmn1j-OI1VZXDVd.jpeg"},
        )
        == []
    )


@pytest.mark.parametrize(
    "broken",
    [
        {**PAGE_STATUS, "status": "DONE"},
        {**PAGE_STATUS, "output": {"media_url": "https://x/y.png", "media_type": "image/png"}},
        {k: v for k, v in PAGE_STATUS.items() if k != "completed_at"},
        {**PAGE_STATUS, "error": "boom"},
        {**PAGE_STATUS, "status": "QUEUED"},
        {**PAGE_STATUS, "status": "FAILED"},
        {**PAGE_STATUS, "created_at": "yesterday"},
    ],
)
def test_status_schema_rejects_broken_bodies(broken: dict[str, Any]) -> None:
    assert errors("gen2/status_response", broken)
