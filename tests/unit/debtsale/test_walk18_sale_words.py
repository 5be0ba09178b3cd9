"""Found walking the demo: the sale's refusals name money in yuan, as the form asks for it (a price above
the pool's balance was refused with the balance in fen, "257,909,200 分"); the sale date the proposal's
form offers is one the sale accepts (it offered the calendar's today, refused beyond the pool's 90 days
when the business date is behind)."""

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


@pytest.mark.parametrize(
    ("today", "business", "offered", "latest"),
    [
        (date(2026, 12, 6), AS_OF, AS_OF, date(2005, 12, 30)),  # the demo: pages on a day long past
        (date(2026, 12, 6), date(2005, 10, 20), date(2005, 10, 20), date(2005, 12, 30)),
        (date(2005, 10, 9), date(2005, 10, 9), date(2005, 10, 9), date(2005, 10, 9)),  # up to date
        (date(2006, 3, 1), date(2006, 3, 1), date(2005, 12, 30), date(2005, 12, 30)),  # an old pool
        (date(2005, 10, 9), date(2005, 9, 30), AS_OF, date(2005, 10, 9)),  # a run dated before the pool
    ],
)
def test_the_sale_date_offered_is_one_the_sale_accepts(
    today: date, business: date, offered: date, latest: date
) -> None:
    assert rules.latest_sale_day(AS_OF, today=today) == latest
    day = rules.offered_sale_day(AS_OF, today=today, business_day=business)
    assert day == offered
    terms = rules.Terms(buyer_name="买方", buyer_licence="L-1", buyer_contact="400-000-0000",
                        buyer_pay_to="账号 1", buyer_collects_itself=True, price_fen=100,
                        sold_on=day)  # fmt: skip
    assert rules.check_terms(terms, as_of=AS_OF, balance_fen=1_000, today=today).sold_on == day


def test_a_sale_refused_for_its_accounts_says_why_in_words() -> None:
    """Approving a pool whose accounts were sold, held or taken to court meanwhile names each one's reason
    in the reader's language (it showed the codes: "A00000832 (sold)" on a Chinese page)."""
    found = [("A001", "sold"), ("A002", "hold"), ("A003", "legal_case"), ("A004", "not_eligible")]
    refused = rules.refused_accounts(found)
    zh, en = refused.message("zh_CN"), refused.message("en")
    assert "A001（已转让）" in zh and "A002（停催）" in zh and "A003（有进行中的法律案件）" in zh, zh
    assert "A004（不符合转让条件）" in zh and "sold" not in zh and "hold" not in zh, zh
    assert "A001 (sold before)" in en and "A002 (a hold)" in en and "A003 (an open legal case)" in en, en
    assert "A004 (not eligible for sale)" in en and "legal_case" not in en, en
    many = rules.refused_accounts([(f"A{n:03d}", "sold") for n in range(12)], shown_at_most=10)
    assert "另有 2 个" in many.message("zh_CN") and "and more" not in many.message("zh_CN")
    assert "and 2 more" in many.message("en")
