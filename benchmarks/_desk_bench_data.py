"""The service-desk benchmark's database: the web benchmark's book (synth extract, import, model, run-day),
the desk's teams and staff (one user per role, eight customer-service users, 24 collectors in teams), and
service cases loaded in bulk (COPY) with the deadlines of the real ``deadlines.due_dates`` and the
escalation levels of the real ``deadlines.escalation_level``.

Used by ``service_desk_bench.py``; not a benchmark on its own. The cases' texts are fixed bench phrases
(no personal data), encrypted once each with the bench key and reused across rows.
"""

from __future__ import annotations

import base64
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _web_bench_data import BENCH_KEY, book_of, build_book, create_database

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, Team, table_of
from arrears.models.app_user import ROLES
from arrears.servicedesk.calendar import load_calendar
from arrears.servicedesk.deadlines import SHANGHAI, Due, due_dates, escalation_level, load_deadlines
from arrears.servicedesk.setup import DeskSetup
from arrears.users.service import create_user

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/arrears_desk_bench"
PASSWORD = "desk bench password 2026"  # >= 12 characters
DESK_USERS = 8  # customer_service1 .. customer_service8 work the desk
COLLECTORS = 24  # collector1 .. collector24, whom complaints name
TEAMS = (  # code, name, kind, agency
    ("desk-phone-1", "电催一组 Phone team 1", "phone", None),
    ("desk-phone-2", "电催二组 Phone team 2", "phone", None),
    ("desk-phone-3", "电催三组 Phone team 3", "phone", None),
    ("desk-field-1", "外访一组 Field team 1", "field", None),
    ("desk-agency-a", "委外A Agency A", "agency", "AGA"),
)
LEAD_TEAM = "desk-phone-1"  # team_lead1 leads it: the Escalated tab shows its level-1 cases

# The shares the bench draws from (assumed; Arrears sets none): kinds, then categories within each kind.
KIND_SHARES = {"complaint": 0.45, "dispute": 0.35, "hardship": 0.20}
CATEGORY_SHARES = {
    "complaint": {"frequency_hours": 0.30, "attitude_abuse": 0.20, "third_party": 0.20, "false_threats": 0.10,
                  "visit_conduct": 0.10, "privacy": 0.10},
    "dispute": {"amount": 0.30, "interest_fees": 0.30, "already_paid": 0.20, "charge": 0.15, "fraud": 0.05},
    "hardship": {"income_loss": 0.60, "illness": 0.25, "other": 0.15},
}  # fmt: skip
CHANNEL_SHARES = {"portal": 0.40, "call": 0.35, "email": 0.10, "letter": 0.05, "assistant": 0.05}
REGULATOR_SHARE = 0.05  # regulator referrals (channel regulator) among complaints and disputes
OPEN_AGE_MEAN_DAYS = 9.0  # open cases' ages: exponential, folded into the last 60 days
OPEN_DAYS = 60
CLOSED_DAYS = 90
ACK_DELAY_MEAN_HOURS = 10.0
NEVER_ACKNOWLEDGED = 0.04  # open cases nobody acknowledged whatever their age
PRE_ASSIGNED = 0.20  # of the unacknowledged cases, assigned by a lead before acknowledgement
SUMMARIES = 200  # distinct encrypted summaries (and 50 note texts), reused across rows

COLUMNS = (
    "id", "account_id", "customer_id", "kind", "category", "channel", "regulator", "regulator_ref",
    "summary_enc", "amount_fen", "involved_user_id", "involved_agency", "team_id", "portal_request_id",
    "repeat", "received_at", "acknowledge_by", "resolve_by", "provisional", "acknowledged_at",
    "assigned_to_id", "assigned_at", "escalation_level", "escalated_at", "status", "outcome", "remedies",
    "refund_fen", "resolution_enc", "resolved_at", "resolved_by_id", "approval_id", "letter_message_id",
    "closed_at", "created_by",
)  # fmt: skip


def desk_setup() -> DeskSetup:
    """The server's setup with the bench's settings (no override files, Asia/Shanghai, cn's pause)."""
    return DeskSetup(load_deadlines(None), load_calendar(None), SHANGHAI, 30)


# --- the book and the staff ----------------------------------------------------------------------------


