"""Compliance's first screen: the audit trail searched by account, actor, action and dates (paged,
newest first) with the chain's state, the overrides with their reasons, the holds in force by kind;
bad input answered 422, personal data masked, codes shown as labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from web_support import Browser, signed_in_as

from arrears.audit.repository import AuditLog, Pending, audit_transaction
from arrears.audit.watch import ChainWatch
from arrears.compliance.record import record_override
from arrears.config import get_settings
from arrears.contacts.holds import place_hold
from arrears.models import AppUser, CardAccount, CollectionAction, Hold, table_of

NOW = datetime.now(UTC)
PHONE = "13812345678"


def accounts(book: Engine) -> list[tuple[int, int, str]]:
    a = table_of(CardAccount)
    with book.connect() as connection:
        rows = connection.execute(select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id)).all()
    return [(int(row.id), int(row.customer_id), str(row.account_no)) for row in rows]


def english(browser: Browser) -> Browser:
    browser.client.get("/lang/en")
    return browser


def ids(page: str) -> list[int]:
    return [int(one) for one in re.findall(r'<tr data-entry="(\d+)">', page)]


@pytest.fixture
def trail(book: Engine) -> list[tuple[int, int, str]]:
    """Entries about the first account (a hold placed by compliance1, a revealed cardholder, a plan
    proposed 40 days ago), about the second (a legal decision), and others."""
    chosen = accounts(book)
    (first, first_customer, _), (second, _, _) = chosen[0], chosen[1]
    with audit_transaction(book) as connection:
        place_hold(
            connection,
            account_id=first,
            kind="dispute",
            reason=f"disputes a charge, call {PHONE}",
            user_id=None,
            actor="compliance1",
            role="compliance",
            now=NOW - timedelta(hours=2),
        )
        AuditLog(connection).append_many(
            [
                Pending(
                    at=NOW - timedelta(days=40),
                    actor="collector1",
                    action="plan.proposed",
                    subject_type="plan",
                    subject_id="777",
                    details={"account_id": first, "months": 6},
                ),
                Pending(
                    at=NOW - timedelta(hours=1),
                    actor="team_lead1",
                    action="pii.reveal",
                    subject_type="customer",
                    subject_id=str(first_customer),
                    details={"account_id": first, "fields": ["name"]},
                ),
                Pending(
                    at=NOW - timedelta(minutes=30),
                    actor="legal1",
                    action="legal.returned",
                    subject_type="card_account",
                    subject_id=str(second),
                    details={"account_id": second, "outcome": "return", "reason": "plan agreed"},
                ),
                Pending(
                    at=NOW - timedelta(minutes=20),
                    actor="collector1",
                    action="plan.proposed",
                    subject_type="plan",
                    subject_id="778",
                    details={"account_id": 10 * first + 1},
                ),
            ]
        )
    return chosen


def test_compliance_lands_on_the_trail_with_the_chain_intact(
    web: TestClient, trail: list[tuple[int, int, str]]
) -> None:
    compliance = signed_in_as(web, "compliance1")
    assert compliance.client.get("/", follow_redirects=False).headers["location"] == "/compliance"
    page = compliance.client.get("/compliance").text  # zh-CN by default
    assert 'id="chain-intact"' in page and "完好：已核验 5 条" in page and "提出还款计划" in page
    assert "结果:</span> 退回催收" in page  # the legal decision's outcome, in words

    page = english(compliance).client.get("/compliance").text
    assert "Intact: 5 entries verified" in page and "5 entries, newest first" in page
    assert ids(page) == [5, 4, 3, 2, 1]
    assert (
        "hold placed" in page
        and "personal data revealed" in page
        and "legal review: returned to collection" in page
    )
    shown = re.sub(r'<option value="[a-z_.]+"', "<option", page)  # the search's choices carry the codes
    assert "pii.reveal" not in shown and "hold.placed" not in shown and "legal.returned" not in shown


def test_the_trail_is_searched_by_account_actor_action_and_dates(
    web: TestClient, trail: list[tuple[int, int, str]]
) -> None:
    compliance = english(signed_in_as(web, "compliance1"))
    first, second = trail[0][2], trail[1][2]

    assert ids(compliance.client.get(f"/compliance?account={first}").text) == [3, 2, 1]
    assert ids(compliance.client.get(f"/compliance?account={first.lower()}").text) == [3, 2, 1]
    assert ids(compliance.client.get(f"/compliance?account={second}").text) == [4]
    assert ids(compliance.client.get("/compliance?actor=collector1").text) == [5, 2]
    assert ids(compliance.client.get("/compliance?action=plan.proposed").text) == [5, 2]
    assert ids(compliance.client.get(f"/compliance?account={first}&action=plan.proposed").text) == [2]
    zone = ZoneInfo(get_settings().timezone)  # the page's dates are days in the configured zone
    today, long_ago = NOW.astimezone(zone).date(), (NOW - timedelta(days=40)).astimezone(zone).date()
    assert ids(compliance.client.get(f"/compliance?to={long_ago}").text) == [2]
    assert 2 not in ids(compliance.client.get(f"/compliance?from={long_ago + timedelta(days=1)}").text)
    assert ids(compliance.client.get(f"/compliance?from={long_ago}&to={long_ago}&actor=collector1").text) == [
        2
    ]
    assert ids(compliance.client.get(f"/compliance?from={today + timedelta(days=2)}").text) == []
    nobody = compliance.client.get("/compliance?account=NO-SUCH-ACCOUNT")
    assert (
        nobody.status_code == 200 and "No account has that number." in nobody.text and ids(nobody.text) == []
    )


def test_the_trail_is_paged_newest_first(web: TestClient, book: Engine) -> None:
    with audit_transaction(book) as connection:
        AuditLog(connection).append_many(
            [
                Pending(
                    at=NOW - timedelta(minutes=200 - n),
                    actor="collector2",
                    action="call.backdated",
                    subject_type="contact_event",
                    subject_id=str(n),
                    details={"minutes_before": n},
                )
                for n in range(1, 121)
            ]
        )
    compliance = english(signed_in_as(web, "compliance1"))

    first = compliance.client.get("/compliance?actor=collector2").text
    third = compliance.client.get("/compliance?actor=collector2&page_no=3").text

    assert ids(first) == list(range(120, 70, -1)) and "Page 1 of 3" in first and "120 entries" in first
    assert 'href="/compliance?actor=collector2&amp;page_no=2"' in first
    assert ids(third) == list(range(20, 0, -1))
    assert ids(compliance.client.get("/compliance?actor=collector2&page_no=99999").text) == ids(third)


BAD = [
    ("from", "0001-01-01"),
    ("to", "9999-12-31"),
    ("from", "2025-13-01"),
    ("to", "yesterday"),
    ("from", "2025-02-30"),
    ("page_no", "0"),
    ("page_no", str(2**63)),
    ("page_no", str(2**63 + 1)),
    ("page_no", "x"),
    ("action", "DROP TABLE audit_event"),
    ("action", "Plan.Proposed"),
    ("account", "9" * 65),
    ("actor", "a" * 121),
    ("account", "9" * 201),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_bad_search_input_is_refused_422(web: TestClient, book: Engine, field: str, value: str) -> None:
    compliance = english(signed_in_as(web, "compliance1"))
    answer = compliance.client.get("/compliance", params={field: value})
    assert answer.status_code == 422 and "Please check" in answer.text
    assert ("from" if field == "from" else "to" if field == "to" else field) in answer.text


def test_a_range_ending_before_it_starts_is_refused(web: TestClient, book: Engine) -> None:
    answer = english(signed_in_as(web, "compliance1")).client.get("/compliance?from=2025-03-02&to=2025-03-01")
    assert answer.status_code == 422 and "the last day is before the first day" in answer.text


@pytest.mark.parametrize("path", ["/compliance/overrides", "/compliance/holds"])
@pytest.mark.parametrize("value", ["0", str(2**63), str(2**63 + 1), "abc"])
def test_bad_pages_of_the_other_views_are_refused_422(
    web: TestClient, book: Engine, path: str, value: str
) -> None:
    assert english(signed_in_as(web, "compliance1")).client.get(f"{path}?page_no={value}").status_code == 422


def test_a_broken_chain_is_shown_where_it_broke(
    web: TestClient, book: Engine, trail: list[tuple[int, int, str]]
) -> None:
    compliance = english(signed_in_as(web, "compliance1"))
    assert 'id="chain-intact"' in compliance.client.get("/compliance").text
    with book.begin() as connection:
        if book.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        connection.exec_driver_sql("UPDATE audit_event SET actor = 'someone else' WHERE id = 3")

    assert 'id="chain-intact"' in compliance.client.get("/compliance").text  # verified once: not read again
    answer = compliance.post("/compliance/verify", token_from="/compliance")
    page = compliance.client.get(answer.headers["location"]).text

    assert answer.status_code == 303 and 'id="chain-broken"' in page
    assert "Broken: 1 problems, the first at entry 3." in page and "edited: its hash does not match" in page
    assert "verified again from its first entry" in page


def test_overrides_are_listed_with_their_reasons_masked(web: TestClient, book: Engine) -> None:
    account_id, _, account_no = accounts(book)[0]
    x = table_of(CollectionAction)
    with book.connect() as connection:
        action_id = connection.execute(select(x.c.id).where(x.c.account_id == account_id)).scalars().first()
    with audit_transaction(book) as connection:
        record_override(
            AuditLog(connection),
            subject=str(action_id),
            decision="allow",
            by="compliance1",
            why=f"the cardholder asked to be called back on {PHONE}",
            at=NOW,
        )
        record_override(
            AuditLog(connection),
            subject="not-an-action",
            decision="block",
            by="compliance1",
            why="a test run",
            at=NOW,
        )

    page = english(signed_in_as(web, "compliance1")).client.get("/compliance/overrides").text

    assert ids(page) == [2, 1] and "2 in all" in page
    assert "rulebook decision overridden" in page and account_no in page
    assert "allow" in page and "block" in page and "a test run" in page
    assert PHONE not in page and "138****5678" in page
    zh = signed_in_as(web, "compliance1").client.get("/compliance/overrides").text
    assert "允许" in zh and "阻止" in zh


def test_holds_in_force_are_counted_by_kind_and_listed(
    web: TestClient, book: Engine, trail: list[tuple[int, int, str]]
) -> None:
    chosen = accounts(book)
    u = table_of(AppUser)
    with book.begin() as connection:
        legal = connection.execute(select(u.c.id).where(u.c.username == "legal1")).scalar_one()
        rows = [
            {
                "customer_id": chosen[n % len(chosen)][1],
                "account_id": chosen[n % len(chosen)][0],
                "kind": "litigation",
                "reason": "case filed",
                "placed_by_id": legal,
                "placed_at": NOW - timedelta(days=1),
                "expires_at": NOW + timedelta(days=30),
            }
            for n in range(1_234)
        ]
        connection.execute(insert(table_of(Hold)), rows)
        ended = [
            {
                "customer_id": chosen[0][1],
                "account_id": None,
                "kind": "hardship",
                "reason": "lifted",
                "placed_at": NOW - timedelta(days=3),
                "lifted_at": NOW - timedelta(days=1),
                "expires_at": None,
            },
            {
                "customer_id": chosen[0][1],
                "account_id": None,
                "kind": "hardship",
                "reason": "expired",
                "placed_at": NOW - timedelta(days=3),
                "lifted_at": None,
                "expires_at": NOW - timedelta(days=1),
            },
        ]
        connection.execute(insert(table_of(Hold)), ended)
    compliance = english(signed_in_as(web, "compliance1"))

    page = compliance.client.get("/compliance/holds").text
    assert re.search(r'data-kind="litigation">1,234<', page) and re.search(r'data-kind="dispute">1<', page)
    assert re.search(r'data-kind="hardship">0<', page)  # lifted or expired: not in force
    assert "1,235" in page  # all kinds
    disputes = compliance.client.get("/compliance/holds?kind=dispute").text
    assert "every account of the cardholder" in disputes and chosen[0][2] in disputes
    assert PHONE not in disputes and "138****5678" in disputes and "the system" in disputes
    litigation = compliance.client.get("/compliance/holds?kind=litigation&page_no=2").text
    assert "legal one" in litigation and "Page 2 of 25" in litigation
    assert compliance.client.get("/compliance/holds?kind=bogus").status_code == 422
    zh = signed_in_as(web, "compliance1").client.get("/compliance/holds").text
    assert (
        "诉讼" in zh
        and "异议" in zh
        and "litigation" not in zh.replace("kind=litigation", "").replace('data-kind="litigation"', "")
    )


def test_who_reads_the_trail(web: TestClient, trail: list[tuple[int, int, str]]) -> None:
    for username in ("legal1", "collector1", "customer_service1"):
        assert signed_in_as(web, username).client.get("/compliance").status_code == 403, username
    admin = english(signed_in_as(web, "admin1"))  # audit:read without account:read: no links to cases
    page = admin.client.get("/compliance").text
    assert admin.client.get("/compliance").status_code == 200 and 'href="/cases/' not in page
    assert trail[0][2] in page
    manager = signed_in_as(web, "manager1").client.get("/compliance").text
    assert 'href="/compliance"' in manager and 'href="/cases/' in manager


def test_a_long_chain_is_verified_while_the_page_shows_how_far_it_got(
    web: TestClient, trail: list[tuple[int, int, str]]
) -> None:
    compliance = english(signed_in_as(web, "compliance1"))  # lands on the page: its first look
    watch = ChainWatch(at_once=2)  # a new process's, with a chain longer than a look verifies itself
    web.app.state.audit_watch = watch  # type: ignore[attr-defined]

    page = compliance.client.get("/compliance").text
    watch.wait(timeout=30)
    fragment = compliance.client.get("/compliance/chain", headers={"HX-Request": "true"})

    assert "Verifying the chain:" in page and 'hx-get="/compliance/chain"' in page and "of 5 entries" in page
    assert (
        fragment.status_code == 200 and 'id="chain-intact"' in fragment.text and "<html" not in fragment.text
    )
    assert "hx-get" not in fragment.text  # done: no more polling
