"""The call queue on SQLite and PostgreSQL: claims by value, leases, and never one case for two."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.contacts.queue import QueueCapReached, claim_next
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, ContactPoint, Customer, DailyRun, table_of
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from uci_cases import uci_head

RUN = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
CASES = 60
PASSWORD = "correct horse battery"


@pytest.fixture
def queue(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    uci.write_extract(uci_head(CASES), tmp_path / "extract", as_of=RUN)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=RUN, cipher=cipher, now=NOW)
        accounts = connection.execute(
            select(table_of(CardAccount).c.id, table_of(CardAccount).c.customer_id)
        ).all()
        connection.execute(
            insert(table_of(DailyRun)).values(run_date=RUN, status="completed", started_at=NOW)
        )
        rows = [
            {
                "run_date": RUN,
                "account_id": account,
                "customer_id": customer,
                "channel": "call",
                "segment": "m2",
                "arm": "champion",
                "treatment": "phone_m2",
                "value_fen": 1_000 * (CASES - rank),
                "priority": rank + 1,
                "scheduled_at": NOW,
                "status": "planned",
            }
            for rank, (account, customer) in enumerate(accounts)
        ]
        connection.execute(insert(table_of(CollectionAction)), rows)
        for number in range(6):
            create_user(
                connection,
                username=f"c{number}",
                display_name="c",
                role="collector",
                password=PASSWORD,
                now=NOW,
            )
        create_user(connection, username="v1", display_name="v", role="visitor", password=PASSWORD, now=NOW)
    return engine


@dataclass
class Api:
    client: TestClient

    def headers(self, username: str) -> dict[str, str]:
        answer = self.client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def client_of(engine: Engine, tmp_path: Path, **settings: int) -> Api:
    key = base64.b64encode(TEST_KEY).decode()
    return Api(
        TestClient(create_app(Settings(data_dir=tmp_path, encryption_key=key, **settings), engine=engine))
    )


@pytest.fixture
def api(queue: Engine, tmp_path: Path) -> Api:
    return client_of(queue, tmp_path, max_held_cases=CASES)  # these tests drain the queue


def claim(engine: Engine, user_id: int, now: datetime = NOW, max_held: int = CASES + 1) -> int | None:
    with audit_transaction(engine) as connection:
        found = claim_next(connection, user_id=user_id, now=now, max_held=max_held)
    return None if found is None else int(found["priority"])


def test_a_collector_holds_at_most_the_cap(queue: Engine) -> None:
    assert [claim(queue, 1, max_held=3) for _ in range(3)] == [1, 2, 3]

    with pytest.raises(QueueCapReached) as refused:
        claim(queue, 1, max_held=3)
    assert "3" in refused.value.message_en and "3" in refused.value.message_zh
    assert claim(queue, 2, max_held=3) == 4  # another collector's count is their own
    with queue.begin() as connection:  # a call logged on one: no longer held
        a = table_of(CollectionAction)
        connection.execute(a.update().where(a.c.priority == 1).values(status="done"))
    assert claim(queue, 1, max_held=3) == 5
    assert claim(queue, 1, NOW + timedelta(minutes=31), max_held=3) == 2  # the leases ran out: none held


def test_parallel_claims_of_one_collector_stop_at_the_cap(queue: Engine) -> None:
    def attempt(_: int) -> str:
        try:
            return "claimed" if claim(queue, 1, max_held=4) is not None else "empty"
        except QueueCapReached:
            return "refused"

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(12)))

    assert sorted(results) == ["claimed"] * 4 + ["refused"] * 8


def test_the_cap_over_http_answers_409_in_both_languages(queue: Engine, tmp_path: Path) -> None:
    api = client_of(queue, tmp_path)  # the default cap
    collector = api.headers("c0")
    taken = [api.client.post("/api/v1/queue/next", headers=collector).status_code for _ in range(6)]

    assert taken == [200] * 5 + [409]
    refused = api.client.post("/api/v1/queue/next", headers=collector).json()["detail"]
    assert "5" in refused["message"] and "5" in refused["message_zh"]


def test_cases_come_by_priority_and_a_lapsed_lease_frees_one(queue: Engine) -> None:
    assert [claim(queue, 1), claim(queue, 1)] == [1, 2]
    assert claim(queue, 2, NOW + timedelta(minutes=31)) == 1  # the first claim's lease ran out


def test_many_collectors_at_once_never_share_a_case(queue: Engine) -> None:
    def drain(user_id: int) -> list[int]:
        taken = []
        while (priority := claim(queue, user_id)) is not None:
            taken.append(priority)
        return taken

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(drain, range(1, 7)))
    everything = [priority for taken in results for priority in taken]
    assert sorted(everything) == list(range(1, CASES + 1))  # each case once, none lost
    with queue.connect() as connection:
        owners = connection.execute(select(table_of(CollectionAction).c.claimed_by_id)).scalars().all()
    assert None not in owners


def test_next_case_over_http(api: Api) -> None:
    client, headers = api.client, api.headers

    first = client.post("/api/v1/queue/next", headers=headers("c0"))
    assert first.status_code == 200 and first.json()["priority"] == 1 and "account_id" in first.json()
    assert client.post("/api/v1/queue/next", headers=headers("v1")).status_code == 403
    collector = headers("c1")
    for _ in range(CASES - 1):
        assert client.post("/api/v1/queue/next", headers=collector).status_code == 200
    assert client.post("/api/v1/queue/next", headers=collector).status_code == 204


def test_the_case_file_is_masked_and_scoped(queue: Engine, api: Api, cipher: FieldCipher) -> None:
    client, headers = api.client, api.headers
    with queue.begin() as connection:
        create_user(
            connection, username="lead", display_name="l", role="team_lead", password=PASSWORD, now=NOW
        )

    account_id = client.post("/api/v1/queue/next", headers=headers("c0")).json()["account_id"]
    mine = client.get(f"/api/v1/accounts/{account_id}", headers=headers("c0"))
    assert mine.status_code == 200
    case = mine.json()
    assert case["account"]["id"] == account_id and case["history"] and case["timeline"][0]["kind"] == "call"
    with queue.connect() as connection:
        c = table_of(Customer)
        row = connection.execute(
            select(c.c.name, c.c.national_id_enc).where(c.c.id == case["customer"]["id"])
        ).one()
        phones = connection.execute(
            select(table_of(ContactPoint).c.value_enc).where(
                table_of(ContactPoint).c.customer_id == case["customer"]["id"]
            )
        ).scalars()
        secrets = [
            cipher.decrypt(row.national_id_enc),
            row.name,
            *(cipher.decrypt(value) for value in phones),
        ]
    for secret in secrets:
        assert secret not in mine.text, "personal data in clear"
    assert client.get(f"/api/v1/accounts/{account_id}", headers=headers("c1")).status_code == 404
    assert client.get(f"/api/v1/accounts/{account_id}", headers=headers("v1")).status_code == 404
    assert client.get(f"/api/v1/accounts/{account_id}", headers=headers("lead")).status_code == 200
    assert client.get("/api/v1/accounts/999999", headers=headers("lead")).status_code == 404


def test_logging_a_call_with_a_promise(api: Api) -> None:
    client, headers = api.client, api.headers

    collector = headers("c0")
    account_id = client.post("/api/v1/queue/next", headers=collector).json()["account_id"]
    call = {
        "outcome": "promise",
        "conversation": True,
        "reason": "income_loss",
        "notes": "paid on payday",
        "promise": {"amount_fen": 50_000, "promised_date": (date.today() + timedelta(days=5)).isoformat()},
    }
    logged = client.post(f"/api/v1/accounts/{account_id}/calls", json=call, headers=collector)
    assert logged.status_code == 201 and logged.json()["promise_id"] is not None
    case = client.get(f"/api/v1/accounts/{account_id}", headers=collector).json()
    kinds = {(item["kind"], item["status"]) for item in case["timeline"]}
    assert ("call logged", "promise") in kinds and ("promise", "open") in kinds and ("call", "done") in kinds
    bad = [
        {"outcome": "teleported"},
        {"outcome": "promise"},
        {"outcome": "no_answer", "conversation": True},
        {"outcome": "busy", "at": "2005-10-01T10:00:00"},
    ]
    for body in bad:
        assert (
            client.post(f"/api/v1/accounts/{account_id}/calls", json=body, headers=collector).status_code
            == 422
        )
    other_customer = {"outcome": "busy", "contact_point_id": 999_999}
    assert (
        client.post(
            f"/api/v1/accounts/{account_id}/calls", json=other_customer, headers=collector
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/accounts/{account_id}/calls", json={"outcome": "busy"}, headers=headers("c1")
        ).status_code
        == 404
    )
