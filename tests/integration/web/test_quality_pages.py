"""Call quality review on both databases: a call's recording, sampling (random and risk-based), the
review queue, scoring (audited, one score per call even when two leads score at once), the scores on
the floor view and the agenda, and the collector's own reviews."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import Browser, signed_in_as

from arrears.contacts.calls import CallLog, log_call
from arrears.models import AppUser, AuditEvent, CardAccount, CollectionAction, ContactEvent, Hold, table_of
from arrears.models.quality_review import QualityReview
from arrears.quality.service import AlreadyScored, Reviewer, score_review
from web_book import PASSWORD

AT = datetime(2005, 10, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai on the book's business date
PASSED = {
    "identification": "pass",
    "disclosure": "pass",
    "no_threats": "pass",
    "no_third_party_disclosure": "pass",
    "solution_offered": "fail",
    "agreement_confirmed": "na",
}


def _user_id(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        u = table_of(AppUser)
        return int(connection.execute(select(u.c.id).where(u.c.username == username)).scalar_one())


def _calls(engine: Engine, username: str, count: int, **extra: Any) -> list[int]:
    """``count`` calls by ``username`` on the first accounts, at AT; answers their account ids."""
    user_id = _user_id(engine, username)
    with engine.begin() as connection:
        a = table_of(CardAccount)
        accounts = [
            int(x) for x in connection.execute(select(a.c.id).order_by(a.c.id).limit(count)).scalars()
        ]
        for account_id in accounts:
            call = CallLog.model_validate({"outcome": "right_party", "conversation": True, **extra})
            log_call(connection, account_id=account_id, user_id=user_id, call=call, now=AT)
    return accounts


def _sample(lead: Browser, **fields: str) -> Any:
    data = {
        "first": "2005-10-01",
        "last": "2005-10-01",
        "random_count": "0",
        "long_call_minutes": "10",
        **fields,
    }
    return lead.post("/quality/sample", data, token_from="/quality")


def _reviews(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        r = table_of(QualityReview)
        return [dict(row) for row in connection.execute(select(r).order_by(r.c.id)).mappings()]


def test_the_call_form_and_the_api_take_the_recording(web: TestClient, book: Engine) -> None:
    collector = signed_in_as(web, "team_lead1")  # a lead opens any case of the book
    with book.connect() as connection:
        a = table_of(CardAccount)
        account_id = connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one()
    collector.client.get(f"/cases/{account_id}")
    fields = {
        "outcome": "right_party",
        "party": "debtor",
        "recording_ref": "REC-2005-0001",
        "duration_minutes": "12.5",
    }

    answer = collector.post(f"/cases/{account_id}/calls", fields, token_from=f"/cases/{account_id}")
    bad = collector.post(f"/cases/{account_id}/calls", {**fields, "duration_minutes": "long"},
                         token_from=f"/cases/{account_id}")  # fmt: skip

    assert answer.status_code == 303, answer.text
    assert bad.status_code == 422
    with book.connect() as connection:
        e = table_of(ContactEvent)
        rows = connection.execute(
            select(e.c.recording_ref, e.c.duration_seconds).where(e.c.account_id == account_id)
        ).all()
    assert [tuple(row) for row in rows] == [("REC-2005-0001", 750)]


def test_the_api_call_log_takes_the_recording_and_refuses_a_bad_one(web: TestClient, book: Engine) -> None:
    token = web.post("/api/v1/auth/token", data={"username": "team_lead1", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with book.connect() as connection:
        a = table_of(CardAccount)
        account_id = connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one()
    call = {"outcome": "busy", "recording_ref": "https://recorder.bank/calls/x1", "duration_seconds": 20}

    logged = web.post(f"/api/v1/accounts/{account_id}/calls", json=call, headers=headers)
    too_long = web.post(f"/api/v1/accounts/{account_id}/calls", json={**call, "recording_ref": "k" * 301},
                        headers=headers)  # fmt: skip
    negative = web.post(f"/api/v1/accounts/{account_id}/calls", json={**call, "duration_seconds": -1},
                        headers=headers)  # fmt: skip

    assert logged.status_code == 201, logged.text
    assert (too_long.status_code, negative.status_code) == (422, 422)
    with book.connect() as connection:
        e = table_of(ContactEvent)
        ref = connection.execute(select(e.c.recording_ref).where(e.c.id == logged.json()["id"])).scalar_one()
    assert ref == "https://recorder.bank/calls/x1"


def test_a_lead_samples_risky_calls_first_and_random_ones_of_their_team_only(
    web: TestClient, book: Engine
) -> None:
    accounts = _calls(book, "collector1", 6)
    _calls(book, "collector3", 2)  # another team's collector
    with book.begin() as connection:
        a, e = table_of(CardAccount), table_of(ContactEvent)
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == accounts[0])).scalar_one()
        connection.execute(insert(table_of(Hold)).values(customer_id=customer, kind="complaint",
                                                         reason="rude collector", placed_at=AT))  # fmt: skip
        connection.execute(update(e).where(e.c.account_id == accounts[1]).values(duration_seconds=900))
        x = table_of(CollectionAction)
        first_action = connection.execute(
            select(x.c.id).where(x.c.account_id == accounts[2]).limit(1)
        ).scalar()
        if first_action is None:  # every account of the book has an action of the run; else block one
            pytest.fail("the book's account has no action")
        connection.execute(update(x).where(x.c.id == first_action).values(status="blocked"))
    lead = signed_in_as(web, "team_lead1")

    answer = _sample(lead, random_count="2")
    again = _sample(lead, random_count="50")

    assert answer.status_code == 303 and "n=5" in answer.headers["location"]
    reviews = _reviews(book)
    by_account = {row["account_id"]: row["reason"] for row in reviews}
    assert by_account[accounts[0]] == "complaint"
    assert by_account[accounts[1]] == "long_call"
    assert by_account[accounts[2]] == "after_blocked"
    assert len(reviews) == 6  # 5, then the one call left (a call is sampled once)
    assert again.status_code == 303
    collector1 = _user_id(book, "collector1")
    assert {row["collector_id"] for row in reviews} == {collector1}
    with book.connect() as connection:
        audit = table_of(AuditEvent)
        actions = list(
            connection.execute(select(audit.c.action).where(audit.c.action == "quality.sampled")).scalars()
        )
    assert len(actions) == 2
    page = lead.client.get("/quality")
    assert page.status_code == 200 and page.text.count('class="score-link"') == 6


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_bad_sampling_input_is_422(web: TestClient, book: Engine, lang: str) -> None:
    lead = signed_in_as(web, "team_lead1")
    lead.client.cookies.set("lang", "en" if lang == "en" else "zh_CN")

    for fields in ({"first": "yesterday"}, {"last": "2005-09-01"}, {"random_count": "-1"},
                   {"random_count": "999"}, {"long_call_minutes": "x"}, {"first": "2005-01-01"}):  # fmt: skip
        answer = _sample(lead, **fields)

        assert answer.status_code == 422, fields
        assert 'id="quality-error"' in answer.text


def test_scoring_is_audited_and_shows_on_the_floor_the_agenda_and_the_collectors_page(
    web: TestClient, book: Engine
) -> None:
    _calls(book, "collector1", 1, recording_ref="K-77")
    lead = signed_in_as(web, "team_lead1")
    _sample(lead, random_count="1")
    review_id = _reviews(book)[0]["id"]
    form = f"/quality/reviews/{review_id}"
    assert "K-77" in lead.client.get(form).text

    missing = lead.post(form, {**PASSED, "disclosure": ""}, token_from=form)
    no_csrf = lead.client.post(form, data=PASSED, follow_redirects=False)
    answer = lead.post(form, {**PASSED, "note": "good call, no plan offered"}, token_from=form)
    twice = lead.post(form, PASSED, token_from=form)

    assert missing.status_code == 422 and no_csrf.status_code in (400, 403)
    assert answer.status_code == 303, answer.text
    assert twice.status_code == 409
    scored = _reviews(book)[0]
    assert (scored["status"], scored["score"], scored["solution_offered"]) == ("scored", 80, "fail")
    with book.connect() as connection:
        audit = table_of(AuditEvent)
        assert connection.execute(
            select(audit.c.subject_id).where(audit.c.action == "quality.scored")
        ).scalars().all() == [str(review_id)]
    floor = lead.client.get("/team").text
    assert re.search(r'data-user="collector1".*?quality-score">80 ', floor, re.S)
    collector = signed_in_as(web, "collector1")
    mine = collector.client.get("/quality/mine")
    assert (
        mine.status_code == 200
        and "good call, no plan offered" in mine.text
        and 'id="my-quality-score"' in mine.text
    )
    assert "80" in collector.client.get("/agenda").text.split('id="my-quality"')[1][:400]
    assert collector.client.get("/quality").status_code == 403
    other = signed_in_as(web, "collector2").client.get("/quality/mine")
    assert "good call" not in other.text


def test_a_lead_of_another_team_cannot_score_and_nobody_scores_their_own_call(
    web: TestClient, book: Engine
) -> None:
    _calls(book, "team_lead1", 1)
    manager = signed_in_as(web, "manager1")
    _sample(manager, random_count="1")
    review_id = _reviews(book)[0]["id"]
    lead = signed_in_as(web, "team_lead1")
    form = f"/quality/reviews/{review_id}"

    own = lead.post(form, PASSED, token_from=form)

    assert own.status_code == 422
    assert manager.post(form, PASSED, token_from=form).status_code == 303


@pytest.mark.postgres
def test_two_leads_scoring_one_call_at_once_one_score_stands(web: TestClient, book: Engine) -> None:
    if book.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    _calls(book, "collector1", 1)
    _sample(signed_in_as(web, "manager1"), random_count="1")
    review_id = int(_reviews(book)[0]["id"])
    leads = [Reviewer(_user_id(book, name), name, role, None) for name, role in
             (("team_lead1", "manager"), ("manager1", "manager"))]  # fmt: skip
    barrier, outcomes = threading.Barrier(2), []

    def score(reviewer: Reviewer, marks: dict[str, str]) -> None:
        try:
            with book.begin() as connection:
                barrier.wait(timeout=10)
                score_review(connection, by=reviewer, review_id=review_id, marks=marks, note=None,
                             now=datetime.now(UTC))  # fmt: skip
            outcomes.append(reviewer.username)
        except AlreadyScored:
            outcomes.append("refused")

    threads = [threading.Thread(target=score, args=(leads[0], PASSED)),
               threading.Thread(target=score, args=(leads[1], {**PASSED, "no_threats": "fail"}))]  # fmt: skip
    for one in threads:
        one.start()
    for one in threads:
        one.join(timeout=30)

    assert len(outcomes) == 2 and outcomes.count("refused") == 1
    winner = next(name for name in outcomes if name != "refused")
    review = _reviews(book)[0]
    assert review["scored_by_id"] == _user_id(book, winner)
    assert review["score"] == (80 if winner == "team_lead1" else 0)
    with book.connect() as connection:
        audit = table_of(AuditEvent)
        assert (
            len(connection.execute(select(audit.c.id).where(audit.c.action == "quality.scored")).all()) == 1
        )
