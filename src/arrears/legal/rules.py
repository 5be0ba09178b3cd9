"""Legal decisions, pure: what a decision must hold, and what it sets."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from arrears.kit.inputs import InvalidField, check_text

PROCEED, RETURN = "proceed", "return"
OUTCOMES = (PROCEED, RETURN)
ACTIONS = {PROCEED: "legal.proceeded", RETURN: "legal.returned"}
"""The audit action of each outcome."""
STATUSES = {PROCEED: "accepted", RETURN: "declined"}
"""The status a decided request (and the daily run's referral) takes."""
OUTCOME_OF_STATUS = {status: outcome for outcome, status in STATUSES.items()}


@dataclass(frozen=True, slots=True)
class Decision:
    """A legal officer's decision on an account: proceed (with an optional note) or return (with a
    reason, required)."""

    outcome: str
    reason: str | None

    @property
    def action(self) -> str:
        return ACTIONS[self.outcome]

    @property
    def status(self) -> str:
        return STATUSES[self.outcome]


def decision(outcome: str, reason: str | None) -> Decision:
    """The decision as a form gave it; InvalidField naming ``outcome`` or ``reason`` when refused."""
    if outcome not in OUTCOMES:
        raise InvalidField(
            "outcome", "choose to proceed or to return the account", "请选择继续法律程序或退回催收"
        )
    text = check_text(reason or "", field="reason").strip()
    if outcome == RETURN and not text:
        raise InvalidField(
            "reason",
            "a returned account needs the reason, for the collectors",
            "退回催收必须写明理由，供催收员参考",
        )
    return Decision(outcome, text or None)


def holds_against_proceeding(
    active: Sequence[str], *, blocking: Collection[str], legal_kinds: Collection[str]
) -> list[str]:
    """The active holds that stop a decision to proceed: those the rulebook says block contact (the
    daily run does not refer an account under them either), except the holds that rest on a legal
    fact (a death, a bankruptcy, a lawsuit), which are legal's own question. A return is never
    stopped: it only sends the account back to collection, where the holds apply as ever."""
    return [kind for kind in active if kind in blocking and kind not in legal_kinds]
