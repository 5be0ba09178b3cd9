"""What a message may say: the threat lexicon, service content, a letter's disclosures in each language."""

from __future__ import annotations

import pytest

from arrears.compliance import load_policy
from arrears.compliance.content import letter_template, service_content, template_threats, terms_in
from arrears.compliance.policy import Lexicon, parse_policy
from arrears.kit.errors import ConfigurationError

CN = load_policy("cn")
LEXICON = Lexicon(rule="T", terms=("坐牢", "通知你家人", "sue you", "jail"))


def test_terms_match_ignoring_case_width_and_spaces_latin_terms_as_whole_words() -> None:
    assert terms_in(["再不还就让你坐 牢"], LEXICON.terms) == ["坐牢"]
    assert terms_in(["我们将通知\u200b你家人"], LEXICON.terms) == ["通知你家人"]
    assert terms_in(["We will SUE\n you", "ＪＡＩＬ"], LEXICON.terms) == ["sue you", "jail"]
    assert terms_in(["a jailbreak; pursue young leads"], LEXICON.terms) == []


def test_the_shipped_policies_refuse_threats_in_chinese_and_english() -> None:
    verdict = template_threats(["{name}您好，逾期不还将起诉你并上门催收。"], lexicon=CN.template_threats)
    assert not verdict.allowed and verdict.rule == "CN-TEMPLATE-THREATS"
    assert verdict.reasons_zh == ("模板含有威胁或误导性用语“起诉你”", "模板含有威胁或误导性用语“上门”")
    assert (
        "arrest"
        in template_threats(["You may face arrest."], lexicon=load_policy("us").template_threats).reasons_en[
            0
        ]
    )
    assert template_threats(["请尽快还款。"], lexicon=CN.template_threats).allowed
    assert template_threats(["坐牢"], lexicon=None).allowed  # a policy without the section


def test_service_content_refuses_collection_variables_and_demand_terms() -> None:
    texts = ["您的验证码为{code}，您已逾期{overdue_yuan}元"]
    verdict = service_content(texts, variables={"code", "overdue_yuan"},
                              collection_variables={"overdue_yuan"}, lexicon=CN.service_content)  # fmt: skip
    assert not verdict.allowed and verdict.rule == "CN-SERVICE-CONTENT"
    assert verdict.reasons_en == (
        "a service template may carry no collection content such as {overdue_yuan}",
        "a service template may not say “逾期”, which is collection content",
    )
    assert service_content(["验证码{code}"], variables={"code"}, collection_variables={"overdue_yuan"},
                           lexicon=CN.service_content).allowed  # fmt: skip


def test_a_letter_names_each_missing_disclosure_and_its_language() -> None:
    full = "{name}{balance}{reason}{legal_basis}{rights}{how_to_check}{how_to_repay}{how_to_object}"
    full += "{issuer_contact}"
    assert letter_template({"zh": full, "en": full}).allowed
    verdict = letter_template({"zh": full, "en": full.replace("{legal_basis}", "")})
    assert verdict.reasons_en == ("English: the letter does not state the legal basis ({legal_basis})",)
    assert verdict.reasons_zh == ("英文：催收函缺少法律依据（{legal_basis}）",)


def test_a_lexicon_needs_terms() -> None:
    with pytest.raises(ConfigurationError, match=r"template_threats\.terms"):
        parse_policy(
            'name = "x"\nretention_years = 2\n[template_threats]\nrule = "X"\nterms = []\n', "x.toml"
        )
    with pytest.raises(ConfigurationError, match="a term is empty"):
        parse_policy(
            'name = "x"\nretention_years = 2\n[service_content]\nrule = "X"\nterms = [" "]\n', "x.toml"
        )
