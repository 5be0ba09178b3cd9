"""The checks a template version passes when it is saved and again when it is approved. Pure.

Its variables (each allowed for its channel and kind, see :mod:`.variables`), its content against the
policy (no threats, :func:`arrears.compliance.content.template_threats`; a service template carries no
collection content; a letter carries every Art. 69 disclosure), and its shape (both languages, a
subject for e-mail). Every reason is reported at once, in Chinese and English.
"""

from __future__ import annotations

from arrears.compliance.content import letter_template, service_content, template_threats
from arrears.compliance.entry_points import Verdict
from arrears.compliance.policy import Policy
from arrears.messaging.templates.errors import TemplateError, TemplateRefused
from arrears.messaging.templates.shipped import Draft
from arrears.messaging.templates.talk import sections_verdict
from arrears.messaging.templates.variables import COLLECTION_VARIABLES, check_variables, placeholders

MAX_BODY = 20_000
MAX_SUBJECT = 200


def _shape(draft: Draft) -> Verdict:
    zh, en = [], []
    if not draft.body_zh.strip() or not draft.body_en.strip():
        zh.append("模板须有中文和英文正文")
        en.append("the template needs a Chinese and an English text")
    if max(len(draft.body_zh), len(draft.body_en)) > MAX_BODY:
        zh.append(f"正文不能超过 {MAX_BODY} 个字符")
        en.append(f"a text may hold at most {MAX_BODY} characters")
    subjects = (draft.subject_zh or "", draft.subject_en or "")
    if draft.channel == "email" and not all(subject.strip() for subject in subjects):
        zh.append("电子邮件模板须有中文和英文主题")
        en.append("an e-mail template needs a Chinese and an English subject")
    if any(len(subject) > MAX_SUBJECT or "\n" in subject for subject in subjects):
        zh.append(f"主题须为一行，不能超过 {MAX_SUBJECT} 个字符")
        en.append(f"a subject is one line of at most {MAX_SUBJECT} characters")
    return Verdict(allowed=not zh, rule="TEMPLATE-SHAPE", reasons_zh=tuple(zh), reasons_en=tuple(en))


def _variables(draft: Draft) -> tuple[Verdict, frozenset[str]]:
    try:
        used = check_variables(draft.texts(), channel=draft.channel, kind=draft.kind)
    except TemplateRefused as refused:
        verdict = Verdict(False, "TEMPLATE-VARIABLES", refused.reasons_zh, refused.reasons_en)
        return verdict, frozenset(name for text in draft.texts() for name in placeholders(text))
    except TemplateError as malformed:
        return Verdict(
            False, "TEMPLATE-VARIABLES", (malformed.message_zh,), (malformed.message_en,)
        ), frozenset()
    return Verdict(allowed=True, rule="TEMPLATE-VARIABLES"), used


def verdicts(draft: Draft, *, policy: Policy) -> list[Verdict]:
    """Every check's verdict on the draft (allowed or not)."""
    variables, used = _variables(draft)
    found = [_shape(draft), variables, template_threats(draft.texts(), lexicon=policy.template_threats)]
    if draft.kind == "service":
        found.append(service_content(draft.texts(), variables=used, collection_variables=COLLECTION_VARIABLES,
                                     lexicon=policy.service_content))  # fmt: skip
    if draft.channel == "letter" and draft.kind == "collection":  # Art. 69: what a collection letter states
        found.append(letter_template({"zh": draft.body_zh, "en": draft.body_en}))
    if draft.channel == "talk":  # a call script: identify, listen, offer, confirm
        found.append(sections_verdict(draft.body_zh, draft.body_en))
    return found


def check_draft(draft: Draft, *, policy: Policy) -> None:
    """TemplateRefused with every reason when a check refuses the draft."""
    refused = [verdict for verdict in verdicts(draft, policy=policy) if not verdict.allowed]
    if refused:
        raise TemplateRefused(
            [reason for verdict in refused for reason in verdict.reasons_en],
            [reason for verdict in refused for reason in verdict.reasons_zh],
            [verdict.rule for verdict in refused],
        )
