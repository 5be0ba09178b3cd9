from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.kit.crypto import FieldCipher, new_key
from arrears.kit.errors import ConfigurationError
from arrears.kit.masking import mask_address, mask_email, mask_name, mask_national_id, mask_phone
from arrears.kit.money import MAX_AMOUNT_FEN, InvalidAmount, format_fen, parse_amount_fen


class TestMoney:
    @pytest.mark.parametrize(
        ("text", "fen"),
        [("1234.5", 123450), ("0.01", 1), ("0", 0), (" 20 ", 2000), ("100000000", 100_000_000_00)],
    )
    def test_parses_amounts_exactly(self, text: str, fen: int) -> None:
        assert parse_amount_fen(text) == fen

    @pytest.mark.parametrize(
        "text",
        ["12,000.00x", "1.234", "abc", "", "-20", "+20", "1.", ".5", "\uff11\uff12", "100000000.01",
         "2.00E+05", "1E+3", "1.5E-3", "1e999990", "1e999999999", "9" * 100_000],
    )  # fmt: skip
    def test_refuses_what_is_not_plain_yuan_within_the_cap(self, text: str) -> None:
        with pytest.raises(InvalidAmount, match=r"promise_amount: .* is not an amount") as refused:
            parse_amount_fen(text, field="promise_amount")
        assert isinstance(refused.value, ValueError) and "不是有效的金额" in refused.value.message_zh
        assert len(refused.value.message_en) < 200  # the value is repeated cut short

    @given(st.integers(min_value=0, max_value=MAX_AMOUNT_FEN))
    def test_every_amount_within_the_cap_reads_back(self, fen: int) -> None:
        assert parse_amount_fen(f"{fen // 100}.{fen % 100:02d}") == fen

    def test_formats_fen_with_separators(self) -> None:
        assert format_fen(123456789) == "1,234,567.89"
        assert format_fen(-5) == "-0.05"


class TestMasking:
    def test_national_id_keeps_region_and_last_four(self) -> None:
        assert mask_national_id("110101199003071234") == "110101********1234"

    def test_phones(self) -> None:
        assert mask_phone("13812345678") == "138****5678"
        assert mask_phone("0760-88123456") == "0760-****3456"

    def test_name_email_address(self) -> None:
        assert mask_name("张三") == "张*"
        assert mask_name("欧阳娜娜") == "欧***"
        assert mask_email("zhang.san@example.com") == "z***@example.com"
        assert mask_address("广东省中山市小榄镇民安南路123号", district="小榄镇") == "广东省中山市小榄镇****"


class TestFieldCipher:
    @given(st.text(max_size=200))
    def test_round_trip(self, value: str) -> None:
        cipher = FieldCipher(bytes(range(32)))
        assert cipher.decrypt(cipher.encrypt(value)) == value

    def test_ciphertexts_differ_but_hashes_match(self) -> None:
        cipher = FieldCipher(bytes(range(32)))
        assert cipher.encrypt("13812345678") != cipher.encrypt("13812345678")
        assert cipher.lookup_hash("13812345678") == cipher.lookup_hash("13812345678")
        assert cipher.lookup_hash("13812345678") != FieldCipher(bytes(32)).lookup_hash("13812345678")

    @given(st.lists(st.text(max_size=60), max_size=20))
    def test_batch_forms_match_the_single_ones(self, values: list[str]) -> None:
        cipher = FieldCipher(bytes(range(32)))
        assert cipher.lookup_hashes(values) == [cipher.lookup_hash(value) for value in values]
        tokens = cipher.encrypt_many(values)
        assert [cipher.decrypt(token) for token in tokens] == values
        nonces = {token[1:13] for token in tokens}
        assert len(nonces) == len(values)  # every value gets its own nonce

    def test_lookup_hash_is_hmac_sha256_of_the_derived_key(self) -> None:
        import hmac

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        master = bytes(range(32))
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"arrears:lookup-hash").derive(
            master
        )
        expected = hmac.new(key, b"13812345678", "sha256").hexdigest()
        assert FieldCipher(master).lookup_hashes(["13812345678"]) == [expected]

    def test_plaintext_is_not_in_the_ciphertext(self) -> None:
        token = FieldCipher(bytes(range(32))).encrypt("110101199003071234")
        assert b"110101199003071234" not in token

    def test_another_key_cannot_decrypt(self) -> None:
        token = FieldCipher(bytes(range(32))).encrypt("secret")
        with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
            FieldCipher(bytes(32)).decrypt(token)

    def test_a_short_key_is_refused(self) -> None:
        with pytest.raises(ConfigurationError):
            FieldCipher(b"short")

    def test_new_key_is_base64_of_32_bytes(self) -> None:
        import base64

        assert len(base64.b64decode(new_key())) == 32
