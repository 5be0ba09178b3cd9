"""``column IN (the values)`` for the statements that take a list of ids at a time.

On PostgreSQL the list is one array parameter (``column = ANY(:values)``): the statement's text is the
same whatever the list's length, so SQLAlchemy's compiled form and the driver's parsed query are reused
(an ``IN`` list of 200 parameters is a new text of several kilobytes for each length, which psycopg
does not cache). SQLite has no arrays: there it is an ordinary ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(connection: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (each once, in order)."""
    listed = sorted(set(values))
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    return column.in_(listed)
