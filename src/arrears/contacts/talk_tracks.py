"""Talk tracks (话术): the call script a collector reads beside the call form, per situation and segment.

A talk track is a governed template of the channel ``talk`` in the message templates' store: written by
team leads on ``/templates``, approved by a compliance user who did not write it, versioned; only the
approved version in use is shown. Arrears ships one per situation (``talk_tracks.toml``, zh and en),
seeded as approved version 1 like the shipped message templates. A segment's own script is named
``talk_<situation>_<segment>`` and wins over the general one.

Pure, except :func:`segment_of`, :func:`in_use` and :func:`seed_talk_tracks` (reads and a seed write).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import Connection, select

from arrears.kit.money import format_fen
from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.facts import HOTLINE, day_text
from arrears.messaging.templates.preview import Preview
from arrears.messaging.templates.repository import TemplateRepository
from arrears.messaging.templates.rules import substitute
from arrears.messaging.templates.shipped import Draft
from arrears.messaging.templates.talk import SECTIONS, sections_verdict, split_sections
from arrears.messaging.templates.variables import check_variables
from arrears.models import CollectionAction, table_of

SITUATIONS: Final = ("first_contact", "broken_promise", "hardship", "third_party", "refusal", "dispute")
BROKEN_WITHIN_DAYS: Final = 7  # a promise broken this recently still sets the call's tone
HARDSHIP_REASONS: Final = frozenset({"income_loss", "illness", "business_failure"})
DISPUTE_REASONS: Final = frozenset({"dispute", "fraud_claim"})
REACHED: Final = frozenset({"right_party", "promise", "refused", "callback"})  # the cardholder answered
NONE_TEXT: Final = MappingProxyType({"zh": "（无）", "en": "(none)"})


@dataclass(frozen=True, slots=True)
class Signals:
    """What the case says about the coming call (from the case file, see :func:`signals_of`)."""

    active_holds: frozenset[str] = frozenset()
    last_reason: str | None = None  # the reason for delinquency of the latest call that gave one
    last_outcome: str | None = None  # the latest call's outcome
    last_broken_on: date | None = None  # the promised date of the latest broken promise
    reached: bool = False  # a call ever reached the cardholder


@dataclass(frozen=True, slots=True)
class TalkFacts:
    """What a talk track may say; ``name`` is already masked as pages mask it."""

    name: str
    account_tail: str
    overdue_fen: int
    dpd: int
    due_date: date | None = None
    promise_fen: int | None = None
    promised_date: date | None = None
    last_payment_fen: int | None = None
    last_payment_date: date | None = None
    broken_promise_fen: int | None = None
    broken_promised_date: date | None = None
    hotline: str = HOTLINE


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # identify, listen, offer, confirm
    text: str


@dataclass(frozen=True, slots=True)
class Shown:
    """The script shown on the case page."""

    situation: str
    chosen: str  # the situation the case's facts pick (the collector may switch)
    name: str  # the template's name
    version: int
    sections: tuple[Section, ...]


def choose_situation(signals: Signals, *, today: date) -> str:
    """The situation of the coming call: a dispute, then hardship (neither is pressed for payment),
    then a promise broken within the last week, then the latest call's third party or refusal, then a
    first contact when nobody was reached yet; else the general script (``first_contact``)."""
    if "dispute" in signals.active_holds or signals.last_reason in DISPUTE_REASONS:
        return "dispute"
    if "hardship" in signals.active_holds or signals.last_reason in HARDSHIP_REASONS:
        return "hardship"
    broken = signals.last_broken_on
    if broken is not None and today - timedelta(days=BROKEN_WITHIN_DAYS) <= broken < today:
        return "broken_promise"
    if signals.last_outcome == "third_party":
        return "third_party"
    if signals.last_outcome == "refused":
        return "refusal"
    return "first_contact"


def _active(hold: Mapping[str, Any], today: date) -> bool:
    expires = hold.get("expires_at")
    return hold.get("lifted_at") is None and (expires is None or expires.date() >= today)


def signals_of(case: Mapping[str, Any], *, today: date) -> Signals:
    """The signals in a case file (:func:`arrears.accounts.case_file.case_file`): holds, the timeline's
    calls (newest first) and promises."""
    timeline = case["timeline"]
    calls = sorted((item for item in timeline if item.get("kind") == "call logged" and item.get("at")),
                   key=lambda item: item["at"], reverse=True)  # fmt: skip
    broken = [item["on"] for item in case["timeline"] if item.get("kind") == "promise"
              and item.get("status") == "broken" and item.get("on") is not None]  # fmt: skip
    return Signals(
        active_holds=frozenset(hold["kind"] for hold in case["holds"] if _active(hold, today)),
        last_reason=next((call["detail"] for call in calls if call.get("detail")), None),
        last_outcome=calls[0]["status"] if calls else None,
        last_broken_on=max(broken) if broken else None,
        reached=any(call.get("status") in REACHED for call in calls),
    )


def facts_of(case: Mapping[str, Any], *, today: date, hotline: str = HOTLINE) -> TalkFacts:
    """The facts a script says, from a case file whose name is masked."""
    account = case["account"]
    promises = [item for item in case["timeline"] if item.get("kind") == "promise" and item.get("on")]
    open_ = max((p for p in promises if p.get("status") == "open"), key=lambda p: p["on"], default=None)
    broken = max((p for p in promises if p.get("status") == "broken"), key=lambda p: p["on"], default=None)
    paid = [p for p in case.get("payments", ()) if not p.get("reverses_id") and not p.get("reversed_by")]
    last = max(paid, key=lambda p: p["paid_date"], default=None)
    dpd = int(account["dpd"] or 0)
    return TalkFacts(
        name=case["customer"]["name"], account_tail=str(account["account_no"])[-4:],
        overdue_fen=int(account["overdue_fen"] or 0), dpd=dpd,
        due_date=today - timedelta(days=dpd) if dpd > 0 else None,
        promise_fen=open_["detail"] if open_ else None, promised_date=open_["on"] if open_ else None,
        last_payment_fen=last["amount_fen"] if last else None,
        last_payment_date=last["paid_date"] if last else None,
        broken_promise_fen=broken["detail"] if broken else None,
        broken_promised_date=broken["on"] if broken else None, hotline=hotline,
    )  # fmt: skip


def values_of(facts: TalkFacts, *, locale: str) -> dict[str, str]:
    """Every talk-track variable's text; a fact the account lacks reads (none) / （无）."""
    none = NONE_TEXT[locale]

    def yuan(fen: int | None) -> str:
        return none if fen is None else format_fen(fen)

    def day(value: date | None) -> str:
        return none if value is None else day_text(value, locale)

    return {
        "name": facts.name, "account_tail": facts.account_tail, "hotline": facts.hotline,
        "overdue_yuan": yuan(facts.overdue_fen), "dpd": str(facts.dpd), "due_date": day(facts.due_date),
        "promise_yuan": yuan(facts.promise_fen), "promised_date": day(facts.promised_date),
        "last_payment_yuan": yuan(facts.last_payment_fen), "last_payment_date": day(facts.last_payment_date),
        "broken_promise_yuan": yuan(facts.broken_promise_fen),
        "broken_promised_date": day(facts.broken_promised_date),
    }  # fmt: skip


