"""Customer service's inbound call view: the caller found by account, phone or ID (by POST: no number in
a URL), masked; the identity checked on the server; the portal's figures; the call logged as inbound at
23:00 local though an outbound call is refused then; bad input answered 422 with the form kept."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import Browser, signed_in_as

from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CardAccount, ContactEvent, ContactPoint, Customer, table_of
from arrears.web.pages import inbound as inbound_pages
from web_book import personal_data

SHANGHAI = ZoneInfo("Asia/Shanghai")
_A, _C, _P, _E = table_of(CardAccount), table_of(Customer), table_of(ContactPoint), table_of(ContactEvent)


@pytest.fixture
def service(web: TestClient, book: Engine) -> Browser:
    return signed_in_as(web, "customer_service1")


def cardholder(engine: Engine, cipher: FieldCipher, account_id: int = 1) -> dict[str, Any]:
    name, national_id, phones = personal_data(engine, cipher, account_id)
    with engine.connect() as connection:
        row = connection.execute(
            select(_A.c.account_no, _A.c.customer_id, _C.c.birth_date)
            .join(_C, _C.c.id == _A.c.customer_id)
            .where(_A.c.id == account_id)
        ).one()
        mobile = connection.execute(
            select(_P.c.id, _P.c.value_enc).where(_P.c.customer_id == row.customer_id, _P.c.kind == "mobile")
        ).one()
    return {
        "name": name,
        "national_id": national_id,
        "phones": phones,
        "account_no": row.account_no,
        "birth_date": row.birth_date,
        "mobile_id": mobile.id,
        "mobile": cipher.decrypt(mobile.value_enc),
    }


def right_answers(holder: dict[str, Any]) -> dict[str, str]:
    born = holder["birth_date"].isoformat() if holder["birth_date"] else ""
    return {"name": holder["name"], "id_tail": holder["national_id"][-6:], "birth_date": born}


def in_clear(text: str, holder: dict[str, Any]) -> list[str]:
    """The cardholder's personal data found in clear on a page."""
    return [value for value in (holder["name"], holder["national_id"], *holder["phones"]) if value in text]


def test_customer_service_lands_on_the_inbound_call_view(service: Browser, web: TestClient) -> None:
    assert service.client.get("/", follow_redirects=False).headers["location"] == "/service/inbound"
    page = service.client.get("/service/inbound")
    assert page.status_code == 200 and 'action="/service/inbound/find"' in page.text
    assert 'href="/service/inbound"' in page.text  # the header's link
    assert signed_in_as(web, "admin1").client.get("/service/inbound").status_code == 403
    assert signed_in_as(web, "compliance1").client.get("/service/inbound").status_code == 403


def test_the_caller_is_found_by_a_phone_number_and_shown_masked(
    service: Browser, book: Engine, cipher: FieldCipher
) -> None:
    holder = cardholder(book, cipher)
    spaced = f"{holder['mobile'][:3]} {holder['mobile'][3:7]} {holder['mobile'][7:]}"
    found = service.post("/service/inbound/find", {"q": spaced}, token_from="/service/inbound")
    assert found.status_code == 200 and f'href="/service/inbound/1?via={holder["mobile_id"]}"' in found.text
    assert in_clear(found.text, holder) == [] and holder["national_id"][-4:] in found.text
    by_tail = service.post(
        "/service/inbound/find", {"q": holder["national_id"][-6:]}, token_from="/service/inbound"
    )
    assert 'href="/service/inbound/1"' in by_tail.text
    view = service.client.get(f"/service/inbound/1?via={holder['mobile_id']}")
    assert view.status_code == 200 and in_clear(view.text, holder) == []
    assert holder["mobile"][-4:] in view.text and "****" in view.text  # the number called from, masked
    assert "逾期金额" in view.text or "逾期" in view.text  # the portal's figures
    assert "不得透露欠款信息" in view.text  # not verified yet


