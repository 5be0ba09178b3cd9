"""Attacks on the notify contract (POST /api/v1/payments/notify/simulated) as issue 15 states it: the
signature over every other non-empty field, odd bodies, odd field values. Money is posted once or never,
every notification is recorded, and the server never answers 500."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gateway_support import (
    SECRET,
    audited,
    client,
    new_order,
    notification,
    notifications,
    payments,
    seed_account,
    settings_for,
)
from sqlalchemy import Engine

from arrears.payments.gateway import sign

NOTIFY = "/api/v1/payments/notify/simulated"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _resign(fields: dict[str, str]) -> dict[str, str]:
    unsigned = {name: value for name, value in fields.items() if name != "sign"}
    return unsigned | {"sign": sign(unsigned, SECRET.encode())}


def _body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs).encode()


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> tuple[TestClient, int, str]:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    return client(engine, settings), account_id, new_order(engine, settings, account_id, 200_00)


def test_an_extra_field_is_signed_with_the_rest(engine: Engine, setup: tuple[TestClient, int, str]) -> None:
    web, account_id, out_trade_no = setup
    good = notification(out_trade_no, 200_00, trade_no="T-EXTRA")
    smuggled = good | {"buyer_note": "中文 备注"}  # added after signing: the signature no longer holds

    refused = web.post(NOTIFY, data=smuggled)
    accepted = web.post(NOTIFY, data=_resign(smuggled))

    assert (refused.status_code, refused.text) == (400, "fail")
    assert (accepted.status_code, accepted.text) == (200, "success")
    assert [n["outcome"] for n in notifications(engine)] == ["bad_signature", "posted"]
    assert [p["amount_fen"] for p in payments(engine, account_id)] == [200_00]


def test_empty_fields_are_left_out_of_the_signature(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    good = notification(out_trade_no, 200_00, trade_no="T-EMPTY")
    with_empty = good | {"passback_params": ""}  # empty: not signed, so the signature still holds

    answer = web.post(NOTIFY, content=_body(list(with_empty.items())), headers=FORM)

    assert (answer.status_code, answer.text) == (200, "success")
    assert len(payments(engine, account_id)) == 1


def test_url_encoded_chinese_in_an_extra_field_is_signed_as_decoded(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    fields = _resign(notification(out_trade_no, 200_00, trade_no="T-ZH") | {"subject": "信用卡还款"})

    answer = web.post(NOTIFY, content=_body(list(fields.items())), headers=FORM)

    assert (answer.status_code, answer.text) == (200, "success")
    assert len(payments(engine, account_id)) == 1


def test_another_sign_type_or_no_sign_is_a_bad_signature(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    changes = [{"sign_type": "hmac-sha256"}, {"sign_type": "RSA2"}, {"sign_type": "MD5"}, {"sign_type": ""},
               {"sign": ""}]  # fmt: skip
    for change in changes:
        fields = notification(out_trade_no, 200_00) | change
        answer = web.post(NOTIFY, content=_body(list(fields.items())), headers=FORM)
        assert (answer.status_code, answer.text) == (400, "fail"), change

    assert [n["outcome"] for n in notifications(engine)] == ["bad_signature"] * len(changes)
    assert payments(engine, account_id) == []


def test_an_upper_case_signature_is_refused_as_the_contract_says_lowercase(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    fields = notification(out_trade_no, 200_00)

    answer = web.post(NOTIFY, data=fields | {"sign": fields["sign"].upper()})

    assert (answer.status_code, answer.text) == (400, "fail")
    assert payments(engine, account_id) == []


def test_a_field_twice_is_refused_even_with_the_same_value(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    names = ["out_trade_no", "trade_no", "total_amount", "sign", "sign_type"]
    for name in names:
        fields = notification(out_trade_no, 200_00)
        answer = web.post(NOTIFY, content=_body([*fields.items(), (name, fields[name])]), headers=FORM)
        assert (answer.status_code, answer.text) == (400, "fail"), name

    assert [n["outcome"] for n in notifications(engine)] == ["invalid"] * len(names)
    assert payments(engine, account_id) == []


def test_a_nul_in_a_field_is_answered_fail_and_recorded(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    names = ["out_trade_no", "trade_no", "total_amount", "gmt_payment", "trade_status"]
    expected = []
    for name in names:
        for signed in (True, False):
            fields = notification(out_trade_no, 200_00)
            fields[name] = fields[name][:3] + "\x00" + fields[name][3:]
            answer = web.post(NOTIFY, content=_body(list((_resign(fields) if signed else fields).items())),
                              headers=FORM)  # fmt: skip
            assert (answer.status_code, answer.text) == (400, "fail"), (name, signed)
            expected.append((name, "invalid" if signed else "bad_signature"))

    received = notifications(engine)
    assert [n["outcome"] for n in received] == [outcome for _, outcome in expected]
    for (name, _), one in zip(expected, received, strict=True):
        assert "\x00" not in (one[name] or ""), name
    assert audited(engine, "payment.notification") == len(expected)
    assert payments(engine, account_id) == []


def test_a_nul_in_an_extra_signed_field_posts_and_stores_nothing_of_it(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    fields = _resign(notification(out_trade_no, 200_00) | {"body": "a\x00b"})

    answer = web.post(NOTIFY, content=_body(list(fields.items())), headers=FORM)

    assert (answer.status_code, answer.text) == (200, "success")
    assert len(payments(engine, account_id)) == 1


def test_whitespace_around_a_value_is_refused_not_trimmed(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    names = ["out_trade_no", "trade_no", "total_amount", "trade_status", "gmt_payment"]
    for name in names:
        good = notification(out_trade_no, 200_00)
        fields = _resign(good | {name: f" {good[name]}\t"})
        answer = web.post(NOTIFY, content=_body(list(fields.items())), headers=FORM)
        assert (answer.status_code, answer.text) == (400, "fail"), name

    assert [n["outcome"] for n in notifications(engine)] == ["invalid"] * len(names)
    assert payments(engine, account_id) == []


def test_odd_bodies_are_refused_and_recorded(engine: Engine, setup: tuple[TestClient, int, str]) -> None:
    web, account_id, _ = setup
    bodies = [b"", b"\xff\xfe", b"a=%ff", b"=&=", b"sign", b"&&&", b"\x00=\x00", "out_trade_no=中文".encode(),
              b"out_trade_no=%00&trade_no=%00&sign=%00&sign_type=%00"]  # fmt: skip
    for body in bodies:
        answer = web.post(NOTIFY, content=body, headers=FORM)
        assert (answer.status_code, answer.text) == (400, "fail"), body
        assert answer.headers["content-type"].startswith("text/plain")

    assert len(notifications(engine)) == len(bodies)
    assert audited(engine, "payment.notification") == len(bodies)
    assert payments(engine, account_id) == []


def test_a_body_of_more_than_8_kib_is_refused(engine: Engine, setup: tuple[TestClient, int, str]) -> None:
    web, account_id, out_trade_no = setup
    fields = _resign(notification(out_trade_no, 200_00) | {"padding": "x" * 9000})

    answer = web.post(NOTIFY, content=_body(list(fields.items())), headers=FORM)

    assert answer.status_code == 413
    assert payments(engine, account_id) == []


def test_sql_and_html_in_the_keys_are_refused_and_stored_harmlessly(
    engine: Engine, setup: tuple[TestClient, int, str]
) -> None:
    web, account_id, out_trade_no = setup
    attacks = ["' OR '1'='1", "<script>alert(1)</script>", "1; DROP TABLE payment;--", "%27%22"]
    for text in attacks:
        fields = _resign(notification(out_trade_no, 200_00) | {"out_trade_no": text})
        assert web.post(NOTIFY, data=fields).status_code == 400

    assert [n["out_trade_no"] for n in notifications(engine)] == attacks
    assert {n["outcome"] for n in notifications(engine)} == {"invalid"}
    assert payments(engine, account_id) == []
