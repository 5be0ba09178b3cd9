"""The agency register, pure: what an entry must hold, and whether an agency may hold accounts on a day.

An entry names the agency by a code (the code its teams' ``agency_code`` and its placements carry:
letters, digits, ``-`` and ``_``, at most 40), its name and licence, the contract's first and last
valid day (in order), the last inspection (not after today), whether it is on the whitelist and has
signed the written outsourcing terms for personal data (PIPL Art. 21), how many accounts it may hold
at once (0 to ``MAX_CAPACITY``), the regions it works (none: anywhere) and its contact people (a name,
and a phone number or an e-mail address, business contacts shown masked). A refused entry names its
field (``InvalidField``), in Chinese and English.

Eligibility on a day is the rulebook's entry point ``agency_placement`` (whitelist, an inspection within
365 days, a contract valid that day, the terms signed, masked data only: the hand-over is masked) and
the register's own state: an agency suspended, a licence past its last valid day or a contract not yet
started holds nothing. No database, no clock: the caller passes the day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from arrears.compliance.entry_points import AgencyRecord, agency_placement
from arrears.kit.inputs import NUL, InvalidField, check_day, shown
from arrears.models.agency import AGENCY_STATUSES

STATUSES = AGENCY_STATUSES
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# the pages under /agencies/ that are not an agency's (``/agencies/{code}``): no agency takes these codes
RESERVED = frozenset({"batches", "commissions", "league", "new", "placements", "recall"})
MAX_NAME = 200
MAX_LICENCE = 100
MAX_CAPACITY = 1_000_000  # accounts at once: far beyond any agency, far below any overflow
MAX_TERRITORIES = 100
MAX_TERRITORY = 50  # characters of a region's name
MAX_CONTACTS = 10
MAX_CONTACT_TEXT = 100  # characters of a contact's name or role
MAX_DAYS_SINCE_INSPECTION = 365
PHONE = re.compile(r"\+?[0-9][0-9 -]{4,23}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_SPLIT = re.compile(r"[,，、;；\n\r]+")
# why an agency may not hold accounts on a day (``Eligibility.codes``), in the order they are checked
SUSPENDED, NOT_WHITELISTED, INSPECTION_LAPSED = "suspended", "not_whitelisted", "inspection_lapsed"
CONTRACT_NOT_STARTED, CONTRACT_EXPIRED = "contract_not_started", "contract_expired"
TERMS_UNSIGNED, LICENCE_EXPIRED = "terms_unsigned", "licence_expired"
INELIGIBLE = (SUSPENDED, NOT_WHITELISTED, INSPECTION_LAPSED, CONTRACT_NOT_STARTED, CONTRACT_EXPIRED,
              TERMS_UNSIGNED, LICENCE_EXPIRED)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact person at the agency: a business contact (shown masked all the same)."""

    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """What the register holds of an agency (its status aside: suspending is a decision of its own)."""

    code: str
    name: str
    licence_no: str
    licence_valid_until: date | None = None
    whitelisted: bool = False
    contract_starts_on: date | None = None
    contract_ends_on: date | None = None  # the contract's last valid day
    terms_signed: bool = False
    last_inspection_on: date | None = None
    capacity: int = 0
    territories: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether the agency may hold accounts on the day, and if not why (codes and sentences)."""

    allowed: bool
    codes: tuple[str, ...] = ()
    reasons_zh: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()


# --- an entry -------------------------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = value.strip()
    if NUL in text:
        raise InvalidField(field, "the text holds a NUL character", "文字中含有空字符")
    if required and not text:
        raise InvalidField(field, "required", "必填")
    if len(text) > limit:
        raise InvalidField(
            field,
            f"at most {limit} characters ({len(text)})",
            f"不能超过 {limit} 个字符（现为 {len(text)} 个）",
        )
    return text


def check_code(value: str) -> str:
    """An agency's code as typed (trimmed); InvalidField naming ``code`` otherwise."""
    code = value.strip()
    if CODE.fullmatch(code) is None:
        raise InvalidField(
            "code",
            f"{shown(value)} is not an agency code (letters, digits, - and _, at most 40, starting with a "
            "letter or digit)",
            f"{shown(value)} 不是有效的机构代码（字母、数字、- 和 _，不超过 40 个字符，以字母或数字开头）",
        )
    if code.casefold() in RESERVED:
        raise InvalidField(
            "code", f"{shown(code)} is kept for the pages", f"{shown(code)} 为系统保留，不能用作机构代码"
        )
    return code


def parse_territories(text: str) -> tuple[str, ...]:
    """Region names separated by commas, semicolons, 、 or new lines (blank ones dropped)."""
    return tuple(part.strip() for part in _SPLIT.split(text) if part.strip())