def test_checking_the_identity_and_logging_the_call_at_23_00_local(
    service: Browser, book: Engine, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = cardholder(book, cipher)
    night = datetime.now(SHANGHAI).replace(hour=23, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(inbound_pages, "now", lambda: night)
    page = f"/service/inbound/1?via={holder['mobile_id']}"
    wrong = service.post(
        "/service/inbound/1/verify", right_answers(holder) | {"id_tail": "000000"}, token_from=page
    )
    assert wrong.status_code == 200 and 'id="not-verified"' in wrong.text and "不匹配" in wrong.text
    checked = service.post("/service/inbound/1/verify", right_answers(holder), token_from=page)
    assert (
        'id="verified"' in checked.text
        and in_clear(checked.text.replace(holder["name"], "", 1), holder) == []
    )

    fields = right_answers(holder) | {
        "party": "debtor",
        "outcome": "right_party",
        "reason": "income_loss",
        "notes": "来电询问还款金额",
        "via": str(holder["mobile_id"]),
    }
    answer = service.post("/service/inbound/1/contact", fields, token_from=page)
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        "/service/inbound/1?done=logged"
    )
    with book.connect() as connection:
        event = connection.execute(select(_E).where(_E.c.account_id == 1)).one()
        entry = connection.execute(
            select(table_of(AuditEvent)).where(table_of(AuditEvent).c.action == "contact.inbound")
        ).one()
    assert (
        event.channel == "inbound_call"
        and event.party == "debtor"
        and event.contact_point_id == holder["mobile_id"]
    )
    assert event.at.astimezone(SHANGHAI).hour == 23 and event.reason == "income_loss"
    assert json.loads(entry.details)["checks"]["verified"] is True and entry.actor == "customer_service1"
    after = service.client.get(answer.headers["location"])
    assert after.status_code == 200 and "收入减少" in after.text
    day = service.client.get("/service/inbound")  # the agent's day: the call taken, the desk's counts
    assert (
        f'<a href="/service/inbound/1">{holder["account_no"]}</a>' in day.text
        and 'id="desk-summary"' in day.text
    )


def test_an_unverified_caller_cannot_be_logged_as_the_cardholder(
    service: Browser, book: Engine, cipher: FieldCipher
) -> None:
    holder = cardholder(book, cipher)
    fields = right_answers(holder) | {
        "id_tail": "000000",
        "party": "debtor",
        "outcome": "right_party",
        "notes": "自称本人",
    }
    answer = service.post("/service/inbound/1/contact", fields, token_from="/service/inbound/1")
    assert answer.status_code == 422 and "尚未通过身份核实" in answer.text
    assert "自称本人" in answer.text and 'value="000000"' in answer.text  # the form kept
    fields |= {"party": "third_party", "outcome": "third_party"}
    assert (
        service.post("/service/inbound/1/contact", fields, token_from="/service/inbound/1").status_code == 303
    )
    with book.connect() as connection:
        (event,) = connection.execute(select(_E)).all()
    assert event.party == "third_party" and not event.conversation


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"id_tail": "12345678"}, "后 4 位或后 6 位"),
        ({"birth_date": "0001-01-01"}, "1900-01-01"),
        ({"birth_date": "9999-12-31"}, "2999-12-31"),
        ({"birth_date": "yesterday"}, "不是日期"),
        ({"name": "名" * 100_000}, "不能超过 200 个字符"),
        ({"via": str(2**63)}, "不是有效的编号"),
    ],
)
def test_bad_identity_input_is_refused_422(
    service: Browser, book: Engine, fields: dict[str, str], says: str
) -> None:
    answer = service.post(
        "/service/inbound/1/verify", {"name": "张三"} | fields, token_from="/service/inbound/1"
    )
    assert answer.status_code == 422 and says in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"party": "debtor", "outcome": "promise", "promise_amount": "100", "promise_date": "9999-12-31"},
            "2999-12-31",
        ),
        (
            {
                "party": "debtor",
                "outcome": "promise",
                "promise_amount": "1e999",
                "promise_date": "2026-12-01",
            },
            "",
        ),
        ({"party": "nobody", "outcome": "right_party"}, ""),
        (
            {
                "party": "third_party",
                "outcome": "promise",
                "promise_amount": "100",
                "promise_date": "2026-12-01",
            },
            "结果应记为第三方",
        ),
        ({"party": "third_party", "outcome": "third_party", "notes": "x" * 5000}, ""),
    ],
)
def test_bad_call_input_is_refused_422_and_nothing_is_written(
    service: Browser, book: Engine, fields: dict[str, str], says: str
) -> None:
    answer = service.post("/service/inbound/1/contact", fields, token_from="/service/inbound/1")
    assert answer.status_code == 422 and says in answer.text and "Traceback" not in answer.text
    with book.connect() as connection:
        assert connection.execute(select(_E.c.id)).first() is None


@pytest.mark.parametrize("typed", ["9" * 65, "x" * 100_000])
def test_a_search_no_number_can_be_is_refused_422(service: Browser, typed: str) -> None:
    answer = service.post("/service/inbound/find", {"q": typed}, token_from="/service/inbound")
    assert answer.status_code == 422 and "最多 64 个可打印字符" in answer.text


def test_the_view_in_english_and_unknown_accounts(service: Browser) -> None:
    service.client.get("/lang/en")
    page = service.client.get("/service/inbound/1")
    assert "Verify the caller" in page.text and "The calling hours and call caps do not apply" in page.text
    assert service.client.get("/service/inbound/999999").status_code == 404
    assert service.client.get(f"/service/inbound/{2**63}").status_code == 404
    assert service.client.get("/service/inbound/1?via=abc").status_code == 422


def test_forms_need_the_csrf_token(service: Browser) -> None:
    assert service.client.post("/service/inbound/find", data={"q": "1"}).status_code == 403
    assert service.client.post("/service/inbound/1/contact", data={"party": "third_party"}).status_code == 403
