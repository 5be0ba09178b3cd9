"""A legal case's lawyer's letter on SQLite and PostgreSQL: issued from the governed template (from the
case or by recording the lawyer's letter step without a document), rendered with the day's letters
under the case's own litigation hold while an ordinary demand letter on the same account stays
blocked, blocked itself by any other hold (a dispute), its PDF naming the case and the amounts, its
tracking number shown with the case's letters; the refusals write nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from letter_book import DAY, NOW, Holder, message, seed, settings_for
from pypdf import PdfReader
from sqlalchemy import Engine, insert, select

from arrears.audit.repository import audit_transaction
from arrears.contacts.holds import place_hold
from arrears.kit.crypto import FieldCipher
from arrears.kit.money import format_fen
from arrears.legal import cases, lawyer_letter
from arrears.legal.case_rules import Step, StepRefused
from arrears.messaging.inbound_rules import InboundRules
from arrears.messaging.letters import LetterBatch, render_letters
from arrears.messaging.letters.tracking import load_tracking
from arrears.messaging.letters.tracking_rules import parse_tracking
from arrears.models import AppUser, AuditEvent, LegalStep, OutboxMessage, Team, table_of
from arrears.users.service import StaffUser

FIRM = "金杜律师事务所"


def _user(engine: Engine, *, team_id: int | None) -> StaffUser:
    u = table_of(AppUser)
    with engine.begin() as connection:
        user_id = connection.execute(
            insert(u).values(username="lawyer9", display_name="王律师", role="lawyer", team_id=team_id,
                             is_active=True, created_at=NOW).returning(u.c.id)
        ).scalar_one()  # fmt: skip
    return StaffUser(int(user_id), "lawyer9", "王律师", "lawyer", team_id)


def _firm(engine: Engine) -> int:
    t = table_of(Team)
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(t).values(code="firm-9", name=FIRM, kind="law_firm").returning(t.c.id)
            ).scalar_one()
        )


def _case(engine: Engine, holder: Holder, by: StaffUser, *, firm: int | None) -> int:
    with audit_transaction(engine) as connection:
        return cases.open_case(connection, account_id=holder.account_id, by=by, today=DAY - timedelta(days=3),
                               now=NOW, firm_team_id=firm)  # fmt: skip


def _issue(engine: Engine, case_id: int, by: StaffUser) -> lawyer_letter.Issued:
    with audit_transaction(engine) as connection:
        return lawyer_letter.issue(connection, case_id=case_id, by=by, today=DAY, now=NOW)


def _render(engine: Engine, cipher: FieldCipher, out: Path) -> LetterBatch:
    with engine.begin() as connection:
        return render_letters(connection, run_date=DAY, out_dir=out, now=NOW, cipher=cipher,
                              settings=settings_for(out.parent), workers=1)  # fmt: skip


@pytest.fixture
def opened(engine: Engine, cipher: FieldCipher) -> tuple[Holder, StaffUser, int]:
    """A cardholder with an ordinary demand letter queued for the day, whose account then went to a
    legal case assigned to a law firm (the litigation hold placed)."""
    (holder,) = seed(engine, cipher, count=1)
    firm = _firm(engine)
    lawyer = _user(engine, team_id=firm)
    return holder, lawyer, _case(engine, holder, lawyer, firm=firm)


def test_the_letter_goes_out_under_the_cases_own_hold_and_the_demand_letter_does_not(
    engine: Engine, cipher: FieldCipher, tmp_path: Path, opened: tuple[Holder, StaffUser, int]
) -> None:
    holder, lawyer, case_id = opened
    issued = _issue(engine, case_id, lawyer)

    batch = _render(engine, cipher, tmp_path / "print")

    assert issued.reference == f"FW-{case_id:06d}-L1"
    letter = message(engine, issued.message_id)
    assert (letter["legal_case_id"], letter["template"], letter["run_date"]) == (
        case_id,
        "lawyer_letter",
        DAY,
    )
    assert letter["status"] == "sent" and letter["provider_id"] == f"letters-{DAY}#000001"
    demand = message(engine, holder.message_id)  # the ordinary letter on the same account
    assert demand["status"] == "cancelled" and "CN-HOLD" in demand["last_error"]
    assert [one.message_id for one in batch.rendered] == [issued.message_id]
    pdf = PdfReader(tmp_path / "print" / f"letters-{DAY}.pdf")
    text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
    balance = 1_234_567 + 45_600 + 5_000
    assert f"FW-{case_id:06d}" in text and "律师函" in text
    assert format_fen(balance) in text and format_fen(321_000) in text  # the balance and what is overdue
    assert FIRM in text and "王律师" in text and holder.name in text
    assert "2026年11月24日" in text  # the amounts' computation date (the letter's)


def test_a_dispute_hold_blocks_the_lawyers_letter_too(
    engine: Engine, cipher: FieldCipher, tmp_path: Path, opened: tuple[Holder, StaffUser, int]
) -> None:
    holder, lawyer, case_id = opened
    issued = _issue(engine, case_id, lawyer)
    with audit_transaction(engine) as connection:
        place_hold(connection, account_id=holder.account_id, kind="dispute", reason="disputed", user_id=None,
                   actor="service1", role="customer_service", now=NOW - timedelta(minutes=1))  # fmt: skip

    _render(engine, cipher, tmp_path / "print")

    letter = message(engine, issued.message_id)
    assert letter["status"] == "cancelled" and "CN-HOLD" in letter["last_error"]
    with engine.connect() as connection:
        assert lawyer_letter.live_letter(connection, case_id) is None  # it may be issued again
    again = _issue(engine, case_id, lawyer)
    assert again.reference == f"FW-{case_id:06d}-L2"


def test_the_step_records_the_letter_and_its_tracking_shows_on_the_case(
    engine: Engine, cipher: FieldCipher, tmp_path: Path, opened: tuple[Holder, StaffUser, int]
) -> None:
    _, lawyer, case_id = opened
    with audit_transaction(engine) as connection:  # no document typed: the letter is issued and recorded
        cases.record_step(connection, case_id=case_id, step=Step("lawyer_letter", DAY), by=lawyer, today=DAY,
                          now=NOW)  # fmt: skip
    s = table_of(LegalStep)
    with engine.connect() as connection:
        documents = connection.execute(select(s.c.document).where(s.c.case_id == case_id).order_by(s.c.id))
        assert list(documents.scalars()) == [None, f"FW-{case_id:06d}-L1"]
    _render(engine, cipher, tmp_path / "print")
    rows, problems = parse_tracking(
        f"letter_id,account_no,tracking_no,status,date\nletters-{DAY}#000001,,SF123456789,delivered,{DAY}\n",
        file="tracking.csv",
    )
    assert problems == []
    with engine.begin() as connection:
        load_tracking(connection, rows=rows, now=NOW + timedelta(days=1), zone="Asia/Shanghai",
                      rules=InboundRules(opt_out_keywords=frozenset(), invalid_after=3))  # fmt: skip

    with engine.connect() as connection:
        view = cases.case_view(connection, case_id)
    (letter,) = view["letters"]
    assert (letter["reference"], letter["status"], letter["tracking_no"]) == (
        f"FW-{case_id:06d}-L1", "delivered", "SF123456789",
    )  # fmt: skip
    assert view["case_no"] == f"FW-{case_id:06d}" and view["may_issue"] is False
    a = table_of(AuditEvent)
    with engine.connect() as connection:
        actions = list(
            connection.execute(select(a.c.action).where(a.c.subject_type == "legal_case")).scalars()
        )
    assert actions == ["legal_case.opened", "legal_case.letter", "legal_case.step"]


def test_a_step_after_the_button_records_the_letter_issued(
    engine: Engine, opened: tuple[Holder, StaffUser, int]
) -> None:
    _, lawyer, case_id = opened
    issued = _issue(engine, case_id, lawyer)
    with audit_transaction(engine) as connection:
        cases.record_step(connection, case_id=case_id, step=Step("lawyer_letter", DAY, document="  "),
                          by=lawyer, today=DAY, now=NOW)  # fmt: skip
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        assert connection.execute(select(m.c.id).where(m.c.legal_case_id == case_id)).scalars().all() == [
            issued.message_id
        ]
        assert cases.case_view(connection, case_id)["steps"][-1]["document"] == issued.reference
    with audit_transaction(engine) as connection:  # typed: a letter sent outside Arrears, none issued
        filing = Step("filing", DAY, document="(2026)沪0101民初9号")
        cases.record_step(connection, case_id=case_id, step=filing, by=lawyer, today=DAY, now=NOW)


@pytest.mark.parametrize("why", ["no_firm", "live", "filed"])
def test_refusals_name_the_reason_and_write_nothing(engine: Engine, cipher: FieldCipher, why: str) -> None:
    (holder,) = seed(engine, cipher, count=1)
    firm = _firm(engine)
    lawyer = _user(engine, team_id=firm)
    case_id = _case(engine, holder, lawyer, firm=None if why == "no_firm" else firm)
    if why == "live":
        _issue(engine, case_id, lawyer)
    if why == "filed":
        with audit_transaction(engine) as connection:
            cases.record_step(connection, case_id=case_id, step=Step("filing", DAY, document="(2026)民初1号"),
                              by=lawyer, today=DAY, now=NOW)  # fmt: skip
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        before = connection.execute(select(m.c.id).where(m.c.legal_case_id.is_not(None))).scalars().all()

    with pytest.raises(StepRefused) as refused:
        _issue(engine, case_id, lawyer)

    said = {"no_firm": "law firm", "live": "already", "filed": "before the case is filed"}[why]
    assert said in refused.value.message_en
    with engine.connect() as connection:
        after = connection.execute(select(m.c.id).where(m.c.legal_case_id.is_not(None))).scalars().all()
    assert after == before


def test_a_step_without_a_document_on_a_case_without_a_firm_is_refused(
    engine: Engine, cipher: FieldCipher
) -> None:
    (holder,) = seed(engine, cipher, count=1)
    lawyer = _user(engine, team_id=None)
    case_id = _case(engine, holder, lawyer, firm=None)
    with pytest.raises(StepRefused, match="law firm"), audit_transaction(engine) as connection:
        cases.record_step(connection, case_id=case_id, step=Step("lawyer_letter", date(2026, 11, 24)),
                          by=lawyer, today=DAY, now=NOW)  # fmt: skip
    with engine.connect() as connection:
        assert cases.case_view(connection, case_id)["case"]["stage"] == "review"
