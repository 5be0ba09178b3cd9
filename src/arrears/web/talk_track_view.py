"""The case page's talk track (话术): the script beside the call form, its situation switchable."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from arrears.contacts.talk_tracks import SITUATIONS, shown
from arrears.web.deps import locale, work_day


def talk_track_context(connection: Connection, request: Request, case: dict[str, Any]) -> dict[str, Any]:
    """``talk``: the script shown (None without an approved version), and the situations to switch to."""
    lang = "zh" if locale(request) == "zh_CN" else "en"
    hotline = request.app.state.settings.sms_hotline
    found = shown(connection, case, today=work_day(request).date, locale=lang,
                  asked=request.query_params.get("talk"), hotline=hotline)  # fmt: skip
    return {"talk": found, "talk_situations": SITUATIONS}
