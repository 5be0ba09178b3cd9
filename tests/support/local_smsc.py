"""A real SMPP 3.4 server (an SMSC) on 127.0.0.1, for the SMPP transport's tests and the benchmarks.

It authenticates a system_id and password (bind_transmitter / receiver / transceiver), accepts submit_sm,
deduplicates by the idempotency-key optional parameter (a re-send is answered with the first message id),
records what arrived (a concatenated message's parts joined and decoded), sends a delivery receipt per
part (deliver_sm, esm_class 0x04, with receipted_message_id and message_state), can send a mobile-
originated reply, throttle (ESME_RTHROTTLED), reject a destination (ESME_RINVDSTADR), drop every
connection abruptly, and counts enquire_link, deliver_sm_resp and the rest.

Why not ``smpp34.Server``: its Python API answers every bind with ESME_ROK by itself (the password never
reaches Python, so a wrong one cannot be refused), cannot cut a connection without an unbind, and keeps
enquire_link to itself. So the session layer is here, over asyncio, and the PDUs are read and written with
smpp34's Rust codec (``smpp34.decode``, ``smpp34.DeliverSm(...).encode()``): an SMPP implementation
independent of smpplib, which the transport under test uses.

In a test: ``with LocalSmsc() as smsc: ... smsc.url ...`` (the server runs in a thread of its own).
For a benchmark in another process: ``python tests/support/local_smsc.py --port 0 --no-record`` prints
its URL on the first line and its counters as JSON when stopped (SIGTERM or SIGINT); see :func:`spawn`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import smpp34
from local_smsc_session import (
    ENQUIRE_LINK,
    ESME_RINVDSTADR,
    ESME_RTHROTTLED,
    GENERIC_NACK,
    STATES,
    TLV_MESSAGE_STATE,
    TLV_RECEIPTED_MESSAGE_ID,
    Message,
    Part,
    Session,
    decode_payload,
    pdu,
    split_udh,
)


class LocalSmsc:
    def __init__(
        self,
        *,
        system_id: str = "arrears",
        password: str = "secret",
        key_tag: int = 0x1F01,
        receipts: bool = True,
        record: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.system_id, self.password, self.key_tag = system_id, password, key_tag
        self.receipts, self.record, self.host, self.port = receipts, record, host, port
        self.counts: Counter[str] = Counter()
        self.parts: list[Part] = []
        self.messages: list[Message] = []
        self.sessions: set[Session] = set()
        self.rejected_destinations: set[str] = set()
        self.undeliverable: set[str] = set()
        self._throttle = 0
        self._drop_after: int | None = None
        self._seen: dict[str, str] = {}  # idempotency key -> first message id
        self._joining: dict[tuple[str, int, int], dict[int, Part]] = {}
        self._ids = itertools.count(0x10000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"smpp://{self.system_id}:{self.password}@{self.host}:{self.port}"

    async def serve(self) -> None:
        """Start listening in the running loop (for a caller that owns the loop)."""
        self._loop = asyncio.get_running_loop()
        self._server = await self._loop.create_server(lambda: Session(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> LocalSmsc:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="local-smsc", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            for session in list(self.sessions):
                session.abort()
            if self._server is not None:
                self._server.close()
            loop.call_soon(loop.stop)

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(5)

    def __enter__(self) -> LocalSmsc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, action: Callable[[], Any]) -> Any:
        assert self._loop is not None

        async def run() -> Any:
            return action()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(5)

    # --- behaviour ----------------------------------------------------------------------------------------
    def throttle(self, count: int) -> None:
        """Answer the next ``count`` submit_sm with ESME_RTHROTTLED."""
        self._call(lambda: setattr(self, "_throttle", count))

    def drop_after(self, count: int) -> None:
        """Cut every connection (no unbind) when the ``count``-th next submit_sm arrives: that one is
        accepted and recorded but never answered, like a message the SMSC took just before a crash."""
        self._call(lambda: setattr(self, "_drop_after", count))

    def drop(self) -> None:
        """Cut every connection now, without an unbind."""
        self._call(self._abort_all)

    def _abort_all(self) -> None:
        self.counts["drops"] += 1
        for session in list(self.sessions):
            session.abort()

    def _receivers(self) -> list[Session]:
        return [session for session in self.sessions if session.bind in ("RX", "TRX")]

    def send_raw(self, data: bytes) -> None:
        """Write ``data`` as it is to every bound receiver (a malformed PDU, say)."""
        self._call(lambda: self._each_receiver(lambda session: data))

    def enquire(self) -> None:
        """Send an enquire_link to every bound receiver."""
        self._call(lambda: self._each_receiver(lambda session: pdu(ENQUIRE_LINK, session.next_sequence())))

    def _each_receiver(self, make: Callable[[Session], bytes]) -> None:
        for session in self._receivers():
            session.write(make(session))

    def send_mo(self, sender: str, text: str, *, data_coding: int = 8, segments: int = 1) -> None:
        """A reply from ``sender``, in ``segments`` concatenated parts when more than one."""
        payload = text.encode("utf-16-be") if data_coding == 8 else text.encode("latin-1")
        unit = 2 if data_coding == 8 else 1
        size = -(-len(payload) // unit // segments) * unit
        chunks = [payload[i : i + size] for i in range(0, len(payload), size)] if segments > 1 else [payload]
        for number, chunk in enumerate(chunks, start=1):
            udh = bytes((5, 0, 3, 0x77, len(chunks), number)) if len(chunks) > 1 else b""
            self.deliver(sender, udh + chunk, esm_class=0x40 if udh else 0, data_coding=data_coding)

    def send_receipt(
        self, message_id: str, stat: str = "DELIVRD", *, tlvs: bool = True, text: str | None = None
    ) -> None:
        self._call(lambda: self._send_receipt(None, "", message_id, stat, tlvs=tlvs, text=text))

    def deliver(
        self,
        sender: str,
        body: bytes,
        *,
        esm_class: int = 0,
        data_coding: int = 0,
        tlvs: list[Any] | None = None,
    ) -> None:
        def send() -> None:
            for session in self._receivers():
                pdu = smpp34.DeliverSm(
                    sender,
                    "",
                    body,
                    esm_class=esm_class,
                    data_coding=data_coding,
                    sequence_number=session.next_sequence(),
                    tlvs=tlvs or [],
                )
                self.counts["deliver_sm"] += 1
                session.write(pdu.encode())

        self._call(send)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # --- submit_sm --------------------------------------------------------------------------------------
    def on_submit(self, session: Session, raw: bytes, sequence: int) -> None:
        self.counts["submit_sm"] += 1
        try:
            submit = smpp34.decode(raw)
        except smpp34.SmppError:
            self.counts["malformed"] += 1
            session.write(pdu(GENERIC_NACK, sequence, 0x02))
            return
        assert isinstance(submit, smpp34.SubmitSm)
        if self._drop_after is not None:
            self._drop_after -= 1
            if self._drop_after <= 0:
                self._drop_after = None
                self._accept(session, submit)
                self._abort_all()
                return
        status = self._refusal(submit)
        if status:
            session.write(pdu(0x80000004, sequence, status))
            return
        message_id = self._accept(session, submit)
        session.write(pdu(0x80000004, sequence, 0, message_id.encode() + b"\x00"))

    def _refusal(self, submit: Any) -> int:
        if self._throttle > 0:
            self._throttle -= 1
            self.counts["throttled"] += 1
            return ESME_RTHROTTLED
        if submit.destination_addr in self.rejected_destinations:
            self.counts["rejected"] += 1
            return ESME_RINVDSTADR
        return 0

    def _accept(self, session: Session, submit: Any) -> str:
        key = next((t.value.decode("utf-8") for t in submit.tlvs if t.tag == self.key_tag), None)
        if key is not None and key in self._seen:
            self.counts["duplicates"] += 1
            return self._seen[key]
        message_id = f"{next(self._ids):X}"
        if key is not None:
            self._seen[key] = message_id
        self.counts["accepted"] += 1
        if self.record:
            self._record(session, submit, key, message_id)
        if self.receipts and submit.registered_delivery & 1:
            stat = "UNDELIV" if submit.destination_addr in self.undeliverable else "DELIVRD"
            self._send_receipt(session, submit.destination_addr, message_id, stat, tlvs=True, text=None)
        return message_id

    def _record(self, session: Session, submit: Any, key: str | None, message_id: str) -> None:
        udh, payload = split_udh(submit.short_message, submit.esm_class)
        part = Part(
            session.system_id,
            submit.destination_addr,
            submit.data_coding,
            submit.esm_class,
            submit.short_message,
            key,
            message_id,
            submit.registered_delivery,
            udh,
        )
        self.parts.append(part)
        if udh is None or udh[1] == 1:
            self.messages.append(Message(part.destination, decode_payload(payload, part.data_coding), [part]))
            return
        group = self._joining.setdefault((part.destination, udh[0], udh[1]), {})
        group[udh[2]] = part
        if len(group) == udh[1]:
            del self._joining[(part.destination, udh[0], udh[1])]
            ordered = [group[n] for n in sorted(group)]
            text = "".join(
                decode_payload(split_udh(p.short_message, p.esm_class)[1], p.data_coding) for p in ordered
            )
            self.messages.append(Message(part.destination, text, ordered))

    def _send_receipt(
        self,
        session: Session | None,
        sender: str,
        message_id: str,
        stat: str,
        *,
        tlvs: bool,
        text: str | None,
    ) -> None:
        stamp = datetime.now().strftime("%y%m%d%H%M")
        err = "000" if stat == "DELIVRD" else "001"
        dates = f"submit date:{stamp} done date:{stamp}"
        body = text or f"id:{message_id} sub:001 dlvrd:001 {dates} stat:{stat} err:{err} text:"
        extra = [
            smpp34.Tlv(TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\x00"),
            smpp34.Tlv(TLV_MESSAGE_STATE, bytes((STATES.get(stat, 7),))),
        ]
        targets = [session] if session is not None and session.bind == "TRX" else self._receivers()[:1]
        for target in targets:
            pdu = smpp34.DeliverSm(
                sender,
                "",
                body.encode("latin-1"),
                esm_class=0x04,
                sequence_number=target.next_sequence(),
                tlvs=extra if tlvs else [],
            )
            self.counts["deliver_sm"] += 1
            target.write(pdu.encode())


def spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Run a server in another process (``args`` as for the command line); its URL is returned.
    Stop it with ``process.send_signal(signal.SIGTERM)``; its counters are the JSON line it prints then."""
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local SMPP 3.4 server for tests and benchmarks.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--system-id", default="arrears")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--key-tlv", type=lambda text: int(text, 0), default=0x1F01)
    parser.add_argument("--no-receipts", action="store_true", help="send no delivery receipts")
    parser.add_argument("--no-record", action="store_true", help="keep counters only (long benchmarks)")
    options = parser.parse_args()
    smsc = LocalSmsc(
        system_id=options.system_id,
        password=options.password,
        key_tag=options.key_tlv,
        receipts=not options.no_receipts,
        record=not options.no_record,
        port=options.port,
    )

    async def run() -> None:
        await smsc.serve()
        print(smsc.url, flush=True)
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()

    asyncio.run(run())
    print(json.dumps(dict(smsc.counts)), flush=True)


if __name__ == "__main__":
    main()