def check_territories(values: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        name = _text(value, field="territories", limit=MAX_TERRITORY)
        if name.casefold() in (one.casefold() for one in found):
            raise InvalidField("territories", f"{shown(name)} is listed twice", f"{shown(name)} 重复列出")
        found.append(name)
    if len(found) > MAX_TERRITORIES:
        raise InvalidField(
            "territories", f"at most {MAX_TERRITORIES} regions ({len(found)})",
            f"地区不能超过 {MAX_TERRITORIES} 个（现为 {len(found)} 个）",
        )  # fmt: skip
    return tuple(found)


def check_contact(contact: Contact, *, number: int) -> Contact:
    """One contact person (``number`` from 1, named in a refusal: ``contacts[2].phone``)."""
    where = f"contacts[{number}]"
    name = _text(contact.name, field=f"{where}.name", limit=MAX_CONTACT_TEXT)
    role = _text(contact.role or "", field=f"{where}.role", limit=MAX_CONTACT_TEXT, required=False) or None
    phone = _text(contact.phone or "", field=f"{where}.phone", limit=24, required=False) or None
    email = _text(contact.email or "", field=f"{where}.email", limit=254, required=False) or None
    if phone is not None and PHONE.fullmatch(phone) is None:
        raise InvalidField(
            f"{where}.phone", f"{shown(phone)} is not a phone number", f"{shown(phone)} 不是电话号码"
        )
    if email is not None and EMAIL.fullmatch(email) is None:
        raise InvalidField(f"{where}.email", f"{shown(email)} is not an e-mail address",
                           f"{shown(email)} 不是电子邮件地址")  # fmt: skip
    if phone is None and email is None:
        raise InvalidField(f"{where}.phone", "a phone number or an e-mail address is needed",
                           "须填写电话号码或电子邮件地址")  # fmt: skip
    return Contact(name, role, phone, email)


def check_contacts(contacts: Sequence[Contact]) -> tuple[Contact, ...]:
    if len(contacts) > MAX_CONTACTS:
        raise InvalidField("contacts", f"at most {MAX_CONTACTS} contact people ({len(contacts)})",
                           f"联系人不能超过 {MAX_CONTACTS} 位（现为 {len(contacts)} 位）")  # fmt: skip
    return tuple(check_contact(one, number=number) for number, one in enumerate(contacts, start=1))


def _day(value: date | None, field: str) -> date | None:
    return None if value is None else check_day(value, field=field)


def check_entry(entry: Entry, *, today: date) -> Entry:
    """The entry with its texts trimmed; InvalidField naming the first field at fault."""
    code = check_code(entry.code)
    name = _text(entry.name, field="name", limit=MAX_NAME)
    licence = _text(entry.licence_no, field="licence_no", limit=MAX_LICENCE)
    licence_until = _day(entry.licence_valid_until, "licence_valid_until")
    starts = _day(entry.contract_starts_on, "contract_starts_on")
    ends = _day(entry.contract_ends_on, "contract_ends_on")
    if starts is not None and ends is not None and ends < starts:
        raise InvalidField("contract_ends_on",
                           f"the contract's last day ({ends}) is before its first ({starts})",
                           f"合同到期日（{ends}）早于生效日（{starts}）")  # fmt: skip
    inspected = _day(entry.last_inspection_on, "last_inspection_on")
    if inspected is not None and inspected > today:
        raise InvalidField("last_inspection_on", f"an inspection cannot lie ahead (after {today})",
                           f"检查日期不能晚于今天（{today}）")  # fmt: skip
    if isinstance(entry.capacity, bool) or not 0 <= entry.capacity <= MAX_CAPACITY:
        raise InvalidField("capacity", f"from 0 to {MAX_CAPACITY:,} accounts ({entry.capacity})",
                           f"须在 0 至 {MAX_CAPACITY:,} 户之间（现为 {entry.capacity}）")  # fmt: skip
    return Entry(code, name, licence, licence_until, bool(entry.whitelisted), starts, ends,
                 bool(entry.terms_signed), inspected, entry.capacity, check_territories(entry.territories),
                 check_contacts(entry.contacts))  # fmt: skip


def parse_capacity(text: str) -> int:
    """A form's capacity (a whole number of accounts); InvalidField naming ``capacity`` otherwise."""
    value = text.strip().replace(",", "")
    if not (value.isascii() and value.isdigit()) or len(value) > 9:  # "１２３", "²": not typed digits
        raise InvalidField(
            "capacity", f"{shown(text)} is not a number of accounts", f"{shown(text)} 不是户数"
        )
    return int(value)


# --- stored as JSON -------------------------------------------------------------------------------


def territories_json(territories: Sequence[str]) -> str:
    return json.dumps(list(territories), ensure_ascii=False)


def contacts_json(contacts: Sequence[Contact]) -> str:
    return json.dumps([{"name": one.name, "role": one.role, "phone": one.phone, "email": one.email}
                       for one in contacts], ensure_ascii=False)  # fmt: skip


def territories_of(text: str | None) -> tuple[str, ...]:
    found = json.loads(text or "[]")
    return tuple(str(one) for one in found) if isinstance(found, list) else ()


def contacts_of(text: str | None) -> tuple[Contact, ...]:
    found = json.loads(text or "[]")
    if not isinstance(found, list):
        return ()
    return tuple(Contact(str(one.get("name") or ""), one.get("role"), one.get("phone"), one.get("email"))
                 for one in found if isinstance(one, dict))  # fmt: skip


def entry_of(row: Mapping[str, Any]) -> Entry:
    """The entry a stored row holds."""
    return Entry(row["code"], row["name"], row["licence_no"], row["licence_valid_until"],
                 bool(row["whitelisted"]), row["contract_starts_on"], row["contract_ends_on"],
                 bool(row["terms_signed"]),
                 row["last_inspection_on"], int(row["capacity"]), territories_of(row["territories"]),
                 contacts_of(row["contacts"]))  # fmt: skip


def changed_fields(before: Entry, after: Entry) -> list[str]:
    """The names of the fields that differ (what an update's audit entry names; never the values)."""
    return [name for name in Entry.__slots__ if getattr(before, name) != getattr(after, name)]


# --- eligibility ----------------------------------------------------------------------------------


def eligibility(agency: Mapping[str, Any], day: date) -> Eligibility:
    """Whether the agency (a register row) may hold accounts on ``day``: the rulebook's entry point and
    the register's state; the codes (``INELIGIBLE``) and the sentences in both languages."""
    code = str(agency["code"])
    record = AgencyRecord(code=code, whitelisted=bool(agency["whitelisted"]),
                          last_inspection_date=agency["last_inspection_on"],
                          contract_valid_until=agency["contract_ends_on"],
                          outsourcing_terms_signed=bool(agency["terms_signed"]))  # fmt: skip
    verdict = agency_placement(record, today=day, data_masked=True,
                               max_days_since_inspection=MAX_DAYS_SINCE_INSPECTION)  # fmt: skip
    codes, zh, en = [], [], []
    if agency["status"] == "suspended":
        codes.append(SUSPENDED)
        zh.append(f"委外机构 {code} 已暂停合作")
        en.append(f"agency {code} is suspended")
    codes += _entry_point_codes(record, day)
    zh += verdict.reasons_zh
    en += verdict.reasons_en
    starts = agency["contract_starts_on"]
    if starts is not None and starts > day:
        codes.append(CONTRACT_NOT_STARTED)
        zh.append(f"委外合同自 {starts} 起生效")
        en.append(f"the agency's contract starts on {starts}")
    licence = agency["licence_valid_until"]
    if licence is not None and licence < day:
        codes.append(LICENCE_EXPIRED)
        zh.append(f"委外机构的经营许可已于 {licence} 到期")
        en.append(f"the agency's licence expired on {licence}")
    order = {one: number for number, one in enumerate(INELIGIBLE)}
    return Eligibility(not codes, tuple(sorted(codes, key=order.__getitem__)), tuple(zh), tuple(en))


def _entry_point_codes(record: AgencyRecord, day: date) -> list[str]:
    """The entry point's refusals as codes (its sentences carry no code): each condition it checks."""
    codes = []
    if not record.whitelisted:
        codes.append(NOT_WHITELISTED)
    inspected = record.last_inspection_date
    if inspected is None or inspected > day or (day - inspected).days > MAX_DAYS_SINCE_INSPECTION:
        codes.append(INSPECTION_LAPSED)
    if record.contract_valid_until is None or record.contract_valid_until < day:
        codes.append(CONTRACT_EXPIRED)
    if not record.outsourcing_terms_signed:
        codes.append(TERMS_UNSIGNED)
    return codes


def last_eligible_day(agency: Mapping[str, Any], codes: Sequence[str], day: date) -> date:
    """The last day before ``day`` the agency could still hold accounts, as far as the register tells:
    the contract's last day, the last day the inspection counted, the licence's last day; the day
    before ``day`` for a reason without a date (suspended, off the whitelist, terms withdrawn)."""
    found = [day - timedelta(days=1)]
    if CONTRACT_EXPIRED in codes and agency["contract_ends_on"] is not None:
        found.append(agency["contract_ends_on"])
    inspected = agency["last_inspection_on"]
    if INSPECTION_LAPSED in codes and inspected is not None and inspected <= day:
        found.append(inspected + timedelta(days=MAX_DAYS_SINCE_INSPECTION))
    if LICENCE_EXPIRED in codes and agency["licence_valid_until"] is not None:
        found.append(agency["licence_valid_until"])
    return min(found)
