"""The agency register's use cases: add an agency, update its entry, suspend and reinstate it, and read
the register (each agency with its eligibility on a day, how many accounts it holds, its users).

Every change is audited (``agency.created``, ``agency.updated`` naming the fields changed, never their
values; ``agency.suspended`` with the reason; ``agency.reinstated``). Suspending an agency recalls every
account it holds at once (``agency_suspended``); an update that leaves the agency unable to hold accounts
on the day (its contract, inspection or licence ran out, off the whitelist, terms withdrawn) recalls
them too. Reinstating gives nothing back: the accounts are placed again by a later batch. Nothing
commits: the caller's transaction must be an audit transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.agencies import recall, recall_rules
from arrears.agencies import register_rules as rules
from arrears.agencies.recall_rules import Recall
from arrears.agencies.register_repository import RegisterRepository
from arrears.agencies.register_rules import Contact, Entry
from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, check_text
from arrears.kit.masking import mask_email, mask_phone

CREATED, UPDATED, SUSPENDED, REINSTATED = (
    "agency.created",
    "agency.updated",
    "agency.suspended",
    "agency.reinstated",
)


class AgencyStateRefused(ArrearsError):
    """Suspending an agency suspended already, or reinstating an active one."""


def _audit(connection: Connection, *, actor: str, now: datetime, action: str, code: str,
           details: dict[str, Any]) -> None:  # fmt: skip
    AuditLog(connection).append(at=now, actor=actor, action=action, subject_type="agency", subject_id=code,
                                details=details)  # fmt: skip


def _found(repository: RegisterRepository, code: str, *, lock: bool = False) -> dict[str, Any]:
    found = repository.agency(code.strip(), lock=lock)
    if found is None:
        raise NotFound(f"no agency {code[:40]!r} on the register", f"登记册中没有委外机构 {code[:40]!r}")
    return found


def agency(connection: Connection, code: str) -> dict[str, Any]:
    """The agency's register row; NotFound when the register has no such code."""
    return _found(RegisterRepository(connection), code)


def _values(entry: Entry) -> dict[str, Any]:
    return {
        "code": entry.code, "name": entry.name, "licence_no": entry.licence_no,
        "licence_valid_until": entry.licence_valid_until, "whitelisted": entry.whitelisted,
        "contract_starts_on": entry.contract_starts_on, "contract_ends_on": entry.contract_ends_on,
        "terms_signed": entry.terms_signed, "last_inspection_on": entry.last_inspection_on,
        "capacity": entry.capacity, "territories": rules.territories_json(entry.territories),
        "contacts": rules.contacts_json(entry.contacts),
    }  # fmt: skip


def _summary(entry: Entry) -> dict[str, Any]:
    """What the audit keeps of an entry: no contact's phone or e-mail, only how many contacts."""
    return {"name": entry.name, "licence_no": entry.licence_no, "whitelisted": entry.whitelisted,
            "terms_signed": entry.terms_signed, "capacity": entry.capacity,
            "contract_ends_on": entry.contract_ends_on.isoformat() if entry.contract_ends_on else None,
            "last_inspection_on": entry.last_inspection_on.isoformat() if entry.last_inspection_on else None,
            "territories": list(entry.territories), "contacts": len(entry.contacts)}  # fmt: skip


def create_agency(connection: Connection, entry: Entry, *, actor: str, today: date, now: datetime) -> int:
    """Puts the agency on the register (active); InvalidField naming the field at fault, ``code`` when
    the register has the code already. Its id."""
    checked = rules.check_entry(entry, today=today)
    repository = RegisterRepository(connection)
    if repository.agency(checked.code) is not None:
        raise _taken(checked.code)
    values = _values(checked) | {"status": "active", "created_at": now, "updated_at": now}
    try:
        with connection.begin_nested():
            agency_id = repository.add(values)
    except IntegrityError:
        raise _taken(checked.code) from None
    _audit(connection, actor=actor, now=now, action=CREATED, code=checked.code, details=_summary(checked))
    return agency_id


def _taken(code: str) -> InvalidField:
    return InvalidField("code", f"the register has agency {code} already", f"登记册中已有委外机构 {code}")


def update_agency(
    connection: Connection, code: str, entry: Entry, *, actor: str, day: date, today: date, now: datetime
) -> tuple[list[str], list[Recall]]:
    """Changes the agency's entry (its code stays); audited with the names of the fields changed. When
    the agency can no longer hold accounts on ``day`` its placements are recalled at once. The fields
    changed and the recalls."""
    repository = RegisterRepository(connection)
    stored = _found(repository, code, lock=True)
    if entry.code.strip() != stored["code"]:
        raise InvalidField("code", "an agency's code does not change", "委外机构代码不能修改")
    checked = rules.check_entry(entry, today=today)
    changed = rules.changed_fields(rules.entry_of(stored), checked)
    if not changed:
        return [], []
    repository.change(stored["code"], _values(checked) | {"updated_at": now})
    _audit(connection, actor=actor, now=now, action=UPDATED, code=stored["code"], details={"fields": changed})
    return changed, _recall_if_ineligible(
        connection, stored | _values(checked), day=day, now=now, actor=actor
    )


