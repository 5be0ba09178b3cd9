"""The legal case endpoints attacked through the real app, on SQLite and PostgreSQL: two steps and two
costs sent at the same instant, extreme dates, amounts and texts, non-UTF-8 bodies, case and firm ids
past 2^31 and 2^63 on every route, a closed case receiving steps, costs and a firm, a lawyer
deactivated or moved to another firm while signed in, and a case's money summed to the fen over many
costs and payments. Never 500; a refusal writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select
from test_legal_case_pages import law_firm, proceed, steps
from test_legal_page import accounts, refer
from web_support import Browser

from arrears.config import get_settings
from arrears.kit.clock import now
from arrears.legal import cases
from arrears.models import AppUser, AuditEvent, LegalCase, LegalCost, Payment, table_of
from arrears.users.service import create_user
from web_book import PASSWORD


def signed_in(web: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


def today() -> date:
    """The pages' today: the day in the configured zone (not UTC's, which is a day behind in the evening)."""
    return now().astimezone(ZoneInfo(get_settings().timezone)).date()


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


def costs(book: Engine, case_id: int) -> list[int]:
    k = table_of(LegalCost)
    with book.connect() as connection:
        query = select(k.c.amount_fen).where(k.c.case_id == case_id).order_by(k.c.id)
        return [int(fen) for fen in connection.execute(query).scalars()]


def audited(book: Engine, action: str) -> int:
    e = table_of(AuditEvent)
    with book.connect() as connection:
        return int(connection.execute(select(func.count()).where(e.c.action == action)).scalar_one())


@pytest.fixture
def opened(web: TestClient, book: Engine) -> tuple[Browser, int]:
    """legal1 signed in (500s answered, not raised) and the case legal1 opened by proceeding."""
    chosen = accounts(book)[:1]
    refer(book, chosen)
    legal = signed_in(web, "legal1")
    return legal, proceed(legal, chosen[0][0])


def form_of(path: str, case_id: int) -> str:
    return f"/legal/cases/{case_id}/{path}"


def test_two_steps_sent_at_once_record_one_and_refuse_the_other(
    opened: tuple[Browser, int], web: TestClient, book: Engine
) -> None:
    legal, case_id = opened
    with book.begin() as connection:
        create_user(connection, username="legal2", display_name="legal two", role="legal", password=PASSWORD,
                    now=now())  # fmt: skip
    colleague = signed_in(web, "legal2")
    page, day = f"/legal/cases/{case_id}", today().isoformat()
    moves = [  # the same move twice: once the first is recorded, the second is out of order
        {"to": "filing", "on": day, "document": "A1"},
        {"to": "hearing", "on": day, "hearing_on": day},
        {"to": "judgment", "on": day, "document": "J", "perform_by": day},
        {"to": "closed", "on": day, "close_reason": "paid"},
    ]
    for fields in moves:
        tokens = [legal.csrf(page), colleague.csrf(page)]
        jobs = [
            lambda who=who, token=token, fields=fields: who.client.post(
                form_of("steps", case_id), data={**fields, "csrf_token": token}, follow_redirects=False
            )
            for who, token in ((legal, tokens[0]), (colleague, tokens[1]))
        ]
        answers = at_once(jobs)
        codes = sorted(answer.status_code for answer in answers)
        assert codes[0] == 303 and codes[1] in (409, 422), [(a.status_code, a.text[-400:]) for a in answers]
        refused = next(answer for answer in answers if answer.status_code != 303)
        assert "Traceback" not in refused.text
    assert steps(book, case_id) == ["review", "filing", "hearing", "judgment", "closed"]
    assert audited(book, "legal_case.step") == 4


def test_a_cost_sent_twice_at_once_is_recorded_twice_never_500(
    opened: tuple[Browser, int], book: Engine
) -> None:
    legal, case_id = opened
    page = f"/legal/cases/{case_id}"
    fields = {"kind": "court_fee", "amount": "50.05", "incurred_on": today().isoformat()}
    tokens = [legal.csrf(page), legal.csrf(page)]
    answers = at_once([
        lambda token=token: legal.client.post(form_of("costs", case_id), data={**fields, "csrf_token": token},
                                              follow_redirects=False)
        for token in tokens
    ])  # fmt: skip
    assert [answer.status_code for answer in answers] == [303, 303]
    assert costs(book, case_id) == [5005, 5005]
    assert audited(book, "legal_case.cost") == 2
    with book.connect() as connection:
        assert cases.money(connection, case_id).cost_fen == 10010


LONG = "案" * 100_000
EXTREME_STEPS = [
    {"to": "filing", "on": "0001-01-01", "document": "x"},
    {"to": "filing", "on": "9999-12-31", "document": "x"},
    {"to": "filing", "on": "2026-02-30", "document": "x"},
    {"to": "filing", "on": "", "document": "x"},
    {"to": "filing", "on": "TODAY", "document": LONG},
    {"to": "filing", "on": "TODAY", "document": "x" * 201},
    {"to": "filing", "on": "TODAY", "document": "x", "note": LONG},
    {"to": "filing", "on": "TODAY", "document": "x\x00y"},
    {"to": "filing", "on": "TODAY", "document": "x", "note": "a\x00"},
    {"to": "filing", "on": "TODAY", "document": "   "},
    {"to": "hearing", "on": "TODAY"},
    {"to": "review", "on": "TODAY"},
    {"to": "x" * 10_000, "on": "TODAY"},
    {"to": "closed", "on": "TODAY", "close_reason": "x" * 10_000},
]
EXTREME_COSTS = [
    "1e999", "0.001", "-0", "0", "0.00", "100000000.01", "9" * 65, "1" + "0" * 64 + ".00", "NaN", "Infinity",
    "-5", "1,000", "１２３", "٣", "0x10", "5\x00", "", LONG,
]  # fmt: skip


@pytest.mark.parametrize("fields", EXTREME_STEPS, ids=range(len(EXTREME_STEPS)))
def test_an_extreme_step_is_refused_in_its_form(
    opened: tuple[Browser, int], book: Engine, fields: dict[str, str]
) -> None:
    legal, case_id = opened
    page = f"/legal/cases/{case_id}"
    sent = {key: value.replace("TODAY", today().isoformat()) for key, value in fields.items()}
    answer = legal.post(form_of("steps", case_id), sent, token_from=page)
    assert answer.status_code == 422, answer.text[-600:]
    assert "Traceback" not in answer.text
    assert steps(book, case_id) == ["review"]


@pytest.mark.parametrize("field", ["hearing_on", "perform_by"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "99999-01-01"])
def test_an_extreme_hearing_or_performance_date_is_refused(
    opened: tuple[Browser, int], book: Engine, field: str, day: str
) -> None:
    legal, case_id = opened
    page, on = f"/legal/cases/{case_id}", today().isoformat()
    assert legal.post(form_of("steps", case_id), {"to": "filing", "on": on, "document": "F"},
                      token_from=page).status_code == 303  # fmt: skip
    if field == "perform_by":
        assert legal.post(form_of("steps", case_id), {"to": "hearing", "on": on, "hearing_on": on},
                          token_from=page).status_code == 303  # fmt: skip
    to = "hearing" if field == "hearing_on" else "judgment"
    answer = legal.post(form_of("steps", case_id), {"to": to, "on": on, "document": "J", field: day},
                        token_from=page)  # fmt: skip
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert steps(book, case_id)[-1] != to


@pytest.mark.parametrize("amount", EXTREME_COSTS, ids=range(len(EXTREME_COSTS)))
def test_an_extreme_amount_is_refused_in_its_form(
    opened: tuple[Browser, int], book: Engine, amount: str
) -> None:
    legal, case_id = opened
    fields = {"kind": "court_fee", "amount": amount, "incurred_on": today().isoformat()}
    answer = legal.post(form_of("costs", case_id), fields, token_from=f"/legal/cases/{case_id}")
    assert answer.status_code == 422, answer.text[-600:]
    assert costs(book, case_id) == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "1999-01-01", "TOMORROW"])
def test_a_cost_on_an_extreme_day_is_refused(opened: tuple[Browser, int], book: Engine, day: str) -> None:
    legal, case_id = opened
    day = day.replace("TOMORROW", (today() + timedelta(days=1)).isoformat())
    fields = {"kind": "court_fee", "amount": "1", "incurred_on": day}
    answer = legal.post(form_of("costs", case_id), fields, token_from=f"/legal/cases/{case_id}")
    assert answer.status_code == 422 and costs(book, case_id) == []


def test_the_largest_amount_and_the_smallest_are_kept_to_the_fen(
    opened: tuple[Browser, int], book: Engine
) -> None:
    legal, case_id = opened
    page = f"/legal/cases/{case_id}"
    for amount in ("100000000.00", "0.01", "0.1"):
        fields = {"kind": "lawyer_fee", "amount": amount, "incurred_on": today().isoformat()}
        assert legal.post(form_of("costs", case_id), fields, token_from=page).status_code == 303
    assert costs(book, case_id) == [100_000_000_00, 1, 10]
    assert "¥100,000,000.11" in legal.client.get(page).text.split('id="cost-total"')[1][:80]


def test_a_cost_note_longer_than_any_note_is_refused(opened: tuple[Browser, int], book: Engine) -> None:
    legal, case_id = opened
    fields = {"kind": "court_fee", "amount": "1", "incurred_on": today().isoformat(), "note": LONG}
    answer = legal.post(form_of("costs", case_id), fields, token_from=f"/legal/cases/{case_id}")
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert costs(book, case_id) == []


NOT_UTF8 = {
    "steps": b"to=filing&on=TODAY&document=\xff\xfe\xc3&note=\xe9t\xe9",
    "costs": b"kind=court_fee&amount=1&incurred_on=TODAY&note=\xff\xfe",
    "firm": b"firm=\xff",
}


@pytest.mark.parametrize("path", sorted(NOT_UTF8))
def test_a_body_that_is_not_utf8_is_never_500(opened: tuple[Browser, int], book: Engine, path: str) -> None:
    legal, case_id = opened
    token = legal.csrf(f"/legal/cases/{case_id}")
    fields = NOT_UTF8[path].replace(b"TODAY", today().isoformat().encode())
    body = b"csrf_token=" + token.encode() + b"&" + fields
    answer = legal.client.post(form_of(path, case_id), content=body, follow_redirects=False,
                               headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert answer.status_code in (303, 400, 422), answer.text[-600:]
    assert len(steps(book, case_id)) <= 2 and len(costs(book, case_id)) <= 1
    if path == "firm":
        assert answer.status_code == 422


BIG_IDS = [2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30, 0]


@pytest.mark.parametrize("case_id", BIG_IDS)
def test_a_case_id_past_every_range_is_not_found_on_every_route(
    opened: tuple[Browser, int], case_id: int
) -> None:
    legal, real = opened
    page = f"/legal/cases/{real}"
    assert legal.client.get(f"/legal/cases/{case_id}").status_code == 404
    for path, fields in (("steps", {"to": "filing", "on": today().isoformat(), "document": "x"}),
                         ("costs", {"kind": "court_fee", "amount": "1", "incurred_on": today().isoformat()}),
                         ("firm", {"firm": ""})):  # fmt: skip
        answer = legal.post(form_of(path, case_id), fields, token_from=page)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[-300:])


@pytest.mark.parametrize("firm", [str(2**31 - 1), str(2**31), str(2**63), "-1", "0", "1e3", "９"])
def test_a_firm_id_past_every_range_is_refused(opened: tuple[Browser, int], book: Engine, firm: str) -> None:
    legal, case_id = opened
    answer = legal.post(form_of("firm", case_id), {"firm": firm}, token_from=f"/legal/cases/{case_id}")
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    c = table_of(LegalCase)
    with book.connect() as connection:
        assert connection.execute(select(c.c.firm_team_id).where(c.c.id == case_id)).scalar_one() is None


def test_a_closed_case_takes_no_step_cost_or_firm(opened: tuple[Browser, int], book: Engine) -> None:
    legal, case_id = opened
    page, day = f"/legal/cases/{case_id}", today().isoformat()
    firm = law_firm(book, "firm-c", "lawyer_c")
    closed = legal.post(form_of("steps", case_id), {"to": "closed", "on": day, "close_reason": "settled"},
                        token_from=page)  # fmt: skip
    assert closed.status_code == 303
    shown = legal.client.get(page).text
    assert 'id="step-form"' not in shown and 'id="cost-form"' not in shown and 'id="firm-form"' not in shown
    for path, fields in (("steps", {"to": "enforcement", "on": day, "document": "E"}),
                         ("steps", {"to": "closed", "on": day, "close_reason": "paid"}),
                         ("costs", {"kind": "court_fee", "amount": "10", "incurred_on": day}),
                         ("firm", {"firm": str(firm)}),
                         ("firm", {"firm": ""})):  # fmt: skip
        answer = legal.post(form_of(path, case_id), fields, token_from=page)
        assert answer.status_code in (409, 422), (path, fields, answer.status_code)
        assert "Traceback" not in answer.text
    assert steps(book, case_id) == ["review", "closed"] and costs(book, case_id) == []
    c = table_of(LegalCase)
    with book.connect() as connection:
        row = connection.execute(select(c.c.firm_team_id, c.c.close_reason).where(c.c.id == case_id)).one()
    assert row.firm_team_id is None and row.close_reason == "settled"


def assigned_to_a_lawyer(web: TestClient, book: Engine) -> tuple[Browser, Browser, int, int, int]:
    """Two cases, one per firm; legal1, lawyer_a of the first firm signed in, the first case, the
    second firm and lawyer_a's user id."""
    chosen = accounts(book)[:2]
    refer(book, chosen)
    legal = signed_in(web, "legal1")
    for account, _, _ in chosen:
        legal.post(
            "/legal/decisions", {"account_id": str(account), "outcome": "proceed"}, token_from="/legal"
        )
    c = table_of(LegalCase)
    with book.connect() as connection:
        ids = sorted(int(one) for one in connection.execute(select(c.c.id)).scalars())
    firm_a, firm_b = law_firm(book, "firm-a", "lawyer_a"), law_firm(book, "firm-b", "lawyer_b")
    for case_id, firm in zip(ids, (firm_a, firm_b), strict=True):
        page = f"/legal/cases/{case_id}"
        assert legal.post(form_of("firm", case_id), {"firm": str(firm)}, token_from=page).status_code == 303
    lawyer = signed_in(web, "lawyer_a")
    u = table_of(AppUser)
    with book.connect() as connection:
        lawyer_id = connection.execute(select(u.c.id).where(u.c.username == "lawyer_a")).scalar_one()
    return legal, lawyer, ids[0], firm_b, int(lawyer_id)


