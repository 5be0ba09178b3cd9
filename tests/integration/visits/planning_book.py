"""Visit planning's test book: the web book (UCI accounts, a completed run, a user of every role),
visit actions for every account, four visitors with profiles in two pairs, and an appointment."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select

from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, Team, table_of
from arrears.users.service import create_user
from arrears.visits.setup import add_appointment, add_pair, set_profile
from web_book import PASSWORD, RUN, build_book

ZONE = ZoneInfo("Asia/Shanghai")
BASE = (22.522, 113.380)  # 石岐街道, Zhongshan: where the synthetic addresses are
APPOINTMENT_AT = datetime(2005, 10, 1, 10, 0, tzinfo=ZONE)


def build_visit_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    build_book(engine, tmp_path, cipher)
    at = now()
    with engine.begin() as connection:
        accounts = connection.execute(
            select(table_of(CardAccount).c.id, table_of(CardAccount).c.customer_id).order_by(
                table_of(CardAccount).c.id
            )
        ).all()
        earlier = at - timedelta(hours=1)
        rows = [{"run_date": RUN, "account_id": account, "customer_id": customer, "channel": "visit",
                 "segment": "m2", "arm": "champion", "treatment": "visit_m2",
                 "value_fen": 50_000 + 1_000 * rank, "priority": rank + 1, "scheduled_at": earlier,
                 "status": "planned"}
                for rank, (account, customer) in enumerate(accounts)]  # fmt: skip
        connection.execute(insert(table_of(CollectionAction)), rows)
        connection.execute(insert(table_of(Team)).values(code="field-a", name="field-a", kind="field"))
        for name in ("visitor2", "visitor3", "visitor4"):
            create_user(connection, username=name, display_name=name, role="visitor", password=PASSWORD,
                        now=at, team_code="field-a")  # fmt: skip
        for name in ("visitor1", "visitor2", "visitor3", "visitor4"):
            set_profile(connection, username=name, base_lat=BASE[0], base_lon=BASE[1], base_label="石岐网点")
        add_pair(connection, code="pair-a", first="visitor1", second="visitor2", team="field-a")
        add_pair(connection, code="pair-b", first="visitor3", second="visitor4")
        account_no = connection.execute(
            select(table_of(CardAccount).c.account_no).where(table_of(CardAccount).c.id == accounts[2][0])
        ).scalar_one()
        add_appointment(connection, account_no=account_no, starts_at=APPOINTMENT_AT, minutes=60, now=at)
    return engine
