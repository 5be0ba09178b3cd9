"""Attacks on the holds a case places (SQLite and PostgreSQL): a complaint naming collector A stops A on
every path that contacts the cardholder (the case page's check before dialling, the API's call check,
callbacks, SMS, a pay link by SMS) and nobody else; an agency named stops its users; a portal complaint
names the collector complained of, not whoever called last; the hardship pause ends by itself and is not
lifted again at closure; closing lifts the case's own holds only (not one placed by hand, not one lifted by
hand before)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from desk_book import DESK, accounts, app_for, audit, holds, staff_client, user
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, update

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.contacts import sms
from arrears.contacts.callbacks import schedule_callback
from arrears.contacts.holds import lift_hold, place_hold
from arrears.contacts.rules import ContactBlocked
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AgencyPlacement, CollectionAction, ContactEvent, table_of
from arrears.payments.pay_link_sms import send_pay_link
from arrears.servicedesk import work
from arrears.servicedesk.intake import OpenedCase, open_case
from arrears.servicedesk.rules import Intake, Resolution
from fixed_keys import TEST_KEY
from web_book import PASSWORD

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)  # Friday 09:00 in Shanghai
LATER = T0 + timedelta(hours=2)  # inside the hours every channel may be used
POLICY = load_policy("cn")
ZONE = "Asia/Shanghai"


def opened(
    book: Engine, cipher: FieldCipher, account_id: int, intake: Intake, at: datetime = T0
) -> OpenedCase:
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        return open_case(
            connection,
            account_id=account_id,
            intake=intake,
            actor=f"user:{staff.id}",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=at,
        )


def complaint_against(book: Engine, cipher: FieldCipher, account_id: int, username: str) -> OpenedCase:
    named = user(book, username)
    return opened(
        book,
        cipher,
        account_id,
        Intake("complaint", "attitude_abuse", "call", "shouted at me", involved_user_id=named.id),
    )


def claim(book: Engine, account_id: int, username: str) -> None:
    """The account in the user's current work (a claim whose lease runs): the case page opens for them."""
    x = table_of(CollectionAction)
    values = {
        "status": "claimed",
        "claimed_by_id": user(book, username).id,
        "claimed_at": now(),
        "lease_until": now() + timedelta(hours=1),
    }
    with book.begin() as connection:
        connection.execute(update(x).where(x.c.account_id == account_id).values(**values))


def blocked_by_hold(action: Any) -> bool:
    """Whether ``action`` is refused by the rulebook's hold rule (it must otherwise go through)."""
    try:
        action()
    except ContactBlocked as problem:
        return "CN-HOLD" in problem.check.rules
    return False


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        encryption_key=base64.b64encode(TEST_KEY).decode(),
        gateway_secret="s" * 32,
        public_url="https://arrears.example",
    )


