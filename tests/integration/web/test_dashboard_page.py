"""The dashboard page: figures and server-drawn charts, for the roles that may see it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import signed_in_as


def test_the_dashboard_draws_its_charts_on_the_server(web: TestClient, book: Engine) -> None:
    collector = signed_in_as(web, "collector1")
    collector.post("/queue/next")
    assert collector.client.get("/dashboard").status_code == 403
    manager = signed_in_as(web, "manager1")
    manager.client.get("/lang/en")
    page = manager.client.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') + page.text.count("<svg") >= 4
    assert "http://" not in page.text.replace("http://www.w3.org/2000/svg", "")  # nothing from outside
    assert "Promise kept rate" in page.text and "unassigned" in page.text  # the queue's calls have no team
