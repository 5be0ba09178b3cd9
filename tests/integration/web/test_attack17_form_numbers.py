"""Numbers typed in the issue-17 forms that are not plain decimal ids or counts: digits of other scripts
(``²``, ``٣``) and ids no row can have (past 2^31-1, past 2^63) answer 422 naming the field, never 500,
on SQLite and PostgreSQL: a learned fact's visit, the quality sample's sizes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_support import Browser

from arrears.models import LearnedFact, table_of
from floor_day import calls

FACT = {"kind": "income", "value": "8000", "source": "call", "learned_date": "2005-09-01"}
ODD = ["²", "٣", "2147483648", str(2**63), "9" * 30]


def signed_in(web: TestClient, username: str) -> Browser:
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


def facts(book: Engine) -> int:
    with book.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(LearnedFact))).scalar_one())


@pytest.mark.parametrize("stop", ODD)
@pytest.mark.parametrize(
    ("username", "back"), [("collector1", ""), ("visitor1", "stop"), ("manager1", "stop")]
)
def test_a_facts_visit_that_is_not_an_id_is_refused_naming_it(
    web: TestClient, book: Engine, stop: str, username: str, back: str
) -> None:
    account = calls(book)[0]["account_id"]
    browser = signed_in(web, username)

    answer = browser.post(f"/cases/{account}/facts", {**FACT, "visit_stop_id": stop, "back": back},
                          token_from="/account/password")  # fmt: skip

    assert answer.status_code in (403, 404, 422), (answer.status_code, answer.text[:300])
    if answer.status_code == 422:
        assert "visit_stop_id" in answer.text or "外访" in answer.text, answer.text[:2000]
    assert facts(book) == 0


@pytest.mark.parametrize("field", ["random_count", "long_call_minutes"])
@pytest.mark.parametrize("typed", ["²", "٣", "１２"])
def test_a_sample_size_in_other_digits_is_refused_naming_the_field(
    web: TestClient, field: str, typed: str
) -> None:
    lead = signed_in(web, "team_lead1")
    lead.client.get("/lang/en")

    answer = lead.post("/quality/sample", {"first": "2005-10-01", "last": "2005-10-01", field: typed},
                       token_from="/quality")  # fmt: skip

    assert answer.status_code == 422, (answer.status_code, answer.text[:300])
    assert "is not a whole number" in answer.text
