"""The checks a template version passes at save and approval: variables, threats, service content,
a letter's disclosures, the shape; the shipped templates and the education block pass them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from arrears.compliance import load_policy
from arrears.compliance.content import template_threats
from arrears.messaging.templates import TemplateError, TemplateRefused
from arrears.messaging.templates.checks import check_draft
from arrears.messaging.templates.shipped import Draft, shipped
from arrears.messaging.templates.variables import VARIABLES, allowed_variables, check_variables, placeholders

CN, US = load_policy("cn"), load_policy("us")
SMS = Draft(name="overdue", channel="sms", kind="collection", body_zh="{name}您好", body_en="Dear {name}")


def refusal(draft: Draft) -> TemplateRefused:
    with pytest.raises(TemplateRefused) as refused:
        check_draft(draft, policy=CN)
    return refused.value


def test_every_shipped_template_and_section_passes_both_policies() -> None:
    book = shipped()
    for draft in book.templates.values():
        check_draft(draft, policy=CN)
        check_draft(draft, policy=US)
    texts = [*book.education.values(), *(t for texts in book.sections.values() for t in texts.values())]
    assert template_threats(texts, lexicon=CN.template_threats).allowed


def test_an_unknown_variable_is_refused_naming_it() -> None:
    refused = refusal(replace(SMS, body_en="Dear {name}, your ID {national_id} and {mobile}"))
    assert refused.reasons_en == ("unknown variable {mobile}", "unknown variable {national_id}")
    assert refused.reasons_zh[0] == "未知变量 {mobile}" and refused.rules == ("TEMPLATE-VARIABLES",)


def test_variables_belong_to_their_channel() -> None:
    assert "address" in allowed_variables("letter", "collection")
    assert "address" not in allowed_variables("sms", "collection")
    with pytest.raises(TemplateRefused, match=r"\{address\} is not available in a collection sms template"):
        check_variables(["{address}"], channel="sms", kind="collection")
    with pytest.raises(TemplateRefused, match=r"\{balance\} is not available in a collection push"):
        check_variables(["{balance}"], channel="push", kind="collection")


def test_only_plain_placeholders_fill() -> None:
    assert placeholders("{name}，{{literal}} {name}") == ("name", "name")
    for text in ("{name:>99999}", "{name!r}", "{name.upper}", "{0}"):
        with pytest.raises(TemplateError, match="not a plain variable name"):
            placeholders(text)
    with pytest.raises(TemplateError, match="unbalanced brace"):
        placeholders("{name")


def test_threats_are_refused_in_either_language() -> None:
    refused = refusal(
        replace(SMS, body_zh="{name}，再不还款就通知你家人", body_en="Dear {name}, pay or go to jail")
    )
    assert refused.rules == ("CN-TEMPLATE-THREATS",)
    assert refused.reasons_en == ("the template says “通知你家人”, which threatens or misleads",
                                  "the template says “jail”, which threatens or misleads")  # fmt: skip


def test_a_service_template_carries_no_collection_content() -> None:
    otp = shipped().templates["otp"]
    refused = refusal(replace(otp, body_zh="验证码{code}。您已逾期{overdue_yuan}元，请尽快还款"))
    assert refused.rules == ("TEMPLATE-VARIABLES", "CN-SERVICE-CONTENT")
    assert (
        "{overdue_yuan} is collection content, which a service template may not carry" in refused.reasons_en
    )
    assert "服务类模板不得包含催收用语“尽快还款”" in refused.reasons_zh


def test_a_letter_without_a_disclosure_is_refused() -> None:
    letter = shipped().templates["demand"]
    refused = refusal(replace(letter, body_en=letter.body_en.replace("{how_to_object}", "call us")))
    assert refused.rules == ("LETTER-DISCLOSURES",)
    assert refused.reasons_en == ("English: the letter does not state how to object ({how_to_object})",)


def test_both_languages_and_an_email_subject_are_needed() -> None:
    mail = shipped().templates["email_overdue"]
    refused = refusal(replace(mail, subject_en=" ", body_zh=""))
    assert refused.reasons_en == ("the template needs a Chinese and an English text",
                                  "an e-mail template needs a Chinese and an English subject")  # fmt: skip


def test_the_docs_list_every_variable() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "templates.md").read_text("utf-8")
    assert [name for name in VARIABLES if f"| `{{{name}}}` |" not in docs] == []
