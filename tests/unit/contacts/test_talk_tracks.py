"""Talk tracks: choosing the situation of the coming call, filling the four sections, the edit-time checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from arrears.compliance.policy import load_policy
from arrears.contacts.talk_tracks import (
    SITUATIONS,
    Signals,
    TalkFacts,
    choose_situation,
    facts_of,
    fill_sections,
    shipped_talk_tracks,
    signals_of,
)
from arrears.messaging.templates.checks import check_draft
from arrears.messaging.templates.errors import TemplateRefused
from arrears.messaging.templates.shipped import Draft
from arrears.messaging.templates.talk import SECTIONS, split_sections

TODAY = date(2005, 10, 1)
YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        (Signals(), "first_contact"),
        (Signals(last_broken_on=YESTERDAY, reached=True), "broken_promise"),
        (Signals(last_broken_on=TODAY - timedelta(days=30), reached=True), "first_contact"),
        (Signals(active_holds=frozenset({"hardship"})), "hardship"),
        (Signals(last_reason="income_loss", reached=True), "hardship"),
        (Signals(active_holds=frozenset({"dispute"}), last_broken_on=YESTERDAY), "dispute"),
        (Signals(last_reason="fraud_claim"), "dispute"),
        (Signals(last_reason="illness", last_broken_on=YESTERDAY), "hardship"),
        (Signals(last_outcome="third_party"), "third_party"),
        (Signals(last_outcome="refused", reached=True), "refusal"),
        (Signals(last_outcome="refused", last_broken_on=YESTERDAY, reached=True), "broken_promise"),
    ],
)
def test_the_situation_of_the_coming_call(signals: Signals, expected: str) -> None:
    assert choose_situation(signals, today=TODAY) == expected


def case(**changes: object) -> dict[str, object]:
    found: dict[str, object] = {
        "account": {"id": 7, "account_no": "UCI000123", "dpd": 35, "overdue_fen": 356_780},
        "customer": {"name": "张*"},
        "holds": [],
        "timeline": [],
        "payments": [],
    }
    return found | changes


def test_the_signals_and_facts_come_from_the_case_file() -> None:
    at = datetime(2005, 9, 20, 10, tzinfo=UTC)
    timeline = [
        {"kind": "call logged", "at": at, "on": at.date(), "status": "refused", "detail": None},
        {"kind": "call logged", "at": at - timedelta(days=3), "on": at.date(), "status": "right_party",
         "detail": "overspending"},
        {"kind": "promise", "on": YESTERDAY, "detail": 120_000, "status": "broken"},
        {"kind": "promise", "on": TODAY + timedelta(days=5), "detail": 50_000, "status": "open"},
    ]  # fmt: skip
    expired = datetime(2005, 9, 1, tzinfo=UTC)
    holds = [{"kind": "hardship", "lifted_at": at, "expires_at": None},
             {"kind": "complaint", "lifted_at": None, "expires_at": expired}]  # fmt: skip
    payments = [
        {"amount_fen": 30_000, "paid_date": date(2005, 8, 1), "reverses_id": None, "reversed_by": None},
        {"amount_fen": 90_000, "paid_date": date(2005, 8, 9), "reverses_id": None, "reversed_by": 9},
    ]
    found = case(timeline=timeline, holds=holds, payments=payments)
    signals = signals_of(found, today=TODAY)
    assert signals == Signals(
        frozenset(), "overspending", "refused", YESTERDAY, True
    )  # lifted, expired holds
    assert choose_situation(signals, today=TODAY) == "broken_promise"
    facts = facts_of(found, today=TODAY)
    assert (facts.account_tail, facts.due_date, facts.last_payment_fen) == ("0123", date(2005, 8, 27), 30_000)
    assert (facts.broken_promise_fen, facts.promise_fen, facts.name) == (120_000, 50_000, "张*")


def test_the_sections_are_filled_with_the_facts_in_both_languages() -> None:
    facts = TalkFacts(
        name="张*",
        account_tail="0123",
        overdue_fen=356_780,
        dpd=35,
        broken_promise_fen=120_000,
        broken_promised_date=YESTERDAY,
        hotline="95588",
    )
    draft = shipped_talk_tracks()["talk_broken_promise"]
    zh = fill_sections(draft, facts, locale="zh")
    en = fill_sections(draft, facts, locale="en")
    assert [s.key for s in zh] == list(SECTIONS) == [s.key for s in en]
    assert "张*" in zh[0].text and "2005年9月30日" in zh[1].text and "1,200.00" in zh[1].text
    assert "3,567.80 yuan" in en[2].text and "95588" in en[3].text
    assert "（无）" in zh[1].text and "(none)" in en[1].text  # no last payment
    assert not any("{" in s.text for s in (*zh, *en))


def test_a_third_party_hears_nothing_of_the_debt() -> None:
    facts = TalkFacts(name="张*", account_tail="0123", overdue_fen=356_780, dpd=35)
    for locale in ("zh", "en"):
        text = " ".join(s.text for s in fill_sections(shipped_talk_tracks()["talk_third_party"], facts,
                                                      locale=locale))  # fmt: skip
        assert "3,567.80" not in text and "0123" not in text and "35" not in text


def test_arrears_ships_a_script_per_situation_in_both_languages() -> None:
    shipped = shipped_talk_tracks()
    assert set(shipped) == {f"talk_{situation}" for situation in SITUATIONS}
    for draft in shipped.values():
        assert split_sections(draft.body_zh) and split_sections(draft.body_en)
        check_draft(draft, policy=load_policy("cn"))  # passes the checks a saved version passes


def talk(zh: str, en: str) -> Draft:
    return Draft(name="talk_x", channel="talk", kind="collection", body_zh=zh, body_en=en)


FOUR = "[identify]\n{name}\n[listen]\n{overdue_yuan}\n[offer]\nplan\n[confirm]\n{hotline}"


def test_the_checks_refuse_a_talk_track_without_its_four_sections_or_with_other_variables() -> None:
    policy = load_policy("cn")
    check_draft(talk(FOUR, FOUR), policy=policy)
    with pytest.raises(TemplateRefused) as refused:
        check_draft(
            talk(FOUR.replace("[offer]\nplan\n", ""), FOUR.replace("[listen]", "[offer]")), policy=policy
        )
    assert (
        len(refused.value.reasons_en) == 2 and "[identify], [listen], [offer]" in refused.value.reasons_en[0]
    )
    with pytest.raises(TemplateRefused) as unknown:
        check_draft(talk(FOUR + "{salary}", FOUR + "{pay_link}"), policy=policy)
    assert list(unknown.value.reasons_en) == [
        "the variable {pay_link} is not available in a collection talk template",
        "unknown variable {salary}",
    ]
    assert split_sections("hello\n" + FOUR) is None and split_sections(FOUR.replace("plan", " ")) is None
