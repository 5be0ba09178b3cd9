"""The portal load benchmark's database and cardholders: a PostgreSQL book of N accounts built with the
project's own commands (the web benchmark's build: ``_web_bench_data.build_book``), and a sample of
cardholders' sign-in details kept from the synthetic extract.

Used by ``portal_load_bench.py``; not a benchmark on its own. The sample holds personal data of
synthetic people (account numbers, national IDs' last six characters): it is written to the work
folder with mode 0600 and never printed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _web_bench_data import AS_OF, build_book, child_env, create_database

from arrears.db import make_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/arrears_portal_bench"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "arrears-portal-bench"
SAMPLE_FILE = "cardholders.json"
GATEWAY_SECRET = "portal-load-bench-gateway-secret"
PUBLIC_URL = "http://127.0.0.1:8000"  # replaced by the server's own address when it starts


def bench_env(url: str, work: Path, *, base_url: str | None = None) -> dict[str, str]:
    """The environment of every `arrears` process: the web bench's (database, data folder, master key)
    plus the gateway secret and the public address."""
    env = child_env(url, work / "data")
    env["ARREARS_GATEWAY_SECRET"] = GATEWAY_SECRET
    env["ARREARS_PUBLIC_URL"] = base_url or PUBLIC_URL
    return env


@dataclass(frozen=True, slots=True)
class Book:
    accounts: int
    run_date: date | None
    offered: int  # accounts of the run's segments with self-service offers (M1-M3, from the strategy)


def book_of(engine: Engine) -> Book | None:
    """What the database holds (None: no schema yet)."""
    with engine.connect() as connection:
        if connection.execute(text("SELECT to_regclass('card_account')")).scalar() is None:
            return None
        if connection.execute(text("SELECT to_regclass('portal_session')")).scalar() is None:
            return None  # a book built before the portal's migration
        accounts = connection.execute(text("SELECT count(*) FROM card_account")).scalar_one()
        run_date = connection.execute(
            text("SELECT max(run_date) FROM daily_run WHERE status = 'completed'")
        ).scalar()
        overdue = connection.execute(
            text("SELECT count(*) FROM card_account WHERE overdue_fen > 0")
        ).scalar_one()
    return Book(int(accounts), run_date, int(overdue))


def build(url: str, *, accounts: int, seed: int, work: Path) -> dict[str, float]:
    """Drops and builds the database (synth extract, import, model, run-day), then keeps the sample;
    the seconds of each step."""
    create_database(url, drop=True)
    seconds = build_book(url, accounts=accounts, seed=seed, work=work)
    started = time.perf_counter()
    sample = sample_cardholders(url, work / "extract", size=2000, seed=seed)
    seconds["sample"] = time.perf_counter() - started
    print(f"  cardholders' sample ({len(sample)} overdue accounts): {seconds['sample']:.1f} s", flush=True)
    return seconds


# --- the cardholders ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cardholder:
    account_no: str
    account_digits: str  # what the cardholder types: the account number's last 4 digits
    id_tail: str  # the national ID's last 6 characters

    def __repr__(self) -> str:  # never printed by accident
        return "Cardholder(...)"


def sample_cardholders(url: str, extract: Path, *, size: int, seed: int) -> list[Cardholder]:
    """``size`` cardholders with an overdue account (so the offers and the pay page have something to
    show), each identified by one of their accounts' last 4 digits and the ID's last 6 characters:
    only pairs that name one cardholder in the whole book. Written to the work folder (mode 0600)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            overdue = {
                str(row.account_no): str(row.account_tail)
                for row in connection.execute(
                    text(
                        "SELECT account_no, account_tail FROM card_account"
                        " WHERE overdue_fen > 0 ORDER BY account_no"
                    )
                )
            }
    finally:
        engine.dispose()
    rng = random.Random(seed)
    chosen = sorted(rng.sample(sorted(overdue), min(len(overdue), size * 2)))
    customer_of: dict[str, str] = {}
    wanted = set(chosen)
    with (extract / "accounts.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["account_id"] in wanted:
                customer_of[row["account_id"]] = row["customer_id"]
    customers = set(customer_of.values())
    id_of: dict[str, str] = {}
    with (extract / "customers.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["customer_id"] in customers and row["mobile"]:
                id_of[row["customer_id"]] = row["national_id"].strip().upper()
    # pairs (tail, id tail) that name more than one cardholder are left out (the sign-in would refuse)
    pairs: dict[tuple[str, str], set[str]] = {}
    for account in chosen:
        customer = customer_of.get(account)
        if customer in id_of:
            pairs.setdefault((overdue[account], id_of[customer][-6:]), set()).add(customer)
    sample = [
        Cardholder(account, overdue[account], id_of[customer_of[account]][-6:])
        for account in chosen
        if customer_of.get(account) in id_of
        and len(pairs[(overdue[account], id_of[customer_of[account]][-6:])]) == 1
    ][:size]
    path = extract.parent / SAMPLE_FILE
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    path.write_text(json.dumps([[c.account_no, c.account_digits, c.id_tail] for c in sample]))
    return sample


def load_sample(work: Path) -> list[Cardholder]:
    path = work / SAMPLE_FILE
    if not path.exists():
        return []
    return [Cardholder(*row) for row in json.loads(path.read_text())]


# --- the one-time code, as a test harness reads it -------------------------------------------------


CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def otp_key(challenge_token: str) -> str:
    """The outbox message's idempotency key of a challenge (``arrears.portal.signin``)."""
    return "otp:" + hashlib.sha256(challenge_token.encode()).hexdigest()[:32]


def read_code(engine: Engine, challenge_token: str) -> str | None:
    """The code in the outbox message's body (the real one goes by SMS); None when there is none."""
    with engine.connect() as connection:
        body = connection.execute(
            text("SELECT body FROM outbox_message WHERE idempotency_key = :k"),
            {"k": otp_key(challenge_token)},
        ).scalar()
    found = CODE.search(body or "")
    return found.group(1) if found else None


def prepare_env(url: str, work: Path) -> dict[str, str]:
    return bench_env(url, work)


__all__ = [
    "AS_OF",
    "DEFAULT_URL",
    "DEFAULT_WORK",
    "Book",
    "Cardholder",
    "bench_env",
    "book_of",
    "build",
    "load_sample",
    "read_code",
    "sample_cardholders",
]