def test_a_deactivated_lawyer_is_signed_out_and_cannot_sign_in(web: TestClient, book: Engine) -> None:
    _, lawyer, case_id, _, lawyer_id = assigned_to_a_lawyer(web, book)
    page = f"/legal/cases/{case_id}"
    token = lawyer.csrf(page)
    admin = signed_in(web, "admin1")
    assert admin.post(f"/admin/users/{lawyer_id}/deactivate", token_from=f"/admin/users/{lawyer_id}"
                      ).status_code == 303  # fmt: skip
    assert lawyer.client.get(page, follow_redirects=False).status_code in (303, 401)
    fields = {"to": "filing", "on": today().isoformat(), "document": "x", "csrf_token": token}
    answer = lawyer.client.post(form_of("steps", case_id), data=fields, follow_redirects=False)
    assert answer.status_code in (303, 401, 403) and steps(book, case_id) == ["review"]
    again = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert again.sign_in("lawyer_a").status_code != 303
    assert again.client.get(page, follow_redirects=False).status_code in (303, 401)


def test_a_lawyer_moved_to_another_firm_is_signed_out_and_sees_the_new_firms_cases_only(
    web: TestClient, book: Engine
) -> None:
    _, lawyer, case_id, firm_b, lawyer_id = assigned_to_a_lawyer(web, book)
    page = f"/legal/cases/{case_id}"
    token = lawyer.csrf(page)
    admin = signed_in(web, "admin1")
    moved = admin.post(f"/admin/users/{lawyer_id}/role", {"role": "lawyer", "team": str(firm_b)},
                       token_from=f"/admin/users/{lawyer_id}")  # fmt: skip
    assert moved.status_code == 303
    assert lawyer.client.get(page, follow_redirects=False).status_code in (303, 401)
    fields = {"kind": "court_fee", "amount": "1", "incurred_on": today().isoformat(), "csrf_token": token}
    answer = lawyer.client.post(form_of("costs", case_id), data=fields, follow_redirects=False)
    assert answer.status_code in (303, 401, 403) and costs(book, case_id) == []
    assert lawyer.sign_in("lawyer_a").status_code == 303
    assert lawyer.client.get(page).status_code == 404  # the old firm's case
    listed = lawyer.client.get("/legal/cases").text
    assert f'href="/legal/cases/{case_id}"' not in listed and f'href="/legal/cases/{case_id + 1}"' in listed


