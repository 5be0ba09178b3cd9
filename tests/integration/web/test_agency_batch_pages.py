"""The placement batch pages: the list, a batch's summary with what each agency took and the agency the
register refused named with its reasons, the hand-over files downloaded (audited) and written again when
they fail their checksum; other roles kept out (403); zh-CN by default, English on request."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import signed_in_as

from arrears.agencies import placement
from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.models import AuditEvent, CardAccount, table_of
from placement_book import NOW, RUN, agency, hand_over


def batch(book: Engine, data_dir: Path) -> placement.BatchReport:
    a = table_of(CardAccount)
    with book.connect() as connection:
        accounts = [int(one) for one in connection.execute(select(a.c.id).order_by(a.c.id)).scalars()]
    hand_over(book, accounts[:6])
    agency(book, "A", capacity=3)
    agency(book, "B", capacity=10)
    agency(book, "LAPSED", inspected=date(2004, 6, 1))
    with audit_transaction(book) as connection:
        return placement.place(connection, run_date=RUN, placed_on=RUN, days=90, actor="manager1",
                               actor_id=None, now=NOW, data_dir=data_dir)  # fmt: skip


def audits(book: Engine) -> list[str]:
    e = table_of(AuditEvent)
    with book.connect() as connection:
        query = select(e.c.action).where(e.c.action.like("agency.%")).order_by(e.c.id)
        return list(connection.execute(query).scalars())


def test_a_manager_sees_the_batch_and_the_agency_refused(
    web: TestClient, book: Engine, app_settings: Settings
) -> None:
    report = batch(book, app_settings.data_dir)
    manager = signed_in_as(web, "manager1")

    listed = manager.client.get("/agencies/batches")
    assert listed.status_code == 200 and f'href="/agencies/batches/{report.batch_id}"' in listed.text
    assert "LAPSED" in listed.text and "委外批次" in listed.text
    shown = manager.client.get(f"/agencies/batches/{report.batch_id}").text
    assert "2005-10-01" in shown and "2005-12-29" in shown
    assert 'id="refused-LAPSED"' in shown and "检查" in shown  # the entry point's reason, in Chinese
    assert shown.count(f'href="/agencies/batches/{report.batch_id}/files/') == 2  # a file per agency
    english = manager.client.get(f"/lang/en?next=/agencies/batches/{report.batch_id}").text
    assert "Agencies refused" in english and "not inspected in the last 365 days" in english


def test_a_download_is_audited_and_a_failed_file_written_again(
    web: TestClient, book: Engine, app_settings: Settings
) -> None:
    report = batch(book, app_settings.data_dir)
    first = report.files[0]
    path = app_settings.data_dir / first["path"]
    original = path.read_bytes()
    path.write_bytes(original[:-10])  # cut short
    manager = signed_in_as(web, "manager1")
    before = manager.client.get(f"/lang/en?next=/agencies/batches/{report.batch_id}")
    assert "checksum does not match" in before.text

    got = manager.client.get(f"/agencies/batches/{report.batch_id}/files/{first['id']}")

    assert got.status_code == 200 and got.content == original
    assert (
        got.headers["content-type"].startswith("text/csv")
        and "attachment" in got.headers["content-disposition"]
    )
    assert path.read_bytes() == original
    assert audits(book) == ["agency.batch_placed", "agency.handover_rewritten", "agency.handover_downloaded"]
    assert manager.client.get(f"/agencies/batches/{report.batch_id}/files/99999").status_code == 404
    assert manager.client.get("/agencies/batches/99999").status_code == 404


def test_other_roles_are_kept_out(web: TestClient, book: Engine, app_settings: Settings) -> None:
    report = batch(book, app_settings.data_dir)
    for username in ("collector1", "agency_user1", "legal1", "compliance1"):
        user = signed_in_as(web, username)
        assert user.client.get("/agencies/batches").status_code == 403
        assert user.client.get(f"/agencies/batches/{report.batch_id}").status_code == 403
        assert (
            user.client.get(f"/agencies/batches/{report.batch_id}/files/{report.files[0]['id']}").status_code
            == 403
        )
