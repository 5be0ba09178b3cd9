"""The every-code book's placement batches: one that placed accounts, whose summary names every reason an
account was left out before sharing or not placed and every reason the register refuses an agency, with
its hand-over files (not on disk: shown missing); and one that placed nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from arrears.agencies.placement_rules import EMPTY, LEFT_REASONS, PLACED, SKIPPED
from arrears.agencies.register_rules import INELIGIBLE
from arrears.models import HandoverFile, PlacementBatch, table_of
from web_book import RUN


def _agency(code: str, placed: int, *, new: bool) -> dict[str, Any]:
    return {"code": code, "name": f"委外机构 {code}", "capacity": 1_500, "held": 300, "spare": 1_200,
            "recovered_fen": 0 if new else 1_234_500, "placed_fen": 0 if new else 9_876_500, "new": new,
            "rate": 0.125, "owed": 40 if new else 0, "placed": placed,
            "overdue_fen": 1_234_567_00}  # fmt: skip


def _summary(*, placed: int, refused: list[dict[str, Any]]) -> str:
    end = RUN + timedelta(days=89)
    agencies = [_agency("AG1", placed - 40, new=False), _agency("AG2", 40, new=True)] if placed else []
    summary = {"run_date": RUN.isoformat(), "placed_on": RUN.isoformat(), "ends_on": end.isoformat(),
               "days": 90, "handed_over": 2_345, "skipped": {why: 12 for why in SKIPPED}, "candidates": 2_309,
               "placed": placed, "placed_fen": 2_469_134_00, "left": {why: 1_000 for why in LEFT_REASONS},
               "agencies": agencies, "refused": refused, "classes": 120, "solved_ms": 15}  # fmt: skip
    return json.dumps(summary, ensure_ascii=False)


def add_placement_batches(connection: Connection, at: datetime) -> None:
    refused = [{"code": "AG9", "name": "委外机构 AG9", "codes": list(INELIGIBLE),
                "reasons_zh": ["委外机构近 365 天内未接受检查"],
                "reasons_en": ["the agency was not inspected in the last 365 days"]}]  # fmt: skip
    b, f = table_of(PlacementBatch), table_of(HandoverFile)
    batch = connection.execute(
        insert(b).values(run_date=RUN, placed_on=RUN, ends_on=RUN + timedelta(days=89), status=PLACED,
                         summary=_summary(placed=1_309, refused=refused), created_at=at).returning(b.c.id)
    ).scalar_one()  # fmt: skip
    for code, rows in (("AG1", 1_269), ("AG2", 40)):
        path = f"handover/batch-{batch:06d}/{code}.csv"
        values = {"batch_id": batch, "agency_code": code, "rows": rows, "path": path, "sha256": "0" * 64}
        connection.execute(insert(f).values(**values, created_at=at))
    connection.execute(
        insert(b).values(run_date=RUN, placed_on=RUN + timedelta(days=1), ends_on=RUN + timedelta(days=90),
                         status=EMPTY, summary=_summary(placed=0, refused=refused), created_at=at)
    )  # fmt: skip
