"""A small real IMAP4rev1 server for the tests: what a bounce reader needs (CAPABILITY, STARTTLS, LOGIN,
SELECT, UID SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE, CREATE, UID COPY / MOVE, EXPUNGE,
LOGOUT), one thread per connection on a free loopback port, folders held in memory."""

from __future__ import annotations

import re
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Folders:
    users: dict[str, str]
    move: bool = True  # offer MOVE (else the client copies and expunges)
    folders: dict[str, list[Stored]] = field(default_factory=lambda: {"INBOX": []})
    next_uid: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.lock:
            self.folders.setdefault(folder, []).append(Stored(self.next_uid, raw))
            self.next_uid += 1


_COMMAND = re.compile(rb"^(\S+) (\S+)(?: (.*))?$")


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.selected: str | None = None
        self.user: str | None = None

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.send(b"* OK IMAP4rev1 test server ready")
        while line := self.rfile.readline():
            found = _COMMAND.match(line.rstrip(b"\r\n"))
            if found is None:
                self.send(b"* BAD unreadable")
                continue
            tag, name, rest = (
                found.group(1),
                found.group(2).upper().decode(),
                (found.group(3) or b"").decode(),
            )
            if name == "LOGOUT":
                self.send(b"* BYE")
                self.send(tag + b" OK LOGOUT")
                return
            answer = getattr(self, f"do_{name.lower()}", None)
            status = answer(tag, rest) if answer else "BAD unknown command"
            if status is not None:
                self.send(tag + b" " + status.encode())

    def capabilities(self) -> str:
        tls = isinstance(self.connection, ssl.SSLSocket)
        names = ["IMAP4rev1", "UIDPLUS"] + (["STARTTLS"] if self.server.context and not tls else [])
        return " ".join(names + (["MOVE"] if self.server.folders.move else []))

    def do_capability(self, tag: bytes, rest: str) -> str:
        self.send(f"* CAPABILITY {self.capabilities()}".encode())
        return "OK CAPABILITY"

    def do_starttls(self, tag: bytes, rest: str) -> str | None:
        assert self.server.context is not None
        self.send(tag + b" OK begin TLS")
        self.connection = self.request = self.server.context.wrap_socket(self.connection, server_side=True)
        self.rfile, self.wfile = self.connection.makefile("rb"), self.connection.makefile("wb")
        return None

    def do_login(self, tag: bytes, rest: str) -> str:
        user, _, password = rest.partition(" ")
        if self.server.folders.users.get(user.strip('"')) != password.strip('"'):
            return "NO [AUTHENTICATIONFAILED] invalid credentials"
        self.user = user.strip('"')
        return "OK LOGIN"

    def do_select(self, tag: bytes, rest: str) -> str:
        name = rest.strip('"')
        if self.user is None or name not in self.server.folders.folders:
            return "NO no such folder"
        self.selected = name
        self.send(f"* {len(self.server.folders.folders[name])} EXISTS".encode())
        return "OK [READ-WRITE] SELECT"

    def do_create(self, tag: bytes, rest: str) -> str:
        name = rest.strip('"')
        with self.server.folders.lock:
            if name in self.server.folders.folders:
                return "NO [ALREADYEXISTS] exists"
            self.server.folders.folders[name] = []
        return "OK CREATE"

    def do_expunge(self, tag: bytes, rest: str) -> str:
        assert self.selected is not None
        with self.server.folders.lock:
            box = self.server.folders.folders[self.selected]
            box[:] = [stored for stored in box if "\\Deleted" not in stored.flags]
        return "OK EXPUNGE"

    def do_uid(self, tag: bytes, rest: str) -> str:
        command, _, args = rest.partition(" ")
        if self.selected is None:
            return "BAD nothing selected"
        with self.server.folders.lock:
            box = self.server.folders.folders[self.selected]
            return self._uid(command.upper(), args, box)

    def _uid(self, command: str, args: str, box: list[Stored]) -> str:
        if command == "SEARCH":
            unseen = [str(stored.uid) for stored in box if "\\Seen" not in stored.flags]
            self.send(("* SEARCH " + " ".join(unseen)).rstrip().encode())
            return "OK SEARCH"
        uid, _, what = args.partition(" ")
        found = [(number, stored) for number, stored in enumerate(box, 1) if str(stored.uid) == uid]
        if not found:
            return "OK nothing"
        number, stored = found[0]
        if command == "FETCH":
            self.send(f"* {number} FETCH (UID {uid} BODY[] {{{len(stored.raw)}}}".encode())
            self.wfile.write(stored.raw)
            self.send(b")")
        elif command == "STORE":
            stored.flags |= set(re.findall(r"\\\w+", what))
            self.send(f"* {number} FETCH (UID {uid} FLAGS ({' '.join(sorted(stored.flags))}))".encode())
        elif command in ("COPY", "MOVE"):
            target = self.server.folders.folders.get(what.strip('"'))
            if target is None:
                return "NO [TRYCREATE] no such folder"
            target.append(Stored(self.server.folders.next_uid, stored.raw))
            self.server.folders.next_uid += 1
            if command == "MOVE":
                box.remove(stored)
        else:
            return "BAD unknown UID command"
        return f"OK UID {command}"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, folders: Folders, context: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folders = folders
        self.context = context


class LocalImap:
    """``with LocalImap(users={"bounces": "pw"}, context=server_tls) as imap: imap.port``."""

    def __init__(self, *, users: dict[str, str], context: ssl.SSLContext | None = None, move: bool = True):
        self.folders = Folders(users=users, move=move)
        self._server = _Server(self.folders, context)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LocalImap:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
