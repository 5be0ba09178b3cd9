"""The gateway's daily settlement file, read and checked in full before anything is written.

CSV, UTF-8 (a byte-order mark is allowed), the header ``trade_no,out_trade_no,total_amount,trade_status,
gmt_payment`` and one row per trade (``docs/payments.md``, "Reconciliation"). A row that breaks the
format stops the reading with :class:`SettlementFileError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import FIRST_DAY, LAST_DAY, NUL, shown
from arrears.kit.money import InvalidAmount, parse_amount_fen

HEADER = ("trade_no", "out_trade_no", "total_amount", "trade_status", "gmt_payment")
STATUSES = ("TRADE_SUCCESS", "TRADE_CLOSED")
MAX_FILE_BYTES = 512 * 1024 * 1024  # far above a day's trades (a million rows is about 100 MB)
_KEY = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII without spaces, as the gateway writes its keys
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class SettlementFileError(ArrearsError):
    """The settlement file cannot be read as the gateway's format: nothing was written."""


@dataclass(frozen=True, slots=True)
class SettlementRow:
    line: int  # the line of the file (the header is line 1)
    trade_no: str
    out_trade_no: str
    amount_fen: int
    trade_status: str
    paid_at: datetime | None  # aware UTC; None for a closed trade without a payment time
    paid_day: date | None  # the day of paid_at in the cardholders' time zone


@dataclass(frozen=True, slots=True)
class SettlementFile:
    name: str
    sha256: str
    rows: tuple[SettlementRow, ...]


def read_settlement_file(path: Path, *, zone: ZoneInfo) -> SettlementFile:
    """Every row of the file at ``path``, checked; SettlementFileError at the first problem."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SettlementFileError(
                f"{name}: the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
                f"{name}：文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB",
            )
        data = path.read_bytes()
    except OSError as error:
        raise SettlementFileError(
            f"{name}: cannot read the file ({error.strerror})", f"{name}：无法读取文件（{error.strerror}）"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettlementFileError(
            f"{name}: the file is not UTF-8 (byte {error.start})",
            f"{name}：文件不是 UTF-8 编码（第 {error.start} 字节）",
        ) from None
    rows = tuple(_rows(name, text, zone))
    return SettlementFile(name=name, sha256=hashlib.sha256(data).hexdigest(), rows=rows)


def _problem(name: str, line: int, field: str | None, en: str, zh: str) -> SettlementFileError:
    where_en = f"{name}, line {line}" + (f", field {field}" if field else "")
    where_zh = f"{name} 第 {line} 行" + (f"，字段 {field}" if field else "")
    return SettlementFileError(f"{where_en}: {en}; nothing was written", f"{where_zh}：{zh}；未写入任何数据")


def _rows(name: str, text: str, zone: ZoneInfo) -> Iterator[SettlementRow]:
    if NUL in text:
        line = text[: text.index(NUL)].count("\n") + 1
        raise _problem(name, line, None, "the line holds a NUL character", "该行含有 NUL 字符")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or tuple(cell.strip() for cell in header) != HEADER:
            raise _problem(
                name,
                1,
                None,
                f"the header must be {','.join(HEADER)}",
                f"表头须为 {','.join(HEADER)}",
            )
        first_line: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not cells or cells == [""]:
                continue  # a blank line (the last line's end, or spacing)
            row = _row(name, line, cells, zone)
            if row.trade_no in first_line:
                raise _problem(
                    name,
                    line,
                    "trade_no",
                    f"{shown(row.trade_no)} appears twice (first on line {first_line[row.trade_no]})",
                    f"{shown(row.trade_no)} 重复出现（首次在第 {first_line[row.trade_no]} 行）",
                )
            first_line[row.trade_no] = line
            yield row
    except csv.Error as error:
        raise _problem(
            name, reader.line_num, None, f"not valid CSV ({error})", f"不是有效的 CSV（{error}）"
        ) from None


def _row(name: str, line: int, cells: list[str], zone: ZoneInfo) -> SettlementRow:
    if len(cells) != len(HEADER):
        raise _problem(
            name,
            line,
            None,
            f"{len(cells)} fields instead of {len(HEADER)}",
            f"有 {len(cells)} 个字段，应为 {len(HEADER)} 个",
        )
    values = dict(zip(HEADER, (cell.strip() for cell in cells), strict=True))
    for field in ("trade_no", "out_trade_no"):
        if not _KEY.fullmatch(values[field]):
            raise _problem(
                name,
                line,
                field,
                f"{shown(values[field])} is not a trade number (1 to 64 printable characters, no space)",
                f"{shown(values[field])} 不是有效的交易号（1 至 64 个可打印字符，不含空格）",
            )
    try:
        amount_fen = parse_amount_fen(values["total_amount"], field="total_amount")
    except InvalidAmount as error:
        raise _problem(
            name, line, "total_amount", error.message_en.split(": ", 1)[1], error.message_zh.split("：", 1)[1]
        ) from None
    if amount_fen <= 0:
        raise _problem(name, line, "total_amount", "the amount must be above 0", "金额须大于 0")
    status = values["trade_status"]
    if status not in STATUSES:
        raise _problem(
            name,
            line,
            "trade_status",
            f"{shown(status)} is not one of {', '.join(STATUSES)}",
            f"{shown(status)} 不是 {', '.join(STATUSES)} 之一",
        )
    paid_at = _moment(name, line, values["gmt_payment"], zone, required=status == "TRADE_SUCCESS")
    return SettlementRow(
        line=line,
        trade_no=values["trade_no"],
        out_trade_no=values["out_trade_no"],
        amount_fen=amount_fen,
        trade_status=status,
        paid_at=paid_at.astimezone(UTC) if paid_at else None,
        paid_day=paid_at.date() if paid_at else None,
    )


def _moment(name: str, line: int, text: str, zone: ZoneInfo, *, required: bool) -> datetime | None:
    if not text and not required:
        return None
    value: datetime | None = None
    if _MOMENT.fullmatch(text):
        try:
            value = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
        except ValueError:
            value = None
    if value is None or not FIRST_DAY <= value.date() <= LAST_DAY:
        raise _problem(
            name,
            line,
            "gmt_payment",
            f"{shown(text)} is not a time YYYY-MM-DD HH:MM:SS (required for TRADE_SUCCESS)",
            f"{shown(text)} 不是 YYYY-MM-DD HH:MM:SS 格式的时间（TRADE_SUCCESS 必填）",
        )
    return value