def prepare_book(url: str, *, accounts: int, reuse: bool, work: Path, seed: int) -> None:
    """The book: kept with ``reuse`` when it holds ``accounts`` accounts and a completed run (the schema
    brought to head), else dropped and built with the project's commands (only a *bench* database)."""
    engine = make_engine(url)
    try:
        if reuse:
            create_database(url, drop=False)
            book = book_of(engine)
            if book is not None and book.accounts == accounts and book.run_date is not None:
                migrate.upgrade(engine)
                print(f"reusing {url}: {book.accounts:,} accounts, the run of {book.run_date} (not rebuilt)")
                return
            print(f"--reuse: no book of {accounts:,} accounts with a completed run there; building it")
        engine.dispose()
        create_database(url, drop=True)
        print(f"building {url} with {accounts:,} accounts (synth, import, model, run-day):", flush=True)
        started = time.perf_counter()
        build_book(url, accounts=accounts, seed=seed, work=work)
        print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Staff:
    desk: list[int]  # customer_service1..8, in order
    collectors: list[tuple[int, int]]  # (user id, team id)
    visitor: int
    teams: dict[str, int]  # code -> id
    users: dict[str, int]  # username -> id


def ensure_staff(engine: Engine) -> Staff:
    """The teams, a user per role (``{role}1``), customer_service2..8 and collector2..24, created when
    missing (one transaction, the bench password), lockouts cleared."""
    teams, users = table_of(Team), table_of(AppUser)
    wanted = [(f"{role}1", role) for role in ROLES]
    wanted += [(f"customer_service{n}", "customer_service") for n in range(2, DESK_USERS + 1)]
    wanted += [(f"collector{n}", "collector") for n in range(2, COLLECTORS + 1)]
    phone = [code for code, _, kind, _ in TEAMS if kind == "phone"]
    team_of = {f"collector{n}": phone[(n - 1) % len(phone)] for n in range(1, COLLECTORS + 1)}
    team_of |= {"team_lead1": LEAD_TEAM, "visitor1": "desk-field-1", "agency_user1": "desk-agency-a"}
    with engine.begin() as connection:
        have = set(connection.execute(select(teams.c.code)).scalars())
        missing = [
            {"code": c, "name": n, "kind": k, "agency_code": a} for c, n, k, a in TEAMS if c not in have
        ]
        if missing:
            connection.execute(insert(teams), missing)
        team_ids = dict(connection.execute(select(teams.c.code, teams.c.id)).tuples().all())
        found = dict(connection.execute(select(users.c.username, users.c.id)).tuples().all())
        for username, role in wanted:
            if username not in found:
                found[username] = create_user(
                    connection, username=username, display_name=username.replace("_", " "), role=role,
                    password=PASSWORD, now=datetime.now(UTC), team_code=team_of.get(username),
                ).id  # fmt: skip
        names = [username for username, _ in wanted]
        connection.execute(
            update(users).where(users.c.username.in_(names)).values(failed_logins=0, locked_until=None)
        )
    return Staff(
        [found[f"customer_service{n}"] for n in range(1, DESK_USERS + 1)],
        [(found[f"collector{n}"], team_ids[team_of[f"collector{n}"]]) for n in range(1, COLLECTORS + 1)],
        found["visitor1"],
        {code: int(team_ids[code]) for code, *_ in TEAMS},
        {name: int(found[name]) for name in names},
    )


def in_collection(engine: Engine) -> list[tuple[int, int]]:
    """(account id, customer id) of the accounts in collection (days past due), whom cases are about."""
    with engine.connect() as connection:
        query = text("SELECT id, customer_id FROM card_account WHERE dpd > 0 ORDER BY id")
        return [(int(row[0]), int(row[1])) for row in connection.execute(query)]


# --- the cases -------------------------------------------------------------------------------------------


class Deadlines:
    """``due_dates`` and ``escalation_level`` of the real deadlines module, each called once per distinct
    input: a case's deadlines depend only on the local date of receipt, its kind, category and regulator
    flag; its escalation level on its deadlines, whether it was acknowledged in time and the flag."""

    def __init__(self, setup: DeskSetup, now: datetime) -> None:
        self.setup, self.now = setup, now
        self.dues: dict[tuple[Any, ...], Due] = {}
        self.levels: dict[tuple[Any, ...], int] = {}

    def due(self, received: datetime, kind: str, category: str, regulator: bool) -> Due:
        key = (received.astimezone(self.setup.zone).date(), kind, category, regulator)
        if key not in self.dues:
            self.dues[key] = due_dates(received, kind, category, regulator, self.setup.deadlines,
                                       self.setup.calendar, self.setup.zone)  # fmt: skip
        return self.dues[key]

    def level(self, due: Due, acknowledged_at: datetime | None, regulator: bool) -> int:
        late = acknowledged_at is None or acknowledged_at >= due.acknowledge_by
        key = (due.acknowledge_by, due.resolve_by, late, regulator)
        if key not in self.levels:
            self.levels[key] = escalation_level(
                now=self.now, acknowledged_at=None if late else due.acknowledge_by - timedelta(seconds=1),
                acknowledge_by=due.acknowledge_by, resolve_by=due.resolve_by, resolved=False,
                regulator=regulator, calendar=self.setup.calendar, zone=self.setup.zone,
            )  # fmt: skip
        return self.levels[key]