def _recall_if_ineligible(
    connection: Connection, agency: dict[str, Any], *, day: date, now: datetime, actor: str
) -> list[Recall]:
    """The agency's placements recalled when it may not hold accounts on ``day``: from the date that ran
    out when the register tells it (a contract's last day...), else ``day`` itself."""
    found = rules.eligibility(agency, day)
    if found.allowed:
        return []
    last = rules.last_eligible_day(agency, found.codes, day + timedelta(days=1))
    reason = recall_rules.agency_reason(found.codes)
    return recall.recall_agency(connection, agency["code"], reason=reason, day=last, now=now, actor=actor)


def suspend_agency(
    connection: Connection, code: str, *, reason: str, actor: str, day: date, now: datetime
) -> list[Recall]:
    """Suspends the agency (it gets nothing more) and recalls every account it holds, on ``day``; the
    reason is required. AgencyStateRefused when it is suspended already."""
    text = check_text(reason, field="reason").strip()
    if not text:
        raise InvalidField("reason", "say why the agency is suspended", "请说明暂停合作的理由")
    repository = RegisterRepository(connection)
    stored = _found(repository, code, lock=True)
    if stored["status"] == "suspended":
        raise AgencyStateRefused(
            f"agency {stored['code']} is suspended already", f"委外机构 {stored['code']} 已暂停"
        )
    repository.change(stored["code"], {"status": "suspended", "updated_at": now})
    recalls = recall.recall_agency(connection, stored["code"], reason=recall_rules.SUSPENDED, day=day,
                                   now=now, actor=actor)  # fmt: skip
    _audit(connection, actor=actor, now=now, action=SUSPENDED, code=stored["code"],
           details={"reason": text, "recalled": len(recalls)})  # fmt: skip
    return recalls


def reinstate_agency(connection: Connection, code: str, *, actor: str, now: datetime) -> None:
    """Makes a suspended agency active again (its recalled accounts stay recalled)."""
    repository = RegisterRepository(connection)
    stored = _found(repository, code, lock=True)
    if stored["status"] != "suspended":
        raise AgencyStateRefused(
            f"agency {stored['code']} is not suspended", f"委外机构 {stored['code']} 未暂停"
        )
    repository.change(stored["code"], {"status": "active", "updated_at": now})
    _audit(connection, actor=actor, now=now, action=REINSTATED, code=stored["code"], details={})


# --- reading --------------------------------------------------------------------------------------


def masked_contacts(text: str | None) -> list[dict[str, Any]]:
    """The contact people as a page shows them: phone and e-mail masked."""
    return [{"name": one.name, "role": one.role, "phone": mask_phone(one.phone) if one.phone else None,
             "email": mask_email(one.email) if one.email else None}
            for one in rules.contacts_of(text)]  # fmt: skip


def _shown(row: dict[str, Any], day: date, placed: int, users: list[dict[str, Any]]) -> dict[str, Any]:
    return row | {"eligibility": rules.eligibility(row, day), "placed": placed, "users": users,
                  "territory_list": list(rules.territories_of(row["territories"])),
                  "contact_list": masked_contacts(row["contacts"])}  # fmt: skip


def register_list(connection: Connection, *, day: date) -> list[dict[str, Any]]:
    """Every agency on the register (code order) with its eligibility on ``day``, the accounts it holds
    that day (``placed``), its regions, its contact people (masked) and its users."""
    repository = RegisterRepository(connection)
    placed, users = repository.placed_counts(day), repository.users()
    return [_shown(row, day, placed.get(row["code"], 0), users.get(row["code"], []))
            for row in repository.agencies()]  # fmt: skip


def agency_view(connection: Connection, code: str, *, day: date, limit: int = 200) -> dict[str, Any]:
    """One agency as ``register_list`` shows it, with its teams, the accounts it holds on ``day`` (the
    soonest ending first, at most ``limit``) and its latest recalls."""
    repository = RegisterRepository(connection)
    row = _found(repository, code)
    code = row["code"]
    shown = _shown(
        row, day, repository.placed_counts(day).get(code, 0), repository.users([code]).get(code, [])
    )
    return shown | {"teams": repository.teams(code),
                    "placements": repository.placements(code, day=day, limit=limit),
                    "recalled": repository.recalled(code, limit=50)}  # fmt: skip


def contacts_from_form(stored: str | None, rows: list[dict[str, str]]) -> tuple[Contact, ...]:
    """The contact people an edit form leaves: row ``n`` (from 0) edits the ``n``-th stored contact, a
    phone or e-mail left empty keeping the stored one (the form shows them masked), ``remove`` dropping
    it; rows past the stored ones add contacts, blank ones are ignored."""
    kept = rules.contacts_of(stored)
    found = []
    for number, row in enumerate(rows):
        typed = {key: (row.get(key) or "").strip() for key in ("name", "role", "phone", "email")}
        if number < len(kept):
            if row.get("remove"):
                continue
            old = kept[number]
            found.append(Contact(typed["name"], typed["role"] or None, typed["phone"] or old.phone,
                                 typed["email"] or old.email))  # fmt: skip
        elif any(typed.values()):
            found.append(
                Contact(typed["name"], typed["role"] or None, typed["phone"] or None, typed["email"] or None)
            )
    return tuple(found)
