"""The agenda's and the floor's decisions: values in, values out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.floor.rules import (
    MAX_COUNT,
    MAX_SHARE,
    AssignmentRefused,
    Figures,
    Person,
    Received,
    Target,
    Touch,
    at_risk,
    attribute,
    callback_slot,
    check_assignee,
    check_share,
    day_bounds,
    day_window,
    long_claim,
    message_kind,
    parse_target,
    progress,
    resolved,
    summed,
)
from arrears.kit.inputs import InvalidField

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


class TestDayWindow:
    def test_the_business_date_is_today_local_day(self) -> None:
        window = day_window(business_date=date(2026, 11, 24), now=NOW, zone="Asia/Shanghai")

        assert (window.first, window.last) == (date(2026, 11, 24), date(2026, 11, 24))
        assert window.start == datetime(2026, 11, 23, 16, tzinfo=UTC)
        assert window.end == window.today_end == datetime(2026, 11, 24, 16, tzinfo=UTC)

    def test_a_run_behind_stretches_the_day_through_today(self) -> None:
        window = day_window(business_date=date(2026, 11, 22), now=NOW, zone="Asia/Shanghai")

        assert (window.first, window.last) == (date(2026, 11, 22), date(2026, 11, 24))
        assert window.start == datetime(2026, 11, 21, 16, tzinfo=UTC)
        assert window.end == datetime(2026, 11, 24, 16, tzinfo=UTC)

    def test_just_after_midnight_local_is_the_new_day(self) -> None:
        late = datetime(2026, 11, 24, 16, 5, tzinfo=UTC)  # 00:05 on the 25th in Shanghai

        window = day_window(business_date=date(2026, 11, 25), now=late, zone="Asia/Shanghai")

        assert window.start == datetime(2026, 11, 24, 16, tzinfo=UTC)


class TestDayBounds:
    def test_a_days_bounds_in_its_zone(self) -> None:
        start, end = day_bounds(date(2026, 11, 24), SHANGHAI)

        assert (start, end) == (
            datetime(2026, 11, 23, 16, tzinfo=UTC),
            datetime(2026, 11, 24, 16, tzinfo=UTC),
        )

    def test_a_day_of_a_clock_change_lasts_23_hours(self) -> None:
        start, end = day_bounds(date(2026, 3, 8), ZoneInfo("America/New_York"))

        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


class TestCallbacks:
    END = datetime(2026, 11, 25, tzinfo=SHANGHAI)

    @pytest.mark.parametrize(
        ("minutes", "slot"),
        [(-1, "overdue"), (0, "due_now"), (15, "due_now"), (16, "later_today"), (13 * 60, "later_today"),
         (14 * 60, "later")],
    )  # fmt: skip
    def test_slot_by_time(self, minutes: int, slot: str) -> None:
        due = NOW + timedelta(minutes=minutes)

        assert callback_slot(due_at=due, now=NOW, today_end=self.END) == slot

    def test_at_risk_is_overdue_or_due_soon(self) -> None:
        assert at_risk(due_at=NOW - timedelta(hours=3), now=NOW)
        assert at_risk(due_at=NOW + timedelta(minutes=15), now=NOW)
        assert not at_risk(due_at=NOW + timedelta(minutes=16), now=NOW)

    def test_a_long_claim(self) -> None:
        assert long_claim(claimed_at=NOW - timedelta(minutes=20), now=NOW)
        assert not long_claim(claimed_at=NOW - timedelta(minutes=19), now=NOW)


class TestAttribution:
    DAY = date(2026, 11, 24)

    def touch(self, account: int, user: int, days_before: int, hour: int = 10) -> Touch:
        on = self.DAY - timedelta(days=days_before)
        return Touch(account, user, datetime(on.year, on.month, on.day, hour, tzinfo=SHANGHAI), on)

    def test_the_last_right_party_contact_before_the_payment_takes_it(self) -> None:
        touches = [self.touch(1, 7, 5), self.touch(1, 8, 2), self.touch(2, 7, 1)]
        paid = [Received(1, 500_00, self.DAY), Received(2, 120_00, self.DAY)]

        assert attribute(paid, touches) == {8: 500_00, 7: 120_00}

    def test_a_contact_after_the_payment_day_or_older_than_the_window_takes_nothing(self) -> None:
        later = Touch(1, 9, datetime(2026, 11, 25, 9, tzinfo=SHANGHAI), date(2026, 11, 25))
        touches = [self.touch(1, 7, 31), later]

        assert attribute([Received(1, 500_00, self.DAY)], touches) == {}
        assert attribute([Received(1, 500_00, self.DAY)], [self.touch(1, 7, 30)]) == {7: 500_00}

    def test_a_reversal_takes_back_from_the_same_collector(self) -> None:
        touches = [self.touch(1, 7, 1)]
        paid = [Received(1, 500_00, self.DAY), Received(1, -200_00, self.DAY)]

        assert attribute(paid, touches) == {7: 300_00}

    def test_same_instant_goes_to_one_collector_only(self) -> None:
        touches = [self.touch(1, 7, 1), self.touch(1, 8, 1)]

        assert attribute([Received(1, 100, self.DAY)], touches) == {8: 100}


class TestTargets:
    def test_a_collectors_own_figures_override_the_teams_one_by_one(self) -> None:
        team, own = Target(calls=120, rpcs=30, promises=8, collected_fen=50_000_00), Target(calls=80)

        assert resolved(team=team, own=own) == Target(80, 30, 8, 50_000_00)
        assert resolved(team=None, own=own) == Target(calls=80)
        assert resolved(team=team, own=None) == team

    def test_the_team_total_sums_the_figures_set(self) -> None:
        total = summed([Target(calls=100, promises=5), Target(calls=80), Target()])

        assert total == Target(calls=180, promises=5)

    def test_progress_against_the_target(self) -> None:
        done = Figures(calls=60, rpcs=30, promises=2, promised_fen=1_000_00, collected_fen=0)

        shown = progress(done, Target(calls=120, rpcs=30, promises=None, collected_fen=0))

        assert [(one.name, one.ratio, one.met) for one in shown] == [
            ("calls", 0.5, False),
            ("rpcs", 1.0, True),
            ("promises", None, False),
            ("collected_fen", 1.0, True),
        ]

    def test_the_form_is_parsed_and_empty_fields_are_no_target(self) -> None:
        typed = {"calls": " 120 ", "rpcs": "", "promises": "0", "collected": "12000.5"}

        assert parse_target(typed) == Target(120, None, 0, 12_000_50)
        assert parse_target({}).empty

    @pytest.mark.parametrize(
        ("field", "value"),
        [("calls", "-1"), ("calls", "1.5"), ("rpcs", str(MAX_COUNT + 1)), ("promises", "１２"),
         ("promises", "9" * 40), ("collected", "12,000"), ("collected", "-5")],
    )  # fmt: skip
    def test_bad_values_name_their_field(self, field: str, value: str) -> None:
        with pytest.raises(InvalidField) as refused:
            parse_target({field: value})

        assert refused.value.field == field


class TestWhoMayReceive:
    LEAD = Person(1, "team_lead", 10)
    MANAGER = Person(2, "manager", None)

    def test_a_lead_hands_work_to_their_own_team(self) -> None:
        check_assignee(actor=self.LEAD, assignee=Person(3, "collector", 10), queue_team=None)
        check_assignee(actor=self.LEAD, assignee=Person(3, "collector", 10), queue_team=10)

    @pytest.mark.parametrize(
        ("assignee", "queue_team", "holder", "said"),
        [
            (Person(3, "collector", 11), None, None, "not in your team"),
            (Person(3, "collector", 10, active=False), None, None, "does not work the call queue"),
            (Person(3, "visitor", 10), None, None, "does not work the call queue"),
            (Person(3, "collector", 10), 11, None, "another team's queue"),
            (Person(3, "collector", 10), None, Person(4, "collector", 11), "another team holds"),
        ],
    )
    def test_refusals(
        self, assignee: Person, queue_team: int | None, holder: Person | None, said: str
    ) -> None:
        with pytest.raises(AssignmentRefused, match=said):
            check_assignee(actor=self.LEAD, assignee=assignee, queue_team=queue_team, holder=holder)

    def test_a_lead_without_a_team_hands_nothing(self) -> None:
        with pytest.raises(AssignmentRefused, match="not in your team"):
            check_assignee(
                actor=Person(1, "team_lead", None), assignee=Person(3, "collector", None), queue_team=None
            )

    def test_a_manager_hands_work_to_any_team_but_not_across_queues(self) -> None:
        check_assignee(actor=self.MANAGER, assignee=Person(3, "collector", 11), queue_team=None,
                       holder=Person(4, "collector", 10))  # fmt: skip
        with pytest.raises(AssignmentRefused, match="another team's queue"):
            check_assignee(actor=self.MANAGER, assignee=Person(3, "collector", 11), queue_team=10)

    def test_a_share_is_bounded(self) -> None:
        check_share(1)
        check_share(MAX_SHARE)
        for count in (0, -3, MAX_SHARE + 1):
            with pytest.raises(AssignmentRefused):
                check_share(count)

    def test_refusals_speak_both_languages(self) -> None:
        with pytest.raises(AssignmentRefused) as refused:
            check_share(0)

        assert "200" in refused.value.message("en") and "分配" in refused.value.message("zh_CN")


@pytest.mark.parametrize(
    ("note", "request_kind", "kind"),
    [
        ("[reply] SMS: 下周还", None, "reply"),
        (None, "plan", "plan"),
        ("portal: callback", "callback", None),  # booked by the cardholder: a call at their time
        ("call back after lunch", None, None),
        (None, None, None),
        ("a note mentioning [reply] later", None, None),
    ],
)
def test_which_callbacks_answer_a_message(
    note: str | None, request_kind: str | None, kind: str | None
) -> None:
    assert message_kind(note=note, request_kind=request_kind) == kind
