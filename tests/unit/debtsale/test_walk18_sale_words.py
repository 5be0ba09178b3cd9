"""The sale's refusals name money in yuan, as the form asks for it (found walking the demo: a price above
the pool's balance was refused with the balance in fen, "257,909,200 分")."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.debtsale import rules
from arrears.kit.inputs import InvalidField

AS_OF = date(2005, 10, 1)


def test_a_price_above_the_balance_is_refused_with_the_balance_in_yuan() -> None:
    terms = rules.Terms(buyer_name="买方", buyer_licence="L-1", buyer_contact="400-000-0000",
                        buyer_pay_to="账号 1", buyer_collects_itself=True, price_fen=257_909_201,
                        sold_on=AS_OF)  # fmt: skip
    with pytest.raises(InvalidField) as refused:
        rules.check_terms(terms, as_of=AS_OF, balance_fen=257_909_200, today=AS_OF)
    assert refused.value.field == "price"
    assert "¥2,579,092.00" in refused.value.message("en") and "fen" not in refused.value.message("en")
    assert "¥2,579,092.00" in refused.value.message("zh_CN") and "分" not in refused.value.message("zh_CN")
