"""The portal's browser tests' book: the web book (staff of every role) plus one cardholder who can sign
in (a real encrypted national ID, an account with its tail, a mobile), in segment m2 of today's completed
run of the default strategy (so the portal offers plans), their call claimed by collector1; the app served
with the simulated gateway on; signing in to /my through the pages with the code from the outbox."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from serving import served
from sqlalchemy import Engine, insert, select

from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    DailyRun,
    OutboxMessage,
    StrategyVersion,
    table_of,
)
from arrears.strategy.load import load_strategy
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import build_book

SECRET = "a-gateway-secret-of-32-bytes-ok!"
ACCOUNT_NO = "6222020012345678"
NATIONAL_ID = "110101199001017654"
SEEDED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cardholder:
    customer_id: int
    account_id: int
    account_no: str
    national_id: str


def today() -> date:
    return clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()


def seed_cardholder(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Cardholder:
    """The web book and the cardholder: 5,000.00 principal, 300.00 interest, 200.00 fees, 1,200.00 overdue
    for 40 days; a call in today's run (segment m2) claimed by collector1."""
    build_book(engine, tmp_path, cipher)
    c, a, p, x = table_of(Customer), table_of(CardAccount), table_of(ContactPoint), table_of(CollectionAction)
    now, run = clock.now(), today()
    text = load_strategy("default").text
    with engine.begin() as connection:
        customer_id = connection.execute(insert(c).returning(c.c.id).values(
            customer_no="PORTAL1", name="李四", national_id_enc=cipher.encrypt(NATIONAL_ID),
            national_id_hash=cipher.lookup_hash(NATIONAL_ID),
            national_id_masked=NATIONAL_ID[:6] + "********" + NATIONAL_ID[-4:],
            created_at=SEEDED, updated_at=SEEDED,
        )).scalar_one()  # fmt: skip
        account_id = connection.execute(insert(a).returning(a.c.id).values(
            account_no=ACCOUNT_NO, account_tail=ACCOUNT_NO[-4:], customer_id=customer_id, product="standard",
            currency="CNY", credit_limit_fen=1_000_000, principal_fen=500_000, interest_fen=30_000,
            fee_fen=20_000, open_date=date(2020, 1, 1), cycle_day=1, due_day=20, status="open", dpd=40,
            bucket="M2", overdue_fen=120_000, arrears_fen=120_000, arrears_due_date=run - timedelta(days=40),
            created_at=SEEDED, updated_at=SEEDED,
        )).scalar_one()  # fmt: skip
        number = "13912345678"
        connection.execute(insert(p).values(
            customer_id=customer_id, kind="mobile", value_enc=cipher.encrypt(number),
            value_hash=cipher.lookup_hash(number), value_masked=number[:3] + "****" + number[-4:],
            is_primary=True, created_at=SEEDED,
        ))  # fmt: skip
        version = connection.execute(insert(table_of(StrategyVersion)).values(
            name="default", version=1, sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
            registered_at=now,
        ).returning(table_of(StrategyVersion).c.id)).scalar_one()  # fmt: skip
        connection.execute(insert(table_of(DailyRun)).values(
            run_date=run, status="completed", strategy_version_id=version, started_at=now, completed_at=now,
        ))  # fmt: skip
        collector = connection.execute(
            select(table_of(AppUser).c.id).where(table_of(AppUser).c.username == "collector1")
        ).scalar_one()
        connection.execute(insert(x).values(
            run_date=run, account_id=account_id, customer_id=customer_id, channel="call", segment="m2",
            arm="champion", treatment="phone_m2", value_fen=1_000, priority=1,
            scheduled_at=now - timedelta(hours=1), status="claimed", claimed_by_id=collector,
            claimed_at=now - timedelta(minutes=30),
        ))  # fmt: skip
    return Cardholder(int(customer_id), int(account_id), ACCOUNT_NO, NATIONAL_ID)


@contextmanager
def served_portal(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The app with the simulated gateway, its public URL the served address; the base URL."""
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode(),
                        gateway_secret=SECRET, sms_hotline="95500")  # fmt: skip
    app = create_app(settings, engine=engine)
    with served(app) as base:
        app.state.settings = settings.model_copy(update={"public_url": base})  # the port is known now
        yield base


def last_code(engine: Engine, customer_id: int) -> str:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        body = (
            connection.execute(
                select(m.c.body)
                .where(m.c.customer_id == customer_id, m.c.template == "otp")
                .order_by(m.c.id.desc())
            )
            .scalars()
            .first()
        )
    found = re.search(r"\d{6}", body or "")
    assert found, body
    return found.group(0)


def sign_in_cardholder(page: Page, server: str, engine: Engine, holder: Cardholder) -> None:
    """Through /my/login and /my/code, as a cardholder does; ends on the home page."""
    page.goto(f"{server}/my/login")
    page.locator("#account_digits").fill(holder.account_no[-4:])
    page.locator("#id_tail").fill(holder.national_id[-6:])
    page.locator("form[action='/my/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{server}/my/code")
    page.locator("#code").fill(last_code(engine, holder.customer_id))
    page.locator("form[action='/my/code'] button[type=submit]").click()
    expect(page).to_have_url(f"{server}/my")


def walk(page: Page, server: str, engine: Engine, holder: Cardholder, seen: Callable[[str], None]) -> None:
    """Every /my page and the gateway's checkout, as a cardholder goes through them: ``seen(name)`` on
    each (the page loaded). Sends a request, previews and accepts a plan, pays the overdue amount."""
    no = holder.account_no
    page.goto(f"{server}/my/login")
    seen("login")
    page.locator("#account_digits").fill(no[-4:])
    page.locator("#id_tail").fill(holder.national_id[-6:])
    page.locator("form[action='/my/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{server}/my/code")
    seen("code")
    page.locator("#code").fill(last_code(engine, holder.customer_id))
    page.locator("form[action='/my/code'] button[type=submit]").click()
    expect(page).to_have_url(f"{server}/my")
    seen("home")
    account = f"/my/account/{no}"
    pages = [("account", account), ("help", "/my/help"), ("promise", f"{account}/promise"),
             ("callback", f"{account}/callback"), ("preferences", "/my/preferences"),
             ("request", f"{account}/request/dispute"), ("offers", f"{account}/offers")]  # fmt: skip
    for name, path in pages:
        page.goto(f"{server}{path}")
        seen(name)
    page.locator("form[action$='/offers/preview'] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/offers/preview"))
    seen("preview")
    page.locator("form[action$='/offers/accept'] button[type=submit]").click()
    expect(page.locator("p.notice[role=status]")).to_be_visible()
    seen("accepted")
    page.goto(f"{server}/my/account/{no}/request/dispute")
    page.locator("input[name=category]").first.check()
    page.locator("#text").fill("这笔消费不是我做的。")
    page.locator("form[action$='/request/dispute'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/my/requests"))
    seen("requests")
    page.goto(f"{server}/my/account/{no}/pay")
    seen("pay")
    page.locator("#choice-overdue").check()
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/pay/simulated/"))
    seen("checkout")
    page.locator("button[value=pay]").click()
    expect(page).to_have_url(re.compile(r"/my/pay/[^/]+/done"))
    seen("pay_done")
    page.goto(f"{server}/my/account/{no}")
    seen("account_paid")
