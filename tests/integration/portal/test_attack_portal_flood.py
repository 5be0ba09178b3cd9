"""Flooding the staff from the portal: a cardholder clicking "call me back", "ask a collector" or sending
disputes over and over makes at most a few open requests of a kind on an account, then is told a
request is already open."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from offers_book import client_for, seed
from sqlalchemy import Engine, func, select

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import Callback, PortalRequest, table_of
from arrears.portal.requests_repository import MAX_OPEN_PER_KIND


def _count(engine: Engine, model: type, **where: str) -> int:
    t = table_of(model)
    query = select(func.count()).select_from(t)
    for key, value in where.items():
        query = query.where(t.c[key] == value)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_requests_of_a_kind_stop_at_a_few_open_ones(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    book = seed(engine, cipher)
    client, token = client_for(engine, tmp_path, book.customers[0])
    base = f"/my/account/{book.numbers[0]}"
    day = (clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)).isoformat()
    forms = {
        "callback": (f"{base}/callback", {"day": day, "window": "20:00-22:00"}),
        "plan": (f"{base}/offers/request", {"text": "18 months please"}),
        "complaint": (f"{base}/request/complaint", {"category": "frequency_hours", "text": "too many calls"}),
    }
    for kind, (url, data) in forms.items():
        codes = [
            client.post(url, data=data | {"csrf_token": token}).status_code
            for _ in range(MAX_OPEN_PER_KIND + 3)
        ]
        assert codes == [303] * MAX_OPEN_PER_KIND + [422] * 3, (kind, codes)
        assert _count(engine, PortalRequest, kind=kind) == MAX_OPEN_PER_KIND
    assert _count(engine, Callback) == 2 * MAX_OPEN_PER_KIND  # a callback per callback and plan request
    refused = client.post(forms["callback"][0], data=forms["callback"][1] | {"csrf_token": token})
    assert "open" in refused.text or "未处理" in refused.text
    # another account of another cardholder is not held back by these
    other, other_token = client_for(engine, tmp_path, book.customers[1])
    url, data = forms["callback"]
    answer = other.post(
        url.replace(book.numbers[0], book.numbers[1]), data=data | {"csrf_token": other_token}
    )
    assert answer.status_code == 303
