"""The letters' pure decisions: the address chosen, the masked card, the numbers, the payment link, the
manifest's row and the layout's data."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs, urlsplit

import segno

from arrears.messaging.letters import rules
from arrears.messaging.letters.layout import QR_MASK, Bank, LetterInput, document, qr_svg
from arrears.messaging.letters.rules import ADDRESS_INVALID, NO_ADDRESS, AddressPoint, ManifestEntry, Owed

HOME, WORK = "home_address", "work_address"


class TestChooseAddress:
    def test_the_address_the_message_names_when_it_is_valid(self) -> None:
        points = [AddressPoint(1, HOME, True, False), AddressPoint(2, WORK, False, False)]

        assert rules.choose_address(points, named_id=2) == (points[1], None)

    def test_else_the_primary_home_address_then_the_primary_work_address(self) -> None:
        points = [AddressPoint(1, HOME, False, False), AddressPoint(2, WORK, True, False),
                  AddressPoint(3, HOME, True, False)]  # fmt: skip

        assert rules.choose_address(points)[0] == points[2]
        assert rules.choose_address(points[:2])[0] == points[1]

    def test_an_invalid_address_is_never_chosen(self) -> None:
        points = [AddressPoint(1, HOME, True, True), AddressPoint(2, WORK, False, False)]

        assert rules.choose_address(points, named_id=1)[0] == points[1]

    def test_no_mailing_address_or_only_invalid_ones_is_a_reason(self) -> None:
        assert rules.choose_address([]) == (None, NO_ADDRESS)
        assert rules.choose_address([AddressPoint(5, "mobile", True, False)]) == (None, NO_ADDRESS)
        assert rules.choose_address([AddressPoint(1, HOME, True, True)]) == (None, ADDRESS_INVALID)


class TestNumbersAndLinks:
    def test_a_card_number_keeps_its_first_and_last_four(self) -> None:
        assert rules.mask_card("6222021234567890") == "6222 **** **** 7890"
        assert rules.mask_card("6222-0212-3456-7890-123") == "6222 **** **** *** 0123"
        assert rules.mask_card("1") == "****1"

    def test_a_letter_id_names_the_date_and_the_sequence_and_reads_back(self) -> None:
        text = rules.letter_id(run_date=date(2026, 11, 24), sequence=12)

        assert text == "letters-2026-11-24#000012"
        assert rules.parse_letter_id(text) == (date(2026, 11, 24), 12)
        assert rules.parse_letter_id("letters-2026-13-24#000012") is None
        assert rules.parse_letter_id("letters-2026-11-24#12") is None

    def test_the_payment_link_carries_an_opaque_reference_only(self) -> None:
        ref = rules.pay_ref(message_id=42, tag="0123456789abcdef0123")
        url = rules.pay_url("https://bank.example/my/pay?channel=letter&ref=old", ref=ref)

        assert ref == "L42.0123456789abcdef"
        assert parse_qs(urlsplit(url).query) == {"channel": ["letter"], "ref": [ref]}

    def test_the_deadline_is_days_after_the_letter(self) -> None:
        assert rules.deadline(letter_date=date(2026, 11, 24), days=15) == date(2026, 12, 9)


class TestWhatIsOwed:
    def test_the_least_to_bring_it_up_to_date_is_the_overdue_amount_within_the_balance(self) -> None:
        assert Owed(100_00, 10_00, 5_00, 30_00).minimum_fen == 30_00
        assert Owed(100_00, 10_00, 5_00, 900_00).minimum_fen == 115_00
        assert Owed(100_00, 10_00, 5_00, 30_00).payoff_fen == 115_00

    def test_the_table_lists_every_part_in_yuan(self) -> None:
        labels = {
            key: key for key in ("principal", "interest", "fees", "balance", "overdue", "minimum", "payoff")
        }

        rows = rules.owed_rows(Owed(1_234_567, 45_600, 5_000, 321_000), labels)

        assert [(row["label"], row["value"]) for row in rows] == [
            ("principal", "12,345.67"), ("interest", "456.00"), ("fees", "50.00"), ("balance", "12,851.67"),
            ("overdue", "3,210.00"), ("minimum", "3,210.00"), ("payoff", "12,851.67"),
        ]  # fmt: skip


def test_a_manifest_row_puts_the_address_on_one_line() -> None:
    entry = ManifestEntry(
        sequence=3, letter_id="letters-2026-11-24#000003", account_no="6222", recipient="张伟",
        address="广东省中山市\n 石岐区 \n", pages=2, first_page=5, file="f/000003.pdf", sha256="ab",
    )  # fmt: skip

    assert rules.manifest_row(entry) == [
        "3", "letters-2026-11-24#000003", "6222", "张伟", "广东省中山市 石岐区", "2", "5",
        "f/000003.pdf", "ab",
    ]  # fmt: skip
    assert len(rules.MANIFEST_COLUMNS) == len(rules.manifest_row(entry))


def test_the_education_block_is_set_apart_from_the_body() -> None:
    text = "尊敬的张伟：\n\n第一段\n第二行\n\n【金融知识提示】逾期记录将报送征信系统。"

    assert rules.split_body(text, educated=True) == (
        ["尊敬的张伟：", "第一段\n第二行"],
        "【金融知识提示】逾期记录将报送征信系统。",
    )
    assert rules.split_body(text, educated=False)[1] is None


def _letter(**values: object) -> LetterInput:
    fields: dict[str, object] = {
        "letter_id": "letters-2026-11-24#000001", "locale": "zh_CN",
        "bank": Bank("示例银行", "示例路 1 号", "400"), "recipient": "李#强$[x]*",
        "address": "广东省\n中山市 #set page(width: 1pt)", "card_masked": "6222 **** 0001",
        "account_tail": "0001", "letter_date": date(2026, 11, 24), "deadline": date(2026, 12, 9),
        "owed": Owed(1, 2, 3, 4), "title": None, "body": "段一\n\n段二", "educated": False,
        "pay_url": "https://bank.example/my/pay?ref=L1.ab", "pay_ref": "L1.ab",
    }  # fmt: skip
    return LetterInput(**(fields | values))  # type: ignore[arg-type]


class TestLayoutData:
    def test_texts_are_data_as_written_never_markup(self) -> None:
        data = document(_letter(), font="Noto Sans CJK SC")

        assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain JSON for sys.inputs
        assert data["recipient"] == {
            "name": "李#强$[x]*",
            "address_lines": ["广东省", "中山市 #set page(width: 1pt)"],
        }
        assert (data["lang"], data["font"]) == ("zh", "Noto Sans CJK SC")

    def test_the_form_speaks_the_letters_language(self) -> None:
        english = document(_letter(locale="en", title="Notice"), font="F")

        assert english["letter"]["title"] == "Notice"
        assert english["deadline"] == "9 December 2026"
        assert english["labels"]["how_to_pay"] == "How to pay"
        assert document(_letter(), font="F")["deadline"] == "2026年12月9日"

    def test_the_qr_code_draws_exactly_the_dark_modules_of_the_link(self) -> None:
        url = "https://bank.example/my/pay?ref=L1.ab"
        expected = segno.make(url, error="m", micro=False, mask=QR_MASK).matrix

        svg = qr_svg(url)

        drawn = [[False] * len(expected) for _ in expected]
        for x, y, length in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
            for column in range(int(x), int(x) + int(length)):
                drawn[int(y)][column] = True
        assert drawn == [[bool(module) for module in row] for row in expected]
        assert f'viewBox="0 0 {len(expected)} {len(expected)}"' in svg


def test_a_manifest_cell_that_a_spreadsheet_would_run_is_quoted_as_text() -> None:
    entry = ManifestEntry(
        sequence=1, letter_id="letters-2026-11-24#000001", account_no="6222", recipient="=HYPERLINK(1)",
        address="@SUM(A1)\n+86 road", pages=1, first_page=1, file="f/000001.pdf", sha256="ab",
    )  # fmt: skip

    row = rules.manifest_row(entry)

    assert row[3] == "'=HYPERLINK(1)" and row[4] == "'@SUM(A1) +86 road"
    assert rules.manifest_row(replace(entry, recipient="张伟", address="-1 巷"))[3:5] == ["张伟", "'-1 巷"]
