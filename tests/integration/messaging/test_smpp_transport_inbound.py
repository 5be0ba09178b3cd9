"""What an SMSC sends back over the same bind (tests/support/local_smsc.py): delivery receipts, replies,
malformed deliver_sm, enquire_link both ways, and the re-bind that keeps receipts coming after a drop."""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Iterator

import pytest
from local_smsc import LocalSmsc

from arrears.config import Settings
from arrears.messaging.transport import Inbound, Outgoing, Receipt, Reply
from arrears.messaging.transports.smpp import SmppTransport

MOBILE = "8613800138000"
LONG_CHINESE = "".join(chr(0x4E00 + n) for n in range(150))


def sms(key: str, text: str = "您好", recipient: str = MOBILE) -> Outgoing:
    return Outgoing(message_id=0, key=key, channel="sms", recipient=recipient, text=text)


def collect(transport: SmppTransport, count: int, timeout: float = 5.0) -> list[Inbound]:
    events: list[Inbound] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        events += transport.inbound()
        time.sleep(0.01)
    return events


@pytest.fixture
def smsc() -> Iterator[LocalSmsc]:
    with LocalSmsc() as server:
        yield server


@pytest.fixture
def transport(smsc: LocalSmsc) -> Iterator[SmppTransport]:
    opened = SmppTransport.from_url(smsc.url + "?enquire=0.3", settings=Settings(sms_smpp_timeout_seconds=3))
    yield opened
    opened.close()


