"""The admin's pages: users (list, create with a one-time password, reset it, change role and team,
deactivate and reactivate), teams and their leads, the agencies' users; every change audited, the guards
(no admin deactivates or demotes themselves, the last admin stays), bad input answered 422, CSRF."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_support import Browser, signed_in_as

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.models import AppUser, AuditEvent, Team, table_of

ONE_TIME = re.compile(r'<code class="secret">([^<]+)</code>')
_U, _T, _A = table_of(AppUser), table_of(Team), table_of(AuditEvent)


def user(engine: Engine, username: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(_U).where(_U.c.username == username)).one()


def team_id(engine: Engine, code: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(_T.c.id).where(_T.c.code == code)).scalar_one())


def audited(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as connection:
        assert verify(AuditLog(connection).entries()) == []
        return list(connection.execute(select(_A).where(_A.c.action == action).order_by(_A.c.id)).all())


def can_sign_in(web: TestClient, username: str, password: str) -> bool:
    return bool(Browser(TestClient(web.app)).sign_in(username, password).status_code == 303)


@pytest.fixture
def admin(web: TestClient) -> Browser:
    return signed_in_as(web, "admin1")


def create(admin: Browser, **fields: str) -> Any:
    data = {"username": "newcomer", "display_name": "新同事", "role": "collector", "team": ""} | fields
    return admin.post("/admin/users", data, token_from="/admin/users")


class TestTheUsersList:
    def test_an_admin_lands_on_the_users_in_words_and_other_roles_may_not_open_it(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        assert admin.client.get("/", follow_redirects=False).headers["location"] == "/admin/users"
        page = admin.client.get("/admin/users")
        assert page.status_code == 200 and "collector1" in page.text and "agency_user1" in page.text
        assert "委外机构用户" in page.text and ">agency_user<" not in page.text  # the role said in words
        assert 'href="/admin/users"' in page.text  # the header's link
        english = admin.client.get("/lang/en?next=/admin/users")
        assert "agency user" in english.text and "New user" in english.text
        for role in ("collector1", "manager1", "customer_service1"):
            assert signed_in_as(web, role).client.get("/admin/users").status_code == 403

    def test_filters_and_counts(self, admin: Browser, book: Engine) -> None:
        page = admin.client.get("/admin/users", params={"role": "collector", "status": "active"})
        rows = re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page.text)
        assert sorted(rows) == ["collector1", "collector2", "collector3"]
        phone_a = admin.client.get("/admin/users", params={"team": str(team_id(book, "phone-a"))})
        assert "collector2" in phone_a.text and "collector3" not in phone_a.text

    @pytest.mark.parametrize(
        "params",
        [
            {"team": str(2**63)},
            {"team": "9" * 5000},
            {"role": "root"},
            {"status": "maybe"},
            {"page": "0"},
            {"page": str(2**63)},
            {"q": "x" * 5_000},
        ],
    )
    def test_bad_filters_are_refused_422(self, admin: Browser, params: dict[str, str]) -> None:
        answer = admin.client.get("/admin/users", params=params)
        assert answer.status_code == 422 and "Traceback" not in answer.text


class TestCreatingAUser:
    def test_a_new_user_gets_a_one_time_password_shown_once_and_audited(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        answer = create(admin, team=str(team_id(book, "phone-a")))
        assert answer.status_code == 200
        found = ONE_TIME.search(answer.text)
        assert found is not None
        password = found.group(1)
        assert len(password) >= 12 and can_sign_in(web, "newcomer", password)
        made = user(book, "newcomer")
        assert made.role == "collector" and made.team_id == team_id(book, "phone-a") and made.is_active
        assert password not in admin.client.get(f"/admin/users/{made.id}").text  # never shown again
        (entry,) = audited(book, "user.created")
        assert entry.actor == "admin1" and entry.subject_id == str(made.id)
        assert password not in entry.details and json.loads(entry.details)["role"] == "collector"

    @pytest.mark.parametrize(
        ("fields", "says"),
        [
            ({"username": "collector1"}, "已被使用"),
            ({"username": "COLLECTOR1"}, "已被使用"),
            ({"username": "x" * 100_000}, "不是有效的用户名"),
            ({"username": "有空格 的名字"}, "不是有效的用户名"),
            ({"display_name": " "}, "请填写名称"),
            ({"display_name": "名" * 201}, "不能超过 200 个字符"),
            ({"role": "root"}, "不是有效的角色"),
            ({"team": str(2**63)}, "不是有效的编号"),
            ({"team": "999999"}, "没有团队"),
            ({"role": "agency_user"}, "委外机构用户必须属于委外机构团队"),
        ],
    )
    def test_bad_input_is_refused_422_with_the_form_kept(
        self, admin: Browser, book: Engine, fields: dict[str, str], says: str
    ) -> None:
        answer = create(admin, **fields)
        assert answer.status_code == 422 and says in answer.text
        assert 'id="admin-error"' in answer.text and "Traceback" not in answer.text
        assert audited(book, "user.created") == []

    def test_a_form_without_its_csrf_token_is_refused(self, admin: Browser, book: Engine) -> None:
        answer = admin.client.post(
            "/admin/users", data={"username": "sneaky", "display_name": "x", "role": "admin"}
        )
        assert answer.status_code == 403
        with book.connect() as connection:
            assert connection.execute(select(_U.c.id).where(_U.c.username == "sneaky")).first() is None

    def test_two_admins_creating_the_same_username_at_once_make_one_user(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        second = signed_in_as(web, "admin1")
        tokens = [admin.csrf("/admin/users"), second.csrf("/admin/users")]
        answers: list[Any] = [None, None]
        start = threading.Barrier(2)

        def post(index: int, browser: Browser) -> None:
            start.wait()
            answers[index] = browser.client.post(
                "/admin/users",
                data={
                    "username": "twin",
                    "display_name": "Twin",
                    "role": "collector",
                    "team": "",
                    "csrf_token": tokens[index],
                },
            )

        threads = [threading.Thread(target=post, args=(i, b)) for i, b in enumerate((admin, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answer.status_code for answer in answers) == [200, 422]
        with book.connect() as connection:
            count = connection.execute(select(func.count()).where(_U.c.username == "twin")).scalar_one()
        assert count == 1 and len(audited(book, "user.created")) == 1


class TestChangingAUser:
    def test_deactivating_ends_sign_in_and_sessions_and_reactivating_restores_it(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        target = user(book, "collector2")
        colleague = signed_in_as(web, "collector2")
        page = f"/admin/users/{target.id}"
        answer = admin.post(f"{page}/deactivate", token_from=page)
        assert answer.status_code == 303 and answer.headers["location"] == f"{page}?done=deactivated"
        assert not user(book, "collector2").is_active
        assert colleague.client.get("/", follow_redirects=False).status_code == 303  # signed out
        assert not can_sign_in(web, "collector2", "correct horse battery")
        assert admin.post(f"{page}/activate", token_from=page).status_code == 303
        assert can_sign_in(web, "collector2", "correct horse battery")
        assert [row.subject_id for row in audited(book, "user.deactivated")] == [str(target.id)]
        assert [row.actor for row in audited(book, "user.activated")] == ["admin1"]

    def test_an_admin_cannot_deactivate_or_demote_themselves(self, admin: Browser, book: Engine) -> None:
        me = user(book, "admin1")
        page = f"/admin/users/{me.id}"
        answer = admin.post(f"{page}/deactivate", token_from=page)
        assert answer.status_code == 422 and "不能停用自己的账户" in answer.text
        answer = admin.post(f"{page}/role", {"role": "manager", "team": ""}, token_from=page)
        assert answer.status_code == 422 and "更改角色" in answer.text
        answer = admin.post(f"{page}/password", token_from=page)
        assert answer.status_code == 422
        assert user(book, "admin1").is_active and user(book, "admin1").role == "admin"
        assert audited(book, "user.deactivated") == audited(book, "user.role_changed") == []

    def test_role_and_team_change_is_audited_and_ends_the_users_sessions(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        target = user(book, "collector3")
        them = signed_in_as(web, "collector3")
        page = f"/admin/users/{target.id}"
        data = {"role": "team_lead", "team": str(team_id(book, "phone-b"))}
        answer = admin.post(f"{page}/role", data, token_from=page)
        assert answer.status_code == 303 and answer.headers["location"].endswith("done=role")
        changed = user(book, "collector3")
        assert changed.role == "team_lead" and changed.team_id == team_id(book, "phone-b")
        assert them.client.get("/", follow_redirects=False).status_code == 303
        (entry,) = audited(book, "user.role_changed")
        details = json.loads(entry.details)
        assert details["previous_role"] == "collector" and details["role"] == "team_lead"
        again = admin.post(f"{page}/role", data, token_from=page)
        assert (
            again.headers["location"].endswith("done=unchanged")
            and len(audited(book, "user.role_changed")) == 1
        )

    @pytest.mark.parametrize(
        "data",
        [
            {"role": "root", "team": ""},
            {"role": "collector", "team": str(2**63)},
            {"role": "collector", "team": "0"},
            {"role": "agency_user", "team": ""},
        ],
    )
    def test_a_bad_role_change_is_refused_422(
        self, admin: Browser, book: Engine, data: dict[str, str]
    ) -> None:
        page = f"/admin/users/{user(book, 'collector3').id}"
        answer = admin.post(f"{page}/role", data, token_from=page)
        assert answer.status_code == 422 and "Traceback" not in answer.text
        assert user(book, "collector3").role == "collector"

    def test_a_password_reset_shows_a_new_one_time_password_and_ends_the_old_one(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        target = user(book, "visitor1")
        page = f"/admin/users/{target.id}"
        answer = admin.post(f"{page}/password", token_from=page)
        found = ONE_TIME.search(answer.text)
        assert answer.status_code == 200 and found is not None
        assert not can_sign_in(web, "visitor1", "correct horse battery")
        assert can_sign_in(web, "visitor1", found.group(1))
        (entry,) = audited(book, "user.password_reset")
        assert entry.actor == "admin1" and found.group(1) not in entry.details

    @pytest.mark.parametrize("how", ["created", "reset"])
    def test_a_password_an_admin_set_must_be_replaced_before_anything_else(
        self, web: TestClient, admin: Browser, book: Engine, how: str
    ) -> None:
        if how == "created":
            answer, username = create(admin, team=str(team_id(book, "phone-a"))), "newcomer"
        else:
            username = "collector2"
            page = f"/admin/users/{user(book, username).id}"
            answer = admin.post(f"{page}/password", token_from=page)
        found = ONE_TIME.search(answer.text)
        assert found is not None
        given = found.group(1)
        api = TestClient(web.app)
        refused = api.post("/api/v1/auth/token", data={"username": username, "password": given})
        assert refused.status_code == 403 and "choose your own" in refused.text
        newcomer = Browser(TestClient(web.app))
        signed = newcomer.sign_in(username, given)
        assert signed.status_code == 303 and signed.headers["location"] == "/account/password"
        for path in ("/", "/cases/1", "/agenda", f"/admin/users/{user(book, username).id}"):
            sent = newcomer.client.get(path, follow_redirects=False)
            assert sent.status_code == 303 and sent.headers["location"] == "/account/password", path
        fragment = newcomer.client.get("/agenda", headers={"HX-Request": "true"}, follow_redirects=False)
        assert fragment.headers.get("HX-Redirect") == "/account/password"
        form = newcomer.client.get("/account/password").text
        assert 'id="password-set-by-admin"' in form and "管理员" in form
        mine = "my own long passphrase 7"
        fields = {"current": given, "new": mine, "confirm": mine}
        changed = newcomer.post("/account/password", fields, token_from="/account/password")
        assert changed.status_code == 303
        assert newcomer.client.get("/", follow_redirects=False).status_code in (200, 303)
        assert newcomer.client.get("/", follow_redirects=False).headers.get("location") != "/account/password"
        assert 'id="password-set-by-admin"' not in newcomer.client.get("/account/password").text
        assert user(book, username).must_change_password is False
        granted = api.post("/api/v1/auth/token", data={"username": username, "password": mine})
        assert granted.status_code == 200 and granted.json()["access_token"]

    def test_unknown_users_answer_404_and_ids_past_any_row_find_no_page(self, admin: Browser) -> None:
        assert admin.client.get("/admin/users/999999").status_code == 404
        assert admin.client.get(f"/admin/users/{2**63}").status_code == 404
        assert admin.post("/admin/users/999999/deactivate", token_from="/admin/users").status_code == 404


class TestTeams:
    def test_teams_with_their_leads_a_new_team_and_a_lead_set(
        self, web: TestClient, admin: Browser, book: Engine
    ) -> None:
        page = admin.client.get("/admin/teams")
        assert page.status_code == 200 and "phone-a" in page.text and "team_lead one" in page.text
        answer = admin.post(
            "/admin/teams",
            {"code": "field-9", "name": "外访九组", "kind": "field", "agency_code": ""},
            token_from="/admin/teams",
        )
        assert answer.status_code == 303
        field = team_id(book, "field-9")
        visitor = user(book, "visitor1")
        answer = admin.post(
            f"/admin/teams/{field}/lead", {"user": str(visitor.id)}, token_from="/admin/teams"
        )
        assert answer.status_code == 303
        lead = user(book, "visitor1")
        assert lead.role == "team_lead" and lead.team_id == field
        assert (
            "visitor one"
            in admin.client.get("/admin/teams").text.split('id="team-field-9"')[1].split("</tr>")[0]
        )
        assert [json.loads(row.details)["code"] for row in audited(book, "team.created")] == ["field-9"]
        assert json.loads(audited(book, "team.lead_set")[0].details)["username"] == "visitor1"
        assert len(audited(book, "user.role_changed")) == 1

    @pytest.mark.parametrize(
        ("fields", "says"),
        [
            ({"code": "phone-a"}, "已被使用"),
            ({"code": "x" * 100_000}, "不是有效的团队代码"),
            ({"kind": "space"}, "不是有效的团队类型"),
            ({"kind": "agency", "agency_code": ""}, "不是有效的机构代码"),
            ({"kind": "phone", "agency_code": "Z"}, "只有委外机构团队"),
            ({"name": "\x07"}, "控制字符"),
        ],
    )
    def test_a_bad_team_is_refused_422(
        self, admin: Browser, book: Engine, fields: dict[str, str], says: str
    ) -> None:
        data = {"code": "new-team", "name": "新团队", "kind": "phone", "agency_code": ""} | fields
        answer = admin.post("/admin/teams", data, token_from="/admin/teams")
        assert answer.status_code == 422 and says in answer.text
        assert audited(book, "team.created") == []

    def test_an_agency_team_has_no_lead_and_bad_leads_are_refused(self, admin: Browser, book: Engine) -> None:
        agency = team_id(book, "agency-x")
        lead = {"user": str(user(book, "collector1").id)}
        assert admin.post(f"/admin/teams/{agency}/lead", lead, token_from="/admin/teams").status_code == 422
        for bad in ("", str(2**63), "abc"):
            answer = admin.post(
                f"/admin/teams/{team_id(book, 'phone-a')}/lead", {"user": bad}, token_from="/admin/teams"
            )
            assert answer.status_code == 422, bad
        assert admin.post("/admin/teams/999999/lead", lead, token_from="/admin/teams").status_code == 404
        assert audited(book, "team.lead_set") == []


def test_the_agencies_users_page_lists_each_agency_team_with_its_users(admin: Browser) -> None:
    page = admin.client.get("/admin/agencies")
    assert page.status_code == 200 and "agency-x" in page.text and "agency_user1" in page.text
    assert "collector1" not in page.text
