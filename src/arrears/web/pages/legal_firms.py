"""A law firm's monthly fee statement (``/legal/firms/{team}/statement?month=YYYY-MM``): the firm's
costs incurred in the month, by case and kind, and the total, in fen; as a page or as CSV
(``&format=csv``). Legal sees every firm's (``legal:review``), a lawyer their own firm's only."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from arrears.kit.inputs import InvalidField, check_day
from arrears.kit.money import format_fen
from arrears.legal import cases
from arrears.legal.case_repository import CaseRepository
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.deps import page, signed_in, work_day
from arrears.web.pages.workspace import NotInScope

router = APIRouter(include_in_schema=False)
Officer = Annotated[sessions.Session, Depends(signed_in("legal_case:work", "account:read"))]
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> date:
    """The first day of ``YYYY-MM`` (InvalidField naming ``month`` otherwise)."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise InvalidField(
            "month", f"{text[:24]!r} is not a month (YYYY-MM)", f"{text[:24]!r} 不是月份（YYYY-MM）"
        )
    return check_day(date(int(found.group(1)), int(found.group(2)), 1), field="month")


@router.get("/legal/firms/{team_id:id}/statement", response_model=None)
def statement(
    request: Request,
    team_id: int,
    session: Officer,
    month: Annotated[str | None, Query(max_length=24)] = None,
    format: Annotated[str, Query(pattern="^(html|csv)$")] = "html",
) -> Response | HTMLResponse:
    if not allowed(session.user.role, "legal:review") and session.user.team_id != team_id:
        raise NotInScope()  # a lawyer sees their own firm's statement only
    first = parse_month(month) if month else work_day(request).today.replace(day=1)
    with request.app.state.engine.connect() as connection:
        firm = next((one for one in CaseRepository(connection).firms() if one["id"] == team_id), None)
        if firm is None:
            raise NotInScope()
        found = cases.fee_statement(connection, firm_team_id=team_id, month=first)
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["firm", "month", "case_id", "account_no", "kind", "items", "amount_yuan"])
        for line in found.lines:
            writer.writerow([firm["code"], first.strftime("%Y-%m"), line["case_id"], line["account_no"],
                             line["kind"], line["items"], format_fen(int(line["amount_fen"]))])  # fmt: skip
        writer.writerow(
            [firm["code"], first.strftime("%Y-%m"), "", "", "total", "", format_fen(found.total_fen)]
        )
        name = f"fees-{firm['code']}-{first:%Y-%m}.csv"
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
    return page(request, "legal_firm_statement.html", firm=firm, statement=found, month=first)
