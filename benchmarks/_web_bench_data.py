"""The web benchmark's database: a PostgreSQL book of N accounts with the call queue of a completed
daily run, built with the project's own commands, and the bench's collectors.

Used by ``web_bench.py``; not a benchmark on its own.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, select, text, update
from sqlalchemy.engine import make_url

from arrears.db import make_engine
from arrears.imports.uci import bundled_path
from arrears.kit.clock import now
from arrears.models import AppUser, table_of
from arrears.users.service import create_user

AS_OF = date(2026, 11, 23)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/arrears_web_bench"
# The same fixed key as import_bench.py: the import encrypts with it, the server derives its token
# key from it, and a reused database needs the same key again.
BENCH_KEY = base64.b64encode(bytes(range(32))).decode()
PASSWORD = "web bench password 2026"  # >= 12 characters
USER_PREFIX = "bench-collector-"


def child_env(url: str, data_dir: Path) -> dict[str, str]:
    """The environment of every `arrears` process the benchmark starts (import, run-day, serve)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARREARS_")}
    env |= {
        "ARREARS_DATABASE_URL": url,
        "ARREARS_DATA_DIR": str(data_dir),
        "ARREARS_ENCRYPTION_KEY": BENCH_KEY,
    }
    return env


def arrears(*words: str, env: dict[str, str]) -> float:
    """Runs one `arrears` command as a new process (as an operator would); its seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        done = subprocess.run(
            [sys.executable, "-m", "arrears", *words], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        if done.returncode:
            log.seek(0)
            sys.exit(
                f"`arrears {' '.join(words)}` failed ({done.returncode}):\n{log.read().decode()[-3000:]}"
            )
    return time.perf_counter() - started


# --- the database --------------------------------------------------------------------------------


def _admin(url: str) -> Engine:
    return make_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )


def create_database(url: str, *, drop: bool) -> None:
    """Creates the database of ``url`` when missing; ``drop``: drops it first (only a database whose
    name says it is a bench database)."""
    name = make_url(url).database
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name {name!r}")
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists and drop:
                if "bench" not in name:
                    sys.exit(
                        f"refusing to drop {name}: only a database named *bench* is rebuilt (or use --reuse)"
                    )
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@dataclass(frozen=True, slots=True)
class Book:
    accounts: int
    run_date: date | None  # the latest completed daily run
    calls: int  # call actions of that run


def book_of(engine: Engine) -> Book | None:
    """What the database holds (None: no schema yet)."""
    with engine.connect() as connection:
        if connection.execute(text("SELECT to_regclass('card_account')")).scalar() is None:
            return None
        accounts = connection.execute(text("SELECT count(*) FROM card_account")).scalar_one()
        run_date = connection.execute(
            text("SELECT max(run_date) FROM daily_run WHERE status = 'completed'")
        ).scalar()
        calls = 0
        if run_date is not None:
            calls = connection.execute(
                text("SELECT count(*) FROM collection_action WHERE run_date = :d AND channel = 'call'"),
                {"d": run_date},
            ).scalar_one()
    return Book(int(accounts), run_date, int(calls))


def build_book(url: str, *, accounts: int, seed: int, work: Path) -> dict[str, float]:
    """Synthetic extract -> `arrears import extract` -> model trained, registered and promoted ->
    `arrears run-day`: the seconds of each step."""
    env = child_env(url, work / "data")
    seconds: dict[str, float] = {}
    extract = work / "extract"
    seconds["synth extract"] = arrears(
        "synth",
        "extract",
        "--accounts",
        str(accounts),
        "--seed",
        str(seed),
        "--out",
        str(extract),
        "--as-of",
        AS_OF.isoformat(),
        env=env,
    )
    print(f"  arrears synth extract: {seconds['synth extract']:.1f} s", flush=True)
    seconds["import"] = arrears("import", "extract", str(extract), "--as-of", AS_OF.isoformat(), env=env)
    print(f"  arrears import extract: {seconds['import']:.1f} s", flush=True)
    model = work / "model"
    seconds["model"] = arrears("model", "train", "--data", str(bundled_path()), "--out", str(model), env=env)
    version = json.loads((model / "card.json").read_text())["version"]
    seconds["model"] += arrears("model", "register", str(model), "--by", "web-bench", env=env)
    seconds["model"] += arrears("model", "promote", version, "--by", "web-bench", env=env)
    print(f"  arrears model train, register, promote: {seconds['model']:.1f} s", flush=True)
    seconds["run-day"] = arrears("run-day", "--date", AS_OF.isoformat(), env=env)
    print(f"  arrears run-day: {seconds['run-day']:.1f} s", flush=True)
    return seconds


# --- the queue and the collectors ------------------------------------------------------------------


def reset_queue(engine: Engine, run_date: date, user_ids: list[int]) -> int:
    """Puts the day's calls back in the queue as the daily run left them and removes the calls the
    bench's collectors logged before: every run starts from the same queue. Returns the calls reset."""
    with engine.begin() as connection:
        reset = connection.execute(
            text(
                "UPDATE collection_action SET status = 'planned', claimed_by_id = NULL, claimed_at = NULL,"
                " lease_until = NULL WHERE run_date = :d AND channel = 'call' AND status <> 'planned'"
            ),
            {"d": run_date},
        ).rowcount
        connection.execute(
            text("DELETE FROM contact_event WHERE user_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": user_ids},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) collection_action, contact_event"))
    return int(reset)


