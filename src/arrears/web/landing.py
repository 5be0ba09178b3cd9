"""Each role's first screen: where ``/`` takes a user whose work is not the call queue.

Collectors stay on ``/`` (their agenda); the roles below are sent on to the page their day starts
with (``/?home=1`` shows anyone the agenda)."""

from __future__ import annotations

LANDING: dict[str, str] = {
    "visitor": "/visits/today",
    "team_lead": "/team",  # the floor view; their own agenda stays at /?home=1
    "manager": "/dashboard",
    "admin": "/admin/users",
    "customer_service": "/service/inbound",
    "agency_user": "/agency",
    "legal": "/legal",
    "compliance": "/compliance",
    "lawyer": "/legal/cases",
}


FIELD_LEAD = "/visits/plan"  # the lead of a field team plans the visits and watches the pairs' alerts


def landing_for(role: str, team_kind: str | None = None) -> str | None:
    """The first screen of ``role`` (in a team of ``team_kind``) when it is not ``/``."""
    if role == "team_lead" and team_kind == "field":
        return FIELD_LEAD
    return LANDING.get(role)
