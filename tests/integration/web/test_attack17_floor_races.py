"""The floor view's forms sent at the same instant by two team leads of one team, through the pages, on
SQLite and PostgreSQL: one case reassigned to two collectors at once goes to one of them (the other
lead is told the case changed), and eight day targets set at once for the team and for one collector
leave one row each, the last one written, every change audited. Never 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_support import Browser

from arrears.kit.clock import now
from arrears.models import AuditEvent, CollectionAction, DayTarget, table_of
from arrears.users.service import create_user
from floor_day import calls, user
from web_book import PASSWORD


def signed_in(web: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


def two_leads(web: TestClient, book: Engine) -> list[tuple[Browser, str]]:
    with book.begin() as connection:
        create_user(connection, username="team_lead2", display_name="lead two", role="team_lead",
                    password=PASSWORD, now=now(), team_code="phone-a")  # fmt: skip
    leads = [signed_in(web, "team_lead1"), signed_in(web, "team_lead2")]
    return [(lead, lead.csrf("/team")) for lead in leads]


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    start, answers = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(index: int) -> None:
        start.wait()
        answers[index] = jobs[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def audited(book: Engine, action: str) -> int:
    e = table_of(AuditEvent)
    with book.connect() as connection:
        return int(connection.execute(select(func.count()).where(e.c.action == action)).scalar_one())


def test_one_case_reassigned_by_two_leads_at_once_goes_to_one_collector(
    web: TestClient, book: Engine
) -> None:
    leads = two_leads(web, book)
    one, two = user(book, "collector1"), user(book, "collector2")
    action = calls(book)[0]["id"]

    def move(index: int, to: int) -> Callable[[], Any]:
        lead, token = leads[index]
        form = {"to": str(to), "action_id": str(action), "held_by": "", "csrf_token": token}
        return lambda: lead.client.post("/team/reassign", data=form, follow_redirects=False)

    answers = at_once([move(0, one.id), move(1, two.id)])

    assert sorted(answer.status_code for answer in answers) == [303, 422]
    x = table_of(CollectionAction)
    with book.connect() as connection:
        row = connection.execute(select(x.c.status, x.c.claimed_by_id).where(x.c.id == action)).one()
    winner = one.id if answers[0].status_code == 303 else two.id
    assert row.status == "claimed" and row.claimed_by_id == winner
    assert audited(book, "queue.reassigned") == 1


def test_targets_set_at_once_leave_one_row_each(web: TestClient, book: Engine) -> None:
    leads, one = two_leads(web, book), user(book, "collector1")

    def target(index: int, fields: dict[str, str]) -> Callable[[], Any]:
        lead, token = leads[index % 2]
        return lambda: lead.client.post("/team/targets", data={**fields, "csrf_token": token},
                                        follow_redirects=False)  # fmt: skip

    jobs = [target(n, {"calls": str(n), "collected": f"{n}.05"}) for n in range(1, 9)]
    jobs += [target(n, {"user": str(one.id), "rpcs": str(n)}) for n in range(1, 9)]
    answers = at_once(jobs)

    assert [answer.status_code for answer in answers] == [303] * 16
    g = table_of(DayTarget)
    with book.connect() as connection:
        rows = connection.execute(select(g.c.user_id, g.c.calls, g.c.rpcs, g.c.collected_fen)).all()
    team = [row for row in rows if row.user_id is None]
    own = [row for row in rows if row.user_id == one.id]
    assert len(rows) == 2 and len(team) == 1 and len(own) == 1
    assert team[0].collected_fen == team[0].calls * 100 + 5  # exact to the fen
    assert audited(book, "targets.set") == 16
