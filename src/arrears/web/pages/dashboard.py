"""The manager dashboard: the book, the day's run, queues, throughput, promises and contact rates,
with charts drawn on the server as SVG (no outside service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from arrears.analytics.dashboard import BandFigures, Dashboard, dashboard
from arrears.kit.inputs import Day
from arrears.web import sessions
from arrears.web.charts import Series, bar_chart, grouped_bar_chart, line_chart
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.i18n import gettext, yuan

router = APIRouter(include_in_schema=False)
Manager = Annotated[sessions.Session, Depends(signed_in("dashboard:read"))]


def charts(figures: Dashboard, lang: str) -> dict[str, Markup]:
    def t(message: str) -> str:
        return gettext(lang, message)

    def label(band: BandFigures) -> str:
        return band.label_zh if lang == "zh_CN" else band.label_en

    empty = t("No data yet.")
    buckets, classes, queue, by_day = (
        figures.book.buckets,
        figures.book.classes,
        figures.queue,
        figures.contacts_by_day,
    )
    money = [
        Series(t("Balance"), [b.balance_fen for b in buckets]),
        Series(t("Overdue"), [b.overdue_fen for b in buckets]),
    ]
    work = [
        Series(t(status), [getattr(q, status) for q in queue]) for status in ("planned", "claimed", "done")
    ]
    rates = [
        Series(t("Contact rate"), [d.contact_rate for d in by_day]),
        Series(t("Right-party contact rate"), [d.rpc_rate for d in by_day]),
    ]
    return {
        "buckets": grouped_bar_chart(
            [label(b) for b in buckets],
            money,
            title=t("Balance and overdue by bucket"),
            empty_text=empty,
            format_value=lambda value: yuan(int(value)),
        ),
        "classes": bar_chart(
            [label(c) for c in classes],
            [c.accounts for c in classes],
            empty_text=empty,
            title=t("Accounts by regulatory class"),
        ),
        "queue": grouped_bar_chart(
            [q.team_name or t(q.team) for q in queue],
            work,
            title=t("Today's call queue by team"),
            empty_text=empty,
        ),
        "contacts": line_chart(
            [d.day for d in by_day],
            rates,
            title=t("Contact and right-party contact rates by day"),
            empty_text=empty,
        ),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: Manager,
    as_of: Day | None = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> HTMLResponse:
    zone = request.app.state.settings.timezone
    day = as_of or work_day(request).date
    with request.app.state.engine.connect() as connection:
        figures = dashboard(connection, as_of=day, days=days, zone=zone)
    return page(
        request, "dashboard.html", figures=figures, charts=charts(figures, locale(request)), days=days
    )
