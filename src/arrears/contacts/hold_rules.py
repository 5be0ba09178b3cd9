"""Who may place and who may lift each kind of hold (停催): a pure decision on the role and the kind.

Placing a hold only stops contact, so the kinds a caller or a colleague hears of first (a dispute, a
complaint, hardship, a death) may be placed by every role that manages holds. Lifting one lets
collection resume, so it belongs to the role that owns the kind's question: legal for the holds that
rest on a legal fact (deceased, bankruptcy, litigation), compliance for the regulated stops
(cease_contact, breathing_space), customer service or compliance for dispute and complaint holds
(until service cases exist; then the case's closure lifts them), and the supervisors for hardship.
A collector lifts no hold. docs/permissions.md shows the same table.

A cardholder (the ``cardholder`` role, which is no staff role: the portal's own requests) places the
holds the rulebook asks for when they raise a dispute, a complaint or a hardship request
(``arrears.portal.requests``) and lifts none.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrears.models.hold import HOLD_KINDS


@dataclass(frozen=True, slots=True)
class HoldAuthority:
    """The kind's group and the roles that may place and lift a hold of that kind."""

    group: str
    place: frozenset[str]
    lift: frozenset[str]


_EVERY_KEEPER = frozenset({"collector", "team_lead", "manager", "customer_service", "legal", "compliance"})
_LEGAL = HoldAuthority("legal", frozenset({"legal", "compliance"}), frozenset({"legal"}))
_REGULATED = HoldAuthority(
    "compliance", frozenset({"customer_service", "compliance"}), frozenset({"compliance"})
)
_CASE = HoldAuthority("case", _EVERY_KEEPER, frozenset({"customer_service", "compliance"}))

AUTHORITY: dict[str, HoldAuthority] = {
    "dispute": _CASE,
    "complaint": _CASE,
    "hardship": HoldAuthority(
        "operational", _EVERY_KEEPER, frozenset({"team_lead", "manager", "customer_service", "compliance"})
    ),
    "deceased": HoldAuthority("legal", _EVERY_KEEPER, frozenset({"legal"})),
    "bankruptcy": _LEGAL,
    "litigation": _LEGAL,
    "cease_contact": _REGULATED,
    "breathing_space": _REGULATED,
}
assert set(AUTHORITY) == set(HOLD_KINDS)
KIND_ZH = {"dispute": "异议", "complaint": "投诉", "hardship": "经济困难", "deceased": "已故",
           "bankruptcy": "破产", "litigation": "诉讼", "cease_contact": "停止联系",
           "breathing_space": "缓冲期"}  # fmt: skip  # the kinds' names in refusals
assert set(KIND_ZH) == set(HOLD_KINDS)
CARDHOLDER = "cardholder"  # the role of a cardholder's own request through the portal (no staff role)
CARDHOLDER_PLACES = frozenset({"dispute", "complaint", "hardship"})
# the service desk's cases place the holds the rulebook asks for, whoever logged them, and lift them at
# the case's closure (``arrears.servicedesk``): no staff role, the case's own authority
SERVICE_CASE = "service_case"
SERVICE_CASE_KINDS = frozenset({"dispute", "complaint", "hardship", "breathing_space"})


def may_place(*, role: str, kind: str) -> bool:
    """Whether the role may place a hold of the kind (False for an unknown kind)."""
    if role == CARDHOLDER:
        return kind in CARDHOLDER_PLACES
    if role == SERVICE_CASE:
        return kind in SERVICE_CASE_KINDS
    found = AUTHORITY.get(kind)
    return found is not None and role in found.place


def may_lift(*, role: str, kind: str) -> bool:
    """Whether the role may lift a hold of the kind (False for an unknown kind)."""
    if role == SERVICE_CASE:
        return kind in SERVICE_CASE_KINDS
    found = AUTHORITY.get(kind)
    return found is not None and role in found.lift


def placeable_kinds(role: str) -> tuple[str, ...]:
    """The kinds the role may place, in the order of ``HOLD_KINDS`` (what a form offers)."""
    return tuple(kind for kind in HOLD_KINDS if may_place(role=role, kind=kind))


def liftable_kinds(role: str) -> tuple[str, ...]:
    """The kinds the role may lift, in the order of ``HOLD_KINDS`` (where a page offers "lift")."""
    return tuple(kind for kind in HOLD_KINDS if may_lift(role=role, kind=kind))
