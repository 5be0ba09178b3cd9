"""The mailbox bounces and replies arrive in: a Maildir (``maildir:/path``) or an IMAP folder
(``imap://user:pass@host/INBOX``, ``imaps://...``), read so that no message is read twice.

- Maildir: a new message (``new/``) is claimed by renaming it into ``cur/`` without flags (atomic: two
  readers never both get it) and given the Seen flag once what it says is committed (:meth:`done`); a
  claimed message still without flags after ``RECLAIM_SECONDS`` (its reader died before the commit) is
  claimed again. One that cannot be read is moved, unread, into the Maildir++ folder ``.bad`` for a
  person to look at.
- IMAP: unseen messages are fetched without setting ``\\Seen`` (``BODY.PEEK``), flagged ``\\Seen`` once
  what they say is committed, and one that cannot be read is moved to the folder ``bad`` (MOVE, else
  COPY and expunge).
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from arrears.messaging.transport import TransportError, redact

BAD_FOLDER = "bad"
# bytes one read holds at most (plus the message that crosses it): cardholders answer with photos and
# MTAs may return whole messages, and a read of 500 such would hold gigabytes; the rest wait
FETCH_BYTES = 64 * 1024 * 1024
# a Maildir message claimed this long ago and never marked Seen was read by a reader that died
RECLAIM_SECONDS = 600.0


class BounceBox(Protocol):
    def fetch(self, *, limit: int) -> list[tuple[str, bytes]]:
        """Up to ``limit`` messages not read before, each with a handle for :meth:`done` and
        :meth:`put_aside`."""
        ...

    def done(self, handle: str) -> None: ...

    def put_aside(self, handle: str) -> None: ...

    def close(self) -> None: ...


class MaildirBox:
    def __init__(self, path: Path) -> None:
        self.path = path
        mailbox.Maildir(str(path), create=True)  # tmp/ new/ cur/, made if missing

    def _waiting(self) -> list[Path]:
        """Messages in ``new/``, then claimed ones in ``cur/`` left unflagged by a reader that died."""
        waiting = [self.path / "new" / name for name in sorted(os.listdir(self.path / "new"))]
        stale = time.time() - RECLAIM_SECONDS
        for name in sorted(os.listdir(self.path / "cur")):
            if name.endswith(":2,"):
                with contextlib.suppress(FileNotFoundError):
                    if os.stat(self.path / "cur" / name).st_ctime < stale:
                        waiting.append(self.path / "cur" / name)
        return [path for path in waiting if not path.name.startswith(".")]

    def fetch(self, *, limit: int) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        held = 0
        for source in self._waiting():
            if len(found) >= limit:
                break
            try:
                size = os.stat(source).st_size
                if found and held + size > FETCH_BYTES:  # left for the next read
                    break
                base = source.name.split(":", 1)[0]
                if source.parent.name == "cur":  # a fresh name, so that two readers never both win
                    base = f"{base.split(',', 1)[0]},R{time.time_ns()}"
                claimed = self.path / "cur" / f"{base}:2,"
                os.rename(source, claimed)
            except FileNotFoundError:  # another reader claimed it first
                continue
            raw = claimed.read_bytes()
            held += len(raw)
            found.append((str(claimed), raw))
        return found

    def done(self, handle: str) -> None:
        """Flags the claimed message Seen: what it said is committed."""
        os.rename(handle, f"{handle}S")

    def put_aside(self, handle: str) -> None:
        box = mailbox.Maildir(str(self.path), create=False)
        if BAD_FOLDER not in box.list_folders():
            box.add_folder(BAD_FOLDER)
        source = Path(handle)
        os.rename(source, self.path / f".{BAD_FOLDER}" / "new" / source.name.split(":", 1)[0])  # unread

    def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int
    implicit_tls: bool
    username: str
    password: str
    folder: str
    timeout: float


class ImapBox:
    def __init__(self, config: ImapConfig, *, context: ssl.SSLContext) -> None:
        self.config = config
        self.context = context
        self._imap: imaplib.IMAP4 | None = None

    def _session(self) -> imaplib.IMAP4:
        if self._imap is not None:
            return self._imap
        config = self.config
        imap: imaplib.IMAP4
        if config.implicit_tls:
            imap = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=self.context, timeout=config.timeout
            )
        else:
            imap = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
        try:
            if not config.implicit_tls:
                if "STARTTLS" not in imap.capabilities:
                    raise imaplib.IMAP4.error("no STARTTLS offered: the password is not sent in clear")
                imap.starttls(ssl_context=self.context)
            imap.login(config.username, config.password)
            _check(imap.select(_quoted(config.folder)))
        except BaseException:
            imap.shutdown()
            raise
        self._imap = imap
        return imap

    def fetch(self, *, limit: int) -> list[tuple[str, bytes]]:
        imap = self._session()
        data = _check(imap.uid("SEARCH", "UNSEEN"))
        uids = [uid.decode("ascii") for uid in (data[0] or b"").split()][:limit]
        found: list[tuple[str, bytes]] = []
        held = 0
        for uid in uids:
            if held >= FETCH_BYTES:  # the rest stay unseen for the next read
                break
            for item in _check(imap.uid("FETCH", uid, "(BODY.PEEK[])")):
                if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                    found.append((uid, item[1]))
                    held += len(item[1])
                    break
        return found

    def done(self, handle: str) -> None:
        _check(self._session().uid("STORE", handle, "+FLAGS", "(\\Seen)"))

    def put_aside(self, handle: str) -> None:
        imap = self._session()
        imap.create(BAD_FOLDER)  # answers NO when it exists already
        if "MOVE" in imap.capabilities:
            _check(imap.uid("MOVE", handle, BAD_FOLDER))
            return
        _check(imap.uid("COPY", handle, BAD_FOLDER))
        _check(imap.uid("STORE", handle, "+FLAGS", "(\\Deleted \\Seen)"))
        imap.expunge()

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()


def _check(answer: tuple[str, list[Any]]) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP answered {status}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def open_bounce_box(url: str, *, context: ssl.SSLContext, timeout: float = 30.0) -> BounceBox:
    """The mailbox named by ``ARREARS_EMAIL_BOUNCES``; a bad URL is a :class:`TransportError`."""
    if url.startswith("maildir:"):
        path = urlsplit(url).path if url.startswith("maildir://") else url.removeprefix("maildir:")
        if not path:
            raise TransportError("maildir: needs a path", "maildir: 后须给出目录")
        return MaildirBox(Path(path))
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or parts.username is None:
        raise TransportError(
            f"not a bounce mailbox (maildir:/path or imap(s)://user:pass@host/INBOX): {redact(url)}",
            f"退信邮箱地址无效（应为 maildir:/路径 或 imap(s)://用户:密码@主机/INBOX）：{redact(url)}",
        )
    implicit = parts.scheme == "imaps"
    config = ImapConfig(
        host=parts.hostname,
        port=parts.port or (993 if implicit else 143),
        implicit_tls=implicit,
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        timeout=timeout,
    )
    return ImapBox(config, context=context)
