"""The dossier on the case page: age, the bank's profile beside what staff learned, the collection
archive, the score read as bands, and the choices of the form that records a learned fact."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy import Connection

from arrears.accounts.dossier import dossier
from arrears.batch.business_day import business_day
from arrears.kit.clock import now
from arrears.models import FACT_KINDS, FACT_SOURCES
from arrears.users.permissions import allowed
from arrears.web import dossier_labels, sessions


def _day(request: Request, connection: Connection) -> date:
    """The request's business date, read on the page's own connection (and kept for the page)."""
    found = getattr(request.state, "business_day", None)
    if found is None:
        today = now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
        found = business_day(connection, today=today)
        request.state.business_day = found
    return found.date


def dossier_context(
    connection: Connection, request: Request, session: sessions.Session, case: dict[str, Any]
) -> dict[str, Any]:
    """What the case page's dossier needs: the dossier on the business date, the words for it, the
    score's reading and the fact form's choices."""
    day = _day(request, connection)
    clear = allowed(session.user.role, "pii:reveal")
    found = dossier(connection, customer_id=case["customer"]["id"], day=day, clear_text=clear,
                    cipher=request.app.state.cipher)  # fmt: skip
    return {"dossier": found, "read_score": dossier_labels.score_reading, **fact_form_context(request)}


def fact_form_context(request: Request) -> dict[str, Any]:
    """The fact form's choices and its default date (today in the cardholders' zone: the day a fact
    is learned, whatever day the book is on)."""
    today = now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
    return {
        "words": dossier_labels,
        "fact_kinds": FACT_KINDS,
        "fact_sources": FACT_SOURCES,
        "fact_day": today,
    }
