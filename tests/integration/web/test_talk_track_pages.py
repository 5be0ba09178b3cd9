"""Talk tracks on the pages: the case page shows the approved script of the case's situation beside the
call form with the account's facts filled in; a team lead writes a new version, compliance approves it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from web_support import signed_in_as

from arrears.contacts.talk_tracks import shipped_talk_tracks
from arrears.kit.clock import now
from arrears.models import PromiseToPay, table_of

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
BROKEN = shipped_talk_tracks()["talk_broken_promise"]


def broken_yesterday(book: Engine, account_id: int = 3) -> None:
    """A promise of 1,234.00 yuan due on 2005-09-30, the day before the book's business date: broken."""
    with book.begin() as connection:
        connection.execute(insert(table_of(PromiseToPay)).values(
            account_id=account_id, amount_fen=123_400, taken_on=date(2005, 9, 20),
            promised_date=date(2005, 9, 30), status="broken", created_at=now()))  # fmt: skip


def script(page: str) -> str:
    found = re.search(r'<section class="card" id="talk-track".*?</section>', page, re.S)
    assert found is not None, "no talk track on the page"
    return found.group(0)


def test_a_broken_promise_shows_its_script_with_the_facts_filled_in(web: TestClient, book: Engine) -> None:
    lead = signed_in_as(web, "team_lead1")
    assert 'data-situation="first_contact"' in script(lead.client.get("/cases/3").text)  # nobody reached yet
    broken_yesterday(book)
    page = lead.client.get("/cases/3").text
    shown = script(page)
    assert page.index('id="talk-track"') > page.index('action="/cases/3/calls"')  # beside the call form
    assert 'data-situation="broken_promise"' in shown
    assert "2005年9月30日" in shown and "1,234.00" in shown and "talk_broken_promise</code></a> v1" in shown
    assert [m for m in re.findall(r'data-section="(\w+)"', shown)] == [
        "identify",
        "listen",
        "offer",
        "confirm",
    ]
    assert "{" not in shown
    lead.client.get("/lang/en")
    english = script(lead.client.get("/cases/3").text)
    assert (
        "You promised to pay 1,234.00 yuan by 2005-09-30" in english
        and "Listen and find the reason" in english
    )


def test_the_collector_switches_the_situation(web: TestClient, book: Engine) -> None:
    broken_yesterday(book)
    shown = script(signed_in_as(web, "team_lead1").client.get("/cases/3?talk=third_party").text)
    assert 'data-situation="third_party"' in shown and "1,234.00" not in shown  # a third party hears nothing
    assert "talk_third_party" in shown and 'href="?talk=broken_promise#talk-track"' in shown


def test_a_lead_writes_a_version_and_the_case_page_shows_it_once_approved(
    web: TestClient, book: Engine
) -> None:
    broken_yesterday(book)
    lead = signed_in_as(web, "team_lead1")
    assert 'data-template="talk_broken_promise"' in lead.client.get("/templates").text  # seeded, listed
    new_en = BROKEN.body_en.replace("May I ask what happened?", "What got in the way this time?")
    form = {"name": "talk_broken_promise", "body_zh": BROKEN.body_zh, "body_en": new_en}
    saved = lead.post("/templates", form, token_from="/templates/talk_broken_promise/edit")
    assert saved.status_code == 303 and saved.headers["location"].endswith(
        "/talk_broken_promise/versions/2?done=saved"
    )
    lead.client.get("/lang/en")
    assert "What got in the way" not in script(lead.client.get("/cases/3").text)  # a draft is not shown
    compliance = signed_in_as(web, "compliance1")
    approved = compliance.post("/templates/talk_broken_promise/versions/2/approve",
                               token_from="/templates/talk_broken_promise/versions/2")  # fmt: skip
    assert approved.status_code == 303
    shown = script(lead.client.get("/cases/3").text)
    assert "What got in the way this time?" in shown and "talk_broken_promise</code></a> v2" in shown


def test_a_version_without_its_four_sections_or_with_another_variable_is_refused(web: TestClient) -> None:
    lead = signed_in_as(web, "team_lead1")
    lead.client.get("/lang/en")
    form = {"name": "talk_refusal", "body_zh": "{name}您好", "body_en": BROKEN.body_en + " {pay_link}"}
    refused = lead.post("/templates", form, token_from="/templates/talk_refusal/edit")
    assert refused.status_code == 422
    assert "needs the four sections [identify], [listen], [offer] and [confirm]" in refused.text
    assert "the variable {pay_link} is not available in a collection talk template" in refused.text
    page = lead.client.get("/templates/talk_refusal").text
    assert "v2" not in page and "[identify]" in page  # nothing saved; the preview shows the sections


def test_a_segments_own_script_wins_once_approved(web: TestClient, book: Engine) -> None:
    broken_yesterday(book)  # the web book's accounts are all in the segment m2
    lead = signed_in_as(web, "team_lead1")
    lead.client.get("/lang/en")
    own_en = BROKEN.body_en.replace("May I ask what happened?", "In M2 we can still fix this together.")
    form = {"new": "1", "name": "talk_broken_promise_m2", "channel": "talk", "kind": "collection",
            "body_zh": BROKEN.body_zh, "body_en": own_en}  # fmt: skip
    saved = lead.post("/templates", form, token_from="/templates/new?channel=talk")
    assert saved.status_code == 303, saved.text
    assert "talk_broken_promise</code></a> v1" in script(lead.client.get("/cases/3").text)  # not approved yet
    compliance = signed_in_as(web, "compliance1")
    approved = compliance.post("/templates/talk_broken_promise_m2/versions/1/approve",
                               token_from="/templates/talk_broken_promise_m2/versions/1")  # fmt: skip
    assert approved.status_code == 303
    shown = script(lead.client.get("/cases/3").text)
    assert (
        "In M2 we can still fix this together." in shown and "talk_broken_promise_m2</code></a> v1" in shown
    )
