"""Which holds apply to whom: a hold naming a staff member (``staff_user_id``) or an agency
(``agency_code``) stops only their contact (a complaint of abuse or third-party contact against them);
every other hold applies to everyone. One SQL condition, used wherever holds are read."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, or_, select

from arrears.models import AppUser, Team, table_of

_USER, _TEAM = table_of(AppUser), table_of(Team)


def unscoped(hold: Table) -> ColumnElement[bool]:
    """The holds that apply to everyone (they name no staff member and no agency)."""
    return and_(hold.c.staff_user_id.is_(None), hold.c.agency_code.is_(None))


def naming(hold: Table, user_id: int) -> ColumnElement[bool]:
    """The holds that name the user, or the agency of the user's team."""
    agency = (
        select(_TEAM.c.agency_code)
        .join(_USER, _USER.c.team_id == _TEAM.c.id)
        .where(_USER.c.id == user_id)
        .scalar_subquery()
    )
    return or_(
        hold.c.staff_user_id == user_id, and_(hold.c.agency_code.is_not(None), hold.c.agency_code == agency)
    )


def applying_to(hold: Table, user_id: int | None) -> ColumnElement[bool]:
    """The holds that apply to an action by the user (None: by the bank as a whole, as the daily run
    acts: only the holds that apply to everyone)."""
    return unscoped(hold) if user_id is None else or_(unscoped(hold), naming(hold, user_id))
