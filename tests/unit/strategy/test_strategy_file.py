"""Strategy files: the default one is valid; bad ones are refused with file, line and field named."""

from __future__ import annotations

import pytest

from arrears.kit.errors import ConfigurationError
from arrears.strategy.load import load_strategy, parse_strategy
from arrears.strategy.schema import Range

GOOD = """
name: test
version: 2
label: {zh: 测试, en: Test}
economics: {sms: {cost: 0.05, lift: 0.02}, call: {cost: 4, lift: 0.08}}
treatments:
  sms: {label: {zh: 短信, en: SMS}, steps: [{channel: sms, days: [1, 5]}]}
  call: {label: {zh: 电话, en: Calls}, steps: [{channel: call, within: 2}]}
segments:
  - id: early
    label: {zh: 早期, en: Early}
    when: {dpd: {min: 1, max: 30}}
    arms:
      - {id: champion, share: 70, treatment: sms}
      - {id: challenger, share: 30, treatment: call}
  - id: later
    label: {zh: 后期, en: Later}
    when: {bucket: [M2, M3]}
    treatment: call
"""


def refused(text: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        parse_strategy(text, "plan.yaml")
    return caught.value.message_en


def test_the_default_strategy_is_valid_and_follows_common_practice() -> None:
    default = load_strategy("default").strategy
    segments = {one.id: one for one in default.segments}
    assert segments["early"].when.dpd is not None and (
        segments["early"].when.dpd.min,
        segments["early"].when.dpd.max,
    ) == (3, 15)
    assert [arm.share for arm in segments["early"].arms] == [80, 20]
    channels = {step.channel for step in default.treatments[segments["legal"].treatment or ""].steps}
    assert "legal_review" in channels
    legal = segments["legal"].when  # long overdue, a large balance, able to pay
    assert legal.dpd is not None and (legal.dpd.min, legal.dpd.max) == (181, None)
    assert legal.balance is not None and legal.balance.min == 10_000
    assert legal.ability is not None and (legal.ability.min, legal.ability.max) == (0, None)
    files_review = {
        name
        for name, one in default.treatments.items()
        if any(s.channel == "legal_review" for s in one.steps)
    }
    reviewed = [
        one.id
        for one in default.segments
        if ({arm.treatment for arm in one.arms_or_one()} | {one.on_broken_promise}) & files_review
    ]
    assert reviewed == ["legal"]  # nothing else files a legal review


def test_a_valid_file_is_read_with_its_hash() -> None:
    loaded = parse_strategy(GOOD, "plan.yaml")
    assert loaded.strategy.version == 2 and len(loaded.sha256) == 64


def test_overlapping_segments_are_refused_naming_both() -> None:
    # dpd 1-30 and M1 (1-30 DPD) share every account
    text = GOOD.replace("when: {bucket: [M2, M3]}", "when: {bucket: [M1, M2]}")
    assert "segments overlap" in refused(text) and "early and later" in refused(text)


def test_segments_that_differ_in_one_condition_do_not_overlap() -> None:
    text = GOOD.replace("when: {bucket: [M2, M3]}", "when: {bucket: [M1], hold: true}").replace(
        "when: {dpd: {min: 1, max: 30}}", "when: {dpd: {min: 1, max: 30}, hold: false}"
    )
    parse_strategy(text, "plan.yaml")


def test_an_unknown_channel_is_refused_with_its_line_and_field() -> None:
    message = refused(GOOD.replace("channel: call", "channel: fax"))
    assert "plan.yaml: line 8, treatments.call.steps.0.channel" in message


def test_shares_must_sum_to_100() -> None:
    message = refused(GOOD.replace("share: 30", "share: 20"))
    assert "line 10" in message and "arm shares sum to 90%, not 100%" in message


def test_unknown_treatments_buckets_and_bad_yaml_are_named() -> None:
    assert "unknown treatment letter" in refused(GOOD.replace("treatment: call\n", "treatment: letter\n"))
    assert "unknown bucket M9" in refused(GOOD.replace("[M2, M3]", "[M2, M9]"))
    assert "not valid YAML" in refused("name: [unclosed")
    assert "a strategy file is a mapping" in refused("- a list")


ABLE = (
    GOOD.replace("when: {bucket: [M2, M3]}", "when: {bucket: [M2, M3], ability: {min: 0}}")
    + """  - id: unable
    label: {zh: 能力弱, en: Unable}
    when: {bucket: [M2, M3], ability: {max: -1}}
    treatment: sms
"""
)


def test_the_ability_condition_splits_segments_and_is_checked() -> None:
    loaded = parse_strategy(ABLE, "plan.yaml").strategy  # ability 0 or more, and below 0: no overlap
    assert [one.when.ability for one in loaded.segments][1:] == [Range(min=0), Range(max=-1)]
    overlapping = refused(ABLE.replace("ability: {max: -1}", "ability: {max: 0}"))
    assert "segments overlap" in overlapping and "later and unable" in overlapping
    assert "segments.1.when.ability: Value error, min is larger than max" in refused(
        ABLE.replace("ability: {min: 0}", "ability: {min: 5, max: 1}")
    )
    assert "segments.1.when.ability.min" in refused(ABLE.replace("ability: {min: 0}", "ability: {min: much}"))
    assert "segments.1.when.abilty" in refused(ABLE.replace("ability: {min: 0}", "abilty: {min: 0}"))


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ConfigurationError, match="nor a readable file"):
        load_strategy("/nonexistent/plan.yaml")


def test_every_channel_used_needs_its_economics() -> None:
    message = refused(GOOD.replace("call: {cost: 4, lift: 0.08}", "letter: {cost: 6, lift: 0.04}"))
    assert "economics: no cost and lift for call" in message


DIGITAL = GOOD.replace(
    "economics: {sms: {cost: 0.05, lift: 0.02},",
    "economics: {email: {cost: 0.02, lift: 0.015}, push: {cost: 0.01, lift: 0.01},"
    " sms: {cost: 0.05, lift: 0.02},",
).replace(
    "steps: [{channel: sms, days: [1, 5]}]}",
    "steps: [{channel: push, days: [1], template: app_overdue},"
    " {channel: email, days: [2], template: email_overdue}, {channel: sms, days: [3], template: reminder}]}",
)


def test_email_and_push_steps_name_governed_templates_of_their_channel() -> None:
    steps = parse_strategy(DIGITAL, "plan.yaml").strategy.treatments["sms"].steps
    assert [(step.channel, step.template) for step in steps] == [
        ("push", "app_overdue"),
        ("email", "email_overdue"),
        ("sms", "reminder"),
    ]
    unknown = refused(DIGITAL.replace("template: app_overdue", "template: app_threat"))
    assert (
        "line 7, treatments.sms.steps.0: Value error, template app_threat is not a governed push" in unknown
    )
    assert "(known: app_overdue, wechat_overdue)" in unknown
    # an SMS template is not an e-mail; a service template (a one-time code) never collects
    assert "not a governed email collection template" in refused(
        DIGITAL.replace("template: email_overdue", "template: reminder")
    )
    assert "not a governed sms collection template" in refused(
        DIGITAL.replace("template: reminder", "template: otp")
    )


def test_an_email_or_notice_without_a_template_is_refused() -> None:
    message = refused(DIGITAL.replace(", template: email_overdue", ""))
    assert "treatments.sms.steps.1: Value error, a step of channel email needs a template" in message
