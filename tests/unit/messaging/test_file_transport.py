"""The file transport: one JSON line per message, exactly once across restarts and processes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arrears.config import Settings
from arrears.messaging.transport import Outgoing, Receipt, TransportError
from arrears.messaging.transports import open_transport, transport_class
from arrears.messaging.transports.file import FileTransport, provider_id, written_keys

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _out(key: str, message_id: int = 1) -> Outgoing:
    return Outgoing(message_id, key, "sms", "13800138000", f"text of {key}")


def _transport(directory: Path) -> FileTransport:
    return FileTransport(directory, clock=lambda: NOW)


class TestFileTransport:
    def test_writes_one_line_per_message_in_the_local_days_file(self, tmp_path: Path) -> None:
        results = _transport(tmp_path).send([_out("a"), _out("b", 2)])

        [line, _] = (tmp_path / "sms-20261123.jsonl").read_text("utf-8").splitlines()
        assert [r.outcome for r in results] == ["sent", "sent"]
        assert json.loads(line) | {"at": None} == {
            "provider_id": provider_id("a"), "key": "a", "message_id": 1, "channel": "sms",
            "kind": "collection", "to": "13800138000", "subject": None, "target": None,
            "text": "text of a", "at": None,
        }  # fmt: skip
        assert (tmp_path / "sms-20261123.jsonl").stat().st_mode & 0o777 == 0o600

    def test_a_key_sent_again_is_answered_with_the_first_id_and_not_written(self, tmp_path: Path) -> None:
        transport = _transport(tmp_path)
        first = transport.send([_out("a")])

        again = transport.send([_out("a"), _out("a")])

        assert [r.provider_id for r in again] == [first[0].provider_id] * 2
        assert written_keys(tmp_path, "sms") == ["a"]

    def test_a_restarted_or_other_transport_knows_the_keys_written(self, tmp_path: Path) -> None:
        one, other = _transport(tmp_path), _transport(tmp_path)
        one.send([_out("a")])
        other.send([_out("b")])

        one.send([_out("b"), _out("c")])
        _transport(tmp_path).send([_out("a"), _out("c")])

        assert sorted(written_keys(tmp_path, "sms")) == ["a", "b", "c"]

    def test_a_torn_last_line_is_cut_before_the_next_write(self, tmp_path: Path) -> None:
        _transport(tmp_path).send([_out("a")])
        with (tmp_path / "sms-20261123.jsonl").open("a") as handle:
            handle.write('{"provider_id": "F1", "key": "b", "te')

        _transport(tmp_path).send([_out("b")])

        assert written_keys(tmp_path, "sms") == ["a", "b"]

    def test_reports_delivery_receipts_when_asked(self, tmp_path: Path) -> None:
        transport = FileTransport.from_url(f"file:{tmp_path}?receipts=delivered", settings=Settings())
        transport.send([_out("a")])

        [receipt] = transport.inbound()

        assert isinstance(receipt, Receipt)
        assert (receipt.status, receipt.key, receipt.provider_id) == ("delivered", "a", provider_id("a"))
        assert transport.inbound() == []


class TestRegistry:
    def test_a_file_url_opens_the_file_transport_for_any_channel(self, tmp_path: Path) -> None:
        transport = open_transport(f"file:{tmp_path}", channel="email", settings=Settings())

        assert isinstance(transport, FileTransport) and transport.directory == tmp_path

    def test_an_unknown_scheme_is_refused_without_the_password(self) -> None:
        with pytest.raises(TransportError) as refused:
            transport_class("ftp://user:secret@host/x", channel="sms")

        assert "secret" not in refused.value.message_en and "***" in refused.value.message_en

    def test_smtp_does_not_carry_sms(self) -> None:
        with pytest.raises(TransportError):
            transport_class("smtp://mail.example:25", channel="sms")
