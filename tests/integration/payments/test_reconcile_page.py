"""The staff page /payments on SQLite and PostgreSQL: the latest reconciliation with its differing rows
(accounts masked), the notifications kept for review, "resolved" (audited), and who may see and act."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reconcile_book import (
    NOW,
    SETTINGS,
    SHANGHAI,
    account,
    account_ids,
    add_order,
    audit_actions,
    gmt,
    import_book,
    paid_at,
    post_gateway,
    write_settlement,
)
from sqlalchemy import Engine, insert, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import GatewayNotification, table_of
from arrears.payments.reconcile import read_settlement_file, run_reconciliation, settlement_day
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NOTE = table_of(GatewayNotification)


class Staff:
    """A browser signed in through the form, posting forms with the page's CSRF token."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app)
        token = CSRF.search(self.client.get("/login").text)
        assert token is not None
        fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
        assert self.client.post("/login", data=fields, follow_redirects=False).status_code == 303

    def post(self, path: str) -> Any:
        found = CSRF.search(self.client.get("/account/password").text)
        assert found is not None
        return self.client.post(path, data={"csrf_token": found.group(1)}, follow_redirects=False)


def notification(engine: Engine, outcome: str, out_trade_no: str, *, review: str | None = "open") -> int:
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(_NOTE)
                .values(gateway="simulated", received_at=paid_at(15), out_trade_no=out_trade_no,
                        trade_no=f"TN-{outcome}", total_amount="999.00", trade_status="TRADE_SUCCESS",
                        gmt_payment=gmt(paid_at(15)), outcome=outcome, review_status=review,
                        detail=f"kept: {outcome}")
                .returning(_NOTE.c.id)
            ).scalar_one()
        )  # fmt: skip


@pytest.fixture
def site(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    import_book(engine, tmp_path / "extract", cipher, accounts=2)
    a1, a2 = account_ids(engine)
    o1 = add_order(engine, a1, "O1", 300_00)
    add_order(engine, a2, "O2", 200_00)
    post_gateway(engine, a1, "T1", 300_00, order_id=o1, at=paid_at(10))
    path = write_settlement(
        tmp_path / "settlement-2026-11-24.csv",
        [("T1", "O1", "310.00", "TRADE_SUCCESS", gmt(paid_at(10))),
         ("T2", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(11)))],
    )  # fmt: skip
    settlement = read_settlement_file(path, zone=SHANGHAI)
    with audit_transaction(engine) as connection:
        run_reconciliation(connection, settlement, day=settlement_day(settlement, given=None), actor="ops",
                           now=NOW, settings=SETTINGS)  # fmt: skip
        for role in ("manager", "team_lead", "compliance", "collector", "admin"):
            create_user(connection, username=f"{role}1", display_name=role, role=role, password=PASSWORD,
                        now=now())  # fmt: skip
    ids = {
        "mismatch": notification(engine, "amount_mismatch", "O2"),
        "second": notification(engine, "second_trade", "O1"),
        "done": notification(engine, "closed_after_success", "O1", review="resolved"),
        "posted": notification(engine, "posted", "O1", review=None),
    }
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)
    numbers = [account(engine, a)["account_no"] for a in (a1, a2)]
    return {"app": app, "notes": ids, "numbers": numbers, "accounts": (a1, a2)}


def rows_of(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', html)


def test_the_latest_reconciliation_and_the_open_reviews_are_shown_masked(site: dict[str, Any]) -> None:
    page = Staff(site["app"], "manager1").client.get("/payments")

    assert page.status_code == 200
    html = page.text
    assert rows_of(html, "data-trade") == ["T1", "T2"]  # the amount difference, the trade posted now
    assert re.search(r'data-kind="missing_here"><td>[^<]+</td><td class="num">1</td>', html)
    assert re.search(r'data-kind="amount_difference"><td>[^<]+</td><td class="num">1</td>', html)
    assert [int(n) for n in rows_of(html, "data-notification")] == sorted(
        [site["notes"]["mismatch"], site["notes"]["second"]], reverse=True
    )
    for number in site["numbers"]:
        assert number not in html and f"****{number[-4:]}" in html
    assert f'href="/cases/{site["accounts"][0]}"' in html
    assert "settlement-2026-11-24.csv" in html and html.count("/resolve") == 2
    assert 'href="/payments"' in html  # in the navigation


def test_resolved_is_audited_and_leaves_the_list(engine: Engine, site: dict[str, Any]) -> None:
    manager = Staff(site["app"], "manager1")
    note = site["notes"]["mismatch"]

    answer = manager.post(f"/payments/notifications/{note}/resolve")
    again = manager.post(f"/payments/notifications/{note}/resolve")
    unknown = manager.post("/payments/notifications/999999/resolve")
    never_kept = manager.post(f"/payments/notifications/{site['notes']['posted']}/resolve")

    assert answer.status_code == 303 and answer.headers["location"] == "/payments?done=resolved"
    assert (again.status_code, unknown.status_code, never_kept.status_code) == (409, 404, 409)
    with engine.connect() as connection:
        status = connection.execute(select(_NOTE.c.review_status).where(_NOTE.c.id == note)).scalar_one()
    assert status == "resolved"
    assert audit_actions(engine).count("payment.review_resolved") == 1
    assert rows_of(manager.client.get("/payments").text, "data-notification") == [
        str(site["notes"]["second"])
    ]


@pytest.mark.parametrize(("role", "sees", "resolves"), [
    ("team_lead", 200, 403), ("compliance", 200, 403), ("collector", 403, 403), ("admin", 403, 403),
])  # fmt: skip
def test_who_sees_the_page_and_who_resolves(
    engine: Engine, site: dict[str, Any], role: str, sees: int, resolves: int
) -> None:
    staff = Staff(site["app"], f"{role}1")
    page = staff.client.get("/payments")
    token = CSRF.search(staff.client.get("/account/password").text) or CSRF.search(page.text)
    assert token is not None
    answer = staff.client.post(
        f"/payments/notifications/{site['notes']['second']}/resolve", data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )  # fmt: skip

    assert (page.status_code, answer.status_code) == (sees, resolves)
    if sees == 200:
        assert "/resolve" not in page.text
    assert "payment.review_resolved" not in audit_actions(engine)


def test_before_any_reconciliation_the_page_says_so(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    with engine.begin() as connection:
        create_user(
            connection, username="manager1", display_name="m", role="manager", password=PASSWORD, now=now()
        )
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())

    html = Staff(create_app(settings, engine=engine), "manager1").client.get("/payments").text

    assert 'id="no-reconciliation"' in html and rows_of(html, "data-notification") == []
