"""Who a safety alert reaches, and when a stop's full address may be shown."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.visits.rules import Recipients, address_refusal, alert_recipients

DAY = date(2026, 11, 23)


class TestAlertRecipients:
    def test_the_team_lead_first(self) -> None:
        found = alert_recipients(team_leads=["lead2"], field_supervisors=["sup"], managers=["m1", "m2"])
        assert found == Recipients("team_lead", ("lead2",))

    def test_without_a_lead_the_field_supervisor(self) -> None:
        found = alert_recipients(team_leads=[], field_supervisors=["sup"], managers=["m1"])
        assert found == Recipients("field_supervisor", ("sup",))

    def test_without_a_supervisor_every_manager(self) -> None:
        found = alert_recipients(team_leads=[], field_supervisors=[], managers=["m2", "m1"])
        assert found == Recipients("managers", ("m1", "m2"))

    def test_nobody_is_said_when_nobody_is_there(self) -> None:
        assert alert_recipients(team_leads=[], field_supervisors=[], managers=[]).kind == "nobody"


class TestAddressRefusal:
    def test_on_the_day_of_a_stop_to_visit_or_being_visited(self) -> None:
        for status in ("planned", "checked_in"):
            assert address_refusal(plan_date=DAY, status=status, route_status="planned", today=DAY) is None

    @pytest.mark.parametrize("today", [date(2026, 11, 22), date(2026, 11, 24)])
    def test_not_on_another_day(self, today: date) -> None:
        refusal = address_refusal(plan_date=DAY, status="planned", route_status="planned", today=today)
        assert refusal is not None and "2026-11-23" in refusal[0]

    @pytest.mark.parametrize(
        ("status", "route"), [("done", "planned"), ("skipped", "planned"), ("planned", "cancelled")]
    )
    def test_not_for_a_closed_visit(self, status: str, route: str) -> None:
        assert address_refusal(plan_date=DAY, status=status, route_status=route, today=DAY) is not None
