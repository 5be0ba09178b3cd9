"""The malicious-overdraft referral check (``arrears legal overdraft-check``) over a large book, on SQLite
and PostgreSQL: wall time and peak RSS of the command as a new process, the candidates it found, and
where its time went.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/overdraft_check_bench.py --accounts 1000000
    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/overdraft_check_bench.py --baseline 88aa6d7

Builds a synthetic book of ``--accounts`` overdue accounts (and a tenth as many paid up, whose old
collections must not count), each with six months of collection history before the check day:
call attempts (``--calls-per-month``, 30% reaching the debtor), a letter a month (80% demand letters,
90% delivered), SMS reminders, the payment that ended an account's earlier spell of arrears (so an
account 40 days past due has older collections from before it), partial payments, older payments and
a few reversals. Rows are loaded in time order, as a live book writes them, with the secondary indexes
dropped during the load and rebuilt after it.

Then runs ``arrears legal overdraft-check --as-of D`` as a child process twice (the day's first check,
which adds its candidates, and a re-run of the day, which refreshes them) and prints, for each: wall
time and CPU time, peak RSS (the child's VmHWM), the command's report, and the seconds spent in each
repository call (SQL and reading its rows) and in the rest of the check (Python). The child is this
script wrapping the repository's methods with timers, then running the command's own entry point.
``--baseline REV`` first runs the same two checks with the ``overdraft.py`` and
``overdraft_repository.py`` of git revision REV loaded in their place, on the same book, and says
whether both found the same candidates with the same evidence.

SQLite: a file in ``--work`` (kept with ``--keep``; ``--reuse`` checks a kept book again without
building it; ``--build-only`` builds one). PostgreSQL: ``--database-url`` or ``ARREARS_TEST_DATABASE_URL``,
on which a database ``arrears_overdraft_bench`` (``--pg-database``) is created (and dropped at the end
unless ``--keep``). ``--backends`` picks them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url

AS_OF = date(2026, 11, 23)
ZONE = ZoneInfo("Asia/Shanghai")
WINDOW = 180  # days of collection history before the check day
BENCH_DB = "arrears_overdraft_bench"
EPOCH = date(1970, 1, 1)
# days past due of the overdue accounts: M1..M6 and M7+ (shares of the book)
BUCKETS = ((1, 30, 0.45), (31, 60, 0.15), (61, 90, 0.10), (91, 120, 0.07), (121, 150, 0.05),
           (151, 180, 0.04), (181, 540, 0.14))  # fmt: skip
CHUNK = 500_000


# --- the book --------------------------------------------------------------------------------------


class Loader:
    """Rows into a table, SQLite (executemany on the raw connection) or PostgreSQL (COPY)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self.stamp = "" if self.sqlite else "+00"  # timestamps are UTC
        if self.sqlite:
            self.connection: Any = sqlite3.connect(make_url(url).database or "")
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=OFF")
            self.connection.execute("PRAGMA cache_size=-1048576")
        else:
            import psycopg

            self.connection = psycopg.connect(_libpq(url))
            self.connection.execute("SET session_replication_role = replica")  # no FK triggers
        self.dropped: list[tuple[str, str]] = []

    def blob(self) -> Any:
        return b"\x00" if self.sqlite else "\\\\x00"

    def drop_indexes(self, tables: Sequence[str]) -> None:
        for table in tables:
            if self.sqlite:
                found = self.connection.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL",
                    (table,),
                ).fetchall()
            else:
                found = self.connection.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = "
                    "x.indexrelid JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                    (table,),
                ).fetchall()
            for name, sql in found:
                self.connection.execute(f'DROP INDEX "{name}"')
                self.dropped.append((name, sql))
        self.connection.commit()

    def rebuild_indexes(self) -> None:
        for _name, sql in self.dropped:
            self.connection.execute(sql)
            self.connection.commit()
        self.dropped = []
        if not self.sqlite:
            for table in ("customer", "card_account", "contact_event", "outbox_message", "payment"):
                self.connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        if self.sqlite:
            self.connection.execute("ANALYZE")
            self.connection.commit()
            return
        self.connection.commit()
        self.connection.autocommit = True
        self.connection.execute("VACUUM ANALYZE")  # statistics, and the visibility map index-only scans read

    def put(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        lines = "\n".join("\t".join("\\N" if v is None else str(v) for v in row) for row in rows) + "\n"
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            copy.write(lines)

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class Clock:
    """Day offsets (0 = the window's first day) and local times of day as stored UTC text."""

    def __init__(self, stamp: str) -> None:
        self.start = AS_OF - timedelta(days=WINDOW)
        offset = int(datetime.combine(AS_OF, datetime.min.time(), ZONE).utcoffset().total_seconds())  # type: ignore[union-attr]
        self.offset = offset  # the zone keeps one offset over the window (Asia/Shanghai)
        first = (self.start - EPOCH).days - 800
        self.first = first
        self.days = [(EPOCH + timedelta(days=first + n)).isoformat() for n in range(800 + WINDOW + 10)]
        self.times = [
            f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000{stamp}" for s in range(86_400)
        ]

    def epoch(self, day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """UTC epoch seconds of a local ``seconds`` past midnight on window day ``day``."""
        start = (self.start - EPOCH).days
        return (day.astype(np.int64) + start) * 86_400 + seconds.astype(np.int64) - self.offset

    def texts(self, epoch: np.ndarray) -> list[str]:
        days = (epoch // 86_400 - self.first).tolist()
        seconds = (epoch % 86_400).tolist()
        d, t = self.days, self.times
        return [d[a] + t[b] for a, b in zip(days, seconds, strict=True)]

    def dates(self, day: np.ndarray) -> list[str]:
        start = (self.start - EPOCH).days - self.first
        return [self.days[n] for n in (day.astype(np.int64) + start).tolist()]


def _slices(total: int) -> Iterator[slice]:
    for start in range(0, total, CHUNK):
        yield slice(start, min(total, start + CHUNK))


def build(
    url: str, *, accounts: int, seed: int, calls_per_month: float, sms_per_month: float
) -> dict[str, int]:
    """The synthetic book (see the module's docstring); the rows of each table."""
    rng = np.random.default_rng(seed)
    load = Loader(url)
    clock = Clock(load.stamp)
    cured = accounts // 10
    total = accounts + cured
    ids = np.arange(1, total + 1, dtype=np.int64)
    is_cured = np.zeros(total, dtype=bool)
    is_cured[rng.choice(total, cured, replace=False)] = True
    bucket = rng.choice(len(BUCKETS), total, p=[b[2] for b in BUCKETS])
    low = np.array([b[0] for b in BUCKETS])[bucket]
    high = np.array([b[1] for b in BUCKETS])[bucket]
    dpd = np.where(is_cured, 0, rng.integers(low, high + 1))
    overdue = np.where(is_cured, 0, rng.integers(500_00, 80_000_00, total))
    principal = np.where(is_cured, rng.integers(0, 20_000_00, total), overdue * 9 // 10)
    counts: dict[str, int] = {}
    tables = ("customer", "card_account", "contact_event", "outbox_message", "payment")
    load.drop_indexes(tables)
    now = clock.texts(np.array([clock.epoch(np.array([WINDOW - 1]), np.array([7_200]))[0]]))[0]

    columns = ("id", "customer_no", "name", "national_id_enc", "national_id_hash", "national_id_masked",
               "created_at", "updated_at")  # fmt: skip
    blob = load.blob()
    for part in _slices(total):
        rows = [(n, f"C{n}", f"n{n}", blob, f"h{n:063d}", "1***", now, now) for n in ids[part].tolist()]
        load.put("customer", columns, rows)
    counts["customer"] = total
    columns = ("id", "account_no", "account_tail", "customer_id", "product", "currency", "credit_limit_fen",
               "principal_fen", "interest_fen", "fee_fen", "open_date", "cycle_day", "due_day", "status",
               "dpd", "bucket", "overdue_fen", "created_at", "updated_at")  # fmt: skip
    for part in _slices(total):
        rows = [
            (n, f"A{n:010d}", f"{n % 10_000:04d}", n, "card", "CNY", 50_000_00, p, o // 20,
             100_00 if o else 0, "2020-01-01", 5, 25, "active", d,
             "M0" if not d else f"M{min(7, (d + 29) // 30)}", o, now, now)
            for n, p, o, d in zip(ids[part].tolist(), principal[part].tolist(), overdue[part].tolist(),
                                  dpd[part].tolist(), strict=True)
        ]  # fmt: skip
        load.put("card_account", columns, rows)
    counts["card_account"] = total
    load.commit()

    # payments: two older ones, the one that ended an earlier spell of arrears, some partial ones
    older = np.repeat(ids, 2)
    older_day = -rng.integers(1, 366, older.size)
    spell = (~is_cured) & (dpd < WINDOW)
    spell_day = WINDOW - dpd[spell] - rng.integers(1, 26, int(spell.sum()))
    kept = spell_day >= 0
    cured_day = rng.integers(WINDOW - 60, WINDOW, cured)
    partial = rng.random(total) < 0.15
    pay_account = np.concatenate([older, ids[spell][kept], ids[is_cured], ids[partial]])
    pay_day = np.concatenate(
        [older_day, spell_day[kept], cured_day, rng.integers(0, WINDOW, int(partial.sum()))]
    )
    order = np.lexsort((pay_account, pay_day))
    pay_account, pay_day = pay_account[order], pay_day[order]
    amount = rng.integers(100_00, 5_000_00, pay_account.size)
    reversed_at = np.flatnonzero(rng.random(pay_account.size) < 0.01)
    columns = (
        "id",
        "payment_ref",
        "account_id",
        "paid_date",
        "amount_fen",
        "channel",
        "source",
        "reverses_id",
    )
    pay_dates = clock.dates(pay_day)
    for part in _slices(pay_account.size):
        first = part.start + 1
        rows = [(first + k, f"P{first + k}", a, pay_dates[part.start + k], f, "bank", "extract", None)
                for k, (a, f) in enumerate(zip(pay_account[part].tolist(), amount[part].tolist(),
                                               strict=True))]  # fmt: skip
        load.put("payment", columns, rows)
    base = pay_account.size
    back_day = np.minimum(pay_day[reversed_at] + rng.integers(0, 4, reversed_at.size), WINDOW - 1)
    back_dates = clock.dates(back_day)
    rows = [(base + k + 1, f"R{base + k + 1}", int(pay_account[i]), back_dates[k], -int(amount[i]), "bank",
             "reversal", int(i) + 1) for k, i in enumerate(reversed_at.tolist())]  # fmt: skip
    load.put("payment", columns, rows)
    counts["payment"] = base + len(rows)
    load.commit()

    # calls: attempts over the window; 30% reach the debtor (an effective collection), 5% a third party
    per = rng.poisson(calls_per_month * WINDOW / 30, total)
    account = np.repeat(ids, per)
    at = clock.epoch(rng.integers(0, WINDOW, account.size), rng.integers(9 * 3600, 21 * 3600, account.size))
    order = np.lexsort((account, at))
    account, at = account[order], at[order]
    draw = rng.random(account.size)
    columns = ("id", "account_id", "customer_id", "at", "channel", "party", "connected", "conversation",
               "outcome")  # fmt: skip
    for part in _slices(account.size):
        texts = clock.texts(at[part])
        rows = []
        for k, (a, r) in enumerate(zip(account[part].tolist(), draw[part].tolist(), strict=True)):
            if r < 0.3:
                kind = ("debtor", True, True, "promise" if r < 0.1 else "right_party")
            elif r < 0.35:
                kind = ("third_party", True, True, "third_party")
            else:
                kind = ("debtor", False, False, "no_answer")
            rows.append((part.start + k + 1, a, a, texts[k], "call", *kind))
        load.put("contact_event", columns, rows)
    counts["contact_event"] = int(account.size)
    load.commit()

    # the outbox: a letter a month (80% demand letters, 90% delivered three days on) and SMS reminders
    letters = np.repeat(ids, WINDOW // 30)
    month = np.tile(np.arange(WINDOW // 30), total)
    letter_day = month * 30 + rng.integers(0, 27, letters.size)
    sms = np.repeat(ids, rng.poisson(sms_per_month * WINDOW / 30, total))
    account = np.concatenate([letters, sms])
    created = clock.epoch(np.concatenate([letter_day, rng.integers(0, WINDOW, sms.size)]),
                          np.full(account.size, 2 * 3600))  # fmt: skip
    is_letter = np.arange(account.size) < letters.size
    delivered = clock.epoch(np.concatenate([letter_day + 3, np.zeros(sms.size, dtype=np.int64)]),
                            rng.integers(9 * 3600, 18 * 3600, account.size))  # fmt: skip
    delivered = np.where(is_letter, delivered, created + 60)
    draw, arrives = rng.random(account.size), rng.random(account.size)
    order = np.lexsort((account, created))
    account, created, delivered, draw, arrives, is_letter = (
        account[order], created[order], delivered[order], draw[order], arrives[order], is_letter[order]
    )  # fmt: skip
    horizon = clock.epoch(np.array([WINDOW]), np.array([0]))[0]
    columns = ("id", "idempotency_key", "channel", "source", "account_id", "customer_id", "template",
               "created_at", "not_before", "deadline_at", "next_attempt_at", "status", "sent_at",
               "delivered_at", "tracking_no")  # fmt: skip
    for part in _slices(account.size):
        made, came = clock.texts(created[part]), clock.texts(delivered[part])
        late = (delivered[part] >= horizon).tolist()
        reached = (arrives[part] < 0.9).tolist()
        rows = []
        for k, (a, r, letter) in enumerate(zip(account[part].tolist(), draw[part].tolist(),
                                               is_letter[part].tolist(), strict=True)):  # fmt: skip
            n = part.start + k + 1
            if letter:
                template = "demand" if r < 0.55 else "final_demand" if r < 0.8 else "notice"
                arrived = reached[k] and not late[k]
                rows.append((n, f"L{n}", "letter", "run", a, a, template, made[k], made[k], came[k], made[k],
                             "delivered" if arrived else "sent", made[k], came[k] if arrived else None,
                             f"EMS{n:011d}"))  # fmt: skip
            else:
                rows.append((n, f"S{n}", "sms", "run", a, a, "reminder", made[k], made[k], came[k], made[k],
                             "delivered", made[k], came[k], None))  # fmt: skip
        load.put("outbox_message", columns, rows)
    counts["outbox_message"] = int(account.size)
    load.commit()
    started = time.perf_counter()
    load.rebuild_indexes()
    counts["index_seconds"] = int(time.perf_counter() - started)
    load.close()
    return counts


# --- the check as a child process -------------------------------------------------------------------


def fetch_revision(revision: str, repo: Path, out: Path) -> Path:
    """The overdraft service and repository of git ``revision``, written to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("overdraft_repository", "overdraft"):
        source = subprocess.run(
            ["git", "-C", str(repo), "show", f"{revision}:src/arrears/legal/{name}.py"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        (out / f"{name}.py").write_text(source)
    return out


def _load_modules(folder: Path) -> None:
    """The overdraft service and repository of ``folder`` in place of the current ones."""
    import arrears.legal

    for name in ("overdraft_repository", "overdraft"):
        module = types.ModuleType(f"arrears.legal.{name}")
        module.__file__ = str(folder / f"{name}.py")
        sys.modules[module.__name__] = module
        exec(compile((folder / f"{name}.py").read_text(), module.__file__, "exec"), module.__dict__)
        setattr(arrears.legal, name, module)


def child(arguments: list[str], *, phases_out: Path, modules: Path | None) -> None:
    """Runs ``arrears <arguments>`` in this process, timing each repository call and the check."""
    if modules is not None:
        _load_modules(modules)
    from arrears.cli.main import app
    from arrears.legal import overdraft, overdraft_repository

    spent: dict[str, list[float]] = {}

    def add(name: str, seconds: float, cpu: float, calls: int) -> None:
        entry = spent.setdefault(name, [0.0, 0, 0.0])
        entry[0] += seconds
        entry[1] += calls
        entry[2] += cpu

    def drawn(name: str, rows: Iterator[Any]) -> Iterator[Any]:
        """A generator's rows, the time spent producing them counted to ``name``."""
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                row = next(rows)
            except StopIteration:
                return
            finally:
                add(name, time.perf_counter() - started, time.process_time() - cpu, 0)
            yield row

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                result = function(*args, **kwargs)
            finally:
                add(name, time.perf_counter() - started, time.process_time() - cpu, 1)
            return drawn(name, result) if isinstance(result, Iterator) else result

        return wrapper

    repository = overdraft_repository.OverdraftRepository
    for name, function in list(vars(repository).items()):
        if callable(function) and not name.startswith("_"):
            setattr(repository, name, timed(f"sql {name}", function))
    overdraft.check = timed("check", overdraft.check)
    try:
        app(arguments, prog_name="arrears", standalone_mode=False)
    finally:
        # the peak of this program (not of the benchmark's image it was forked from, which ru_maxrss keeps)
        status = Path("/proc/self/status").read_text()
        peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        phases_out.write_text(json.dumps({"phases": spent, "peak_kib": peak}))


def run_check(url: str, work: Path, day: date, modules: Path | None) -> dict[str, Any]:
    """One ``arrears legal overdraft-check --as-of day`` as a child process: seconds, peak RSS, its
    report and the seconds of each phase; or, when it failed, its error."""
    phases = work / "phases.json"
    phases.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARREARS_")}
    env |= {"ARREARS_DATABASE_URL": url, "ARREARS_DATA_DIR": str(work / "data"), "ARREARS_TIMEZONE": ZONE.key}
    command = [sys.executable, __file__, "--child", "--phases-out", str(phases)]
    command += ["--modules", str(modules)] if modules else []
    command += ["--", "legal", "overdraft-check", "--as-of", day.isoformat()]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        errors = [line for line in output.splitlines() if "Error" in line and not line.startswith(" ")]
        error = (errors[-1] if errors else output[-500:])[:300]
        peak = json.loads(phases.read_text())["peak_kib"] if phases.exists() else 0
        return {"seconds": seconds, "rss_mib": peak / 1024, "error": error}
    cpu = usage.ru_utime + usage.ru_stime
    measured = json.loads(phases.read_text())
    spent = measured["phases"]
    return {"seconds": seconds, "cpu": cpu, "rss_mib": measured["peak_kib"] / 1024, "report": output.strip(),
            "phases": spent}  # fmt: skip


def fingerprint(url: str, day: date) -> tuple[int, str]:
    """The day's candidates and a digest of what each records (the evidence, dates and amounts)."""
    from arrears.db import make_engine

    engine = make_engine(url)
    digest = hashlib.sha256()
    count = 0
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=10_000).execute(
            text(
                "SELECT account_id, customer_id, status, first_collection_on, first_collection_kind, "
                "second_collection_on, second_collection_kind, eligible_from, last_payment_on, overdue_fen, "
                "principal_fen, balance_fen, dpd, evidence FROM overdraft_candidate WHERE check_date = :d "
                "ORDER BY account_id"
            ),
            {"d": day},
        )
        for row in rows:
            digest.update(repr(tuple(str(v) for v in row)).encode())
            count += 1
    engine.dispose()
    return count, digest.hexdigest()[:16]


def clear(url: str) -> None:
    from arrears.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM overdraft_candidate"))
    engine.dispose()


def show(label: str, found: dict[str, Any]) -> None:
    load = os.getloadavg()[0]
    if "error" in found:
        print(f"  {label}: FAILED after {found['seconds']:.1f} s (peak RSS {found['rss_mib']:,.0f} MiB): "
              f"{found['error']}", flush=True)  # fmt: skip
        return
    spent = found["phases"]
    check, _, check_cpu = spent.get("check", [0.0, 0, 0.0])
    sql = sum(v[0] for k, v in spent.items() if k.startswith("sql "))
    sql_cpu = sum(v[2] for k, v in spent.items() if k.startswith("sql "))
    print(f"  {label}: {found['seconds']:.1f} s wall ({found['cpu']:.1f} s CPU), peak RSS "
          f"{found['rss_mib']:,.0f} MiB, load average {load:.1f}")  # fmt: skip
    print(f"    the check {check:.1f} s ({check_cpu:.1f} s CPU): repository calls {sql:.1f} s "
          f"({sql_cpu:.1f} s CPU), the rest {check - sql:.1f} s ({check_cpu - sql_cpu:.1f} s CPU); "
          f"start-up and migration check {found['seconds'] - check:.1f} s")  # fmt: skip
    print(f"    {found['report']}")
    for name, (seconds, calls, cpu) in sorted(spent.items(), key=lambda item: -item[1][0]):
        if name != "check" and seconds >= 0.05:
            print(f"    {name:<28} {seconds:8.2f} s ({cpu:7.2f} s CPU, {calls:,} calls)")


# --- main ---------------------------------------------------------------------------------------------


def _pg_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(make_url(url).set(database="postgres").render_as_string(hide_password=False)),
                         autocommit=True) as connection:  # fmt: skip
        connection.execute(statement)


def bench(url: str, work: Path, args: argparse.Namespace) -> None:
    from arrears import migrate
    from arrears.db import make_engine

    name = make_url(url).get_backend_name()
    print(f"{name}: {args.accounts:,} overdue accounts", flush=True)
    engine = make_engine(url)
    migrate.upgrade(engine)  # a kept book's migrations are not timed with the check
    engine.dispose()
    if not args.reuse:
        started = time.perf_counter()
        counts = build(url, accounts=args.accounts, seed=args.seed, calls_per_month=args.calls_per_month,
                       sms_per_month=args.sms_per_month)  # fmt: skip
        indexes = counts.pop("index_seconds")
        print(f"  book built in {time.perf_counter() - started:.0f} s (indexes {indexes} s): "
              + ", ".join(f"{table} {rows:,}" for table, rows in counts.items()), flush=True)  # fmt: skip
    if args.build_only:
        return
    clear(url)
    before = None
    if args.baseline:
        modules = fetch_revision(args.baseline, args.repo, work / "baseline")
        first = run_check(url, work, AS_OF, modules)
        show(f"{args.baseline}, the day's first check", first)
        if "error" not in first:
            again = run_check(url, work, AS_OF, modules)
            show(f"{args.baseline}, the day re-run", again)
            before = fingerprint(url, AS_OF)
        clear(url)
    first = run_check(url, work, AS_OF, None)
    show("now, the day's first check", first)
    again = run_check(url, work, AS_OF, None)
    show("now, the day re-run", again)
    after = fingerprint(url, AS_OF)
    print(f"  candidates {after[0]:,} (digest {after[1]})", flush=True)
    if before is not None:
        print(f"  same candidates and evidence as {args.baseline}: {'yes' if before == after else 'NO'} "
              f"({before[0]:,}, digest {before[1]})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000, help="overdue accounts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls-per-month", type=float, default=3.0)
    parser.add_argument("--sms-per-month", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--database-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL"),
                        help="PostgreSQL server (the bench makes a database of its own there)")  # fmt: skip
    parser.add_argument("--pg-database", default=BENCH_DB, help="the bench's database on that server")
    parser.add_argument("--work", type=Path, help="folder of the SQLite book (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the books")
    parser.add_argument("--reuse", action="store_true", help="check the kept books again without building")
    parser.add_argument(
        "--build-only", action="store_true", help="build the books (with --keep), check nothing"
    )
    parser.add_argument("--baseline", help="also check with the overdraft modules of this git revision")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the git repository --baseline is read from (default: this one)")  # fmt: skip
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--modules", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phases-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rest, phases_out=args.phases_out, modules=args.modules)
        return
    backends = [one.strip() for one in args.backends.split(",") if one.strip()]
    with tempfile.TemporaryDirectory(prefix="overdraft-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        if "sqlite" in backends:
            path = work / "book.db"
            if args.reuse and not path.exists():
                sys.exit(f"--reuse: no book at {path}")
            if not args.reuse:
                for leftover in work.glob("book.db*"):
                    leftover.unlink()
            bench(f"sqlite:///{path}", work, args)
            if not args.keep:
                for leftover in work.glob("book.db*"):
                    leftover.unlink()
        if "postgresql" in backends:
            if not args.database_url:
                print("postgresql: skipped (no --database-url or ARREARS_TEST_DATABASE_URL)")
                return
            name = args.pg_database
            if "bench" not in name or not name.replace("_", "").isalnum():
                sys.exit(f"--pg-database {name!r}: only a database named *bench* is made and dropped")
            url = _pg_url(args.database_url, name)
            if not args.reuse:
                _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                _pg_admin(url, f'CREATE DATABASE "{name}"')
            try:
                bench(url, work, args)
            finally:
                if not args.keep:
                    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")


if __name__ == "__main__":
    main()
