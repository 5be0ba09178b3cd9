"""``arrears dispatch`` from the command line: killed with SIGKILL at random moments of a drain and
restarted, it sends every message exactly once (the file transport's lines counted per key); worker
processes share a drain; expired messages give exit code 4; ``--channel letter`` renders the letters."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dispatch_kill import command_env, drain_with_kills
from letter_book import DAY as LETTER_DAY
from letter_book import message as letter_message
from letter_book import seed as seed_letters
from outbox_seed import queue_sms, seed_cardholders, statuses, written
from sqlalchemy import Engine

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from arrears.messaging.repository import OutboxRepository
from fixed_keys import TEST_KEY


@pytest.mark.slow
def test_a_dispatcher_killed_at_random_loses_and_repeats_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arrears.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    people = seed_cardholders(engine, FieldCipher(TEST_KEY), count=200, consent_outside_hours=True)
    keys = queue_sms(engine, people, count=3_000, now=now - timedelta(minutes=1), deadline=timedelta(days=1))
    out = tmp_path / "out"
    env = command_env(data_dir=tmp_path, database_url=url, out=out,
                      key=base64.b64encode(TEST_KEY).decode(), claim_seconds=1)  # fmt: skip
    env["ARREARS_DISPATCH_BATCH_SIZE"] = "100"
    env["ARREARS_SMS_RATE"] = "1000"  # slow enough that four kills land before the drain is over

    drained = drain_with_kills(engine, env, out, keys, kills=4, seed=14, latest=0.4)

    assert drained.kills == 4
    assert (drained.duplicates, drained.lost, drained.unsent) == (0, 0, 0)
    assert statuses(engine) == {"sent": 3_000}
    engine.dispose()


def _setup(
    tmp_path: Path, *, count: int, deadline: timedelta
) -> tuple[Engine, dict[str, str], Path, list[str]]:
    url = f"sqlite:///{tmp_path / 'arrears.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC) - timedelta(minutes=1)
    people = seed_cardholders(engine, FieldCipher(TEST_KEY), count=20, consent_outside_hours=True)
    keys = queue_sms(engine, people, count=count, now=now, deadline=deadline)
    out = tmp_path / "out"
    env = command_env(data_dir=tmp_path, database_url=url, out=out,
                      key=base64.b64encode(TEST_KEY).decode(), claim_seconds=60)  # fmt: skip
    return engine, env, out, keys


def _dispatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arrears", "dispatch", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


@pytest.mark.slow  # three interpreters start (about 20 s on two shared cores)
def test_worker_processes_share_the_drain(tmp_path: Path) -> None:
    engine, env, out, keys = _setup(tmp_path, count=600, deadline=timedelta(days=1))
    env["ARREARS_DISPATCH_BATCH_SIZE"] = "50"

    finished = _dispatch(env, "--once", "--workers", "2")

    assert finished.returncode == 0, finished.stderr
    assert written(out) == Counter(keys) and statuses(engine) == {"sent": 600}
    with engine.connect() as connection:
        workers = OutboxRepository(connection).workers()
    assert len(workers) == 2 and sum(worker["sent"] for worker in workers) == 600
    engine.dispose()


def test_expired_messages_give_exit_code_4(tmp_path: Path) -> None:
    engine, env, _, _ = _setup(tmp_path, count=3, deadline=timedelta(seconds=30))

    finished = _dispatch(env, "--once")

    assert finished.returncode == 4 and "expired 3" in finished.stdout
    engine.dispose()


def test_the_letter_channel_hands_the_due_letters_to_the_renderer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arrears.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    holders = seed_letters(engine, FieldCipher(TEST_KEY), count=2, without_address=(1,),
                           deadline_at=datetime.now(UTC) + timedelta(hours=12))  # fmt: skip
    env = command_env(data_dir=tmp_path, database_url=url, out=tmp_path / "out",
                      key=base64.b64encode(TEST_KEY).decode(), claim_seconds=60)  # fmt: skip

    first = _dispatch(env, "--channel", "letter")
    again = _dispatch(env, "--channel", "letter")

    assert first.returncode == 4, first.stderr  # the letter without an address failed
    assert "letters rendered 1" in first.stdout and "failed 1" in first.stdout
    assert (tmp_path / "outbox" / "letter" / LETTER_DAY.isoformat() / "manifest.csv").exists()
    assert again.returncode == 0 and "letters rendered 0" in again.stdout
    assert [letter_message(engine, one.message_id)["status"] for one in holders] == ["sent", "failed"]
    engine.dispose()


def _past_day(tmp_path: Path) -> tuple[Engine, dict[str, str], Path, list[str]]:
    """Three SMS of a past business date (due 2005-10-01 10:00 Beijing time, until 22:00)."""
    url = f"sqlite:///{tmp_path / 'arrears.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    due = datetime(2005, 10, 1, 2, 0, tzinfo=UTC)
    people = seed_cardholders(engine, FieldCipher(TEST_KEY), count=3)
    keys = queue_sms(engine, people, count=3, now=due, deadline=timedelta(hours=12))
    out = tmp_path / "out"
    env = command_env(data_dir=tmp_path, database_url=url, out=out,
                      key=base64.b64encode(TEST_KEY).decode(), claim_seconds=60)  # fmt: skip
    return engine, env, out, keys


def test_at_sends_a_past_business_date_through_the_file_transport(tmp_path: Path) -> None:
    engine, env, out, keys = _past_day(tmp_path)

    finished = _dispatch(env, "--once", "--at", "2005-10-01T10:30+08:00")

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert written(out) == Counter(keys) and statuses(engine) == {"sent": 3}
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--at", "2005-10-01 10:30"), "not a time with an offset"),
        (("--at", "yesterday"), "not a time with an offset"),
        (("--at", "2005-10-01T10:30+08:00", "--workers", "2"), "one process"),
    ],
)
def test_at_refuses_a_time_without_offset_or_several_processes(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    engine, env, _, _ = _past_day(tmp_path)

    finished = _dispatch(env, "--once", *args)

    assert finished.returncode == 1 and said in " ".join((finished.stdout + finished.stderr).split())
    assert statuses(engine) == {"queued": 3}
    engine.dispose()


def test_at_refuses_a_real_gateway(tmp_path: Path) -> None:
    engine, env, _, _ = _past_day(tmp_path)
    env["ARREARS_SMS_TRANSPORT"] = "smpp://bank:secret@127.0.0.1:9"

    finished = _dispatch(env, "--once", "--at", "2005-10-01T10:30+08:00")

    assert finished.returncode == 1
    assert "needs file transports" in " ".join((finished.stdout + finished.stderr).split())
    assert "secret" not in finished.stdout + finished.stderr and statuses(engine) == {"queued": 3}
    engine.dispose()