@dataclass
class Maker:
    """Draws cases: the shares above, the bench's accounts and staff, fixed ciphertexts."""

    rng: random.Random
    now: datetime
    accounts: Sequence[tuple[int, int]]
    staff: Staff
    deadlines: Deadlines
    summaries: list[bytes]
    resolutions: list[bytes]

    def pick(self, shares: dict[str, float]) -> str:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]

    def common(self, case_id: int, received: datetime) -> dict[str, Any]:
        """What every case has: account, kind, category, channel, who is involved, team, deadlines."""
        rng, staff = self.rng, self.staff
        account_id, customer_id = rng.choice(self.accounts)
        kind = self.pick(KIND_SHARES)
        category = self.pick(CATEGORY_SHARES[kind])
        regulator = kind != "hardship" and rng.random() < REGULATOR_SHARE
        channel = "regulator" if regulator else self.pick(CHANNEL_SHARES)
        involved_user, agency, team = None, None, None
        if kind == "complaint" and category == "visit_conduct":
            involved_user, team = staff.visitor, staff.teams["desk-field-1"]
        elif kind == "complaint" and (draw := rng.random()) < 0.6:
            involved_user, team = rng.choice(staff.collectors)
        elif kind == "complaint" and draw < 0.7:
            agency, team = "AGA", staff.teams["desk-agency-a"]
        if team is None and rng.random() < 0.9:  # the account's collecting team
            team = rng.choice([staff.teams[c] for c in ("desk-phone-1", "desk-phone-2", "desk-phone-3")])
        due = self.deadlines.due(received, kind, category, regulator)
        return {
            "id": case_id, "account_id": account_id, "customer_id": customer_id, "kind": kind,
            "category": category, "channel": channel, "regulator": regulator,
            "regulator_ref": f"JG-2026-{case_id:06d}" if regulator else None,
            "summary_enc": rng.choice(self.summaries),
            "amount_fen": int(rng.lognormvariate(10.8, 1.0)) if kind == "dispute" else None,
            "involved_user_id": involved_user, "involved_agency": agency, "team_id": team,
            "portal_request_id": None, "repeat": kind == "complaint" and rng.random() < 0.06,
            "received_at": received, "acknowledge_by": due.acknowledge_by, "resolve_by": due.resolve_by,
            "provisional": due.provisional, "escalation_level": 0, "escalated_at": None,
            "outcome": None, "remedies": None, "refund_fen": None, "resolution_enc": None,
            "resolved_at": None, "resolved_by_id": None, "approval_id": None, "letter_message_id": None,
            "closed_at": None, "created_by": "desk-bench",
        }  # fmt: skip

    def open_case(self, case_id: int) -> dict[str, Any]:
        rng = self.rng
        age = timedelta(days=rng.expovariate(1 / OPEN_AGE_MEAN_DAYS) % OPEN_DAYS)
        case = self.common(case_id, self.now - age)
        delay = timedelta(hours=rng.expovariate(1 / ACK_DELAY_MEAN_HOURS))
        acknowledged = None if rng.random() < NEVER_ACKNOWLEDGED else case["received_at"] + delay
        if acknowledged is not None and acknowledged >= self.now:
            acknowledged = None
        assignee = None
        if acknowledged is not None or rng.random() < PRE_ASSIGNED:  # the acknowledger takes the case
            assignee = rng.choice(self.staff.desk)
        due = Due(case["acknowledge_by"], case["resolve_by"], case["provisional"])
        level = self.deadlines.level(due, acknowledged, case["regulator"])
        missed = min(due.resolve_by, due.acknowledge_by if acknowledged is None else due.resolve_by)
        return case | {
            "acknowledged_at": acknowledged, "status": "open" if acknowledged is None else "acknowledged",
            "assigned_to_id": assignee,
            "assigned_at": (acknowledged or case["received_at"] + delay / 4) if assignee else None,
            "escalation_level": level,
            "escalated_at": min(self.now, missed + timedelta(hours=1)) if level else None,
        }  # fmt: skip

    def closed_case(self, case_id: int) -> dict[str, Any]:
        rng = self.rng
        resolved = self.now - timedelta(days=rng.uniform(0, CLOSED_DAYS))
        taken = timedelta(hours=min(rng.lognormvariate(4.4, 0.8), 24 * 60))  # median about 3.4 days
        case = self.common(case_id, resolved - taken)
        acknowledged = case["received_at"] + min(taken, timedelta(hours=rng.expovariate(1 / 10)))
        outcome = rng.choices(("upheld", "partly_upheld", "not_upheld"), weights=(25, 20, 55))[0]
        remedies = (
            None if outcome == "not_upheld" else rng.choice(("apology", "refund,apology", "correction"))
        )
        closed = resolved + timedelta(hours=rng.uniform(1, 72))
        by = rng.choice(self.staff.desk)
        return case | {
            "acknowledged_at": acknowledged, "assigned_to_id": by, "assigned_at": acknowledged,
            "escalation_level": int(resolved > case["resolve_by"]),
            "escalated_at": case["resolve_by"] if resolved > case["resolve_by"] else None,
            "status": "closed" if closed < self.now and rng.random() < 0.8 else "resolved",
            "outcome": outcome, "remedies": remedies,
            "refund_fen": rng.randrange(1_000, 50_000) if remedies and "refund" in remedies else None,
            "resolution_enc": rng.choice(self.resolutions), "resolved_at": resolved, "resolved_by_id": by,
            "closed_at": closed if closed < self.now else None,
        }  # fmt: skip


