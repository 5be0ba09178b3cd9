"""The template library pages: the list by channel, a preview in both languages, a new version with its
SMS length counted while typing, approval by another compliance user, the history."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import signed_in_as

from arrears.audit.repository import AuditLog

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
OVERDUE_EN = ("Dear {name}, card {account_tail}: {overdue_yuan} yuan is overdue since {due_date}. "
              "Please call {hotline}.")  # fmt: skip


def version_form(**changes: str) -> dict[str, str]:
    zh = "{name}您好，尾号{account_tail}逾期{overdue_yuan}元，请致电{hotline}。"
    return {"name": "overdue", "body_zh": zh,
            "body_en": OVERDUE_EN, "description": "overdue, shorter", **changes}  # fmt: skip


def test_the_library_lists_the_shipped_templates_by_channel(web: TestClient) -> None:
    manager = signed_in_as(web, "manager1")
    page = manager.client.get("/templates")
    assert page.status_code == 200
    for name in (
        "reminder",
        "overdue",
        "otp",
        "email_overdue",
        "app_overdue",
        "wechat_overdue",
        "demand",
    ):
        assert f'data-template="{name}"' in page.text
    assert 'href="/templates"' in page.text  # the navigation link
    assert 'href="/templates"' not in signed_in_as(web, "collector1").client.get("/").text


def test_a_template_shows_its_preview_in_both_languages(web: TestClient) -> None:
    page = signed_in_as(web, "compliance1").client.get("/templates/demand")
    assert page.status_code == 200
    assert "尊敬的张三" in page.text and "Dear Wang Fang" in page.text and "金融知识提示" in page.text
    sms = signed_in_as(web, "compliance1").client.get("/templates/overdue").text
    assert 'id="sms-length-zh"' in sms and 'data-segments="2"' in sms  # 90 characters: two segments


def test_the_length_is_counted_while_typing(web: TestClient) -> None:
    manager = signed_in_as(web, "manager1")
    headers = {"X-CSRF-Token": manager.csrf("/templates/overdue/edit"), "HX-Request": "true"}
    short = manager.client.post("/templates/length", data=version_form(body_zh="{name}您好"), headers=headers)
    long = manager.client.post("/templates/length", data=version_form(body_zh="您" * 71), headers=headers)
    assert re.search(r'id="sms-length-zh" data-characters="4" data-segments="1"', short.text)
    assert re.search(r'id="sms-length-zh" data-characters="71" data-segments="2"', long.text)
    assert "<html" not in short.text


def test_a_new_version_waits_then_another_compliance_user_approves_it(web: TestClient, book: Engine) -> None:
    manager = signed_in_as(web, "manager1")
    saved = manager.post("/templates", version_form(), token_from="/templates/overdue/edit")
    assert (
        saved.status_code == 303 and saved.headers["location"] == "/templates/overdue/versions/2?done=saved"
    )
    page = manager.client.get("/templates/overdue/versions/2?done=saved")
    assert "/approve" not in page.text  # a manager may not approve
    compliance = signed_in_as(web, "compliance1")
    approved = compliance.post(
        "/templates/overdue/versions/2/approve", token_from="/templates/overdue/versions/2"
    )
    assert approved.status_code == 303
    shown = compliance.client.get("/templates/overdue").text
    assert "v2" in shown and "compliance1" in shown and "manager1" in shown
    with book.connect() as connection:
        actions = [
            (e.actor, e.action) for e in AuditLog(connection).entries() if e.action.startswith("template.")
        ]
    assert actions == [("manager1", "template.saved"), ("compliance1", "template.approved")]


def test_the_author_sees_no_decision_form_and_is_refused(web: TestClient) -> None:
    author = signed_in_as(web, "compliance1")
    assert author.post("/templates", version_form(), token_from="/templates/overdue/edit").status_code == 303
    assert "/approve" not in author.client.get("/templates/overdue/versions/2").text
    refused = author.post("/templates/overdue/versions/2/approve", token_from="/templates/overdue/versions/2")
    assert refused.status_code == 422 and "模板版本须由作者以外的人员审批或驳回" in refused.text


def test_a_refused_version_is_shown_again_with_every_reason_and_what_was_typed(web: TestClient) -> None:
    manager = signed_in_as(web, "manager1")
    typed = version_form(body_zh="{name}，不还就上门，{salary}")
    refused = manager.post("/templates", typed, token_from="/templates/overdue/edit")
    assert refused.status_code == 422
    assert "未知变量 {salary}" in refused.text and "模板含有威胁或误导性用语“上门”" in refused.text
    assert "{name}，不还就上门，{salary}</textarea>" in refused.text


def test_a_rejection_needs_a_note(web: TestClient) -> None:
    signed_in_as(web, "manager1").post("/templates", version_form(), token_from="/templates/overdue/edit")
    compliance = signed_in_as(web, "compliance1")
    empty = compliance.post("/templates/overdue/versions/2/reject", {"note": ""},
                            token_from="/templates/overdue/versions/2")  # fmt: skip
    assert empty.status_code == 422
    done = compliance.post("/templates/overdue/versions/2/reject", {"note": "keep the hotline first"},
                           token_from="/templates/overdue/versions/2")  # fmt: skip
    assert done.status_code == 303
    assert "keep the hotline first" in compliance.client.get("/templates/overdue").text


def test_a_new_template_and_unknown_ones(web: TestClient) -> None:
    manager = signed_in_as(web, "manager1")
    form = {"new": "1", "name": "gentle_nudge", "channel": "push", "kind": "collection", "subject_zh": "提醒",
            "subject_en": "Reminder", "body_zh": "{name}您好", "body_en": "Dear {name}"}  # fmt: skip
    assert manager.post("/templates", form, token_from="/templates/new").status_code == 303
    again = manager.post("/templates", form, token_from="/templates/new")
    assert again.status_code == 422 and "模板 gentle_nudge 已存在" in again.text
    assert manager.client.get("/templates/no_such").status_code == 404
    assert manager.client.get("/templates/overdue/versions/99").status_code == 404


def test_english_pages(web: TestClient) -> None:
    compliance = signed_in_as(web, "compliance1")
    compliance.client.get("/lang/en")
    page = compliance.client.get("/templates/overdue").text
    assert "Version in use: v1" in page and "approved by system" in page
