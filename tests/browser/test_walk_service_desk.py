"""A complaint from the portal to its response letter, in Chromium: the cardholder complains of an abusive
collector on /my and sees the case number and the reply-by date; customer service finds the case on the
desk with its clock, sees its hold (collector1's calls only), acknowledges it, records a contact, decides
(upheld, apology), sends the response letter and closes the case, lifting the hold; the day's letters
carry the case number and the decision; the cardholder sees the decision and the reply. Once in Chinese,
once in English (the language switch on both sides)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from portal_book import Cardholder, served_portal, sign_in_cardholder
from service_desk_book import CALLER, rendered_letters, seed_desk_cardholder
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, Hold, ServiceCase, ServiceCaseHold, table_of
from arrears.users import passwords
from web_book import FAST_HASHER

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
PHONE = ViewportSize(width=360, height=640)
DESK = ViewportSize(width=1366, height=768)
COMPLAINT = "催收员在电话里辱骂我，还说要打电话到我单位。"
CONTACT = "已致电持卡人，说明核查进展。"
DECISION = "经核查录音，催收人员用语不当，投诉成立。我行已向您致歉，并对相关人员进行了处理。"


@dataclass(frozen=True)
class Words:
    """What the pages say in one language."""

    lang: str
    complain: str
    category: str
    send: str
    paused: str
    left: re.Pattern[str]
    covers: str
    until_closed: str
    acknowledge: str
    acknowledged: str
    save_note: str
    upheld: str
    apology: str
    record: str
    send_letter: str
    close: str
    closed: str
    lifted: str


ZH = Words("zh", "投诉", "催收人员态度恶劣或辱骂", "发送", "核查期间暂停催收。",
           re.compile(r"剩余 \d+ 个工作日"), "被投诉人员或机构对本账户的电话催收", "至结案为止", "确认受理",
           "已受理", "保存备注", "成立", "致歉", "记录处理决定", "发送答复函", "结案并解除停催", "已结案",
           "已解除")  # fmt: skip
EN = Words("en", "Make a complaint", "Rude or abusive collector", "Send",
           "Collection is paused while we look into it.", re.compile(r"\d+ working days left"),
           "calls by the staff member or agency involved, on this account", "until the case closes",
           "Acknowledge receipt", "Acknowledged", "Save note", "Upheld", "Apology", "Record the decision",
           "Send the response letter", "Close the case and lift its holds", "Closed", "lifted")  # fmt: skip


@pytest.fixture
def holder(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Cardholder:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    return seed_desk_cardholder(engine, tmp_path, cipher)


@pytest.fixture
def portal(engine: Engine, tmp_path: Path, holder: Cardholder) -> Iterator[str]:
    with served_portal(engine, tmp_path) as base:
        yield base


def switch_to_english(page: Page) -> None:
    """The header's language link, as a person switches."""
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^en"))


def complain(page: Page, portal: str, engine: Engine, holder: Cardholder, words: Words) -> tuple[int, int]:
    """The cardholder's complaint through the account page's link; the request's and the case's ids."""
    sign_in_cardholder(page, portal, engine, holder)
    if words.lang == "en":
        switch_to_english(page)
    page.goto(f"{portal}/my/account/{holder.account_no}")
    page.get_by_role("link", name=words.complain, exact=True).click()
    page.get_by_label(words.category, exact=True).check()
    page.locator("#text").fill(COMPLAINT)
    page.get_by_role("button", name=words.send, exact=True).click()
    expect(page).to_have_url(re.compile(r"/my/requests\?sent=\d+$"))
    expect(page.locator("p.notice[role=status]")).to_contain_text(words.paused)
    request_id = int(page.url.rsplit("=", 1)[1])
    card = page.locator("section.card", has=page.locator(f"#request-{request_id}"))
    found = re.search(r"KF-(\d{6})", card.inner_text())
    assert found is not None, card.inner_text()
    return request_id, int(found.group(1))


def case_row(engine: Engine, case_id: int) -> dict[str, object]:
    c = table_of(ServiceCase)
    with engine.connect() as connection:
        return dict(connection.execute(select(c).where(c.c.id == case_id)).mappings().one())


