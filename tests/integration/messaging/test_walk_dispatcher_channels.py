"""One ``arrears dispatch`` process runs a dispatcher per channel under one worker name: its heartbeat
row names every channel it serves, not the last one to beat."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from arrears.config import Settings
from arrears.messaging.runner import build
from arrears.models import DispatcherWorker, table_of
from fixed_keys import TEST_KEY

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # built from settings


def test_the_heartbeat_names_every_channel_of_the_process(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'arrears.db'}",
                        encryption_key=base64.b64encode(TEST_KEY).decode())  # fmt: skip
    dispatchers = build(settings, channels=["sms", "email", "push"], policy="cn")
    try:
        for dispatcher in dispatchers:
            dispatcher.beat()
    finally:
        for dispatcher in dispatchers:
            dispatcher.transport.close()

    w = table_of(DispatcherWorker)
    with engine.connect() as connection:
        rows = connection.execute(select(w.c.name, w.c.channels)).all()
    assert len(rows) == 1 and rows[0].channels == "sms,email,push"
