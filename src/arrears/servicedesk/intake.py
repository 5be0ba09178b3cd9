"""Opening a service case from any channel: the portal (the cardholder's own request), a call logged by a
collector or by customer service, a letter, an e-mail, a regulator referral (监管转办), the assistant's
hand-over. The case gets its deadlines from its category's setting and the working-day calendar, the
holds the rulebook asks for (``rules.holds_for``, placed with the case's own authority
``hold_rules.SERVICE_CASE`` and linked to the case, lifted when it closes), its team (that of the staff
member involved, else the account's collecting team) and the repeat flag.

A complaint from the portal names nobody: the staff member of the account's latest call in the last 30
days is taken as involved, else the agency the account is placed with (the desk may correct it).

The summary is encrypted; the audit entry (``service_case.opened``) carries ids and codes only. The
caller's transaction must be able to append (``audit_transaction``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.contacts import hold_rules
from arrears.contacts.holds import place_hold
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.servicedesk.categories import HOLDING_COMPLAINTS, name
from arrears.servicedesk.deadlines import due_dates
from arrears.servicedesk.repository import ServiceRepository
from arrears.servicedesk.rules import HoldSpec, Intake, check_intake, holds_for, is_repeat
from arrears.servicedesk.setup import DeskSetup

OPENED = "service_case.opened"
INVOLVED_ROLES = frozenset({"collector", "visitor", "team_lead", "agency_user"})
INFER_SINCE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class OpenedCase:
    id: int
    hold_ids: tuple[int, ...]
    hold_kinds: tuple[str, ...]
    repeat: bool
    acknowledge_by: datetime
    resolve_by: datetime


def _involved(repository: ServiceRepository, intake: Intake, account_id: int, now: datetime) -> Intake:
    """The intake with the staff member checked, or (a portal complaint naming nobody) inferred."""
    if intake.involved_user_id is not None:
        found = repository.user(intake.involved_user_id)
        if found is None or found["role"] not in INVOLVED_ROLES:
            raise InvalidField(
                "involved_user",
                "choose a collector, visitor or agency user",
                "请选择催收员、外访员或委外人员",
            )
        return intake
    if intake.involved_agency is not None:
        if not repository.agency_known(intake.involved_agency):
            raise InvalidField("involved_agency", "no agency has that code", "没有该代码的委外机构")
        return intake
    if intake.kind != "complaint":
        return intake
    if intake.channel not in ("portal", "assistant") or intake.category not in HOLDING_COMPLAINTS:
        return intake
    caller = repository.latest_caller(account_id, since=now - INFER_SINCE, roles=sorted(INVOLVED_ROLES))
    agency = None if caller is not None else repository.placed_with(account_id, on=now.date())
    return replace(intake, involved_user_id=caller, involved_agency=agency)


def open_case(
    connection: Connection, *, account_id: int, intake: Intake, actor: str, user_id: int | None,
    setup: DeskSetup, cipher: FieldCipher, now: datetime, portal_request_id: int | None = None
) -> OpenedCase:  # fmt: skip
    """Records the case with its deadlines and places its holds; audited. NotFound for a missing
    account; InvalidField naming the field refused."""
    checked = check_intake(intake)
    repository = ServiceRepository(connection)
    account = repository.account(account_id, lock=True)
    if account is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    checked = _involved(repository, checked, account_id, now)
    due = due_dates(now, checked.kind, checked.category, checked.regulator, setup.deadlines, setup.calendar,
                    setup.zone)  # fmt: skip
    team_id = (repository.user_team(checked.involved_user_id) if checked.involved_user_id else None) or (
        repository.account_team(account_id)
    )
    repeat = is_repeat(checked.kind, repository.complaint_dates(account_id), received_at=now)
    case_id = repository.add_case(
        {"account_id": account_id, "customer_id": account["customer_id"], "kind": checked.kind,
         "category": checked.category, "channel": checked.channel, "regulator": checked.regulator,
         "regulator_ref": checked.regulator_ref, "summary_enc": cipher.encrypt(checked.summary),
         "amount_fen": checked.amount_fen, "involved_user_id": checked.involved_user_id,
         "involved_agency": checked.involved_agency, "team_id": team_id,
         "portal_request_id": portal_request_id, "repeat": repeat, "received_at": now,
         "acknowledge_by": due.acknowledge_by, "resolve_by": due.resolve_by, "provisional": due.provisional,
         "status": "open", "escalation_level": 0, "created_by": actor}
    )  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor, action=OPENED, subject_type="service_case", subject_id=str(case_id),
        details={"account_id": account_id, "kind": checked.kind, "category": checked.category,
                 "channel": checked.channel, "regulator": checked.regulator, "repeat": repeat,
                 "involved_user_id": checked.involved_user_id, "involved_agency": checked.involved_agency,
                 "amount_fen": checked.amount_fen, "resolve_by": due.resolve_by.isoformat()},
    )  # fmt: skip
    specs = holds_for(checked.kind, checked.category, involved_user_id=checked.involved_user_id,
                      involved_agency=checked.involved_agency, amount_fen=checked.amount_fen,
                      hardship_pause_days=setup.hardship_pause_days)  # fmt: skip
    holds = tuple(
        _place(connection, spec, case_id=case_id, account_id=account_id, intake=checked, actor=actor,
               user_id=user_id, now=now)
        for spec in specs
    )  # fmt: skip
    kinds = tuple(spec.kind for spec in specs)
    return OpenedCase(case_id, holds, kinds, repeat, due.acknowledge_by, due.resolve_by)


def _place(
    connection: Connection, spec: HoldSpec, *, case_id: int, account_id: int, intake: Intake, actor: str,
    user_id: int | None, now: datetime
) -> int:  # fmt: skip
    reason = (
        f"service case {case_id}: {name(intake.kind, 'en')}, {name(intake.category, 'en')} / "
        f"客服工单 {case_id}：{name(intake.kind, 'zh')}，{name(intake.category, 'zh')}"
    )
    expires = now + timedelta(days=spec.pause_days) if spec.pause_days else None
    hold = place_hold(
        connection, account_id=account_id, kind=spec.kind, reason=reason, user_id=user_id, actor=actor,
        role=hold_rules.SERVICE_CASE, now=now, expires_at=expires, whole_customer=spec.whole_customer,
        staff_user_id=spec.staff_user_id, agency_code=spec.agency_code, amount_fen=spec.amount_fen,
    )  # fmt: skip
    hold_id = int(hold["id"])
    ServiceRepository(connection).link_hold(case_id, hold_id)
    return hold_id
