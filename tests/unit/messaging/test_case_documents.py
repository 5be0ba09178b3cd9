"""A legal case's own documents (decision 0035): the re-check leaves that case's litigation hold out of
the cardholder's holds and keeps every other one; the lawyer's letter template is governed content
that carries the Art. 69 disclosures and names the case, the firm and the lawyer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.compliance import load_policy
from arrears.messaging.rules import Held, Holds, Pending, PointFacts, Verdict, recheck
from arrears.messaging.templates import TemplateError, sample_facts
from arrears.messaging.templates.checks import verdicts
from arrears.messaging.templates.rules import fill_draft
from arrears.messaging.templates.shipped import shipped

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)
CUSTOMER, ACCOUNT, OTHER_ACCOUNT = 5, 9, 10
LITIGATION = Held(41, CUSTOMER, ACCOUNT, "litigation")  # the case's own hold


def _holds(*held: Held) -> Holds:
    by_customer: dict[int, tuple[str, ...]] = {}
    by_account: dict[int, tuple[str, ...]] = {}
    for one in held:
        if one.account_id is None:
            by_customer[one.customer_id] = (*by_customer.get(one.customer_id, ()), one.kind)
        else:
            by_account[one.account_id] = (*by_account.get(one.account_id, ()), one.kind)
    return Holds(by_customer, by_account, held)


def _letter(own_hold_id: int | None) -> Pending:
    return Pending(1, "letter", "collection", CUSTOMER, ACCOUNT, 7, NOW + timedelta(days=30), own_hold_id)


def _verdict(message: Pending, holds: Holds) -> Verdict:
    points = {7: PointFacts(7, CUSTOMER, "home_address", opted_out=False, invalid=False)}
    [verdict] = recheck(messages=[message], points=points, holds=holds, policy=load_policy("cn"),
                        zone="Asia/Shanghai", now=NOW)  # fmt: skip
    return verdict


def test_the_cases_letter_goes_under_the_cases_own_hold() -> None:
    assert _verdict(_letter(LITIGATION.id), _holds(LITIGATION)).action == "send"


def test_an_ordinary_letter_on_the_account_is_still_held() -> None:
    verdict = _verdict(_letter(None), _holds(LITIGATION))
    assert (verdict.action, verdict.rules) == ("cancel", ("CN-HOLD",))


@pytest.mark.parametrize(
    "other",
    [
        Held(42, CUSTOMER, ACCOUNT, "dispute"),
        Held(43, CUSTOMER, None, "deceased"),  # on all the customer's accounts
        Held(44, CUSTOMER, None, "litigation"),  # another litigation hold than the case's: it counts
    ],
)
def test_every_other_hold_still_blocks_the_cases_letter(other: Held) -> None:
    verdict = _verdict(_letter(LITIGATION.id), _holds(LITIGATION, other))
    assert (verdict.action, verdict.rules) == ("cancel", ("CN-HOLD",))


def test_holds_on_another_account_or_a_hardship_hold_do_not() -> None:
    holds = _holds(
        LITIGATION, Held(45, CUSTOMER, OTHER_ACCOUNT, "dispute"), Held(46, CUSTOMER, ACCOUNT, "hardship")
    )
    assert holds.of(customer_id=CUSTOMER, account_id=ACCOUNT, but=LITIGATION.id) == ["hardship"]
    assert _verdict(_letter(LITIGATION.id), holds).action == "send"


def test_a_hold_that_is_no_longer_active_leaves_the_kinds_as_they_are() -> None:
    holds = _holds(Held(42, CUSTOMER, ACCOUNT, "dispute"))  # the case's hold lifted: not among them
    assert holds.of(customer_id=CUSTOMER, account_id=ACCOUNT, but=LITIGATION.id) == ["dispute"]


def test_the_lawyers_letter_template_passes_the_rulebooks_checks_in_both_policies() -> None:
    draft = shipped().templates["lawyer_letter"]
    assert (draft.channel, draft.kind) == ("letter", "collection")
    for policy in ("cn", "us"):
        found = {verdict.rule: verdict.allowed for verdict in verdicts(draft, policy=load_policy(policy))}
        assert found["LETTER-DISCLOSURES"] and all(found.values()), (policy, found)


def test_the_lawyers_letter_names_the_case_the_firm_the_lawyer_and_the_amounts() -> None:
    book, facts = shipped(), sample_facts(today=date(2026, 11, 24))
    text = fill_draft(book.templates["lawyer_letter"], facts=facts, locale="zh", version=1, book=book).text
    assert "FW-000007" in text and "示例律师事务所" in text and "李律师" in text
    assert "12,345.00" in text and "2026年11月24日" in text  # the balance and its computation date
    english = fill_draft(book.templates["lawyer_letter"], facts=sample_facts(today=date(2026, 11, 24),
                         locale="en"), locale="en", version=1, book=book).text  # fmt: skip
    assert "Example Law Firm" in english and "legal case FW-000007" in english
    with pytest.raises(TemplateError, match="law firm"):  # a letter without its case does not fill
        fill_draft(book.templates["lawyer_letter"], facts=replace(facts, firm_name=None), locale="zh",
                   version=1, book=book)  # fmt: skip
