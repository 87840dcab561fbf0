"""The schemas are valid, and agree with the examples on the gateway's own page; the model
catalog beside them has its shape and agrees with them."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
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


# -- the model catalog (data beside the schemas, not a schema) ---------------------------------

SCHEMAS_DIR = Path(schemas.__file__).parent
CATALOG_FILE = SCHEMAS_DIR / "_catalog" / "catalog.json"
CATALOG_SHAPE = SCHEMAS_DIR / "_catalog" / "catalog.schema.json"


def shape_errors(data: Any) -> list[str]:
    shape = json.loads(CATALOG_SHAPE.read_text("utf-8"))
    return [e.message for e in Draft202012Validator(shape).iter_errors(data)]


def catalog_copy() -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(CATALOG_FILE.read_text("utf-8"))
    return copied


def test_the_catalog_file_validates_against_its_schema() -> None:
    Draft202012Validator.check_schema(json.loads(CATALOG_SHAPE.read_text("utf-8")))
    assert shape_errors(catalog_copy()) == []
    assert schemas.catalog() == catalog_copy()
    assert schemas.catalog() is schemas.catalog(), "parsed once"


def test_the_catalog_is_no_schema_and_no_openapi_component() -> None:
    assert not [n for n in schemas.names() if "catalog" in n]


def test_the_catalog_holds_todays_models_and_sizes() -> None:
    data = schemas.catalog()
    assert [
        (m["model_id"], m["name"], m["kind"], m["price_usd"], m["input_field"])
        for m in data["models"]
    ] == [
        ("bria-rmbg-2-0-682", "bria-rmbg-2-0", "rmbg", "0.018", "image_url"),
        ("bria-fibo-bbq-preview", "bria-fibo-bbq-preview", "fibo", "0.04", "prompt"),
    ]
    assert data["aspect_ratio_sizes"] == {
        "1:1": [1024, 1024],
        "16:9": [1344, 768],
        "9:16": [768, 1344],
        "4:3": [1152, 896],
    }
    assert data["default_aspect_ratio"] == "1:1"


@pytest.mark.parametrize("index", [0, 1])
def test_each_catalog_model_agrees_with_its_request_schema(index: int) -> None:
    model = schemas.catalog()["models"][index]
    request = schemas.load(model["request_schema"])
    assert model["input_field"] in request["required"]
    # What the mock fills in is what the schema documents as the default, field by field.
    documented = {
        name: prop["default"] for name, prop in request["properties"].items() if "default" in prop
    }
    assert model["defaults"] == documented
    assert schemas.validator(model["request_schema"]).is_valid(
        {model["input_field"]: "https://example.com/x.png", **model["defaults"]}
    )


def test_the_catalogs_aspect_ratios_are_the_fibo_request_schemas() -> None:
    data = schemas.catalog()
    ratio = schemas.load("gen2/fibo_request")["properties"]["aspect_ratio"]
    assert set(data["aspect_ratio_sizes"]) == set(ratio["enum"])
    assert data["default_aspect_ratio"] == ratio["default"]


def _broken(data: dict[str, Any], change: str) -> dict[str, Any]:
    rmbg, fibo = data["models"]
    if change == "price as a number":
        rmbg["price_usd"] = 0.018
    elif change == "negative price":
        rmbg["price_usd"] = "-0.018"
    elif change == "unknown kind":
        fibo["kind"] = "video"
    elif change == "missing request_schema":
        del fibo["request_schema"]
    elif change == "extra field":
        fibo["colour"] = "blue"
    elif change == "span of three":
        fibo["queue_seconds"] = [1, 2, 3]
    elif change == "size of one":
        data["aspect_ratio_sizes"]["1:1"] = [1024]
    elif change == "bad ratio":
        data["aspect_ratio_sizes"]["wide"] = [2048, 512]
    elif change == "no models":
        data["models"] = []
    return data


@pytest.mark.parametrize(
    "change",
    [
        "price as a number",
        "negative price",
        "unknown kind",
        "missing request_schema",
        "extra field",
        "span of three",
        "size of one",
        "bad ratio",
        "no models",
    ],
)
def test_the_catalog_schema_rejects_a_broken_catalog(change: str) -> None:
    assert shape_errors(_broken(catalog_copy(), change))


@pytest.fixture
def load_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`catalog()` of a copy of the package whose catalog file is `data`."""

    def load(data: dict[str, Any]) -> dict[str, Any]:
        copy = tmp_path / "catalog_copy"
        shutil.copytree(SCHEMAS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        (copy / "_catalog" / "catalog.json").write_text(json.dumps(data), "utf-8")
        spec = importlib.util.spec_from_file_location(
            "catalog_copy", copy / "__init__.py", submodule_search_locations=[str(copy)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, "catalog_copy", module)
        spec.loader.exec_module(module)
        loaded: dict[str, Any] = module.catalog()
        return loaded

    return load


def test_the_loader_reads_the_file_it_is_given(
    load_catalog: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    data = catalog_copy()
    data["models"][1]["price_usd"] = "0.05"
    assert load_catalog(data)["models"][1]["price_usd"] == "0.05"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("price as a number", "models/0/price_usd"),
        ("twice", "bria-rmbg-2-0-682: listed twice"),
        ("min over max", "processing_seconds min 9.0 > max 8.0"),
        ("no such schema", "request_schema 'gen2/video_request' is no schema"),
        ("default without size", "default_aspect_ratio '2:1' has no size"),
    ],
)
def test_the_loader_refuses_a_broken_catalog(
    load_catalog: Callable[[dict[str, Any]], dict[str, Any]], change: str, message: str
) -> None:
    data = catalog_copy()
    rmbg, fibo = data["models"]
    if change == "twice":
        data["models"].append(rmbg)
    elif change == "min over max":
        fibo["processing_seconds"] = [9.0, 8.0]
    elif change == "no such schema":
        fibo["request_schema"] = "gen2/video_request"
    elif change == "default without size":
        data["default_aspect_ratio"] = "2:1"
    else:
        data = _broken(data, change)
    with pytest.raises(ValueError, match="model catalog") as caught:
        load_catalog(data)
    assert message in str(caught.value)


def test_the_verified_catalog_digest_is_of_the_files_that_validate() -> None:
    """Catches: catalog.json or its schema edited without the digest (then every start pays
    for jsonschema again), and a digest written for files that do not validate (then
    `catalog()` would skip a check that fails)."""
    data, shape = CATALOG_FILE.read_bytes(), CATALOG_SHAPE.read_bytes()
    digest = schemas.catalog_digest(data, shape)
    assert digest == schemas.VERIFIED_CATALOG, (
        f"catalog.json or catalog.schema.json changed: once this suite passes, set "
        f"VERIFIED_CATALOG in schemas/__init__.py to {digest!r}"
    )
    assert shape_errors(json.loads(data)) == []


def test_the_digest_covers_both_files_and_where_one_ends() -> None:
    """Catches: a digest of the catalog alone (a stricter schema would not be checked), and
    one of the two files run together (bytes moved from one file to the other)."""
    data, shape = CATALOG_FILE.read_bytes(), CATALOG_SHAPE.read_bytes()
    digest = schemas.catalog_digest(data, shape)
    assert schemas.catalog_digest(data, shape + b" ") != digest
    assert schemas.catalog_digest(data + b" ", shape) != digest
    assert schemas.catalog_digest(data + shape[:1], shape[1:]) != digest


@pytest.mark.parametrize("change", ["price as a number", "extra field", "span of three"])
def test_a_catalog_with_other_bytes_is_checked_by_its_schema(
    load_catalog: Callable[[dict[str, Any]], dict[str, Any]], change: str
) -> None:
    """The digest only stands for the files it was made of: a catalog that breaks only its
    schema (no check in `_catalog_problems` would notice) is still refused."""
    with pytest.raises(ValueError, match="model catalog"):
        load_catalog(_broken(catalog_copy(), change))
