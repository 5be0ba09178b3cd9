"""The latest score of each account (``account_score``), as the daily run in store mode writes it.

SQL lives in ``AccountScoreRepository``; callers own the connection and its transaction.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from arrears.bulk import BulkLoader, Target
from arrears.models import AccountScore, table_of

_SCORE = table_of(AccountScore)
_TARGETS = {"account_score": Target(_SCORE, ("account_id",), update=True)}
REASON_RANKS = (1, 2, 3)


class AccountScoreRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def replace(self, rows: pl.DataFrame) -> int:
        """Writes each account's score over its previous one (``rows``: the table's columns, one row
        per account). A row equal to the stored one is left alone; returns the rows inserted or changed.

        PostgreSQL: COPY into a staging table and one merge statement; SQLite: one upsert per row in a
        single ``executemany`` (see ``arrears.bulk``).
        """
        loader = BulkLoader(self._connection, _TARGETS)
        written = loader.merge("account_score", rows, now=None)
        loader.drop_staging()
        return written

    def latest(self, account_id: int) -> dict[str, Any] | None:
        row = (
            self._connection.execute(select(_SCORE).where(_SCORE.c.account_id == account_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        reasons = [
            {"code": row[f"reason_{rank}"], "zh": row[f"reason_{rank}_zh"], "en": row[f"reason_{rank}_en"]}
            for rank in REASON_RANKS
            if row[f"reason_{rank}"] is not None
        ]
        return {
            "score": row["score"],
            "tier": row["risk_tier"],
            "p_default": row["p_default"],
            "willingness": row["willingness"],
            "ability": row["ability"],
            "run_date": row["run_date"],
            "model_version": row["model_version"],
            "reasons": reasons,
        }


def latest_score(connection: Connection, account_id: int) -> dict[str, Any] | None:
    """The account's latest score: score, tier, p_default, willingness, ability, run_date (a date),
    model_version and reasons (the top reasons, most important first, each {code, zh, en}; empty when
    no feature raised the risk); None when no daily run has scored the account."""
    return AccountScoreRepository(connection).latest(account_id)
