"""``file:DIR``: writes what would be sent, one JSON line per message, in ``DIR/<channel>-YYYYMMDD.jsonl``
(the cardholders' local date), each batch ``fsync``'d before it is answered as sent.

It stands in for a gateway, so it keeps a gateway's promise of exactly once: it knows the keys already
written (read back from its files when it starts, and what other processes appended since, read
under the directory's lock before each write) and answers the first line's provider id for a key it
has, instead of writing it again. A line cut short by a crash (never answered as sent) is dropped
before the next write. The files hold the recipient in clear, as a gateway would receive it: they are
created readable by their owner only.

``file:DIR?receipts=delivered`` also reports a delivery receipt for every message written (the demo's
"delivered"); by default it reports nothing back.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from arrears.config import Settings
from arrears.messaging.transport import Inbound, Outgoing, Receipt, SendResult, TransportError


def provider_id(key: str) -> str:
    """The provider id of the message with ``key``: the same for every send of it."""
    return "F" + hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


def _directory(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not parts.path:
        raise TransportError(
            f"a file transport is file:DIR, not {url}", f"文件通道的写法是 file:目录，而不是 {url}"
        )
    return Path(parts.path)


class FileTransport:
    name = "file"

    def __init__(
        self,
        directory: Path,
        *,
        zone: str = "Asia/Shanghai",
        receipts: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory
        self._zone = ZoneInfo(zone)
        self._receipts = receipts
        self._clock = clock
        self._seen: dict[str, set[str]] = {}  # channel -> keys written
        self._read: dict[str, int] = {}  # file name -> bytes read (up to the end of its last whole line)
        self._pending: list[Inbound] = []

    @classmethod
    def from_url(cls, url: str, *, settings: Settings) -> Self:
        query = parse_qs(urlsplit(url).query)
        receipts = query.get("receipts", [""])[0] == "delivered"
        return cls(_directory(url), zone=settings.timezone, receipts=receipts)

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        results: dict[int, SendResult] = {}
        for channel in sorted({one.channel for one in batch}):
            mine = [(index, one) for index, one in enumerate(batch) if one.channel == channel]
            for (index, _), result in zip(
                mine, self._send_channel(channel, [o for _, o in mine]), strict=True
            ):
                results[index] = result
        return [results[index] for index in range(len(batch))]

    def _send_channel(self, channel: str, batch: Sequence[Outgoing]) -> list[SendResult]:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = self._clock()
        with self._locked(channel):
            seen = self._catch_up(channel)
            lines, written = [], []
            for one in batch:
                if one.key not in seen:
                    seen.add(one.key)
                    lines.append(self._line(one, now))
                    written.append(one)
            if lines:
                self._append(channel, now, "".join(lines).encode("utf-8"))
        if self._receipts:
            self._pending += [
                Receipt(self.name, "delivered", now, provider_id=provider_id(one.key), key=one.key)
                for one in written
            ]
        return [SendResult(one.key, "sent", provider_id=provider_id(one.key)) for one in batch]

    @staticmethod
    def _line(one: Outgoing, now: datetime) -> str:
        record = {"provider_id": provider_id(one.key), "key": one.key, "message_id": one.message_id,
                  "channel": one.channel, "kind": one.kind, "to": one.recipient, "subject": one.subject,
                  "target": one.target, "text": one.text, "at": now.isoformat()}  # fmt: skip
        return json.dumps(record, ensure_ascii=False) + "\n"

    @contextmanager
    def _locked(self, channel: str) -> Iterator[None]:
        descriptor = os.open(self.directory / f".{channel}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock

    def _files(self, channel: str) -> list[Path]:
        return sorted(self.directory.glob(f"{channel}-*.jsonl"))

    def _catch_up(self, channel: str) -> set[str]:
        """The keys written to the channel's files, reading only what was appended since last time
        (under the lock); a torn last line (a writer died in the middle) is cut off."""
        seen = self._seen.setdefault(channel, set())
        for path in self._files(channel):
            done = self._read.get(path.name, 0)
            if path.stat().st_size == done:
                continue
            with path.open("rb+") as handle:
                handle.seek(done)
                tail = handle.read()
                whole = tail.rfind(b"\n") + 1
                for line in tail[:whole].splitlines():
                    if line.strip():
                        seen.add(str(json.loads(line)["key"]))
                if whole < len(tail):
                    handle.truncate(done + whole)
                    handle.flush()
                    os.fsync(handle.fileno())
            self._read[path.name] = done + whole
        return seen

    def _append(self, channel: str, now: datetime, data: bytes) -> None:
        path = self.directory / f"{channel}-{now.astimezone(self._zone):%Y%m%d}.jsonl"
        created = not path.exists()
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            self._sync_directory()
        self._read[path.name] = self._read.get(path.name, 0) + len(data)

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def inbound(self) -> list[Inbound]:
        found, self._pending = self._pending, []
        return found

    def inbound_recorded(self) -> None:
        return None

    def close(self) -> None:
        self._seen.clear()
        self._read.clear()


def written_keys(directory: Path, channel: str) -> list[str]:
    """Every key written for the channel, once per line (to count duplicates: tests, benchmarks)."""
    keys = []
    for path in sorted(directory.glob(f"{channel}-*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            keys += [json.loads(line)["key"] for line in handle if line.endswith("\n") and line.strip()]
    return keys
