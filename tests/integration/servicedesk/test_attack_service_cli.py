"""Attacks on ``arrears service`` (the command run in this process on the book's SQLite file or PostgreSQL
schema): moments at the ends of the calendar and without an offset, amounts that are not amounts, a channel
only the system uses, a 100 kB summary, a holidays file with the first and last days of the calendar, a
deadlines file with "0 days" and "99999 days". Every refusal is a message and exit code 1 or 2, never a
traceback, and changes nothing."""

from __future__ import annotations

import base64
import json
import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desk_book import DESK, accounts, audit, cases, user
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from arrears import db
from arrears.audit.repository import audit_transaction
from arrears.cli import service
from arrears.config import get_settings
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, table_of
from arrears.servicedesk.intake import OpenedCase, open_case
from arrears.servicedesk.rules import Intake
from fixed_keys import TEST_KEY

T0 = datetime(2026, 12, 4, 1, tzinfo=UTC)  # Friday 09:00 in Shanghai: acknowledge by Monday 24:00


def database_url(book: Engine) -> str:
    url = book.url.render_as_string(hide_password=False)
    if book.dialect.name == "postgresql":
        with book.connect() as connection:
            schema = connection.execute(text("select current_schema()")).scalar_one()
        url += f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    return url


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _command_env(book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command's settings and engine pointed at the test's database (run in this process)."""
    for name in [name for name in os.environ if name.startswith("ARREARS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ARREARS_DATABASE_URL", database_url(book))
    monkeypatch.setenv("ARREARS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARREARS_ENCRYPTION_KEY", base64.b64encode(TEST_KEY).decode())
    monkeypatch.setattr(db, "_engines", {})
    yield
    for one in db._engines.values():
        one.dispose()
    get_settings.cache_clear()


def run(book: Engine, tmp_path: Path, *args: str, expect: int | None = 0, **env: str) -> Done:
    """``arrears service ARGS`` with ``env`` added; fails unless it exits with ``expect`` and without an
    exception other than its exit (a traceback for the user)."""
    get_settings.cache_clear()
    result = CliRunner().invoke(service.app, list(args), env=env or None)
    done = Done(result.exit_code, result.stdout, result.stderr)
    unexpected = result.exception if not isinstance(result.exception, SystemExit) else None
    assert unexpected is None, (args, "".join(traceback.format_exception(unexpected))[-3000:])
    assert expect is None or done.returncode == expect, (
        args,
        done.returncode,
        done.stdout[-800:],
        done.stderr[-1500:],
    )
    return done


def account_no(book: Engine, index: int) -> str:
    a = table_of(CardAccount)
    with book.connect() as connection:
        return str(connection.execute(select(a.c.account_no).order_by(a.c.id)).scalars().all()[index])


def opened(book: Engine, cipher: FieldCipher, index: int, intake: Intake, at: datetime = T0) -> OpenedCase:
    staff = user(book, "customer_service1")
    with audit_transaction(book) as connection:
        return open_case(
            connection,
            account_id=accounts(book)[index][0],
            intake=intake,
            actor="test",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=at,
        )


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "9999-12-31T23:59+14:00",
        "0001-01-01T00:00-12:00",
        "yesterday",
        "2026-13-01T00:00",
        "",
    ],
)
def test_moments_at_the_ends_of_the_calendar_are_refused_with_a_message(
    book: Engine, cipher: FieldCipher, tmp_path: Path, at: str
) -> None:
    opened(book, cipher, 0, Intake("dispute", "amount", "call", "wrong"))
    for command in ("list", "escalate"):
        done = run(book, tmp_path, command, "--at", at, expect=1)
        assert "at" in done.stderr
    assert cases(book)[0]["escalation_level"] == 0 and audit(book, "service_case.escalated") == []


def test_the_last_supported_moment_lists_and_escalates_on_a_provisional_calendar(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    case = opened(book, cipher, 0, Intake("dispute", "amount", "call", "wrong"))
    listed = json.loads(run(book, tmp_path, "list", "--at", "2999-12-31T23:59+00:00", "--json").stdout)
    assert [(row["case_id"], row["clock"]) for row in listed] == [(case.id, "breached")]
    raised = json.loads(run(book, tmp_path, "escalate", "--at", "2999-12-31T23:59+00:00", "--json").stdout)
    assert raised == [{"case_id": case.id, "level": 2}]
    assert json.loads(run(book, tmp_path, "list", "--at", "1900-01-01T00:00+08:00", "--json").stdout) != []


def test_an_at_without_an_offset_is_not_read_as_utc(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    case = opened(book, cipher, 0, Intake("dispute", "amount", "call", "wrong"))
    assert case.acknowledge_by == datetime(2026, 12, 7, 16, tzinfo=UTC)  # Monday 24:00 in Shanghai
    done = run(book, tmp_path, "escalate", "--at", "2026-12-07T20:00", "--json", expect=None)
    # 20:00 on Monday in the cardholders' zone: the acknowledgement is not late yet (or: refused, no offset)
    assert done.returncode == 1 or json.loads(done.stdout) == []


@pytest.mark.parametrize(
    "extra",
    [["--amount", amount] for amount in ("1e999", "NaN", "-0.01", "0.001", "99999999999999999999", "0")]
    + [
        ["--kind", "complaint", "--category", "attitude_abuse", "--amount", "1.00"],
        ["--kind", "bogus"],
        ["--category", "fraud:"],
        ["--regulator-ref", "JG-1"],
        ["--summary", "x" * 100_000],
        ["--summary", "   "],
        ["--channel", "regulator", "--regulator-ref", "R" * 61],
    ],
)
def test_bad_cases_from_the_mailroom_are_refused_with_a_message(
    book: Engine, tmp_path: Path, extra: list[str]
) -> None:
    base = {"--kind": "dispute", "--category": "amount", "--channel": "letter", "--summary": "wrong"}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        base[flag] = value
    args = [arg for pair in base.items() for arg in pair]
    done = run(book, tmp_path, "open", account_no(book, 1), *args, expect=1)
    assert done.stderr.strip()
    assert cases(book) == []


@pytest.mark.parametrize("channel", ["portal", "assistant", "", "PORTAL"])
def test_the_mailroom_cannot_use_a_channel_only_the_system_uses(
    book: Engine, tmp_path: Path, channel: str
) -> None:
    run(
        book,
        tmp_path,
        "open",
        account_no(book, 1),
        "--kind",
        "hardship",
        "--category",
        "illness",
        "--channel",
        channel,
        "--summary",
        "ill",
        expect=2,
    )
    assert cases(book) == []


@pytest.mark.parametrize(("typed", "fen"), [("0.01", 1), ("100000000.00", 10_000_000_000), ("7", 700)])
def test_a_mailroom_amount_round_trips_to_the_fen(book: Engine, tmp_path: Path, typed: str, fen: int) -> None:
    done = run(
        book,
        tmp_path,
        "open",
        account_no(book, 2),
        "--kind",
        "dispute",
        "--category",
        "charge",
        "--channel",
        "email",
        "--summary",
        "not mine",
        "--amount",
        typed,
        "--json",
    )
    assert json.loads(done.stdout)["holds"] == ["dispute"]
    assert cases(book)[0]["amount_fen"] == fen


def test_a_holidays_file_with_the_first_and_last_days_of_the_calendar(book: Engine, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.toml"
    holidays.write_text(
        '[0001]\nholidays = ["0001-01-01"]\n[9999]\nholidays = ["9999-12-31"]\n'
        '[2027]\nholidays = ["2027-01-01", "2027-02-08"]\nworkdays = ["2027-02-06"]\n'
    )
    env = {"ARREARS_HOLIDAYS_FILE": str(holidays)}
    opened = json.loads(
        run(
            book,
            tmp_path,
            "open",
            account_no(book, 3),
            "--kind",
            "complaint",
            "--category",
            "privacy",
            "--channel",
            "email",
            "--summary",
            "leaked",
            "--json",
            **env,
        ).stdout
    )
    assert opened["resolve_by"] > opened["acknowledge_by"]
    run(book, tmp_path, "list", "--at", "2999-12-31T23:00+08:00", **env)
    run(book, tmp_path, "escalate", "--at", "2027-02-01T00:00+08:00", **env)
    bad = tmp_path / "bad.toml"
    for content in (
        '[9999]\nholidays = ["0001-01-01"]\n',
        "[0000]\nholidays = []\n",
        '[2027]\nholidays = ["2027-02-30"]\n',
        '[2027]\nholidays = []\nworkdays = ["2027-02-08"]\n',
        '[2027]\nholidays = ["2027-02-06"]\nworkdays = ["2027-02-06"]\n',
        "[2027\n",
    ):
        bad.write_text(content)
        done = run(book, tmp_path, "list", expect=1, ARREARS_HOLIDAYS_FILE=str(bad))
        assert str(bad) in done.stderr.replace("\n", ""), content


def test_a_deadlines_file_with_zero_and_99999_days(book: Engine, tmp_path: Path) -> None:
    zero = tmp_path / "zero.toml"
    zero.write_text('[default]\nacknowledge = "0 days"\nresolve = "0 working days"\n')
    done = run(
        book,
        tmp_path,
        "open",
        account_no(book, 4),
        "--kind",
        "complaint",
        "--category",
        "privacy",
        "--channel",
        "letter",
        "--summary",
        "leaked",
        "--json",
        ARREARS_SERVICE_DEADLINES_FILE=str(zero),
    )
    opened = json.loads(done.stdout)
    acknowledge, resolve = (datetime.fromisoformat(opened[key]) for key in ("acknowledge_by", "resolve_by"))
    received = cases(book)[0]["received_at"]
    assert received < acknowledge <= received + timedelta(days=4)  # today's end, or the next working day's
    assert acknowledge == resolve
    bad = tmp_path / "bad.toml"
    for spec, key in (
        ('"99999 days"', "default.resolve"),
        ('"-1 days"', "default.resolve"),
        ("15", "default.resolve"),
        ('"1 fortnight"', "default.resolve"),
    ):
        bad.write_text(f"[default]\nresolve = {spec}\n")
        done = run(book, tmp_path, "list", expect=1, ARREARS_SERVICE_DEADLINES_FILE=str(bad))
        assert key in done.stderr and str(bad) in done.stderr.replace("\n", ""), spec
    bad.write_text('[kind.refund]\nresolve = "1 days"\n')
    assert (
        "kind.refund" in run(book, tmp_path, "list", expect=1, ARREARS_SERVICE_DEADLINES_FILE=str(bad)).stderr
    )
