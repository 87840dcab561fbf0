"""A key not allowed a model: 403 Forbidden, and nothing charged.

Mock only: which models a live key may use is the account's, not ours to choose (the mock's
control API restricts a key to one model). Generation 1's table gives the body exactly;
generation 2 lists 403 without a body, so there the generation-1 body is an assumption.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from .checks import check_error, check_table_body
from .contract import FIBO, RMBG
from .ledger import current
from .target import MockControl, Target

pytestmark = pytest.mark.mock_only

BODIES = {FIBO: {"prompt": "A watercolor of a lighthouse at dusk"}}
# generation -> (the one model the key may use, the model it asks for)
CASES = {2: (RMBG, FIBO), 1: (FIBO, RMBG)}  # generation 1's page is RMBG's


@pytest.mark.parametrize("generation", sorted(CASES, reverse=True))
def test_a_key_not_allowed_the_model_is_403(
    target: Target, mock: MockControl, generation: int
) -> None:
    allowed, asked = CASES[generation]
    key = f"contract-only-{allowed}"
    mock.put_key(key, balance_usd=1, models=[allowed], api_generation=generation)
    body = BODIES.get(asked) or {"image_url": target.inputs[0].url}
    answer = target.submit(asked, body, key=key)
    what = f"a generation-{generation} {asked} submit with a key allowed only {allowed}"
    found = check_error(answer, 403, "forbidden-403", what)
    check_table_body(answer, found, generation=generation)
    left = mock.balance(key)
    current().assumption(
        "assumed.wallet.rejected-free", holds=left == Decimal(1), observed=f"wallet {left}",
        answer=answer, message=f"{what} was charged",
    )  # fmt: skip
