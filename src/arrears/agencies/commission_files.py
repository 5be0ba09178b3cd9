"""A commission statement's files: the CSV, one line per attributed payment (the account masked to its
last four characters), and the PDF, the statement's totals and breakdown in Chinese and English,
typeset by Typst with the letters' embedded CJK font (``messaging.letters.typeset``). Both are written
under a temporary name and moved into place; their SHA-256 is taken from the bytes on disk."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl
import typst

from arrears.agencies.commission_rules import Tally
from arrears.kit.errors import ArrearsError
from arrears.kit.money import format_fen
from arrears.messaging.letters.typeset import cjk_family

TEMPLATE = Path(__file__).with_name("commission_statement.typ")
FOLDER = Path("agencies") / "commissions"  # under the data directory
CSV_HEADER = (
    "payment_ref",
    "account",
    "paid_date",
    "amount_yuan",
    "source",
    "placed_on",
    "dpd_at_placement",
    "bucket_at_placement",
    "overdue_at_placement_yuan",
    "age_band",
    "amount_band",
    "rate_bp",
    "commission_yuan",
    "unrated",
)
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


class FileChanged(ArrearsError):
    """A statement's file is missing, or its bytes no longer match the SHA-256 recorded when it was made."""


def yuan(fen: int) -> str:
    """``-12345`` -> ``-123.45``: plain yuan, no separators (a spreadsheet's number)."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def file_stem(agency_code: str, month: date, version: int) -> Path:
    """``agencies/commissions/2026-03/A1-v2`` (the code's unsafe characters replaced)."""
    safe = _SAFE.sub("_", agency_code) or "_"
    if safe != agency_code:
        safe += "-" + hashlib.sha256(agency_code.encode()).hexdigest()[:8]
    return FOLDER / f"{month:%Y-%m}" / f"{safe}-v{version}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(data_dir: Path, relative: str, sha256: str) -> Path:
    """The file's path once its bytes are read back and match ``sha256``; FileChanged otherwise."""
    path = data_dir / relative
    if not path.is_file() or sha256_of(path) != sha256:
        raise FileChanged(
            f"the statement's file {relative} is missing or has changed since it was made: make the "
            "statement again (an approved statement's files must be restored from a backup)",
            f"结算单文件 {relative} 缺失或自生成后已被改动：请重新生成结算单"
            "（已审批的结算单须从备份恢复文件）",
        )
    return path


def write_csv(path: Path, lines: pl.DataFrame) -> str:
    """Writes the lines (``CSV_HEADER``, UTF-8 with a byte-order mark so that a spreadsheet reads it as
    such, CRLF) and moves the file into place; its SHA-256 read back from disk."""
    assert tuple(lines.columns) == CSV_HEADER, lines.columns
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    lines.write_csv(partial, include_bom=True, line_terminator="\r\n")
    os.replace(partial, path)
    return sha256_of(path)


@dataclass(frozen=True, slots=True)
class Heading:
    agency_code: str
    agency_name: str
    month: date
    version: int
    provisional: bool
    as_of: date
    made_at: datetime
    unposted: dict[str, Any]


def _band_text(row: dict[str, Any], unrated: dict[str, str]) -> list[str]:
    if row["unrated"]:
        label = unrated.get(row["unrated"], row["unrated"])
        return [label, "-", "0", f"{row['payments']:,}", format_fen(row["collected_fen"]), format_fen(0)]
    return [
        row["age_band"],
        row["amount_band"],
        f"{row['rate_bp']:,}",
        f"{row['payments']:,}",
        format_fen(row["collected_fen"]),
        format_fen(row["commission_fen"]),
    ]


UNRATED_WORDS = {
    "no_schedule": "未定佣金方案 no schedule in force",
    "no_band": "无适用费率档 no band for the account",
    "no_delinquency": "无委外时逾期数据 no delinquency at placement",
}


def document(heading: Heading, tally: Tally, *, font: str) -> dict[str, Any]:
    """The layout's data: every value a string, amounts in yuan to the fen."""
    warnings = []
    if heading.provisional:
        warnings.append(
            f"临时结算单：{heading.month:%Y-%m} 尚未结束（业务日期 {heading.as_of}）· "
            f"Provisional: the month is not over (business date {heading.as_of})"
        )
    unposted = heading.unposted
    if unposted.get("notifications") or unposted.get("unreconciled_days"):
        days, notes = len(unposted.get("unreconciled_days", [])), unposted.get("notifications", 0)
        warnings.append(
            f"本月有未入账的在线还款：{notes} 笔通知待复核，{days} 天结算文件未对账 · "
            f"Unposted payments this month: {notes} gateway notifications kept for review, {days} days "
            "without a reconciled settlement file"
        )
    if tally.unrated_payments:
        warnings.append(
            f"{tally.unrated_payments:,} 笔还款未计佣（{format_fen(tally.unrated_fen)} 元）· "
            f"{tally.unrated_payments:,} payments earned no commission (no rate)"
        )
    return {
        "font": font,
        "title": "委外佣金结算单 Agency commission statement",
        "footer": f"{heading.agency_code} · {heading.month:%Y-%m} · v{heading.version}",
        "warnings": warnings,
        "head": [
            ["机构 Agency", f"{heading.agency_name} ({heading.agency_code})"],
            ["月份 Month", f"{heading.month:%Y-%m}"],
            ["版本 Version", str(heading.version)],
            ["业务日期 Business date", heading.as_of.isoformat()],
            ["生成时间 Made", heading.made_at.isoformat(timespec="minutes")],
        ],
        "totals": [
            ["还款笔数 Payments", f"{tally.payments:,}"],
            ["回收金额 Collected", format_fen(tally.collected_fen)],
            ["其中冲正 of which reversals", f"{tally.reversals:,}"],
            ["应付佣金 Commission", format_fen(tally.commission_fen)],
            ["其中冲正扣回 of which clawed back", format_fen(tally.clawback_fen)],
        ],
        "words": {
            "totals": "合计 Totals",
            "breakdown": "按费率档 By rate band",
            "columns": [
                "账龄 Age",
                "逾期金额 Overdue (yuan)",
                "费率 bp",
                "笔数 Payments",
                "回收 Collected",
                "佣金 Commission",
            ],
            "lines": "明细 Lines",
            "lines_note": "每笔还款一行，见同名 CSV 文件（账户号仅显示后四位）。"
            "佣金按每笔还款计算，四舍五入至分（五入远离零）。 One line per payment in the CSV file of "
            "the same name (accounts masked). Commission is computed per payment and rounded half away "
            "from zero to the fen.",
            "signatures": "签核 Sign-off",
        },
        "breakdown": [_band_text(row, UNRATED_WORDS) for row in tally.breakdown()],
        "signatures": [
            ["复核 Reviewed by", "______________________"],
            ["审批 Approved by", "______________________"],
        ],
    }


def font_of(font_dir: Path) -> str:
    """The CJK family the statement is set in (FontMissing naming the folder when there is none)."""
    return cjk_family(font_dir)


@functools.lru_cache(maxsize=4)
def _compiler(font_dir: str) -> tuple[typst.Compiler, threading.Lock]:
    """One compiler per font folder: loading the CJK font is most of a statement's typesetting."""
    compiler = typst.Compiler(input=str(TEMPLATE), root=str(TEMPLATE.parent), font_paths=[font_dir],
                              ignore_system_fonts=True)  # fmt: skip
    return compiler, threading.Lock()


def render(doc: dict[str, Any], *, font_dir: Path, day: date) -> bytes:
    """The statement as PDF; the same data gives the same bytes."""
    compiler, lock = _compiler(str(font_dir))
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    with lock:
        out = compiler.compile(
            sys_inputs={"data": data}, pdf_tags=False, timestamp=datetime.combine(day, time(0), UTC)
        )
    assert isinstance(out, bytes)
    return out


def write_pdf(path: Path, pdf: bytes) -> str:
    """Writes the PDF (moved into place); its SHA-256 read back from disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(pdf)
    os.replace(partial, path)
    return sha256_of(path)
