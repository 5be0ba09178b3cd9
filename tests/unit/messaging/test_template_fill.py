"""Filling template versions: masked names outside letters, sections, the education block, missing facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from arrears.messaging.templates import MessageFacts, TemplateError, sample_facts
from arrears.messaging.templates.rules import educated, fill_draft, normal_locale
from arrears.messaging.templates.shipped import Draft, shipped

TODAY = date(2026, 11, 25)
FACTS = sample_facts(today=TODAY)


def filled(name: str, facts: MessageFacts = FACTS, locale: str = "zh") -> str:
    book = shipped()
    return fill_draft(book.templates[name], facts=facts, locale=locale, version=1, book=book).text


def test_the_shipped_sms_keep_their_names_and_texts() -> None:
    book = shipped().templates
    sms = [name for name, draft in book.items() if draft.channel == "sms" and draft.kind == "collection"]
    assert sms == ["reminder", "overdue", "promise_reminder", "plan_confirmation", "pay_link"]
    assert book["overdue"].body_zh.startswith("{name}您好，您尾号{account_tail}的信用卡已逾期")
    assert {book["otp"].kind, book["payment_receipt"].kind} == {"service"}
    assert {d.channel for d in book.values()} == {"sms", "email", "push", "letter"}


def test_sms_say_the_masked_name_and_letters_the_full_name() -> None:
    assert filled("overdue").startswith("张*您好") and "张三" not in filled("overdue")
    letter = filled("demand")
    assert letter.startswith("尊敬的张三：") and "张*" not in letter
    with pytest.raises(TemplateError, match="cardholder's name") as refused:
        filled("demand", replace(FACTS, full_name=None))
    assert "姓名" in refused.value.message_zh


def test_a_letter_carries_every_disclosure_filled_in_both_languages() -> None:
    for locale in ("zh", "en"):
        text = filled("demand", locale=locale)
        assert "{" not in text and "12,345.00" in text and "https://pay.example/a1" in text
    assert "法律依据：您与本行签订的《信用卡领用合约》" in filled("demand")
    assert "Legal basis: the card agreement between you and the bank" in filled("demand", locale="en")


def test_a_missing_fact_refuses_the_message_naming_it() -> None:
    with pytest.raises(TemplateError, match="needs the link to pay online") as refused:
        filled("demand", replace(FACTS, pay_link=None))  # needed inside the how_to_repay section
    assert "在线还款链接" in refused.value.message_zh
    with pytest.raises(TemplateError, match="open promise"):
        filled("promise_reminder", replace(FACTS, promise_fen=None))


def test_letters_and_emails_carry_the_education_block_sms_only_when_chosen() -> None:
    assert "金融知识提示" in filled("demand") and "12378" in filled("email_overdue")
    assert "Financial education" in filled("email_overdue", locale="en")
    assert "征信" not in filled("overdue") and not educated(shipped().templates["overdue"])
    chosen = replace(shipped().templates["overdue"], education=True)
    book = shipped()
    zh = fill_draft(chosen, facts=FACTS, locale="zh", version=2, book=book).text
    en = fill_draft(chosen, facts=FACTS, locale="en", version=2, book=book).text
    assert zh.endswith("逾期将影响个人征信；还款困难可申请分期或延期，投诉请致电400-000-0000。")
    assert en.endswith(" Overdue payments harm your credit report; instalment and hardship plans are "
                       "available; to complain, call 400-000-0000.")  # fmt: skip


def test_service_messages_never_carry_the_education_block() -> None:
    service = Draft(name="otp", channel="sms", kind="service", body_zh="{code}", body_en="{code}")
    assert not educated(replace(service, education=True))
    assert filled("otp", locale="en") == (
        "Your verification code is 246810, valid for 5 minutes. Never share it with anyone."
    )


def test_subjects_are_filled_and_locales_normalised() -> None:
    book = shipped()
    mail = fill_draft(book.templates["email_overdue"], facts=FACTS, locale="zh-CN", version=3, book=book)
    assert (mail.subject, mail.version, mail.kind) == ("您尾号0001的信用卡还款提醒", 3, "collection")
    assert normal_locale("en_US") == "en"
    with pytest.raises(TemplateError, match="unknown locale fr"):
        normal_locale("fr")
