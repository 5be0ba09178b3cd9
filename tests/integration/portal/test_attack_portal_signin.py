"""Attacks on the portal's sign-in: what the answers tell about an account (enumeration), guessing the
code (alone and with 20 threads at once), and the per-client limit (X-Forwarded-For does not move it)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from signin_book import add_holder, client_for, csrf, details, enter, last_code, otp_messages
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import table_of
from arrears.models.portal import PortalChallenge
from arrears.portal import signin
from arrears.portal.deps import CHALLENGE_COOKIE, PORTAL_COOKIE
from arrears.portal.signin import challenge_key


def _shape(answer: Any) -> tuple[Any, ...]:
    """What a visitor sees of an answer, with the random tokens taken out."""
    cookies = sorted(
        re.sub(r"=[^;]*;", "=;", one) for one in answer.headers.get_list("set-cookie")
    )  # names and attributes, not values
    headers = sorted((k, v) for k, v in answer.headers.items() if k not in ("set-cookie", "content-length"))
    return answer.status_code, answer.headers.get("location"), cookies, headers


def _code_page(client: TestClient) -> str:
    text = client.get("/my/code").text
    return re.sub(r'value="[^"]+"', 'value=""', text)


def test_step_one_answers_alike_for_unknown_known_with_a_wrong_id_and_right(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 301)
    seen = []
    for digits, tail in [
        ("9999", "12345X"),  # no such account
        (holder.account_no[-4:], "00000X"),  # the account, a wrong ID
        (holder.account_no[-4:], holder.national_id[-6:]),  # both right: a code is sent
    ]:
        client = client_for(engine, tmp_path)
        answer = details(client, digits, tail)
        seen.append((_shape(answer), _code_page(client)))
    assert len(otp_messages(engine, holder.customer_id)) == 1
    assert seen[0] == seen[1] == seen[2]


def test_the_attempt_that_locks_an_account_costs_the_client_no_more_than_any_other(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    """A lockout is recorded too; it must not count as one more attempt of the client's, or the limit
    comes one attempt sooner for an account that exists (the answer 429 would tell it)."""
    holder = add_holder(engine, cipher, 302)
    limits = {"portal_attempts_per_client": 6, "portal_failures_to_lock": 5}
    statuses = {}
    for label, digits in (("unknown", "8888"), ("known", holder.account_no[-4:])):
        with engine.begin() as connection:  # each run from a fresh slate
            connection.execute(table_of(PortalChallenge).delete())
            connection.exec_driver_sql("DELETE FROM portal_attempt")
        client = client_for(engine, tmp_path, **limits)
        statuses[label] = [details(client, digits, "00000X").status_code for _ in range(6)]
    assert statuses["unknown"] == statuses["known"] == [303] * 6


def test_the_code_page_and_its_errors_answer_alike_with_and_without_an_account(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 303)
    pages = []
    for digits, tail in [("7777", "12345X"), (holder.account_no[-4:], holder.national_id[-6:])]:
        client = client_for(engine, tmp_path)
        details(client, digits, tail)
        answers = [enter(client, "000000") for _ in range(5)]
        pages.append([(a.status_code, re.sub(r'value="[^"]+"', "", a.text), _shape(a)[2]) for a in answers])
    assert pages[0] == pages[1]
    assert pages[0][-1][0] == 400  # the fifth wrong code: void


def test_five_wrong_codes_void_the_challenge_even_the_right_one_after(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 304)
    client = client_for(engine, tmp_path)
    details(client, holder.account_no[-4:], holder.national_id[-6:])
    code = last_code(engine, holder.customer_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert [enter(client, wrong).status_code for _ in range(5)] == [422, 422, 422, 422, 400]
    client.cookies.set(CHALLENGE_COOKIE, client.cookies.get(CHALLENGE_COOKIE) or "x", path="/my")
    assert enter(client, code).status_code == 400
    assert PORTAL_COOKIE not in client.cookies


def test_x_forwarded_for_does_not_give_a_client_new_attempts(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    client = client_for(engine, tmp_path, portal_attempts_per_client=3)
    token = csrf(client)
    codes = []
    for n in range(5):
        answer = client.post(
            "/my/login",
            data={"account_digits": "5555", "id_tail": "12345X", "csrf_token": token},
            headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}"},
            follow_redirects=False,
        )
        codes.append(answer.status_code)
    assert codes == [303, 303, 303, 429, 429]


def test_twenty_threads_guessing_one_challenge_get_no_more_than_five_tries(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 305)
    client = client_for(engine, tmp_path, portal_attempts_per_client=1000, portal_failures_to_lock=100)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    details(client, holder.account_no[-4:], holder.national_id[-6:])
    token = client.cookies.get(CHALLENGE_COOKIE)
    assert token
    code = last_code(engine, holder.customer_id)
    guesses = [f"{(int(code) + k) % 10**6:06d}" for k in range(1, 20)] + [code]  # the right one last
    outcomes: list[str] = []
    barrier = threading.Barrier(len(guesses))

    def guess(one: str) -> None:
        barrier.wait()
        try:
            with audit_transaction(engine) as connection:
                checked = signin.check_code(
                    connection, cipher=cipher, settings=settings, token=token, code=one,
                    client_address=f"198.51.100.{len(one)}", now=clock.now(),
                )  # fmt: skip
            outcomes.append(checked.outcome)
        except Exception as problem:  # a serialization failure counts as a refused try
            outcomes.append(type(problem).__name__)

    threads = [threading.Thread(target=guess, args=(one,)) for one in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    checked_tries = outcomes.count("wrong") + outcomes.count("signed_in")
    with engine.connect() as connection:
        tries = connection.execute(
            select(table_of(PortalChallenge).c.tries).where(
                table_of(PortalChallenge).c.id == challenge_key(token)
            )
        ).scalar_one()
        challenges = connection.execute(
            select(func.count()).select_from(table_of(PortalChallenge))
        ).scalar_one()
    assert challenges == 1
    # at most five codes were compared: four "wrong", then the fifth voids it (or signs in)
    assert checked_tries <= 5, outcomes
    assert outcomes.count("void") >= 15, outcomes
    assert tries <= 5