def case_holds(engine: Engine, case_id: int) -> list[dict[str, object]]:
    h, link = table_of(Hold), table_of(ServiceCaseHold)
    query = select(h).join(link, link.c.hold_id == h.c.id).where(link.c.case_id == case_id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def user_id(engine: Engine, username: str) -> int:
    u = table_of(AppUser)
    with engine.connect() as connection:
        return int(connection.execute(select(u.c.id).where(u.c.username == username)).scalar_one())


def find_on_desk(page: Page, portal: str, case_id: int, words: Words) -> None:
    """The desk's Open list shows the case with its clock; its page shows the hold and who is named."""
    sign_in(page, portal, "customer_service1")
    page.goto(f"{portal}/service-desk")
    if words.lang == "en":
        switch_to_english(page)
    row = page.locator(f"tr[data-case='{case_id}']")
    expect(row.locator("[data-clock='on_time']")).to_have_text(words.left)
    row.locator(f"a[href='/service-desk/cases/{case_id}']").click()
    expect(page.locator("#case-summary")).to_have_text(COMPLAINT)
    expect(page.locator("#case-facts")).to_contain_text("collector one")
    hold = page.locator("#case-holds tr", has_text=words.covers)
    expect(hold).to_have_count(1)
    expect(hold).to_contain_text(words.until_closed)


def work_case(page: Page, words: Words) -> None:
    """Acknowledge, a contact noted, the decision, the letter, the closure: each step's notice seen."""
    page.get_by_role("button", name=words.acknowledge, exact=True).click()
    expect(page.locator("#case-status")).to_have_text(words.acknowledged)
    page.locator("#case-notes select[name=kind]").select_option("contact")
    page.locator("#case-notes textarea[name=text]").fill(CONTACT)
    page.get_by_role("button", name=words.save_note, exact=True).click()
    expect(page.locator("#case-notes li", has_text=CONTACT)).to_have_count(1)
    resolution = page.locator("#case-resolution")
    resolution.get_by_label(words.upheld, exact=True).check()
    resolution.get_by_label(words.apology, exact=True).check()
    resolution.locator("textarea[name=text]").fill(DECISION)
    page.get_by_role("button", name=words.record, exact=True).click()
    expect(page.locator("#case-outcome")).to_have_text(words.upheld)
    page.get_by_role("button", name=words.send_letter, exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_be_visible()
    page.get_by_role("button", name=words.close, exact=True).click()
    expect(page.locator("#case-status")).to_have_text(words.closed)
    expect(page.locator("#case-holds tr", has_text=words.covers)).to_contain_text(words.lifted)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_a_portal_complaint_is_worked_on_the_desk_and_answered_by_letter(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder, cipher: FieldCipher,
    tmp_path: Path, words: Words,
) -> None:  # fmt: skip
    cardholder = new_page(locale="zh-CN", viewport=PHONE)
    request_id, case_id = complain(cardholder, portal, engine, holder, words)
    case = case_row(engine, case_id)
    assert case["portal_request_id"] == request_id and case["involved_user_id"] == user_id(engine, CALLER)
    deadline, received = case["resolve_by"], case["received_at"]
    assert isinstance(deadline, datetime) and isinstance(received, datetime)
    assert deadline - received >= timedelta(days=15)  # 15 days, moved past a day off
    last_day = (deadline - timedelta(microseconds=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    shown = f"{last_day.isoformat()} 24:00 UTC+8"  # the deadline's last day, never the next day's 00:00
    expect(cardholder.locator(f"#reply-by-{request_id}")).to_have_text(shown)
    [hold] = case_holds(engine, case_id)
    assert hold["staff_user_id"] == case["involved_user_id"] and hold["lifted_at"] is None

    staff = new_page(locale="zh-CN", viewport=DESK)
    find_on_desk(staff, portal, case_id, words)
    work_case(staff, words)
    assert all(one["lifted_at"] is not None for one in case_holds(engine, case_id))

    letter_id = case_row(engine, case_id)["letter_message_id"]
    rendered, text = rendered_letters(engine, cipher, tmp_path)
    assert letter_id in rendered
    assert f"KF-{case_id:06d}" in text and DECISION in text
    assert "处理结论：成立" in text and "补救措施：致歉" in text  # the letter is in Chinese either way

    cardholder.goto(f"{portal}/my/requests")
    expect(cardholder.locator(f"#decision-{request_id}")).to_contain_text(words.upheld)
    card = cardholder.locator("section.card", has=cardholder.locator(f"#request-{request_id}"))
    expect(card.locator("details[open]")).to_contain_text(DECISION)
    expect(card.locator(f"#reply-by-{request_id}")).to_have_count(0)
