"""Pure decisions of an inbound call (a cardholder or someone else calls the bank): checking who is calling
against the record, what the rulebook still asks of the call, and what the call logged may say.

The outbound rules (calling hours, the daily and rolling caps, the cooldown after a conversation, the
opt-outs of a number) govern calls the bank places; a call the cardholder places is answered whatever the
hour and however many calls were made that day, and is not counted against those caps afterwards. What
still applies: the debt is disclosed only to the verified cardholder (the third-party rule's
``may_disclose_debt``), and a hold that pauses collection (``holds.blocking``) still pauses it: the
cardholder's questions are answered, no promise to pay is taken. docs/contact-actions.md ("Inbound calls").
No database, no clock."""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arrears.compliance.policy import Policy
from arrears.compliance.rules import HOLD_NAMES
from arrears.contacts.calls import Promise
from arrears.kit.inputs import InvalidField, shown
from arrears.models.contact_event import DelinquencyReason

INBOUND_CHANNEL = "inbound_call"  # contact_event.channel of a call the cardholder (or someone) placed
Check = Literal["match", "mismatch", "not_given", "not_on_file"]
InboundOutcome = Literal["right_party", "promise", "third_party"]
INBOUND_OUTCOMES: tuple[str, ...] = InboundOutcome.__args__  # type: ignore[attr-defined]
ID_TAIL = re.compile(r"[0-9]{3}[0-9X]|[0-9]{5}[0-9X]")  # the last 4 or 6 characters of a national ID
_IGNORED = re.compile(r"[\s·•.\-]")  # spaces and the dots of transliterated names


@dataclass(frozen=True, slots=True)
class Claimed:
    """What the caller says: their name, the last 4 or 6 characters of their national ID, their date of
    birth (each may be left out)."""

    name: str = ""
    id_tail: str = ""
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class OnFile:
    """The cardholder's record (in clear, read for the comparison only)."""

    name: str
    national_id: str
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class Verification:
    name: Check
    id_tail: Check
    birth_date: Check

    @property
    def passed(self) -> bool:
        """The name and the ID's last characters match, and the date of birth too when the record has one."""
        return (
            self.name == "match" and self.id_tail == "match" and self.birth_date in ("match", "not_on_file")
        )

    @property
    def checked(self) -> bool:
        """Whether anything was asked at all."""
        return any(one != "not_given" for one in (self.name, self.id_tail, self.birth_date))

    def details(self) -> dict[str, object]:
        """What the audit keeps: each check's result, never the values."""
        return {
            "name": self.name,
            "id_tail": self.id_tail,
            "birth_date": self.birth_date,
            "verified": self.passed,
        }


NOT_CHECKED = Verification("not_given", "not_given", "not_given")


def id_tail(text: str) -> str:
    """The last 4 or 6 characters of a national ID as typed (trimmed, upper case, half-width), or "";
    InvalidField for anything else."""
    value = unicodedata.normalize("NFKC", text).strip().upper()  # full-width digits typed with an IME
    if value and ID_TAIL.fullmatch(value) is None:
        raise InvalidField(
            "id_tail",
            f"{shown(text)} is not the last 4 or 6 characters of a national ID",
            f"{shown(text)} 不是身份证号码的后 4 位或后 6 位",
        )
    return value


