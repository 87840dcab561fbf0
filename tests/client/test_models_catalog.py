"""The client's `Model` enum is the model catalog's models, with its names and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

import pixazo_schemas as schemas
from pixazo_client import Model


def test_the_enums_members_are_exactly_the_catalogs_models() -> None:
    assert [m.value for m in Model] == [e["model_id"] for e in schemas.catalog()["models"]]
    assert [m.name for m in Model] == ["RMBG", "FIBO"], "the public names stay"


@pytest.mark.parametrize("entry", schemas.catalog()["models"], ids=lambda e: e["model_id"])
def test_each_members_name_price_and_paths_come_from_the_catalog(entry: dict[str, str]) -> None:
    model = Model(entry["model_id"])
    assert model.endpoint_name == entry["name"]
    assert model.price_usd == Decimal(entry["price_usd"])
    assert isinstance(model.price_usd, Decimal)
    assert model.submit_path == f"/{entry['model_id']}/v1/{entry['name']}-request"
    assert model.result_path == model.submit_path + "-result"
    assert Model.parse(entry["model_id"].upper()) is model


def test_todays_values_are_kept() -> None:
    assert (Model.RMBG.value, Model.RMBG.endpoint_name, Model.RMBG.price_usd) == (
        "bria-rmbg-2-0-682",
        "bria-rmbg-2-0",
        Decimal("0.018"),
    )
    assert (Model.FIBO.value, Model.FIBO.endpoint_name, Model.FIBO.price_usd) == (
        "bria-fibo-bbq-preview",
        "bria-fibo-bbq-preview",
        Decimal("0.04"),
    )
    assert Model.parse("fibo") is Model.FIBO and Model.parse(" RMBG ") is Model.RMBG
