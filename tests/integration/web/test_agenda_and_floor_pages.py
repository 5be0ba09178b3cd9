"""The collector's agenda on ``/`` (and its polled fragment) and the floor view ``/team``: what they show,
in Chinese and English, the moves and targets through the forms, and the refusals (422, never 500)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import Browser, signed_in_as

from arrears.kit.clock import now
from arrears.messaging.inbound_rules import REPLY_TAG
from arrears.models import AuditEvent, Callback, CardAccount, PortalRequest, Team, table_of
from floor_day import calls, seed_day, user

SECTION = r'<section class="card" id="{}">(.*?)</section>'


def section(page: str, name: str) -> str:
    found = re.search(SECTION.format(name), page, re.S)
    assert found is not None, f"no section {name}"
    return found.group(1)


def account_no(book: Engine, account_id: int) -> str:
    a = table_of(CardAccount)
    with book.connect() as connection:
        return str(connection.execute(select(a.c.account_no).where(a.c.id == account_id)).scalar_one())


def team_id(book: Engine, code: str) -> int:
    t = table_of(Team)
    with book.connect() as connection:
        return int(connection.execute(select(t.c.id).where(t.c.code == code)).scalar_one())


def post(browser: Browser, path: str, data: dict[str, Any]) -> Any:
    return browser.post(path, {key: str(value) for key, value in data.items()}, token_from="/team")


class TestAgenda:
    def test_due_callbacks_promises_instalments_and_the_day_in_chinese(
        self, web: TestClient, book: Engine
    ) -> None:
        seeded = seed_day(book, now=now())
        accounts = seeded["accounts"]

        page = signed_in_as(web, "collector1").client.get("/").text

        due = section(page, "callbacks-due")
        assert account_no(book, accounts[2]) in due and f'href="/cases/{accounts[2]}"' in due
        assert f">{accounts[2]}<" not in due  # the account's number, never its id
        promises = section(page, "promises")
        assert account_no(book, accounts[3]) in promises and "¥50,000.00" in promises
        assert account_no(book, accounts[4]) in promises and "已违约" in promises
        assert account_no(book, accounts[5]) not in promises  # kept: nothing to do
        assert account_no(book, accounts[6]) in section(page, "instalments")
        day = section(page, "my-day")
        assert re.search(r">\s*2\s*</td>", day)  # two calls
        assert "¥12,345.00" in day and "¥3,000.00" in day  # the promise taken, the payment credited
        assert 'id="next-case"' in page and 'hx-get="/agenda"' in page and 'hx-trigger="every 60s"' in page

    def test_in_english(self, web: TestClient, book: Engine) -> None:
        seed_day(book, now=now())
        browser = signed_in_as(web, "collector1")
        browser.client.get("/lang/en")

        page = browser.client.get("/").text

        assert (
            "My day so far" in page and "Broken yesterday" in page and "broken" in section(page, "promises")
        )
        assert 'lang="en"' in page

    def test_the_fragment_alone_for_polling(self, web: TestClient, book: Engine) -> None:
        fragment = signed_in_as(web, "collector1").client.get("/agenda")

        assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="agenda"')
        assert "<html" not in fragment.text
        assert signed_in_as(web, "compliance1").client.get("/agenda").status_code == 403

    def test_replies_and_portal_requests_wait_apart_from_the_calls(
        self, web: TestClient, book: Engine
    ) -> None:
        seeded = seed_day(book, now=now())
        accounts, me = seeded["accounts"], user(book, "collector1")
        at = now() - timedelta(minutes=3)
        with book.begin() as connection:
            customer = connection.execute(
                select(table_of(CardAccount).c.customer_id).where(table_of(CardAccount).c.id == accounts[7])
            ).scalar_one()
            mine = {
                "customer_id": customer,
                "user_id": me.id,
                "status": "open",
                "due_at": at,
                "created_at": at,
            }
            callbacks = table_of(Callback)
            reply = connection.execute(
                insert(callbacks).values(
                    account_id=accounts[7], note=f"{REPLY_TAG} SMS reply: 下周还", **mine
                )
            ).inserted_primary_key[0]
            asked = connection.execute(
                insert(callbacks).values(account_id=accounts[8], note="portal: plan request", **mine)
            ).inserted_primary_key[0]
            booked = connection.execute(
                insert(callbacks).values(account_id=accounts[9], note="portal: callback", **mine)
            ).inserted_primary_key[0]
            for kind, callback in (("plan", asked), ("callback", booked)):
                connection.execute(
                    insert(table_of(PortalRequest)).values(
                        account_id=accounts[8 if kind == "plan" else 9], customer_id=customer, kind=kind,
                        callback_id=callback, status="open", created_at=at,
                    )
                )  # fmt: skip

        browser = signed_in_as(web, "collector1")
        page = browser.client.get("/").text

        waiting = section(page, "messages-waiting")
        assert "待处理的消息与回复" in page
        assert account_no(book, accounts[7]) in waiting and "下周还" in waiting and "回复" in waiting
        assert account_no(book, accounts[8]) in waiting and f"/callbacks/{asked}/done" in waiting
        assert account_no(book, accounts[9]) not in waiting  # a booked callback is a call to make
        calls_due = section(page, "callbacks-due")
        assert account_no(book, accounts[9]) in calls_due
        assert f"/callbacks/{reply}/done" not in calls_due and f"/callbacks/{asked}/done" not in calls_due
        browser.client.get("/lang/en")
        assert "Messages and replies waiting" in section(browser.client.get("/").text, "messages-waiting")

    def test_a_target_set_by_the_lead_shows_on_the_agenda(self, web: TestClient, book: Engine) -> None:
        lead = signed_in_as(web, "team_lead1")

        answer = post(
            lead, "/team/targets", {"team": team_id(book, "phone-a"), "calls": 100, "collected": "5000"}
        )

        assert answer.status_code == 303 and "done=targets" in answer.headers["location"]
        day = section(signed_in_as(web, "collector1").client.get("/").text, "my-day")
        assert re.search(r">\s*100\s*</td>", day) and "¥5,000.00" in day


class TestFloor:
    def test_the_lead_reassigns_a_held_case_and_the_collector_sees_it(
        self, web: TestClient, book: Engine
    ) -> None:
        one = signed_in_as(web, "collector1")
        taken = one.post("/queue/next")
        case = int(taken.headers["location"].rsplit("/", 1)[1])
        number = account_no(book, case)
        lead = signed_in_as(web, "team_lead1")
        floor = lead.client.get("/team").text
        assert number in section(floor, "on-the-floor")
        action = next(row for row in calls(book) if row["account_id"] == case)
        picked = lead.client.get(f"/team?case={action['id']}").text
        assert f'value="{number}"' in section(picked, "reassign")

        answer = post(lead, "/team/reassign", {"team": team_id(book, "phone-a"), "action_id": action["id"],
                                               "held_by": user(book, "collector1").id,
                                               "to": user(book, "collector2").id})  # fmt: skip

        assert answer.status_code == 303 and "done=claimed" in answer.headers["location"]
        assert number in lead.client.get(answer.headers["location"]).text
        two = signed_in_as(web, "collector2")
        assert number in section(two.client.get("/").text, "held")
        assert two.client.get(f"/cases/{case}").status_code == 200
        e = table_of(AuditEvent)
        with book.connect() as connection:
            assert (
                connection.execute(select(e.c.action).order_by(e.c.id.desc())).scalar() == "queue.reassigned"
            )

    def test_a_case_typed_in_goes_to_a_collector(self, web: TestClient, book: Engine) -> None:
        lead, first = signed_in_as(web, "team_lead1"), calls(book)[0]

        answer = post(lead, "/team/reassign", {"team": team_id(book, "phone-a"),
                                               "account_no": f" {account_no(book, first['account_id'])} ",
                                               "to": user(book, "collector2").id})  # fmt: skip

        assert answer.status_code == 303
        assert calls(book)[0]["claimed_by_id"] == user(book, "collector2").id

    @pytest.mark.parametrize(
        ("fields", "said"),
        [
            ({"to": "collector3"}, "不在您的团队"),
            ({"to": "abc"}, "分配给"),
            ({"to": ""}, "分配给"),
            ({"action_id": "99999999999"}, "队列中的案件"),
            ({"action_id": "2147483000"}, "队列中没有"),
            ({"held_by": "collector1"}, "已有变动"),
            ({"held_by": "x"}, "处理人"),
            ({"action_id": "", "account_no": ""}, "请输入账号"),
            ({"action_id": "", "account_no": "NO-SUCH"}, "NO-SUCH"),
            ({"action_id": "", "account_no": "x" * 3000}, "账号"),
        ],
    )
    def test_refused_moves_answer_422_and_change_nothing(
        self, web: TestClient, book: Engine, fields: dict[str, str], said: str
    ) -> None:
        lead, before = signed_in_as(web, "team_lead1"), calls(book)
        names = {"collector1": user(book, "collector1").id, "collector3": user(book, "collector3").id}
        form = {
            "team": team_id(book, "phone-a"),
            "action_id": before[0]["id"],
            "to": user(book, "collector2").id,
        }
        form |= {key: names.get(value, value) for key, value in fields.items()}

        answer = post(lead, "/team/reassign", form)

        assert answer.status_code == 422 and said in answer.text and 'role="alert"' in answer.text
        assert calls(book) == before

    def test_without_the_csrf_token_nothing_moves(self, web: TestClient, book: Engine) -> None:
        lead, before = signed_in_as(web, "team_lead1"), calls(book)

        answer = lead.client.post("/team/reassign", data={"action_id": before[0]["id"], "to": "1"})

        assert answer.status_code == 403 and calls(book) == before

    def test_a_share_of_the_queue(self, web: TestClient, book: Engine) -> None:
        lead, two = signed_in_as(web, "team_lead1"), user(book, "collector2")
        form = {"team": team_id(book, "phone-a"), "to": two.id, "count": 3, "segment": "m2", "bucket": ""}

        answer = post(lead, "/team/share", form)

        assert answer.status_code == 303 and "done=shared" in answer.headers["location"]
        assert [row["assigned_to_id"] for row in calls(book)][:4] == [two.id] * 3 + [None]
        page = signed_in_as(web, "collector2").client.get("/").text
        assert account_no(book, calls(book)[0]["account_id"]) in section(page, "held")  # reserved: next

    @pytest.mark.parametrize(("count", "said"), [("0", "1 至 200"), ("201", "1 至 200"), ("abc", "1 至 200"),
                                                 ("1e3", "1 至 200"), ("-5", "1 至 200")])  # fmt: skip
    def test_a_share_out_of_bounds_is_refused(
        self, web: TestClient, book: Engine, count: str, said: str
    ) -> None:
        lead = signed_in_as(web, "team_lead1")
        form = {"team": team_id(book, "phone-a"), "to": user(book, "collector2").id, "count": count}

        answer = post(lead, "/team/share", form)

        assert answer.status_code == 422 and said in answer.text

    @pytest.mark.parametrize(
        ("fields", "said"),
        [
            ({"calls": "-1"}, "通话"),
            ({"collected": "12,000"}, "回收金额"),
            ({"date": "2005-09-30"}, "业务日期"),
            ({"date": "2005-13-40"}, "日期"),
            ({"user": "collector3"}, "不在此团队"),
            ({"rpcs": "99999"}, "有效联系"),
        ],
    )
    def test_targets_refused(self, web: TestClient, book: Engine, fields: dict[str, str], said: str) -> None:
        lead = signed_in_as(web, "team_lead1")
        form = {"team": team_id(book, "phone-a"), "calls": "80"} | fields
        form["user"] = (
            str(user(book, "collector3").id) if form.get("user") == "collector3" else form.get("user", "")
        )

        answer = post(lead, "/team/targets", form)

        assert answer.status_code == 422 and said in answer.text

    def test_a_manager_chooses_the_team_a_lead_sees_their_own(self, web: TestClient, book: Engine) -> None:
        other = team_id(book, "phone-b")

        managed = signed_in_as(web, "manager1").client.get(f"/team?team={other}").text
        led = signed_in_as(web, "team_lead1").client.get(f"/team?team={other}").text

        assert 'data-user="collector3"' in managed and 'data-user="collector1"' not in managed
        assert 'data-user="collector1"' in led and 'data-user="collector3"' not in led

    def test_a_manager_must_name_a_real_team_to_act(self, web: TestClient, book: Engine) -> None:
        manager = signed_in_as(web, "manager1")

        answer = post(manager, "/team/targets", {"team": "99999", "calls": "80"})

        assert answer.status_code == 422

    def test_the_floor_in_english_and_its_fragment(self, web: TestClient, book: Engine) -> None:
        lead = signed_in_as(web, "team_lead1")
        lead.client.get("/lang/en")

        page = lead.client.get("/team").text
        fragment = lead.client.get("/team/board")

        assert "Each collector's day" in page and "The queue by bucket and segment" in page
        assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="floor-board"')
        assert signed_in_as(web, "collector1").client.get("/team").status_code == 403

    def test_a_lead_without_a_team_sees_an_empty_floor_and_moves_nothing(
        self, web: TestClient, book: Engine
    ) -> None:
        from arrears.models import AppUser

        u = table_of(AppUser)
        with book.begin() as connection:
            connection.execute(update(u).where(u.c.username == "team_lead1").values(team_id=None))
        lead, before = signed_in_as(web, "team_lead1"), calls(book)

        page, fragment = lead.client.get("/team"), lead.client.get("/team/board")
        answer = post(
            lead, "/team/reassign", {"action_id": before[0]["id"], "to": user(book, "collector1").id}
        )

        assert page.status_code == 200 and "data-user" not in page.text
        assert fragment.status_code == 200
        assert answer.status_code == 422 and calls(book) == before
