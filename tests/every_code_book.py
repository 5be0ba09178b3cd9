"""A book whose pages show every kind of stored code: the web book (tests/web_book.py) plus, on its
first accounts, every kind of contact point, contacts with every outcome, party and reason, promises,
plans and instalments in every status, approvals waiting and decided, holds of every kind, callbacks,
case requests, payments of every channel and source, planned actions of every channel, messages and
replies, service cases and portal requests of every kind and status, an agency placement, placement
batches, and a visitors' route on the business date with stops, alerts and follow-up tasks in every status.

Rows are written directly (as the services would leave them), so that every value of every code list
appears somewhere; 1,200 more calls wait in the queue (figures of four digits). Staff display names are
people's names: a name like ``team_lead one`` would read as a raw code. Shared by
tests/integration/web/test_no_raw_codes.py and tests/browser/test_staff_accessibility.py.

The rows are written by area: tests/every_code_casework.py (the case itself), tests/every_code_service.py
(messages, service cases, portal requests) and tests/every_code_visits.py (the visitors' route).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from arrears.kit.clock import now as clock_now
from arrears.kit.crypto import FieldCipher
from arrears.models import AgencyPlacement, AppUser, CardAccount, table_of
from every_code_agencies import add_agencies
from every_code_casework import (
    add_busy_queue,
    add_contacts,
    add_holds,
    add_plans,
    add_points,
    add_promises,
    add_work,
)
from every_code_commissions import add_commissions
from every_code_debtsale import add_debt_sales
from every_code_legal import add_legal_cases
from every_code_placements import add_placement_batches
from every_code_service import add_messages, add_service
from every_code_visits import add_visits
from web_book import RUN, build_book

NAMES = {
    "collector": "王芳",
    "visitor": "李强",
    "team_lead": "张伟",
    "legal": "刘洋",
    "compliance": "陈静",
    "customer_service": "杨丽",
    "manager": "赵磊",
    "admin": "黄敏",
    "agency_user": "周杰",
}


@dataclass(frozen=True)
class Seeded:
    """The ids the pages are opened with."""

    account_id: int  # the case with everything on it (collector1 holds an open callback on it)
    held_account_id: int  # holds of every kind
    placed_account_id: int  # placed with agency X
    stop_ids: tuple[int, ...]
    service_case_ids: tuple[int, ...]
    portal_request_ids: tuple[int, ...]
    legal_case_ids: tuple[int, ...] = ()
    debt_sale_ids: tuple[int, ...] = ()  # the approved sale first


def _ids(connection: Connection) -> tuple[list[Any], dict[str, int]]:
    a, u = table_of(CardAccount), table_of(AppUser)
    accounts = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).all()
    users = {row.username: row.id for row in connection.execute(select(u.c.username, u.c.id))}
    return list(accounts), users


def build_every_code_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Seeded:
    """The web book and the rows of every code; the ids to open."""
    build_book(engine, tmp_path, cipher)
    return add_every_code(engine, cipher)


def add_every_code(engine: Engine, cipher: FieldCipher) -> Seeded:
    """The rows of every code on the web book (built already); the ids to open."""
    at = clock_now()
    with engine.begin() as connection:
        accounts, users = _ids(connection)
        u = table_of(AppUser)
        for username, role in connection.execute(select(u.c.username, u.c.role)).all():
            connection.execute(
                update(u)
                .where(u.c.username == username)
                .values(display_name=NAMES.get(role, "吴刚") + username[-1])
            )
        rich, held, placed = accounts[0], accounts[1], accounts[4]
        for account in accounts[:4]:
            add_points(connection, cipher, account.customer_id, at)
        add_contacts(connection, rich, users, at)
        add_promises(connection, rich.id, users, at)
        add_plans(connection, rich.id, users, at)
        add_holds(connection, held, users, at)
        add_work(connection, rich, users, at)
        add_busy_queue(connection, accounts[6:], at)
        add_messages(connection, rich, at)
        cases, requests = add_service(connection, cipher, rich, users, at)
        connection.execute(
            insert(table_of(AgencyPlacement)).values(
                account_id=placed.id,
                agency_code="X",
                placed_on=RUN - timedelta(days=5),
                ends_on=RUN + timedelta(days=85),
                created_at=at,
            )
        )
        add_agencies(connection, accounts, at)
        stops = add_visits(connection, accounts[:4], users, at)
        legal = add_legal_cases(connection, accounts[2], accounts[3], users, at)
        sales = add_debt_sales(connection, accounts[11], users, at)
        add_placement_batches(connection, at)
        add_commissions(connection, users, at)
    return Seeded(rich.id, held.id, placed.id, tuple(stops), tuple(cases), tuple(requests), tuple(legal),
                  sales)  # fmt: skip
