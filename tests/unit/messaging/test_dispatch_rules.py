"""The dispatcher's pure decisions: backoff, expiry, deadlines and the re-check at sending time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.compliance import load_policy
from arrears.messaging.rules import (
    INVALID_POINT_RULE,
    NO_POINT_RULE,
    Holds,
    Pending,
    PointFacts,
    Verdict,
    after_transient,
    backoff,
    recheck,
    run_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CN = load_policy("cn")


def _at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def _sms(message_id: int = 1, *, kind: str = "collection", point: int | None = 7, days: int = 3) -> Pending:
    return Pending(message_id, "sms", kind, 5, 9, point, _at(22) + timedelta(days=days))


def _points(**changes: bool) -> dict[int, PointFacts]:
    return {7: PointFacts(7, 5, "mobile", **({"opted_out": False, "invalid": False} | changes))}


def _one(message: Pending, *, now: datetime, holds: Holds | None = None, **point: bool) -> Verdict:
    [verdict] = recheck(
        messages=[message], points=_points(**point), holds=holds or Holds(), policy=CN,
        zone="Asia/Shanghai", now=now,
    )  # fmt: skip
    return verdict


class TestBackoff:
    def test_doubles_from_the_base(self) -> None:
        waits = [backoff(attempts=n, base_seconds=30) for n in (1, 2, 3)]

        assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]

    def test_never_waits_more_than_an_hour(self) -> None:
        assert backoff(attempts=40, base_seconds=30) == timedelta(hours=1)


class TestAfterTransient:
    def _after(self, attempts: int, deadline: datetime) -> Verdict:
        return after_transient(
            message_id=1, attempts=attempts, reason="throttled", now=_at(10), deadline_at=deadline,
            max_attempts=3, base_seconds=30,
        )  # fmt: skip

    def test_waits_for_the_backoff(self) -> None:
        verdict = self._after(2, _at(22))

        assert (verdict.action, verdict.until) == ("wait", _at(10, 1))

    def test_fails_with_the_reason_when_the_tries_are_spent(self) -> None:
        verdict = self._after(3, _at(22))

        assert verdict.action == "fail" and "throttled" in (verdict.reason or "")

    def test_expires_when_the_next_try_is_after_the_deadline(self) -> None:
        assert self._after(1, _at(10) + timedelta(seconds=10)).action == "expire"


class TestRunDeadline:
    def test_an_sms_goes_until_the_end_of_the_hours_of_the_run_day(self) -> None:
        deadline = run_deadline(run_date=date(2026, 11, 23), channel="sms", zone="Asia/Shanghai", policy=CN)

        assert deadline == _at(22)

    def test_a_letter_until_the_end_of_the_day(self) -> None:
        deadline = run_deadline(
            run_date=date(2026, 11, 23), channel="letter", zone="Asia/Shanghai", policy=CN
        )

        assert deadline == _at(0, day=24)


class TestRecheck:
    def test_an_sms_at_22_30_waits_until_08_00(self) -> None:
        verdict = _one(_sms(), now=_at(22, 30))

        assert verdict.action == "wait"
        assert verdict.until == _at(8, day=24) and verdict.rules == ("CN-HOURS",)

    def test_waiting_past_the_deadline_expires_naming_the_rule(self) -> None:
        message = Pending(1, "sms", "collection", 5, 9, 7, _at(23))

        verdict = _one(message, now=_at(22, 30))

        assert (verdict.action, verdict.rules) == ("expire", ("CN-HOURS",))

    def test_a_service_message_at_23_00_goes(self) -> None:
        assert _one(_sms(kind="service", point=None), now=_at(23)).action == "send"

    def test_a_hold_cancels_naming_the_rule(self) -> None:
        verdict = _one(_sms(), now=_at(10), holds=Holds(by_customer={5: ("dispute",)}))

        assert (verdict.action, verdict.rules) == ("cancel", ("CN-HOLD",))

    def test_a_hold_on_another_account_does_not(self) -> None:
        verdict = _one(_sms(), now=_at(10), holds=Holds(by_account={10: ("dispute",)}))

        assert verdict.action == "send"

    def test_an_opt_out_cancels(self) -> None:
        verdict = _one(_sms(), now=_at(10), opted_out=True)

        assert (verdict.action, verdict.rules) == ("cancel", ("CN-OPT-OUT",))

    def test_an_invalid_or_missing_point_cancels(self) -> None:
        assert _one(_sms(), now=_at(10), invalid=True).rules == (INVALID_POINT_RULE,)
        assert _one(_sms(point=8), now=_at(10)).rules == (NO_POINT_RULE,)

    def test_consent_lifts_the_hours(self) -> None:
        assert _one(_sms(), now=_at(23), consent_outside_hours=True).action == "send"

    def test_a_message_past_its_deadline_expires_even_a_service_one(self) -> None:
        verdict = _one(_sms(kind="service", days=-1), now=_at(23))

        assert verdict.action == "expire"

    def test_a_batch_is_decided_in_order(self) -> None:
        messages = [_sms(1), _sms(2, kind="service"), _sms(3, point=None)]

        verdicts = recheck(messages=messages, points=_points(), holds=Holds(), policy=CN,
                           zone="Asia/Shanghai", now=_at(23).astimezone(UTC))  # fmt: skip

        assert [(v.message_id, v.action) for v in verdicts] == [(1, "wait"), (2, "send"), (3, "cancel")]