def test_the_money_is_summed_to_the_fen_over_many_costs_and_payments(
    opened: tuple[Browser, int], book: Engine
) -> None:
    legal, case_id = opened
    page, day = f"/legal/cases/{case_id}", today()
    rng = Random(18)
    amounts = [Decimal(rng.randrange(1, 10**10)) / 100 for _ in range(25)] + [Decimal("0.01")] * 5
    for number, amount in enumerate(amounts):
        fields = {"kind": ("court_fee", "lawyer_fee", "enforcement_cost", "other_cost")[number % 4],
                  "amount": f"{amount:.2f}".rstrip("0").rstrip(".") if number % 3 else f"{amount:.2f}",
                  "incurred_on": day.isoformat()}  # fmt: skip
        assert legal.post(form_of("costs", case_id), fields, token_from=page).status_code == 303
    c = table_of(LegalCase)
    with book.connect() as connection:
        account_id, opened_on = connection.execute(
            select(c.c.account_id, c.c.opened_on).where(c.c.id == case_id)
        ).one()
    paid = [rng.randrange(1, 10**12) for _ in range(60)] + [-rng.randrange(1, 10**9) for _ in range(10)]
    rows = [{"payment_ref": f"attack18-{n}", "account_id": account_id, "amount_fen": fen, "channel": "bank",
             "paid_date": opened_on + timedelta(days=n % 3)} for n, fen in enumerate(paid)]  # fmt: skip
    before = opened_on - timedelta(days=1)  # paid before the case opened: not recovered through it
    rows.append({"payment_ref": "attack18-before", "account_id": account_id, "paid_date": before,
                 "amount_fen": 999, "channel": "bank"})  # fmt: skip
    with book.begin() as connection:
        connection.execute(insert(table_of(Payment)), rows)
    cost_total = sum(amounts, Decimal(0))
    recovered = sum((Decimal(fen) / 100 for fen in paid), Decimal(0))
    with book.connect() as connection:
        money = cases.money(connection, case_id)
    assert Decimal(money.cost_fen) / 100 == cost_total
    assert Decimal(money.recovered_fen) / 100 == recovered
    assert Decimal(money.net_fen) / 100 == recovered - cost_total
    assert Decimal(money.cost_recovered_fen) / 100 == min(cost_total, recovered)
    shown = legal.client.get(page).text
    assert f"¥{cost_total:,.2f}" in shown.split('id="cost-total"')[1][:80]
    assert f"{recovered:,.2f}" in shown.split('id="recovered"')[1][:80]
    net = recovered - cost_total
    assert f"{abs(net):,.2f}" in shown.split('id="net"')[1][:80]
