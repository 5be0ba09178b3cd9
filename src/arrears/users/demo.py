"""The demo's teams and users: one user per role (two visitors; a team lead for the phone team and one
for the visitors' field team; a law firm's lawyer), in teams, with one password; the two visitors'
profiles (bases in Zhongshan, where the synthetic addresses are) and their pair; the agency register's
three agencies (A, whose users are agency-a's; B, eligible, working the northern towns; C, whose last
inspection is more than a year old on the demo's day, so that a placement batch refuses it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, insert

from arrears.agencies.register import create_agency
from arrears.agencies.register_rules import Contact, Entry
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


# Zhongshan's northern towns
NORTH = ("小榄镇", "古镇镇", "黄圃镇", "东凤镇", "南头镇", "阜沙镇", "港口镇", "三角镇")
AGENCIES = (
    Entry("A", "中山市信达商务咨询有限公司 Xinda Business Consulting", "ZS-WT-2004-017", date(2007, 6, 30),
          True, date(2005, 1, 1), date(2006, 12, 31), True, date(2005, 6, 15), 300, (),
          (Contact("陈经理", "项目经理 project manager", "0760-88001234"),)),
    Entry("B", "中山市恒安信息服务有限公司 Heng'an Information Services", "ZS-WT-2005-003", date(2008, 3, 31),
          True, date(2005, 3, 1), date(2007, 2, 28), True, date(2005, 8, 20), 100, NORTH,
          (Contact("黄主管", "运营主管 operations lead", email="ops@hengan.example"),)),
    Entry("C", "中山市永诚资产管理有限公司 Yongcheng Asset Management", "ZS-WT-2003-009", date(2006, 12, 31),
          True, date(2004, 7, 1), date(2006, 6, 30), True, date(2004, 8, 10), 200, (),
          (Contact("李经理", "业务经理 account manager", "0760-88776655"),)),
)  # fmt: skip
"""The register on the demo's day: A and B may hold accounts; C's inspection lapsed (over 365 days)."""


def register_demo_agencies(connection: Connection, *, today: date, now: datetime) -> None:
    for entry in AGENCIES:
        create_agency(connection, entry, actor="demo", today=today, now=now)


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