def _substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its variables filled in, an unknown one left as written (TemplateError for an
    unbalanced brace: the editor's preview shows the reason)."""
    return substitute(text, values, keep_missing=True)


def fill_sections(draft: Draft, facts: TalkFacts, *, locale: str) -> tuple[Section, ...]:
    """The four sections of the draft in ``locale`` (zh or en) with the facts filled in."""
    parts = split_sections(draft.body(locale))
    if parts is None:
        raise TemplateError(f"the talk track {draft.name} is not four sections",
                            f"话术 {draft.name} 不是四段结构")  # fmt: skip
    values = values_of(facts, locale=locale)
    return tuple(Section(key, _substitute(parts[key], values)) for key in SECTIONS)


def _draft(name: str, entry: Mapping[str, Any]) -> Draft:
    draft = Draft(name=name, channel="talk", kind="collection", body_zh=str(entry["zh"]),
                  body_en=str(entry["en"]), description=entry.get("description"))  # fmt: skip
    check_variables(draft.texts(), channel="talk", kind="collection")
    verdict = sections_verdict(draft.body_zh, draft.body_en)
    if not verdict.allowed:
        raise TemplateError("; ".join(verdict.reasons_en), "；".join(verdict.reasons_zh))
    return draft


def parse_talk_tracks(text: str) -> Mapping[str, Draft]:
    """The talk tracks of a TOML text (each: zh, en, description), checked like a saved version."""
    return MappingProxyType({name: _draft(name, entry) for name, entry in tomllib.loads(text).items()})


@lru_cache(maxsize=1)
def shipped_talk_tracks() -> Mapping[str, Draft]:
    """The talk tracks Arrears ships, by name (``talk_<situation>``)."""
    text = (resources.files("arrears.contacts") / "talk_tracks.toml").read_text("utf-8")
    return parse_talk_tracks(text)


def names_for(situation: str, segment: str | None) -> tuple[str, ...]:
    """The template names to try, the segment's own first."""
    general = f"talk_{situation}"
    return (f"{general}_{segment}", general) if segment else (general,)


def segment_of(connection: Connection, account_id: int) -> str | None:
    """The segment of the account's latest collection action (the strategy's), if any."""
    x = table_of(CollectionAction)
    query = (select(x.c.segment).where(x.c.account_id == account_id)
             .order_by(x.c.run_date.desc(), x.c.id.desc()).limit(1))  # fmt: skip
    found = connection.execute(query).scalar()
    return str(found) if found else None


def in_use(connection: Connection, names: Sequence[str]) -> tuple[Draft, int] | None:
    """The first of ``names`` with an approved version (the draft and its version number); a shipped
    talk track the store has never seen counts as its shipped text, version 1 (the seed's)."""
    repository = TemplateRepository(connection)
    for name in names:
        stored = repository.in_use(name)
        if stored is not None and stored.draft.channel == "talk":
            return stored.draft, stored.version
        if stored is None and name in shipped_talk_tracks() and repository.last_version(name) == 0:
            return shipped_talk_tracks()[name], 1
    return None


def shown(
    connection: Connection,
    case: Mapping[str, Any],
    *,
    today: date,
    locale: str,
    asked: str | None = None,
    hotline: str = HOTLINE,
) -> Shown | None:
    """The script for the case page: the situation asked for (the collector's switch) else the one the
    case's facts pick, in the segment's version if it has one; None when no approved version exists."""
    chosen = choose_situation(signals_of(case, today=today), today=today)
    situation = asked if asked in SITUATIONS else chosen
    found = in_use(connection, names_for(situation, segment_of(connection, case["account"]["id"])))
    if found is None:
        return None
    draft, version = found
    sections = fill_sections(draft, facts_of(case, today=today, hotline=hotline), locale=locale)
    return Shown(situation, chosen, draft.name, version, sections)


def seed_talk_tracks(connection: Connection, *, now: datetime, names: Iterable[str] | None = None) -> int:
    """Seeds the shipped talk tracks the store has no version of as approved version 1 (idempotent)."""
    book = shipped_talk_tracks()
    chosen = [book[name] for name in (names if names is not None else book) if name in book]
    return TemplateRepository(connection).seed(chosen, at=now)


def ensure_talk_tracks(connection: Connection, *, now: datetime) -> int:
    """Seeds the shipped talk tracks the store has never seen (none when it has them all: no write)."""
    missing = set(shipped_talk_tracks()) - TemplateRepository(connection).names()
    return seed_talk_tracks(connection, now=now, names=missing) if missing else 0


def sample_facts(today: date) -> TalkFacts:
    """Made-up facts for the library's preview."""
    return TalkFacts(
        name="张*", account_tail="4321", overdue_fen=356_780, dpd=35, due_date=today - timedelta(days=35),
        promise_fen=100_000, promised_date=today + timedelta(days=3), last_payment_fen=50_000,
        last_payment_date=today - timedelta(days=40), broken_promise_fen=120_000,
        broken_promised_date=today - timedelta(days=1),
    )  # fmt: skip


def talk_preview(draft: Draft, *, today: date) -> list[Preview]:
    """The library's preview of a talk track: its sections filled with sample facts, zh and en."""
    found = []
    for locale in ("zh", "en"):
        try:
            sections = fill_sections(draft, sample_facts(today), locale=locale)
        except TemplateError as problem:
            found.append(Preview(locale, None, None, problem.message_en, problem.message_zh, None))
            continue
        text = "\n\n".join(f"[{section.key}]\n{section.text}" for section in sections)
        found.append(Preview(locale, text, None, None, None, None))
    return found
