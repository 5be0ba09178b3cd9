"""Property tests: the vectorised form decides as the scalar one; quiet hours and caps always hold."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance import decide, load_policy, parse_situation
from arrears.compliance.frame import decide_frame, situations_frames
from arrears.compliance.policy import CHANNELS, HOLDS, PURPOSES, parse_policy
from arrears.compliance.situation import PARTIES

# a third policy mixes both rulebooks with other numbers, so that no two windows happen to agree
MIXED = parse_policy(
    """
name = "mixed"
retention_years = 5
[hours]
rule = "M-HOURS"
start = "09:30"
end = "20:15"
lifted_by_consent = "outside_hours"
[connected_calls]
rule = "M-CONNECTED"
max_per_day = 2
[attempts_per_point]
rule = "M-ATTEMPTS"
max_per_day = 3
lifted_by_consent = "extra_calls"
[rolling_calls]
rule = "M-ROLLING"
max_attempts = 4
days = 3
[conversation_cooldown]
rule = "M-CONVERSATION"
days = 5
[third_party]
rule = "M-THIRD"
min_unreachable_days = 2
allowed_purposes = ["locate"]
once_per_contact = true
[opt_out]
rule = "M-OPT-OUT"
channels = ["call", "sms"]
[holds]
rule = "M-HOLD"
blocking = ["dispute", "litigation"]
[visit]
rule = "M-VISIT"
min_staff = 3
[agency]
rule = "M-AGENCY"
max_days_since_inspection = 180
""",
    "mixed policy",
)
POLICIES = {"cn": load_policy("cn"), "us": load_policy("us"), "mixed": MIXED}
# zones whose 00:00 and 08:00 always exist (no daylight-saving jump at those hours)
ZONES = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
]
START = datetime(2026, 1, 1, tzinfo=UTC)
POINTS = ["m1", "m2", "e1", "push"]  # push: the customer's app account, the point of a notice


def stamp(moment: datetime) -> str:
    return moment.isoformat()


def scenario(rng: random.Random) -> dict[str, Any]:
    """A random situation: any channel, party and actor, up to 3 zones, holds, consents, opt-outs, an
    agency record or none, and up to 12 earlier contacts in the 9 days before ``now``."""
    now = START + timedelta(minutes=rng.randint(0, 365 * 24 * 60))

    def some(options: Sequence[str], most: int) -> list[str]:
        return rng.sample(list(options), rng.randint(0, most))

    history = [
        {
            "at": stamp(now - timedelta(minutes=rng.randint(0, 9 * 24 * 60))),
            "channel": rng.choice(["call", "call", "call", "sms"]),
            "contact_point": rng.choice(POINTS),
            "party": rng.choice(PARTIES),
            "actor": rng.choice(["bank", "agency:A1"]),
            "connected": rng.random() < 0.5,
            "conversation": rng.random() < 0.5,
        }
        for _ in range(rng.randint(0, 12))
    ]
    agency = None
    if rng.random() < 0.5:
        agency = {
            "code": "A1",
            "whitelisted": rng.random() < 0.8,
            "last_inspection_date": str((now - timedelta(days=rng.randint(300, 430))).date()),
            "contract_valid_until": str((now + timedelta(days=rng.randint(-5, 5))).date()),
        }
    unreachable = None if rng.random() < 0.5 else stamp(now - timedelta(hours=rng.randint(0, 200)))
    return {
        "id": "x",
        "now": stamp(now),
        "action": {
            "channel": rng.choice(CHANNELS),
            "party": rng.choice(PARTIES),
            "contact_point": rng.choice(POINTS),
            "actor": rng.choice(["bank", "agency:A1"]),
            "purpose": rng.choice(PURPOSES),
            "discloses_debt": rng.random() < 0.5,
            "staff_count": rng.choice([None, 0, 1, 2, 3]),
            "recording": rng.choice([None, True, False]),
        },
        "debtor": {
            "timezones": rng.sample(ZONES, rng.randint(1, 3)),
            "holds": some(HOLDS, 2),
            "consents": some(["outside_hours", "extra_calls"], 2),
            "opted_out_points": some(POINTS, 2),
            "unreachable_since": unreachable,
        },
        "agency": agency,
        "history": history,
    }


# hypothesis picks the seeds (and reports the failing one); the scenarios come from a plain generator,
# which is a hundred times faster than drawing every value through hypothesis
RANDOMS = st.integers(0, 2**32 - 1).map(random.Random)


@settings(max_examples=100, deadline=None)
@given(policy=st.sampled_from(sorted(POLICIES)), rng=RANDOMS)
def test_the_vectorised_form_decides_like_the_scalar_one(policy: str, rng: random.Random) -> None:
    """100 batches of 100: 10,000 random scenarios through both forms."""
    rulebook = POLICIES[policy]
    batch = [scenario(rng) for _ in range(100)]
    situations = [parse_situation(data) for data in batch]
    scalar = [decide(rulebook, s) for s in situations]
    vectorised = decide_frame(rulebook, *situations_frames(situations)).to_dicts()
    for one, many in zip(scalar, vectorised, strict=True):
        assert (one.decision, list(one.rules), one.next_allowed_at) == (
            many["decision"],
            many["rules"],
            many["next_allowed_at"],
        )


@settings(max_examples=30, deadline=None)
@given(policy=st.sampled_from(sorted(POLICIES)), rng=RANDOMS)
def test_email_and_notices_are_decided_alike_by_both_forms(policy: str, rng: random.Random) -> None:
    """30 batches of 100 e-mails and app/WeChat notices (push), to their own points or to others."""
    rulebook = POLICIES[policy]
    batch = []
    for _ in range(100):
        data = scenario(rng)
        channel = rng.choice(["email", "push"])
        point = rng.choice([{"email": "e1", "push": "push"}[channel], *POINTS, None])
        batch.append(data | {"action": data["action"] | {"channel": channel, "contact_point": point}})
    situations = [parse_situation(data) for data in batch]
    scalar = [decide(rulebook, s) for s in situations]
    vectorised = decide_frame(rulebook, *situations_frames(situations)).to_dicts()
    for one, many in zip(scalar, vectorised, strict=True):
        assert (one.decision, list(one.rules), one.next_allowed_at) == (
            many["decision"],
            many["rules"],
            many["next_allowed_at"],
        )
    assert {s.action.channel for s in situations} == {"email", "push"}


@settings(max_examples=1000, deadline=None)
@given(policy=st.sampled_from(sorted(POLICIES)), rng=RANDOMS)
def test_nothing_is_allowed_inside_quiet_hours(policy: str, rng: random.Random) -> None:
    rulebook = POLICIES[policy]
    situation = parse_situation(scenario(rng))
    hours = rulebook.hours
    assert hours is not None
    lifted = hours.lifted_by_consent is not None and hours.lifted_by_consent in situation.consents
    if decide(rulebook, situation).decision != "allow" or situation.action.channel == "letter" or lifted:
        return
    for zone in situation.zones:
        local = situation.now.astimezone(zone).time()
        assert hours.start <= local
        assert local < hours.end or (hours.end_allowed and local <= hours.end)


@settings(max_examples=100, deadline=None)
@given(
    policy=st.sampled_from(sorted(POLICIES)),
    zone=st.sampled_from(ZONES),
    steps=st.lists(
        st.tuples(st.integers(1, 240), st.sampled_from(POINTS[:2]), st.booleans()), min_size=20, max_size=80
    ),
)
def test_no_sequence_of_calls_exceeds_a_cap(
    policy: str, zone: str, steps: list[tuple[int, str, bool]]
) -> None:
    """Place every call the engine allows, minutes apart; the caps hold on every day and window."""
    rulebook = POLICIES[policy]
    now = START
    history: list[dict[str, Any]] = []
    for minutes, point, answered in steps:
        now += timedelta(minutes=minutes)
        data = {
            "now": stamp(now),
            "action": {"channel": "call", "party": "debtor", "contact_point": point},
            "debtor": {"timezones": [zone]},
            "history": history,
        }
        if decide(rulebook, parse_situation(data)).decision == "allow":
            history.append(
                {
                    "at": stamp(now),
                    "channel": "call",
                    "contact_point": point,
                    "party": "debtor",
                    "connected": answered,
                    "conversation": answered,
                }
            )
    days = [datetime.fromisoformat(h["at"]).astimezone(ZoneInfo(zone)).date() for h in history]
    calls = list(zip(history, days, strict=True))
    for day in set(days):
        today = [h for h, d in calls if d == day]
        if rulebook.connected_calls is not None:
            assert sum(h["connected"] for h in today) <= rulebook.connected_calls.max_per_day
        if rulebook.attempts_per_point is not None:
            for point in POINTS[:2]:
                assert (
                    sum(h["contact_point"] == point for h in today) <= rulebook.attempts_per_point.max_per_day
                )
        if (rolling := rulebook.rolling_calls) is not None:
            window = [h for h, d in calls if timedelta(0) <= day - d < timedelta(days=rolling.days)]
            assert len(window) <= rolling.max_attempts
    if (cooldown := rulebook.conversation_cooldown) is not None:
        talks = sorted(d for h, d in calls if h["conversation"])
        assert all(b - a >= timedelta(days=cooldown.days) for a, b in pairwise(talks))


@settings(max_examples=30, deadline=None)
@given(policy=st.sampled_from(sorted(POLICIES)), rng=RANDOMS)
def test_several_actions_for_one_debtor_are_decided_each_as_alone(policy: str, rng: random.Random) -> None:
    """Groups of 6 actions share a debtor, its state and its history, at times up to 3 days apart:
    each is decided as the scalar check decides it alone."""
    rulebook = POLICIES[policy]
    batch = []
    for _ in range(20):
        base = scenario(rng)
        for _ in range(6):
            other = scenario(rng)
            moved = datetime.fromisoformat(base["now"]) + timedelta(minutes=rng.randint(0, 3 * 24 * 60))
            batch.append(base | {"now": stamp(moved), "action": other["action"]})
    situations = [parse_situation(data) for data in batch]
    candidates, history = situations_frames(situations)
    group = (pl.col("debtor").str.strip_prefix("d").cast(pl.Int64) // 6).cast(pl.String)
    history = history.filter(pl.col("debtor").str.strip_prefix("d").cast(pl.Int64) % 6 == 0)
    candidates, history = candidates.with_columns(debtor=group), history.with_columns(debtor=group)
    vectorised = decide_frame(rulebook, candidates, history).to_dicts()
    for situation, many in zip(situations, vectorised, strict=True):
        one = decide(rulebook, situation)
        assert (one.decision, list(one.rules), one.next_allowed_at) == (
            many["decision"],
            many["rules"],
            many["next_allowed_at"],
        )
