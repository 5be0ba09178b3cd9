"""The mailbox bounces and replies arrive in: a Maildir (``maildir:/path``) or an IMAP folder
(``imap://user:pass@host/INBOX``, ``imaps://...``), read so that no message is read twice.

- Maildir: a new message (``new/``) is claimed by renaming it into ``cur/`` with the Seen flag (atomic:
  two readers never both get it); one that cannot be read is moved, unread, into the Maildir++ folder
  ``.bad`` for a person to look at.
- IMAP: unseen messages are fetched without setting ``\\Seen`` (``BODY.PEEK``), flagged ``\\Seen`` once
  read, and one that cannot be read is moved to the folder ``bad`` (MOVE, else COPY and expunge).
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from arrears.messaging.transport import TransportError, redact

BAD_FOLDER = "bad"
# bytes one read holds at most (plus the message that crosses it): cardholders answer with photos and
# MTAs may return whole messages, and a read of 500 such would hold gigabytes; the rest wait
FETCH_BYTES = 64 * 1024 * 1024


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

    def fetch(self, *, limit: int) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        held = 0
        for name in sorted(os.listdir(self.path / "new")):
            if len(found) >= limit:
                break
            if name.startswith("."):
                continue
            try:
                size = os.stat(self.path / "new" / name).st_size
                if found and held + size > FETCH_BYTES:  # left in new/ for the next read
                    break
                claimed = self.path / "cur" / f"{name.split(':', 1)[0]}:2,S"
                os.rename(self.path / "new" / name, claimed)
            except FileNotFoundError:  # another reader claimed it first
                continue
            raw = claimed.read_bytes()
            held += len(raw)
            found.append((str(claimed), raw))
        return found

    def done(self, handle: str) -> None:
        """Nothing more: the message was moved to ``cur/`` as Seen when it was fetched."""

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
