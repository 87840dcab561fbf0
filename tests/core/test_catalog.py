"""The mock's models come from the shared catalog, agree with the client's and the contract
suite's, and a change to the data file changes what the mock charges and the client reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import FrozenInstanceError, replace
from decimal import Decimal
from pathlib import Path

import pytest

import pixazo_client
import pixazo_contract.contract as contract
import pixazo_schemas as schemas
from mock_gateway.core.catalog import (
    ASPECT_RATIO_SIZES,
    DEFAULT_ASPECT_RATIO,
    DEFAULT_MODELS,
    FIBO,
    RMBG,
    Kind,
    Model,
    model_from,
)
from mock_gateway.media.outputs import RENDERERS
from mock_gateway.running import running
from mock_gateway.settings import Settings, model_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_models_are_the_catalogs_in_its_order() -> None:
    entries = schemas.catalog()["models"]
    assert list(DEFAULT_MODELS) == [e["model_id"] for e in entries]
    for entry in entries:
        model = model_from(entry)  # built here too: the import-time build is not re-run
        assert model == DEFAULT_MODELS[entry["model_id"]]
        assert model.name == entry["name"]
        assert model.kind == entry["kind"]
        assert model.price_usd == Decimal(entry["price_usd"])
        assert list(model.queue_seconds) == entry["queue_seconds"]
        assert list(model.processing_seconds) == entry["processing_seconds"]
        assert model.request_schema == entry["request_schema"]
        assert model.input_field == entry["input_field"]
        assert model.default_params == entry["defaults"]
        assert model.enabled is True


def test_rmbg_and_fibo_keep_their_values() -> None:
    rmbg = Model(
        model_id="bria-rmbg-2-0-682",
        name="bria-rmbg-2-0",
        kind=Kind.RMBG,
        price_usd=Decimal("0.018"),
        queue_seconds=(1.0, 3.0),
        processing_seconds=(2.0, 5.0),
        request_schema="gen2/rmbg_request",
        input_field="image_url",
        defaults=(),
    )
    fibo = Model(
        model_id="bria-fibo-bbq-preview",
        name="bria-fibo-bbq-preview",
        kind=Kind.FIBO,
        price_usd=Decimal("0.04"),
        queue_seconds=(2.0, 5.0),
        processing_seconds=(8.0, 15.0),
        request_schema="gen2/fibo_request",
        input_field="prompt",
        defaults=(("aspect_ratio", "1:1"), ("steps_num", 30), ("guidance_scale", 7.5)),
    )
    assert (rmbg, fibo) == (RMBG, FIBO), "today's values, now read from the catalog"
    assert RMBG.submit_path == "/bria-rmbg-2-0-682/v1/bria-rmbg-2-0-request"
    assert FIBO.result_path == "/bria-fibo-bbq-preview/v1/bria-fibo-bbq-preview-request-result"
    assert ASPECT_RATIO_SIZES == {
        "1:1": (1024, 1024),
        "16:9": (1344, 768),
        "9:16": (768, 1344),
        "4:3": (1152, 896),
    }
    assert DEFAULT_ASPECT_RATIO == "1:1"


def test_a_model_is_frozen_hashable_and_replaceable() -> None:
    assert len({RMBG, FIBO, replace(FIBO)}) == 2
    with pytest.raises(FrozenInstanceError):
        FIBO.price_usd = Decimal(0)  # type: ignore[misc]
    slower = model_config(FIBO, {"queue_seconds": [9, 9], "enabled": False}, source="t")
    assert (slower.queue_seconds, slower.enabled) == ((9.0, 9.0), False)
    assert (slower.request_schema, slower.defaults) == (FIBO.request_schema, FIBO.defaults)
    assert FIBO.default_params is not FIBO.default_params, "a new dict each time"


def test_every_kind_is_in_the_catalogs_schema_and_has_a_renderer() -> None:
    shape = json.loads((ROOT / "schemas" / "_catalog" / "catalog.schema.json").read_text("utf-8"))
    assert set(shape["properties"]["models"]["items"]["properties"]["kind"]["enum"]) == set(Kind)
    assert set(RENDERERS) == set(Kind)
    assert {m.kind for m in DEFAULT_MODELS.values()} <= set(RENDERERS)


def test_the_client_and_the_contract_suite_know_every_catalog_model() -> None:
    assert tuple(DEFAULT_MODELS) == contract.MODELS
    assert {contract.RMBG, contract.FIBO} == {RMBG.model_id, FIBO.model_id}
    for model in DEFAULT_MODELS.values():
        client_model = pixazo_client.Model(model.model_id)
        assert contract.SUBMIT_PATHS[model.model_id] == model.submit_path
        assert contract.RESULT_PATHS[model.model_id] == model.result_path
        assert client_model.submit_path == model.submit_path
        assert client_model.result_path == model.result_path
        assert contract.PRICES[model.model_id] == client_model.price_usd == model.price_usd
        assert contract.EXPECTED_MAX_SECONDS[model.model_id] == (
            model.queue_seconds[1] + model.processing_seconds[1]
        )
    assert contract.FIBO_SIZES == ASPECT_RATIO_SIZES
    assert tuple(ASPECT_RATIO_SIZES) == contract.ASPECT_RATIOS
    assert contract.DEFAULT_ASPECT_RATIO == DEFAULT_ASPECT_RATIO
    assert Settings().models == DEFAULT_MODELS


def test_a_fibo_job_gets_the_catalogs_defaults() -> None:
    with running(manual_clock=True) as gw, pixazo_client.PixazoClient(gw.api_key, gw.url) as c:
        submitted = c.text_to_image("a lighthouse", seed=7)
        (params,) = [j["params"] for j in gw.jobs if j["request_id"] == submitted.request_id]
    assert params == {"prompt": "a lighthouse", "seed": 7, **FIBO.default_params}


# Run with a copy of pixazo_schemas whose catalog charges 0.25 for FIBO: first on sys.path, it
# wins over the editable install's finder (which setuptools appends to sys.meta_path).
REPRICED = """
import json
from decimal import Decimal
import pixazo_schemas
from mock_gateway.core.catalog import FIBO
from mock_gateway.http.openapi import document
from mock_gateway.running import running
from pixazo_client import Model, PixazoClient
from pixazo_contract.contract import PRICES

