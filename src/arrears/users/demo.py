"""The demo's teams and users: one user per role (two visitors; a team lead for the phone team and one
for the visitors' field team; a law firm's lawyer), in teams, with one password; the two visitors'
profiles (bases in Zhongshan, where the synthetic addresses are) and their pair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from arrears.models import Team, table_of
from arrears.users.service import StaffUser, create_user
from arrears.visits.setup import add_pair, set_profile

AGENCY = "A"
LAW_FIRM = "firm-1"
PAIR = "pair-1"
BASES = (  # username, latitude, longitude, label: two branches in Zhongshan's centre
    ("visitor1", 22.522, 113.380, "石岐网点 Shiqi branch"),
    ("visitor2", 22.515, 113.405, "东区网点 East District branch"),
)
TEAMS = (
    {"code": "phone-1", "name": "电催一组 Phone team 1", "kind": "phone", "agency_code": None},
    {"code": "field-1", "name": "外访一组 Field team 1", "kind": "field", "agency_code": None},
    {"code": "agency-a", "name": "委外机构 A Agency A", "kind": "agency", "agency_code": AGENCY},
    {"code": LAW_FIRM, "name": "金诚律师事务所 Jincheng Law Firm", "kind": "law_firm", "agency_code": None},
)
USERS = (  # username, role, team
    ("collector1", "collector", "phone-1"),
    ("collector2", "collector", "phone-1"),
    ("visitor1", "visitor", "field-1"),
    ("visitor2", "visitor", "field-1"),
    ("lead1", "team_lead", "phone-1"),
    ("lead2", "team_lead", "field-1"),  # leads the visitors' team: their safety alerts reach lead2
    ("legal1", "legal", None),
    ("compliance1", "compliance", None),
    ("service1", "customer_service", None),
    ("manager1", "manager", None),
    ("admin1", "admin", None),
    ("agency1", "agency_user", "agency-a"),
    ("lawyer1", "lawyer", LAW_FIRM),  # the law firm's lawyer: the cases legal assigns to the firm
)


def create_demo_users(connection: Connection, *, password: str, now: datetime) -> list[StaffUser]:
    connection.execute(insert(table_of(Team)), list(TEAMS))
    users = [
        create_user(
            connection,
            username=username,
            display_name=username,
            role=role,
            password=password,
            now=now,
            team_code=team,
        )
        for username, role, team in USERS
    ]
    for username, lat, lon, label in BASES:
        set_profile(connection, username=username, base_lat=lat, base_lon=lon, base_label=label)
    add_pair(connection, code=PAIR, first=BASES[0][0], second=BASES[1][0], team="field-1")
    return users
