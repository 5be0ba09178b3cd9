"""SMS alphabets, segment counts and the bytes of each segment (GSM 03.38 / UCS-2, concatenation UDH)."""

from __future__ import annotations

import pytest

from arrears.messaging.sms_segments import (
    Concatenation,
    SegmentError,
    decode_text,
    encode_parts,
    is_gsm,
    reference_for,
    segments,
    split_udh,
    units,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("gsm7", 1, 160)),
        ("a" * 160, ("gsm7", 1, 160)),
        ("a" * 161, ("gsm7", 2, 153)),
        ("a" * 306, ("gsm7", 2, 153)),
        ("a" * 307, ("gsm7", 3, 153)),
        ("{" * 80, ("gsm7", 1, 160)),  # extension characters take two septets
        ("{" * 81, ("gsm7", 2, 153)),
        ("您" * 70, ("ucs2", 1, 70)),
        ("您" * 71, ("ucs2", 2, 67)),
        ("您" * 134, ("ucs2", 2, 67)),
        ("您" * 135, ("ucs2", 3, 67)),
        ("a" * 69 + "您", ("ucs2", 1, 70)),  # one Chinese character turns the whole text UCS-2
        ("😀" * 35, ("ucs2", 1, 70)),  # beyond the BMP: a surrogate pair, two units
        ("😀" * 36, ("ucs2", 2, 67)),
    ],
)
def test_segments_counts_by_alphabet(text: str, expected: tuple[str, int, int]) -> None:
    counted = segments(text)
    assert (counted.encoding, counted.count, counted.per_segment_limit) == expected
    encoding, count, limit = counted  # unpacks as a plain triple for the template editor
    assert (encoding, count, limit) == expected


def test_gsm_alphabet_and_units() -> None:
    assert is_gsm("Hello @£$¥ Ñ § ¿ à €[]")
    assert not is_gsm("Hello, 您好")
    assert not is_gsm("`")  # the grave accent is not in GSM 03.38
    assert units("ab€") == 4
    assert units("您好😀") == 4


def test_a_long_chinese_text_goes_as_ucs2_parts_with_udh() -> None:
    text = "".join(chr(0x4E00 + n) for n in range(150))  # 150 distinct characters: 3 parts of 67, 67, 16
    encoded = encode_parts(text, reference=0x2A)
    assert (encoded.data_coding, encoded.esm_class, len(encoded.parts)) == (8, 0x40, 3)
    for number, part in enumerate(encoded.parts, start=1):
        assert part[:6] == bytes((5, 0, 3, 0x2A, 3, number))
    assert [len(part) - 6 for part in encoded.parts] == [134, 134, 32]
    joined = "".join(part[6:].decode("utf-16-be") for part in encoded.parts)
    assert joined == text


def test_a_short_text_is_one_part_without_header() -> None:
    assert encode_parts("您好", reference=1).parts == ("您好".encode("utf-16-be"),)
    gsm = encode_parts("Pay {now} @ 5€", reference=1)
    assert (gsm.data_coding, gsm.esm_class) == (0, 0)
    assert gsm.parts == (b"Pay \x1b(now\x1b) \x00 5\x1be",)


def test_split_keeps_surrogate_pairs_and_gsm_escapes_whole() -> None:
    emoji = "a" + "😀" * 40  # 81 units: the 34th emoji would straddle the 67-unit boundary
    parts = encode_parts(emoji, reference=7).parts
    assert [part[6:].decode("utf-16-be") for part in parts] == ["a" + "😀" * 33, "😀" * 7]
    braces = "ab" + "{" * 100  # 202 septets: the 76th escape pair would straddle the 153 boundary
    gsm_parts = encode_parts(braces, reference=7).parts
    assert [len(part) - 6 for part in gsm_parts] == [152, 50]
    assert "".join(decode_text(part[6:], data_coding=0) for part in gsm_parts) == braces


def test_too_many_segments_is_refused() -> None:
    with pytest.raises(SegmentError) as caught:
        encode_parts("您" * (67 * 255 + 1), reference=0)
    assert "255" in caught.value.message_en and "255" in caught.value.message_zh


def test_reference_follows_the_key() -> None:
    assert reference_for("sms:42:2025-01-02") == reference_for("sms:42:2025-01-02")
    assert 0 <= reference_for("x") <= 255
    assert len({reference_for(f"k{n}") for n in range(100)}) > 50


def test_split_udh_reads_8_and_16_bit_references() -> None:
    assert split_udh(b"\x05\x00\x03\x2a\x03\x02body", esm_class=0x40) == (Concatenation(0x2A, 3, 2), b"body")
    assert split_udh(b"\x06\x08\x04\x01\x02\x04\x01x", esm_class=0x40) == (Concatenation(0x0102, 4, 1), b"x")
    assert split_udh(b"\x05\x00\x03\x2a\x03\x02body", esm_class=0) == (None, b"\x05\x00\x03\x2a\x03\x02body")
    assert split_udh(b"\x03\x24\x01\x00hi", esm_class=0x40) == (None, b"hi")  # another element only


@pytest.mark.parametrize("data", [b"", b"\x09\x00\x03", b"\x03\x00\x05\x01"])
def test_split_udh_refuses_a_header_that_does_not_fit(data: bytes) -> None:
    with pytest.raises(ValueError, match="header"):
        split_udh(data, esm_class=0x40)


def test_decode_text_by_data_coding() -> None:
    assert decode_text("退订".encode("utf-16-be"), data_coding=8) == "退订"
    assert decode_text("退订".encode("gbk"), data_coding=15) == "退订"
    assert decode_text(b"TD", data_coding=0) == "TD"
    assert decode_text(b"\x00\x1b\x65\x11", data_coding=0) == "@€_"
    assert decode_text(b"STOP", data_coding=1) == "STOP"
    assert decode_text(b"caf\xe9", data_coding=3) == "café"
    assert decode_text(b"\xd8\x00", data_coding=8) == "\ufffd"  # a lone surrogate never raises
