"""The service desk's browser tests' book: the portal's cardholder (portal_book) with a mailing address
(the response letter goes there) and a call by collector1 two days ago (a portal complaint of abuse
names the latest caller, so the case's hold stops collector1's calls only); the day's letters rendered
as the print run does, and their text read back from the PDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from portal_book import Cardholder, seed_cardholder, today
from pypdf import PdfReader
from sqlalchemy import Engine, insert, select

from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.messaging.letters import render_letters
from arrears.models import AppUser, ContactEvent, ContactPoint, table_of

ADDRESS = "北京市东城区东长安街1号\n3单元502室"
CALLER = "collector1"


def seed_desk_cardholder(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Cardholder:
    """The portal's book and cardholder, a home address and collector1's call of two days ago."""
    holder = seed_cardholder(engine, tmp_path, cipher)
    now, u = clock.now(), table_of(AppUser)
    with engine.begin() as connection:
        caller = connection.execute(select(u.c.id).where(u.c.username == CALLER)).scalar_one()
        connection.execute(insert(table_of(ContactEvent)).values(
            account_id=holder.account_id, customer_id=holder.customer_id, user_id=caller, channel="call",
            at=now - timedelta(days=2), party="debtor", connected=True, conversation=True,
            outcome="right_party",
        ))  # fmt: skip
        connection.execute(insert(table_of(ContactPoint)).values(
            customer_id=holder.customer_id, kind="home_address", value_enc=cipher.encrypt(ADDRESS),
            value_hash=cipher.lookup_hash(ADDRESS), value_masked=ADDRESS[:6] + "****", is_primary=True,
            created_at=now,
        ))  # fmt: skip
    return holder


def rendered_letters(engine: Engine, cipher: FieldCipher, tmp_path: Path) -> tuple[list[int], str]:
    """Renders today's queued letters (as ``arrears letters render --date`` does); the ids of the
    messages rendered and the merged PDF's text, spaces removed (the typesetter spaces CJK and Latin)."""
    settings = Settings(data_dir=tmp_path, bank_name="示例银行", sms_hotline="95500")
    with engine.begin() as connection:
        batch = render_letters(connection, run_date=today(), out_dir=tmp_path / "letters", now=clock.now(),
                               cipher=cipher, settings=settings, workers=1)  # fmt: skip
    if batch.paths is None:
        return [], ""
    text = "".join(page.extract_text() for page in PdfReader(batch.paths.merged).pages)
    return [one.message_id for one in batch.rendered], "".join(text.split())
