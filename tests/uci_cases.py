"""The bundled UCI file read once per session: the books that take its first accounts share the reading
(the file holds 24,000 accounts; reading it takes longer than building most books)."""

from __future__ import annotations

from functools import cache

import polars as pl

from arrears.imports import uci


@cache
def _bundled() -> pl.DataFrame:
    return uci.read_uci(uci.bundled_path())


def uci_head(rows: int) -> pl.DataFrame:
    """The first ``rows`` accounts of the bundled file, as ``uci.read_uci`` gives them."""
    return _bundled().head(rows)
