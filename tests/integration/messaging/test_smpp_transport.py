"""SMS over SMPP 3.4 against a real SMPP server on 127.0.0.1 (tests/support/local_smsc.py): bind,
submit (UCS-2, GSM, concatenated), outcomes, the idempotency key across a dropped connection, bind errors."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator

import pytest
from local_smsc import LocalSmsc, spawn

from arrears.config import Settings
from arrears.messaging.transport import Outgoing, TransportDown, TransportError
from arrears.messaging.transports.smpp import SmppBindRefused, SmppTransport

MOBILE = "8613800138000"
LONG_CHINESE = "".join(chr(0x4E00 + n) for n in range(150))  # 150 characters: 3 parts of 67, 67, 16


def settings(**values: object) -> Settings:
    return Settings(sms_smpp_timeout_seconds=3, **values)  # type: ignore[arg-type]


def sms(key: str, text: str = "您好，您的账单已逾期。", recipient: str = MOBILE) -> Outgoing:
    return Outgoing(message_id=0, key=key, channel="sms", recipient=recipient, text=text)


@pytest.fixture
def smsc() -> Iterator[LocalSmsc]:
    with LocalSmsc() as server:
        yield server


@pytest.fixture
def transport(smsc: LocalSmsc) -> Iterator[SmppTransport]:
    opened = SmppTransport.from_url(smsc.url, settings=settings())
    yield opened
    opened.close()


def test_a_long_chinese_sms_arrives_whole_in_three_ucs2_parts(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    [result] = transport.send([sms("k-long", LONG_CHINESE)])
    assert result.outcome == "sent"
    [message] = smsc.messages
    assert (message.destination, message.text) == (MOBILE, LONG_CHINESE)
    assert len(message.parts) == 3
    assert {(part.data_coding, part.esm_class, part.registered_delivery) for part in message.parts} == {
        (8, 0x40, 1)
    }
    assert [part.udh[1:] if part.udh else None for part in message.parts] == [(3, 1), (3, 2), (3, 3)]
    assert [part.key for part in message.parts] == ["k-long#1", "k-long#2", "k-long#3"]
    assert result.provider_id == message.parts[0].message_id  # the first part's id stands for the message
    assert smsc.counts["bind"] == 1


def test_gsm_text_goes_as_the_default_alphabet_in_one_part(smsc: LocalSmsc, transport: SmppTransport) -> None:
    results = transport.send([sms("k-en", "Your payment of 100.00 is due @ branch {A}"), sms("k-zh")])
    assert [r.outcome for r in results] == ["sent", "sent"]
    english, chinese = smsc.messages
    assert english.text == "Your payment of 100.00 is due @ branch {A}"
    assert (english.parts[0].data_coding, english.parts[0].esm_class, english.parts[0].key) == (0, 0, "k-en")
    assert (chinese.text, chinese.parts[0].data_coding) == ("您好，您的账单已逾期。", 8)


def test_many_messages_are_pipelined_and_each_gets_its_own_id(smsc: LocalSmsc) -> None:
    transport = SmppTransport.from_url(smsc.url + "?window=7", settings=settings())
    try:
        results = transport.send([sms(f"k{n}") for n in range(300)])
    finally:
        transport.close()
    assert [r.outcome for r in results] == ["sent"] * 300
    assert len({r.provider_id for r in results}) == 300
    assert [m.parts[0].key for m in smsc.messages] == [f"k{n}" for n in range(300)]


def test_a_throttled_submit_is_transient_and_goes_later(smsc: LocalSmsc, transport: SmppTransport) -> None:
    smsc.throttle(1)
    first, second = transport.send([sms("k1"), sms("k2")])
    assert (first.outcome, second.outcome) == ("transient", "sent")
    assert first.reason is not None and first.reason.startswith("ESME_RTHROTTLED (0x00000058)")
    assert transport.send([sms("k1")])[0].outcome == "sent"
    assert sorted(m.parts[0].key or "" for m in smsc.messages) == ["k1", "k2"]


def test_a_rejected_destination_is_permanent_with_the_reason(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    smsc.rejected_destinations.add("8613900000000")
    bad, good = transport.send([sms("k-bad", recipient="8613900000000"), sms("k-good")])
    assert (bad.outcome, good.outcome) == ("permanent", "sent")
    assert bad.reason is not None and bad.reason.startswith("ESME_RINVDSTADR (0x0000000B)")


def test_a_recipient_that_is_no_number_or_a_text_too_long_is_refused_before_sending(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    results = transport.send([sms("k1", recipient="not-a-number"), sms("k2", text="您" * 20000), sms("k3")])
    assert [r.outcome for r in results] == ["permanent", "permanent", "sent"]
    assert results[0].reason == "the recipient is not a mobile number"
    assert "255" in (results[1].reason or "")
    assert smsc.counts["submit_sm"] == 1


def test_a_drop_mid_batch_makes_the_unanswered_transient_and_the_resend_does_not_duplicate(
    smsc: LocalSmsc, transport: SmppTransport
) -> None:
    batch = [sms(f"k{n}", LONG_CHINESE if n == 5 else "您好") for n in range(10)]
    smsc.drop_after(4)  # the 4th submit_sm is taken, then the connection is cut before its answer
    first = transport.send(batch)
    assert {r.outcome for r in first} <= {"sent", "transient"}
    retry = [message for message, result in zip(batch, first, strict=True) if result.outcome == "transient"]
    assert len(retry) >= 7  # at least the 4th (unanswered) and everything after it
    second = transport.send(retry)  # the dispatcher's retry: same keys, a new bind
    assert [r.outcome for r in second] == ["sent"] * len(retry)
    assert smsc.counts["bind"] == 2 and transport.stats.drops == 1
    assert smsc.counts["duplicates"] >= 1  # the 4th came twice and was answered with its first id
    assert sorted(m.text for m in smsc.messages) == sorted(m.text for m in batch)
    assert len(smsc.messages) == 10  # each message once, the long one joined from its 3 parts


def test_a_wrong_password_is_a_clear_error_naming_the_system_id_never_the_password(smsc: LocalSmsc) -> None:
    transport = SmppTransport.from_url(f"smpp://arrears:Wr0ngPw@127.0.0.1:{smsc.port}", settings=settings())
    with pytest.raises(SmppBindRefused) as caught:
        transport.send([sms("k1")])
    error = caught.value
    assert isinstance(error, TransportDown)  # messages wait; the dispatcher says why
    assert "'arrears'" in error.message_en and "ESME_RINVPASWD" in error.message_en
    assert "'arrears'" in error.message_zh
    assert "Wr0ngPw" not in error.message_en + error.message_zh + repr(transport.options)
    assert smsc.counts["bind_refused"] == 1 and smsc.counts["submit_sm"] == 0


def test_a_refused_connection_is_transport_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    transport = SmppTransport.from_url(f"smpp://arrears:secret@127.0.0.1:{port}", settings=settings())
    started = time.monotonic()
    with pytest.raises(TransportDown) as caught:
        transport.send([sms("k1")])
    assert f"127.0.0.1:{port}" in caught.value.message_en and time.monotonic() - started < 2
    assert transport.inbound() == []


@pytest.mark.parametrize(
    "url",
    [
        "smpp://127.0.0.1:2775",
        "smpp://arrears:secret@127.0.0.1:port",
        "smpp://arrears:longer-than-8@127.0.0.1:2775",
        "smpp://a-system-id-too-long:x@127.0.0.1:2775",
        "smpp://arrears:secret@127.0.0.1:2775?window=0",
        "smpp://arrears:secret@127.0.0.1:2775?enquire=soon",
        "smpp://arrears:secret@127.0.0.1:2775?colour=blue",
        "http://arrears:secret@127.0.0.1:2775",
    ],
)
def test_a_bad_url_is_refused_without_showing_its_password(url: str) -> None:
    with pytest.raises(TransportError) as caught:
        SmppTransport.from_url(url, settings=settings())
    assert "secret" not in caught.value.message_en and "longer-than-8" not in caught.value.message_en


def test_url_parameters_override_the_settings() -> None:
    url = "smpp://esme:pw@smsc.example:2776?system_type=COLL&source=95555&window=20&enquire=5"
    options = SmppTransport.from_url(url, settings=settings(sms_smpp_key_tlv=0x1401)).options
    session = options.session
    assert (session.host, session.port, session.system_id, session.system_type) == (
        "smsc.example",
        2776,
        "esme",
        "COLL",
    )
    assert (session.window, session.enquire_seconds, options.source, options.key_tag) == (
        20,
        5.0,
        "95555",
        0x1401,
    )
    assert "pw" not in repr(session)


@pytest.mark.slow
def test_pipelined_submits_reach_2000_a_second_on_a_local_smsc_in_another_process() -> None:
    process, url = spawn("--no-record")
    transport = SmppTransport.from_url(url + "?window=100", settings=settings())
    try:
        started, outcomes, receipts = time.perf_counter(), [], 0
        for start in range(0, 20_000, 500):
            outcomes += [r.outcome for r in transport.send([sms(f"k{n}") for n in range(start, start + 500)])]
            receipts += len(transport.inbound())
        rate = len(outcomes) / (time.perf_counter() - started)
    finally:
        transport.close()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert outcomes == ["sent"] * 20_000
    assert rate >= 2_000, f"{rate:,.0f} messages/s"
    assert receipts > 15_000  # the receipts come back on the same bind while sending
