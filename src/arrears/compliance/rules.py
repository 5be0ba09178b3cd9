"""The contact rules: pure functions of a policy section, a situation and a moment.

Each returns a ``Block`` when its rule forbids the action at ``at``, else None. Time-based rules say
when they would stop blocking (``retry_at``); the others leave it None (time alone does not help).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.compliance import policy as p
from arrears.compliance.situation import Contact, Situation


@dataclass(frozen=True, slots=True)
class Block:
    rule: str
    reason_zh: str
    reason_en: str
    retry_at: datetime | None = None  # None: waiting does not lift this block


def _midnight_after(situation: Situation, day: date) -> datetime:
    """The start of the local day after ``day`` in the debtor's home zone."""
    return datetime.combine(day + timedelta(days=1), time(0), situation.zones[0])


def _in_hours(rule: p.Hours, moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return rule.start <= local and (local < rule.end or (rule.end_allowed and local <= rule.end))


def _next_in_hours(rule: p.Hours, situation: Situation, at: datetime) -> datetime | None:
    """The earliest moment from ``at`` on that is inside the hours in every zone (None: never)."""
    candidates = {at}
    for zone in situation.zones:
        first = at.astimezone(zone).date()
        for offset in range(3):
            candidates.add(datetime.combine(first + timedelta(days=offset), rule.start, zone))
    for candidate in sorted(c for c in candidates if c >= at):
        if all(_in_hours(rule, candidate, zone) for zone in situation.zones):
            return candidate
    return None


def hours(rule: p.Hours, situation: Situation, at: datetime) -> Block | None:
    if situation.action.channel in rule.exempt_channels:
        return None
    if rule.lifted_by_consent and rule.lifted_by_consent in situation.consents:
        return None
    outside = [zone for zone in situation.zones if not _in_hours(rule, at, zone)]
    if not outside:
        return None
    zone = outside[0]
    local = at.astimezone(zone).strftime("%H:%M")
    window = f"{rule.start:%H:%M}-{rule.end:%H:%M}"
    return Block(
        rule.rule,
        f"债务人所在时区 {zone.key} 当地时间 {local}，不在允许的联系时间 {window} 内",
        f"{local} in {zone.key}, one of the debtor's time zones, is outside the allowed hours {window}",
        _next_in_hours(rule, situation, at),
    )


def _daily_cap(
    rule: p.DailyCap,
    situation: Situation,
    at: datetime,
    counted: Callable[[Contact], bool],
    reasons: Callable[[int], tuple[str, str]],
) -> Block | None:
    """Blocks until the next local day once ``max_per_day`` earlier calls that are ``counted`` fell
    on the debtor's local day of ``at``."""
    if rule.lifted_by_consent and rule.lifted_by_consent in situation.consents:
        return None
    today = situation.today(at)
    calls = sum(
        1 for c in situation.history if c.channel == "call" and situation.today(c.at) == today and counted(c)
    )
    if calls < rule.max_per_day:
        return None
    zh, en = reasons(calls)
    return Block(rule.rule, zh, en, _midnight_after(situation, today))


def connected_calls(rule: p.DailyCap, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel != "call" or action.party != "debtor":
        return None
    return _daily_cap(
        rule,
        situation,
        at,
        lambda c: c.party == "debtor" and c.connected,
        lambda n: (
            f"债务人当日已接通 {n} 次电话（银行与所有委外机构合计，上限 {rule.max_per_day} 次）",
            f"{n} connected calls with the debtor today, bank and agencies together "
            f"(at most {rule.max_per_day})",
        ),
    )


def attempts_per_point(rule: p.DailyCap, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel != "call" or action.contact_point is None:
        return None
    return _daily_cap(
        rule,
        situation,
        at,
        lambda c: c.contact_point == action.contact_point,
        lambda n: (
            f"当日已对该号码拨打 {n} 次（上限 {rule.max_per_day} 次）",
            f"{n} call attempts to this number today (at most {rule.max_per_day})",
        ),
    )


def _debtor_calls_by_day(situation: Situation) -> dict[date, list[bool]]:
    days: dict[date, list[bool]] = {}
    for c in situation.history:
        if c.channel == "call" and c.party == "debtor":
            days.setdefault(situation.today(c.at), []).append(c.conversation)
    return days


def rolling_calls(rule: p.RollingCalls, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel != "call" or action.party != "debtor":
        return None
    by_day = _debtor_calls_by_day(situation)

    def attempts(day: date) -> int:
        return sum(len(by_day.get(day - timedelta(days=back), [])) for back in range(rule.days))

    today = situation.today(at)
    count = attempts(today)
    if count < rule.max_attempts:
        return None
    later = next((today + timedelta(days=k) for k in range(1, rule.days + 1)
                  if attempts(today + timedelta(days=k)) < rule.max_attempts), None)  # fmt: skip
    retry = datetime.combine(later, time(0), situation.zones[0]) if later else None
    return Block(
        rule.rule,
        f"过去 {rule.days} 天内已拨打 {count} 次电话（上限 {rule.max_attempts} 次）",
        f"{count} call attempts in the last {rule.days} days (limit {rule.max_attempts})",
        retry,
    )


def conversation_cooldown(rule: p.ConversationCooldown, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel != "call" or action.party != "debtor":
        return None
    today = situation.today(at)
    talked = [
        day
        for day, conversations in _debtor_calls_by_day(situation).items()
        if any(conversations) and today - timedelta(days=rule.days - 1) <= day <= today
    ]
    if not talked:
        return None
    last = max(talked)
    return Block(
        rule.rule,
        f"{last} 已与债务人通话，{rule.days} 天内不得再次致电",
        f"a telephone conversation with the debtor on {last}: no call within {rule.days} days after it",
        datetime.combine(last + timedelta(days=rule.days), time(0), situation.zones[0]),
    )


def third_party(rule: p.ThirdParty, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.party != "third_party":
        return None
    zh: list[str] = []
    en: list[str] = []
    if rule.min_unreachable_days is not None:
        since = situation.unreachable_since
        if since is None or at - since < timedelta(days=rule.min_unreachable_days):
            zh.append(f"债务人失联未满 {rule.min_unreachable_days} 天")
            en.append(f"the debtor has not been unreachable for {rule.min_unreachable_days} days")
    if action.purpose not in rule.allowed_purposes:
        zh.append(f"联系第三方的目的只能是 {'、'.join(rule.allowed_purposes)}")
        en.append(f"a third party may be contacted only to {' or '.join(rule.allowed_purposes)}")
    if action.discloses_debt and not rule.may_disclose_debt:
        zh.append("不得向第三方透露欠款信息")
        en.append("the debt must not be disclosed to a third party")
    if rule.once_per_contact and any(
        c.party == "third_party" and c.contact_point == action.contact_point for c in situation.history
    ):
        zh.append("该第三方已被联系过")
        en.append("this third party was already contacted")
    if not zh:
        return None
    return Block(rule.rule, "；".join(zh), "; ".join(en))


def opt_out(rule: p.OptOut, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel not in rule.channels or action.contact_point not in situation.opted_out_points:
        return None
    return Block(rule.rule, "该联系方式已退订", "the debtor opted out of this contact point")


HOLD_NAMES = {"dispute": ("异议", "dispute"), "complaint": ("投诉", "complaint"),
              "hardship": ("经济困难", "hardship"), "deceased": ("已故", "deceased"),
              "bankruptcy": ("破产", "bankruptcy"), "litigation": ("诉讼", "litigation"),
              "cease_contact": ("停止联系", "cease contact"),
              "breathing_space": ("缓冲期", "breathing space")}  # fmt: skip  # said in the reasons


def holds(rule: p.Holds, situation: Situation, at: datetime) -> Block | None:
    active = [hold for hold in situation.holds if hold in rule.blocking]
    if not active:
        return None
    zh = "、".join(HOLD_NAMES.get(hold, (hold, hold))[0] for hold in active)
    en = ", ".join(HOLD_NAMES.get(hold, (hold, hold))[1] for hold in active)
    return Block(
        rule.rule,
        f"账户处于暂停状态：{zh}（停催期间不得联系）",
        f"active hold: {en} (no contact while it lasts)",
    )


def visit(rule: p.Visit, situation: Situation, at: datetime) -> Block | None:
    action = situation.action
    if action.channel != "visit":
        return None
    zh, en = [], []
    if (action.staff_count or 0) < rule.min_staff:
        zh.append(f"外访人员少于 {rule.min_staff} 人")
        en.append(f"fewer than {rule.min_staff} staff on the visit")
    if rule.recording_required and not action.recording:
        zh.append("外访须全程录音录像")
        en.append("the visit must be recorded")
    return Block(rule.rule, "；".join(zh), "; ".join(en)) if zh else None


def agency(rule: p.Agency, situation: Situation, at: datetime) -> Block | None:
    code = situation.action.agency_code
    if code is None:
        return None
    record = situation.agency
    if record is None or (record.code is not None and record.code != code):
        return Block(rule.rule, f"没有委外机构 {code} 的准入记录", f"no record of agency {code}")
    today = situation.today(at)
    zh, en = [], []
    if rule.require_whitelist and not record.whitelisted:
        zh.append("委外机构不在白名单内")
        en.append("the agency is not on the whitelist")
    if rule.max_days_since_inspection is not None and (
        record.last_inspection_date is None
        or (today - record.last_inspection_date).days > rule.max_days_since_inspection
    ):
        zh.append(f"委外机构超过 {rule.max_days_since_inspection} 天未接受检查")
        en.append(f"the agency was not inspected in the last {rule.max_days_since_inspection} days")
    if rule.require_valid_contract and (
        record.contract_valid_until is None or record.contract_valid_until < today
    ):
        zh.append("委外合同已过期")
        en.append("the agency's contract has expired")
    return Block(rule.rule, "；".join(zh), "; ".join(en)) if zh else None