def ensure_collectors(engine: Engine, count: int) -> dict[str, int]:
    """bench-collector-001 ... with the role collector and the bench password (created when missing,
    in one transaction; any lockout cleared). Username -> user id."""
    users = table_of(AppUser)
    names = [f"{USER_PREFIX}{number:03d}" for number in range(1, count + 1)]
    with engine.begin() as connection:
        found = dict(
            connection.execute(select(users.c.username, users.c.id).where(users.c.username.in_(names)))
            .tuples()
            .all()
        )
        for name in names:
            if name not in found:
                user = create_user(
                    connection,
                    username=name,
                    display_name=name,
                    role="collector",
                    password=PASSWORD,
                    now=now(),
                )
                found[name] = user.id
        connection.execute(
            update(users).where(users.c.username.in_(names)).values(failed_logins=0, locked_until=None)
        )
    return {name: int(found[name]) for name in names}


def bench_user_ids(engine: Engine) -> list[int]:
    users = table_of(AppUser)
    with engine.connect() as connection:
        query = select(users.c.id).where(users.c.username.startswith(USER_PREFIX))
        return [int(one) for one in connection.execute(query).scalars()]


# --- the duplicate check -----------------------------------------------------------------------------


def duplicates(
    engine: Engine, run_date: date, handed: list[tuple[int, int, int]], user_ids: list[int], since: datetime
) -> dict[str, int]:
    """Cases handed to two collectors, from the client's log of (action id, account id, user id)
    and from the database: who holds each claim, and who logged calls since ``since``."""
    by_case: dict[int, set[int]] = defaultdict(set)
    by_account: dict[int, set[int]] = defaultdict(set)
    for case, account, user in handed:
        by_case[case].add(user)
        by_account[account].add(user)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, claimed_by_id, status FROM collection_action"
                " WHERE run_date = :d AND channel = 'call' AND status <> 'planned'"
            ),
            {"d": run_date},
        ).all()
        logged_by_two = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT account_id FROM contact_event"
                " WHERE user_id IN :ids AND at >= :since"
                " GROUP BY account_id HAVING count(DISTINCT user_id) > 1) AS two"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": user_ids, "since": since},
        ).scalar_one()
    claimed = {int(row.id): row.claimed_by_id for row in rows}
    handed_to = {case: min(users) for case, users in by_case.items()}
    return {
        "cases handed out": len(handed),
        "cases handed to two collectors (client log)": sum(len(u) > 1 for u in by_case.values()),
        "cases handed out twice (client log)": len(handed) - len(by_case),
        "accounts handed to two collectors (client log)": sum(len(u) > 1 for u in by_account.values()),
        "cases claimed in the database": len(claimed),
        "cases handed out but claimed by someone else in the database": sum(
            claimed.get(case) != user for case, user in handed_to.items()
        ),
        "accounts with calls logged by two collectors (database)": int(logged_by_two),
        "claims whose answer never arrived (a timeout; not a duplicate)": len(set(claimed) - set(handed_to)),
        "calls done in the database": sum(row.status == "done" for row in rows),
    }


DUPLICATE_KEYS = (
    "cases handed to two collectors (client log)",
    "cases handed out twice (client log)",
    "accounts handed to two collectors (client log)",
    "cases handed out but claimed by someone else in the database",
    "accounts with calls logged by two collectors (database)",
)