assert pixazo_schemas.__file__.startswith(%(copy)r), pixazo_schemas.__file__
with running(manual_clock=True) as gw, PixazoClient(gw.api_key, gw.url) as client:
    before = gw.put_key(gw.api_key)["balance_usd"]
    submission = client.text_to_image("a lighthouse")
    after = gw.put_key(gw.api_key)["balance_usd"]
print(json.dumps({
    "mock": str(FIBO.price_usd),
    "charged": str(Decimal(str(before)) - Decimal(str(after))),
    "client": str(Model.FIBO.price_usd),
    "submission": submission.to_dict()["price_usd"],
    "contract": str(PRICES[FIBO.model_id]),
    "openapi": document()["paths"][FIBO.submit_path]["post"]["summary"],
}))
"""


def test_a_price_changed_in_the_data_file_changes_what_is_charged_and_reported(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "pixazo_schemas"
    shutil.copytree(ROOT / "schemas", copy, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "_catalog" / "catalog.json"
    data = json.loads(path.read_text("utf-8"))
    (fibo,) = [m for m in data["models"] if m["model_id"] == FIBO.model_id]
    fibo["price_usd"] = "0.25"
    path.write_text(json.dumps(data), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAZO_")}
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", REPRICED % {"copy": str(copy)}],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "mock": "0.25",
        "charged": "0.25",
        "client": "0.25",
        "submission": "0.25",
        "contract": "0.25",
        "openapi": f"Submit a {FIBO.model_id} job ($0.25 a job)",
    }