def bench_texts(cipher: FieldCipher, rng: random.Random) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Encrypted summaries, resolutions and notes: fixed bench phrases, no personal data."""
    topics = (
        "还款金额与账单不符", "夜间多次来电", "联系了我的单位", "已经还款但仍被催收", "收入减少申请分期",
        "The collector was rude on the phone", "I do not recognise a charge", "Please stop calling at work",
    )  # fmt: skip
    summaries = [f"{rng.choice(topics)} (bench case text {n})" for n in range(SUMMARIES)]
    resolutions = [f"Checked the records; decision and reasons (bench text {n})." for n in range(50)]
    notes = [f"Called the cardholder back; waiting for documents (bench note {n})." for n in range(50)]
    return cipher.encrypt_many(summaries), cipher.encrypt_many(resolutions), cipher.encrypt_many(notes)


def make_cases(
    engine: Engine, staff: Staff, *, open_count: int, closed_count: int, now: datetime, seed: int
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """The open and the resolved or closed cases (ids from 1), and notes on about a third of them."""
    rng = random.Random(seed)
    summaries, resolutions, notes = bench_texts(FieldCipher(base64.b64decode(BENCH_KEY)), rng)
    maker = Maker(
        rng, now, in_collection(engine), staff, Deadlines(desk_setup(), now), summaries, resolutions
    )
    cases = [maker.open_case(n) for n in range(1, open_count + 1)]
    cases += [maker.closed_case(n) for n in range(open_count + 1, open_count + closed_count + 1)]
    note_rows = []
    for case in cases:
        start = case["acknowledged_at"]
        if start is not None and rng.random() < 0.35:
            for _ in range(rng.randint(1, 3)):
                at = start + (now - start) * rng.random()
                note_rows.append((case["id"], at, case["assigned_to_id"], "note", rng.choice(notes)))
    return cases, note_rows


def load_cases(engine: Engine, cases: list[dict[str, Any]], notes: list[tuple[Any, ...]]) -> float:
    """Replaces every service case (and note and case hold) with these, by COPY, then VACUUM ANALYZE;
    the seconds taken. CASCADE: what refers to a case (assistant hand-overs) goes too; the bench database
    holds none of its own."""
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text("TRUNCATE service_case_hold, service_case_note, service_case RESTART IDENTITY CASCADE")
        )
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY service_case ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for case in cases:
                    copy.write_row([case[column] for column in COLUMNS])
            with cursor.copy(
                "COPY service_case_note (case_id, at, user_id, kind, text_enc) FROM STDIN"
            ) as copy:
                for row in notes:
                    copy.write_row(row)
        for table in ("service_case", "service_case_note"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                    f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"))  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) service_case, service_case_note, service_case_hold"))
    return time.perf_counter() - started


__all__ = ["BENCH_KEY", "DEFAULT_URL", "PASSWORD", "Staff", "desk_setup", "ensure_staff", "load_cases",
           "make_cases", "prepare_book"]  # fmt: skip