def _normal_name(text: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _same(given: str, known: str) -> bool:
    return hmac.compare_digest(given.encode(), known.encode())


def verify(claimed: Claimed, on_file: OnFile) -> Verification:
    """Each item the caller gave against the record (compared in constant time)."""
    name: Check = "not_given"
    if claimed.name.strip():
        name = "match" if _same(_normal_name(claimed.name), _normal_name(on_file.name)) else "mismatch"
    tail: Check = "not_given"
    if claimed.id_tail:
        known = on_file.national_id.strip().upper()[-len(claimed.id_tail) :]
        tail = "match" if _same(claimed.id_tail, known) else "mismatch"
    born: Check = "not_on_file" if on_file.birth_date is None else "not_given"
    if claimed.birth_date is not None and on_file.birth_date is not None:
        born = "match" if claimed.birth_date == on_file.birth_date else "mismatch"
    return Verification(name, tail, born)


@dataclass(frozen=True, slots=True)
class Notice:
    rule: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Guidance:
    """What the rulebook asks of the inbound call: whether the debt may be discussed, whether a promise
    may be taken, and the notices to show (each naming its rule)."""

    may_disclose: bool
    may_take_promise: bool
    notices: tuple[Notice, ...]


def guidance(policy: Policy, *, verified: bool, holds: Sequence[str]) -> Guidance:
    notices: list[Notice] = []
    third = policy.third_party
    may_disclose = verified or third is None or third.may_disclose_debt
    if not may_disclose and third is not None:
        notices.append(
            Notice(
                third.rule,
                "来电人尚未核实为持卡人本人：不得透露欠款信息",
                "the caller is not verified as the cardholder: do not disclose the debt",
            )
        )
    blocking = [kind for kind in holds if policy.holds is not None and kind in policy.holds.blocking]
    if blocking and policy.holds is not None:
        zh = "、".join(HOLD_NAMES.get(kind, (kind, kind))[0] for kind in blocking)
        en = ", ".join(HOLD_NAMES.get(kind, (kind, kind))[1] for kind in blocking)
        notices.append(
            Notice(
                policy.holds.rule,
                f"账户处于暂停状态：{zh}。可解答持卡人的问题，但不得催收，也不接受还款承诺",
                f"active hold: {en}. Answer the cardholder's questions; no collection and no "
                "promise to pay while it lasts",
            )
        )
    return Guidance(may_disclose, verified and not blocking, tuple(notices))


class InboundCall(BaseModel):
    """An inbound call as customer service records it."""

    model_config = ConfigDict(extra="forbid")
    party: Literal["debtor", "third_party"]  # the verified cardholder, or anyone else (or not verified)
    outcome: InboundOutcome
    reason: DelinquencyReason | None = None
    notes: str | None = Field(default=None, max_length=2000)
    promise: Promise | None = None
    contact_point_id: int | None = None  # the cardholder's number the call came from, when known

    @model_validator(mode="after")
    def _consistent(self) -> InboundCall:
        if self.party == "third_party" and self.outcome != "third_party":
            raise InvalidField(
                "outcome",
                "a caller who is not the verified cardholder is logged as a third party",
                "来电人不是已核实的持卡人本人，结果应记为第三方",
            )
        if self.party == "debtor" and self.outcome == "third_party":
            raise InvalidField(
                "party",
                "a third party's call is logged as someone else's",
                "第三方来电请选择“其他人或未核实”",
            )
        if self.promise is not None and self.party != "debtor":
            raise InvalidField(
                "outcome",
                "a promise to pay is taken from the verified cardholder only",
                "只能接受已核实的持卡人本人的还款承诺",
            )
        if (self.outcome == "promise") != (self.promise is not None):
            raise InvalidField(
                "promise",
                "the outcome promise needs the promise (amount and date), and only it",
                "结果为承诺还款时须填写承诺金额和日期，其他结果不填",
            )
        return self


def refusal_to_log(call: InboundCall, *, verification: Verification, guide: Guidance) -> InvalidField | None:
    """Why the call cannot be logged as given (None: it can)."""
    if call.party == "debtor" and not verification.passed:
        return InvalidField(
            "party",
            "the caller is not verified: check their identity, or log them as not verified",
            "来电人尚未通过身份核实：请先核实，或记为“其他人或未核实”",
        )
    if call.promise is not None and not guide.may_take_promise:
        reasons = "; ".join(notice.en for notice in guide.notices)
        reasons_zh = "；".join(notice.zh for notice in guide.notices)
        return InvalidField(
            "outcome", f"no promise to pay can be taken now: {reasons}", f"现在不能接受还款承诺：{reasons_zh}"
        )
    return None