def test_the_case_page_s_check_before_dialling_stops_only_the_collector_named(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    account, _ = accounts(book)[0]
    complaint_against(book, cipher, account, "collector1")
    app = app_for(book, tmp_path)
    for username, held in (("collector1", True), ("collector2", False)):
        claim(book, account, username)
        client, _ = staff_client(app, username)
        fragment = client.get(f"/cases/{account}/call-check").text  # the page's own, before dialling
        assert ("账户处于暂停状态" in fragment) is held, (username, fragment)
        assert ("账户处于暂停状态" in client.get(f"/cases/{account}").text) is held, username


def test_the_api_s_call_check_stops_only_the_collector_named(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    account, _ = accounts(book)[1]
    complaint_against(book, cipher, account, "collector1")
    claim(book, account, "collector1")  # in the team's current work: both collectors of phone-a may check
    client = TestClient(app_for(book, tmp_path))
    url = f"/api/v1/accounts/{account}/call-check"
    for username, held in (("collector1", True), ("collector2", False), ("team_lead1", False)):
        token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
        answer = client.get(
            url,
            params={"at": LATER.isoformat()},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert answer.status_code == 200, (username, answer.text)
        assert ("CN-HOLD" in answer.json()["rules"]) is held, (username, answer.json())


def test_an_agency_named_is_stopped_on_the_api_for_its_users_only(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    account, _ = accounts(book)[2]
    with book.begin() as connection:
        connection.execute(
            insert(table_of(AgencyPlacement)).values(
                account_id=account,
                agency_code="X",
                placed_on=date(2005, 1, 1),
                ends_on=date(2030, 1, 1),
                created_at=T0,
            )
        )
    opened(
        book,
        cipher,
        account,
        Intake("complaint", "false_threats", "letter", "said the police would come", involved_agency="X"),
    )
    client = TestClient(app_for(book, tmp_path))
    # the complaint's hold recalls the account from the agency at once (agencies.recall): its user no
    # longer opens it at all; the bank's staff are not held by it
    for username, status in (("agency_user1", 404), ("team_lead1", 200)):
        token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()
        answer = client.get(
            f"/api/v1/accounts/{account}/call-check",
            params={"at": LATER.isoformat()},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert answer.status_code == status, (username, answer.text)
        assert status == 404 or "CN-HOLD" not in answer.json()["rules"], username


def test_callbacks_and_sms_stop_only_the_collector_named(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[3]
    complaint_against(book, cipher, account, "collector1")
    for username, held in (("collector1", True), ("collector2", False)):
        who = user(book, username).id
        with audit_transaction(book) as connection:
            assert (
                blocked_by_hold(
                    partial(
                        schedule_callback,
                        connection,
                        account_id=account,
                        user_id=who,
                        due_at=LATER + timedelta(hours=1),
                        policy=POLICY,
                        zone=ZONE,
                        now=LATER,
                    )
                )
                is held
            ), username
            assert (
                blocked_by_hold(
                    partial(
                        sms.send,
                        connection,
                        account_id=account,
                        template="reminder",
                        user_id=who,
                        policy=POLICY,
                        zone=ZONE,
                        now=LATER,
                    )
                )
                is held
            ), username


def test_a_pay_link_sms_stops_the_collector_named(book: Engine, cipher: FieldCipher, tmp_path: Path) -> None:
    account, _ = accounts(book)[4]
    complaint_against(book, cipher, account, "collector1")
    settings = settings_for(tmp_path)
    outcomes = {}
    for username in ("collector2", "collector1"):  # the colleague first: the path itself goes through
        who = user(book, username).id
        with audit_transaction(book) as connection:
            outcomes[username] = blocked_by_hold(
                partial(
                    send_pay_link,
                    connection,
                    account_id=account,
                    amount_fen=5_000,
                    user_id=who,
                    policy=POLICY,
                    now=LATER,
                    settings=settings,
                    request_key=f"pay-link-{username}",
                )
            )
    assert outcomes == {"collector2": False, "collector1": True}


def add_call(book: Engine, account: int, customer: int, username: str, at: datetime) -> None:
    call = {
        "account_id": account,
        "customer_id": customer,
        "user_id": user(book, username).id,
        "channel": "call",
        "at": at,
        "party": "debtor",
        "connected": True,
        "conversation": True,
        "outcome": "right_party",
    }
    with book.begin() as connection:
        connection.execute(insert(table_of(ContactEvent)).values(**call))


def test_a_portal_complaint_names_the_collector_not_customer_service_who_called_later(
    book: Engine, cipher: FieldCipher
) -> None:
    account, customer = accounts(book)[5]
    add_call(book, account, customer, "collector1", T0 - timedelta(days=2))  # the rude call
    add_call(
        book, account, customer, "customer_service1", T0 - timedelta(days=1)
    )  # the service call after it
    opened(book, cipher, account, Intake("complaint", "attitude_abuse", "portal", "the collector was rude"))
    [hold] = holds(book)
    assert hold["staff_user_id"] == user(book, "collector1").id


def test_the_hardship_pause_ends_by_itself_and_is_not_lifted_again(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[6]
    case = opened(book, cipher, account, Intake("hardship", "income_loss", "call", "lost my job"))
    hardship, pause = holds(book)
    after = pause["expires_at"] + timedelta(days=1)
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        work.resolve(
            connection,
            case_id=case.id,
            resolution=Resolution("upheld", (), "plan offered"),
            by=staff,
            cipher=cipher,
            now=after,
        )
        lifted = work.close(connection, case_id=case.id, by=staff, now=after)
    assert lifted == [hardship["id"]]
    by_id = {hold["id"]: hold for hold in holds(book)}
    assert by_id[pause["id"]]["lifted_at"] is None and by_id[hardship["id"]]["lifted_at"] == after
    assert [json.loads(one["details"])["kind"] for one in audit(book, "hold.lifted")] == ["hardship"]


def test_a_complaint_about_visits_or_frequency_holds_nothing(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[7]
    for category in ("frequency_hours", "visit_conduct", "privacy"):
        case = opened(
            book,
            cipher,
            account,
            Intake("complaint", category, "call", "noted", involved_user_id=user(book, "collector1").id),
        )
        assert case.hold_ids == ()
    assert holds(book) == []


def resolved_case(book: Engine, cipher: FieldCipher, account_id: int, intake: Intake) -> OpenedCase:
    case = opened(book, cipher, account_id, intake)
    with audit_transaction(book) as connection:
        work.resolve(
            connection,
            case_id=case.id,
            resolution=Resolution("upheld", ("apology",), "sorry"),
            by=user(book, "customer_service1"),
            cipher=cipher,
            now=T0 + timedelta(hours=1),
        )
    return case


def test_a_hold_lifted_by_hand_before_closure_is_not_lifted_again(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[5]
    case = resolved_case(book, cipher, account, Intake("hardship", "income_loss", "call", "lost my job"))
    officer = user(book, "compliance1")
    with audit_transaction(book) as connection:
        lift_hold(
            connection,
            hold_id=case.hold_ids[0],
            reason="checked",
            user_id=officer.id,
            actor=f"user:{officer.id}",
            role="compliance",
            now=T0 + timedelta(hours=2),
        )
        lifted = work.close(
            connection, case_id=case.id, by=user(book, "customer_service1"), now=T0 + timedelta(hours=3)
        )
    assert lifted == [case.hold_ids[1]]
    first = next(hold for hold in holds(book) if hold["id"] == case.hold_ids[0])
    assert first["lifted_at"] == T0 + timedelta(hours=2) and first["lifted_by_id"] == officer.id


def test_a_hand_placed_hold_of_the_same_kind_outlives_the_case(book: Engine, cipher: FieldCipher) -> None:
    account, _ = accounts(book)[8]
    officer = user(book, "compliance1")
    with audit_transaction(book) as connection:
        own = place_hold(
            connection,
            account_id=account,
            kind="dispute",
            reason="legal asked for it",
            user_id=officer.id,
            actor=f"user:{officer.id}",
            role="compliance",
            now=T0,
            whole_customer=False,
        )
    case = resolved_case(book, cipher, account, Intake("dispute", "amount", "letter", "wrong", amount_fen=99))
    with audit_transaction(book) as connection:
        lifted = work.close(connection, case_id=case.id, by=officer, now=T0 + timedelta(hours=3))
    assert lifted == list(case.hold_ids) and own["id"] not in lifted
    by_id = {hold["id"]: hold for hold in holds(book)}
    assert by_id[own["id"]]["lifted_at"] is None
    assert [json.loads(one["details"])["kind"] for one in audit(book, "hold.lifted")] == ["dispute"]