def test_a_delivery_receipt_becomes_a_receipt_and_is_answered(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    [sent] = transport.send([sms("k1")])
    [receipt] = collect(transport, 1)
    assert isinstance(receipt, Receipt)
    assert (receipt.transport, receipt.status, receipt.provider_id) == ("smpp", "delivered", sent.provider_id)
    assert (receipt.reason, receipt.permanent, receipt.at.tzinfo is not None) == (
        "stat:DELIVRD err:000",
        False,
        True,
    )
    assert smsc.wait_for(lambda: smsc.counts["deliver_sm_resp"] == 1)


def test_a_long_message_gets_one_receipt_under_its_first_part(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    [sent] = transport.send([sms("k-long", LONG_CHINESE)])
    assert smsc.wait_for(lambda: smsc.counts["deliver_sm_resp"] == 3)  # a receipt per part
    events = collect(transport, 2, timeout=0.3)
    assert [(e.status, e.provider_id, e.key) for e in events if isinstance(e, Receipt)] == [
        ("delivered", sent.provider_id, "k-long")
    ]
    third_part = smsc.messages[0].parts[2].message_id
    smsc.send_receipt(third_part, "UNDELIV")  # a later part that failed fails the message
    [failed] = collect(transport, 1)
    assert isinstance(failed, Receipt)
    assert (failed.status, failed.provider_id, failed.key, failed.permanent) == (
        "failed",
        sent.provider_id,
        "k-long",
        True,
    )


def test_an_undeliverable_number_gets_a_permanent_failed_receipt(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    smsc.undeliverable.add("8613700000000")
    [sent] = transport.send([sms("k1", recipient="8613700000000")])
    [receipt] = collect(transport, 1)
    assert isinstance(receipt, Receipt)
    assert (receipt.status, receipt.permanent, receipt.provider_id) == ("failed", True, sent.provider_id)
    assert receipt.reason == "stat:UNDELIV err:001"


def test_a_receipt_with_its_text_alone_is_read(smsc: LocalSmsc, transport: SmppTransport) -> None:
    transport.send([sms("k1")])
    collect(transport, 1)
    smsc.send_receipt("ABC123", "EXPIRED", tlvs=False)
    smsc.send_receipt("ABC124", "ENROUTE", tlvs=False)  # intermediate: not reported
    [receipt] = collect(transport, 2, timeout=0.5)
    assert isinstance(receipt, Receipt) and (receipt.provider_id, receipt.status) == ("ABC123", "expired")


def test_replies_become_replies_decoded_and_joined(smsc: LocalSmsc, transport: SmppTransport) -> None:
    transport.send([sms("k1")])
    collect(transport, 1)
    smsc.send_mo("8613900139000", "退订")
    smsc.send_mo("8613900139001", "STOP", data_coding=0)
    smsc.send_mo("8613900139002", "我下周一还款，请不要再打电话了，谢谢", segments=3)
    replies = collect(transport, 3)
    assert all(isinstance(reply, Reply) and reply.channel == "sms" for reply in replies)
    assert [(r.sender, r.text) for r in replies if isinstance(r, Reply)] == [
        ("8613900139000", "退订"),
        ("8613900139001", "STOP"),
        ("8613900139002", "我下周一还款，请不要再打电话了，谢谢"),
    ]
    assert smsc.wait_for(lambda: smsc.counts["deliver_sm_resp"] == smsc.counts["deliver_sm"] == 6)


def test_an_idle_transport_binds_from_inbound_to_hear_replies(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    assert transport.inbound() == []  # nothing sent yet: this call binds
    assert smsc.counts["bind"] == 1
    smsc.send_mo("8613900139000", "TD", data_coding=0)
    [reply] = collect(transport, 1)
    assert isinstance(reply, Reply) and (reply.sender, reply.text) == ("8613900139000", "TD")
    transport.close()
    smsc.drop()
    assert transport.inbound() == [] and smsc.counts["bind"] == 1  # closed: no bind again


def test_a_malformed_deliver_sm_is_counted_answered_and_logged_without_content(
    smsc: LocalSmsc, transport: SmppTransport, caplog: pytest.LogCaptureFixture
) -> None:
    transport.send([sms("k1")])
    collect(transport, 1)
    caplog.set_level(logging.WARNING)
    smsc.deliver("8613912345678", b"id:secret-stuff but no stat", esm_class=0x04)
    body = b"\x00\x01\x018613912345678"  # the source address never ends
    smsc.send_raw(struct.pack(">LLLL", 16 + len(body), 0x05, 0, 999) + body)
    assert smsc.wait_for(lambda: transport.stats.malformed == 2)
    assert smsc.wait_for(lambda: smsc.counts["deliver_sm_resp"] == 3)  # the receipt and both bad ones
    assert transport.inbound() == []
    assert transport.send([sms("k2")])[0].outcome == "sent"  # the bind lives on
    logged = caplog.text
    assert "malformed" in logged and "8613912345678" not in logged and "secret-stuff" not in logged


def test_a_pdu_of_impossible_length_ends_the_bind_and_the_next_send_binds_again(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    transport.send([sms("k1")])
    smsc.send_raw(struct.pack(">LLLL", 8, 0x05, 0, 1))  # shorter than a header: the stream is out of step
    assert smsc.wait_for(lambda: transport.stats.drops == 1)
    assert transport.stats.malformed == 1
    assert transport.send([sms("k2")])[0].outcome == "sent"
    assert smsc.counts["bind"] == 2


def test_enquire_link_goes_both_ways(smsc: LocalSmsc, transport: SmppTransport) -> None:
    transport.send([sms("k1")])
    assert smsc.wait_for(lambda: smsc.counts["enquire_link"] >= 1, timeout=3)  # idle 0.3 s: the ESME asks
    assert smsc.wait_for(lambda: transport.stats.enquire_link_resps >= 1)
    smsc.enquire()
    assert smsc.wait_for(lambda: smsc.counts["enquire_link_resp"] == 1)  # and answers the SMSC's
    assert transport.stats.enquire_links_answered == 1


def test_inbound_binds_again_after_a_drop_so_receipts_keep_coming(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    transport.send([sms("k1")])
    collect(transport, 1)
    smsc.drop()
    assert smsc.wait_for(lambda: transport.stats.drops == 1)
    assert smsc.wait_for(lambda: bool(transport.inbound() or True) and smsc.counts["bind"] == 2)
    smsc.send_receipt("LATE1", "DELIVRD")
    [receipt] = collect(transport, 1)
    assert isinstance(receipt, Receipt) and receipt.provider_id == "LATE1"


def test_close_unbinds(smsc: LocalSmsc, transport: SmppTransport) -> None:
    transport.send([sms("k1")])
    transport.close()
    assert smsc.wait_for(lambda: smsc.counts["unbind"] == 1)
    assert transport.stats.drops == 0
