"""Sales of pools: proposed by one person (``debt_sale:manage``), approved or rejected by another
(``debt_sale:approve``; four eyes). Approval, in the caller's transaction:

1. checks every account of the pool again as it stands now (the entry point with the sale's buyer,
   not sold before, no open legal case, no blocking hold): one that no longer qualifies refuses the
   whole sale, naming it (a new pool is drawn);
2. marks the accounts sold (``sold_account``: an account is never sold twice, the unique key decides);
3. stops the bank's collection: every planned or claimed action of the runs cancelled (calls in the
   queue, visit candidates, letters...), queued collection messages cancelled (``sold: sale <id>``),
   visits planned from today skipped (outcome ``sold``), open callbacks cancelled, placements with
   agencies recalled (reason ``sold``);
4. queues the notice letter to each cardholder (:mod:`arrears.debtsale.notices`);
5. writes the buyer's file (:mod:`arrears.debtsale.salefile`) and keeps its SHA-256;
6. flags the payments already made since the cut-off (:mod:`arrears.debtsale.forwards`).

Every step is audited (``debt_sale.proposed``, ``debt_sale.approved``, ``debt_sale.rejected``,
``debt_sale.file_downloaded``); nothing commits: the caller's transaction must be an audit transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.audit.repository import AuditLog
from arrears.debtsale import notices, rules, salefile
from arrears.debtsale.forwards import flag_forwards, forwards
from arrears.debtsale.pools import found_pool
from arrears.debtsale.repository import SaleRepository
from arrears.debtsale.rules import Facts, SaleRefused, Terms
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField, check_text
from arrears.payments.effects_repository import cancel_collection_messages
from arrears.users.permissions import require
from arrears.users.service import StaffUser


class SaleMoved(SaleRefused):
    """Another person decided the sale between the page and the decision."""


def _audit(connection: Connection, by: StaffUser, now: datetime, action: str, sale_id: int,
           details: dict[str, Any]) -> None:  # fmt: skip
    AuditLog(connection).append(at=now, actor=by.username, action=action, subject_type="debt_sale",
                                subject_id=str(sale_id), details=details)  # fmt: skip


def found_sale(repository: SaleRepository, sale_id: int, *, lock: bool = False) -> dict[str, Any]:
    sale = repository.sale(sale_id, lock=lock)
    if sale is None:
        raise NotFound(f"no debt sale {sale_id}", f"没有债权转让 {sale_id}")
    return sale


def propose(
    connection: Connection, *, pool_id: int, terms: Terms, by: StaffUser, today: date, now: datetime
) -> int:
    """A sale of the open pool on ``terms`` (checked: :func:`rules.check_terms`), waiting for another
    person's approval; SaleRefused when the pool has a sale proposed or made already."""
    require(by.role, "debt_sale:manage")
    repository = SaleRepository(connection)
    pool = found_pool(repository, pool_id, lock=True)
    if pool["status"] != "open":
        raise SaleRefused(f"pool {pool_id} is {pool['status']}: it has a sale already",
                          f"资产包 {pool_id} 已有转让（{pool['status']}）")  # fmt: skip
    checked = rules.check_terms(
        terms, as_of=pool["as_of_date"], balance_fen=int(pool["balance_fen"]), today=today
    )
    values = {"pool_id": pool_id, "status": "proposed", "buyer_name": checked.buyer_name,
              "buyer_licence": checked.buyer_licence, "buyer_contact": checked.buyer_contact,
              "buyer_pay_to": checked.buyer_pay_to, "buyer_collects_itself": checked.buyer_collects_itself,
              "price_fen": checked.price_fen, "sold_on": checked.sold_on, "note": checked.note,
              "accounts": pool["accounts"], "balance_fen": pool["balance_fen"], "proposed_by_id": by.id,
              "proposed_at": now}  # fmt: skip
    try:
        with connection.begin_nested():
            sale_id = repository.add_sale(values)
    except IntegrityError:
        raise SaleRefused(f"pool {pool_id} has a sale already", f"资产包 {pool_id} 已有转让") from None
    repository.set_pool_status(pool_id, "proposed")
    _audit(connection, by, now, "debt_sale.proposed", sale_id,
           {"pool_id": pool_id, "buyer_name": checked.buyer_name, "buyer_licence": checked.buyer_licence,
            "price_fen": checked.price_fen, "sold_on": checked.sold_on.isoformat(),
            "accounts": pool["accounts"], "balance_fen": pool["balance_fen"]})  # fmt: skip
    return sale_id


def _decidable(repository: SaleRepository, sale_id: int, by: StaffUser) -> dict[str, Any]:
    require(by.role, "debt_sale:approve")
    sale = found_sale(repository, sale_id, lock=True)
    if sale["status"] != "proposed":
        raise SaleMoved(f"sale {sale_id} is {sale['status']} already", f"转让 {sale_id} 已{sale['status']}")
    rules.check_decider(proposed_by_id=int(sale["proposed_by_id"]), decided_by_id=by.id)
    return sale


def reject(connection: Connection, *, sale_id: int, by: StaffUser, reason: str, now: datetime) -> None:
    """Rejects the proposed sale with a reason; its pool is open again."""
    repository = SaleRepository(connection)
    sale = _decidable(repository, sale_id, by)
    said = check_text(reason or "", field="reason").strip()
    if not said:
        raise InvalidField("reason", "say why the sale is rejected", "请说明拒绝的理由")
    if not repository.decide(sale_id, {"status": "rejected", "decided_by_id": by.id, "decided_at": now,
                                       "decision_note": said}):  # fmt: skip
        raise SaleMoved("the sale was decided meanwhile", "该转让已被他人审批")
    repository.set_pool_status(int(sale["pool_id"]), "open")
    _audit(connection, by, now, "debt_sale.rejected", sale_id, {"pool_id": int(sale["pool_id"])})


def _check_members(repository: SaleRepository, sale: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The pool's accounts as they stand now, each allowed again; SaleRefused naming those that are not."""
    members = repository.members_now(int(sale["pool_id"]))
    holds = repository.hold_kinds([(m["account_id"], m["customer_id"]) for m in members], now=now)
    refused = []
    for member in members:
        facts = Facts(int(member["dpd"]), str(member["regulatory_class"]), bool(member["sold"]),
                      bool(member["open_legal_case"]), holds.get(member["account_id"], ()))  # fmt: skip
        reason, _ = rules.exclusion(facts, buyer_collects_itself=bool(sale["buyer_collects_itself"]))
        if reason is not None:
            refused.append((str(member["account_no"]), reason))
    if refused:
        raise rules.refused_accounts(refused)
    return members


def _recall(connection: Connection, accounts: list[int], *, sale_id: int, by: StaffUser, today: date,
            now: datetime) -> int:  # fmt: skip
    """The accounts' placements with agencies recalled, reason ``sold`` (arrears.agencies.recall,
    audited there as ``agency_placement.recalled``): how many."""
    from arrears.agencies.recall import recall_accounts  # the agencies reach the batch: not at import

    return len(recall_accounts(connection, accounts, reason="sold", day=today, now=now, actor=by.username,
                               details={"sale_id": sale_id}))  # fmt: skip


def approve(
    connection: Connection, *, sale_id: int, by: StaffUser, today: date, now: datetime, data_dir: Path,
    cipher: FieldCipher, note: str | None = None,
) -> dict[str, int]:  # fmt: skip
    """Approves the proposed sale (see the module doc); what it did, in counts."""
    repository = SaleRepository(connection)
    sale = _decidable(repository, sale_id, by)
    members = _check_members(repository, sale, now)
    accounts = [int(m["account_id"]) for m in members]
    cutoff = sale["as_of_date"]
    rows = [{"account_id": m["account_id"], "customer_id": m["customer_id"], "sale_id": sale_id,
             "sold_on": sale["sold_on"], "cutoff_on": cutoff, "created_at": now}
            for m in members]  # fmt: skip
    try:
        with connection.begin_nested():
            repository.add_sold(rows)
    except IntegrityError:
        raise SaleRefused("an account of the pool was sold meanwhile: draw a new pool",
                          "资产包中的账户已被转让：请重新生成资产包") from None  # fmt: skip
    done = _stop_collection(connection, repository, sale_id, accounts, by=by, today=today, now=now)
    pairs = [(int(m["account_id"]), int(m["customer_id"])) for m in members]
    messages = notices.queue_notices(
        connection, sale_id=sale_id, accounts=pairs, user_id=by.id, day=today, now=now
    )
    repository.set_notices(sale_id, messages)
    body, count = salefile.file_bytes(connection, sale_id=sale_id, cutoff=cutoff, cipher=cipher)
    path, digest = salefile.write(data_dir, sale_id, body)
    repository.set_file(sale_id, path=path, sha256=digest, rows=count)
    said = check_text(note or "", field="note").strip() or None
    if not repository.decide(sale_id, {"status": "approved", "decided_by_id": by.id, "decided_at": now,
                                       "decision_note": said}):  # fmt: skip
        raise SaleMoved("the sale was decided meanwhile", "该转让已被他人审批")
    repository.set_pool_status(int(sale["pool_id"]), "sold")
    done |= {"accounts": len(accounts), "notices": len(messages), "file_rows": count,
             "payments_flagged": flag_forwards(connection, now=now, account_ids=accounts)}  # fmt: skip
    _audit(connection, by, now, "debt_sale.approved", sale_id,
           done | {"pool_id": int(sale["pool_id"]), "price_fen": int(sale["price_fen"]),
                   "balance_fen": int(sale["balance_fen"]), "file_sha256": digest})  # fmt: skip
    return done


def _stop_collection(
    connection: Connection, repository: SaleRepository, sale_id: int, accounts: list[int], *, by: StaffUser,
    today: date, now: datetime,
) -> dict[str, int]:  # fmt: skip
    reason = f"sold: sale {sale_id}"
    messages = cancel_collection_messages(connection, dict.fromkeys(accounts, reason), now=now)
    return {
        "actions_cancelled": repository.cancel_actions(accounts),
        "messages_cancelled": sum(messages.values()),
        "visits_skipped": repository.skip_stops(accounts, from_day=today),
        "callbacks_cancelled": repository.cancel_callbacks(accounts),
        "placements_recalled": _recall(connection, accounts, sale_id=sale_id, by=by, today=today, now=now),
    }


def sale_view(connection: Connection, sale_id: int, *, shown: int = 200) -> dict[str, Any]:
    """A sale: its row, who proposed and decided it, its accounts sold (``shown`` of them), the
    payments to forward to the buyer."""
    repository = SaleRepository(connection)
    sale = found_sale(repository, sale_id)
    names = repository.usernames([sale["proposed_by_id"], sale["decided_by_id"]])
    return {
        "sale": sale,
        "proposer": names.get(sale["proposed_by_id"] or 0),
        "decider": names.get(sale["decided_by_id"] or 0),
        "sold": repository.sold_accounts(sale_id, limit=shown),
        "forwards": forwards(connection, sale_id),
    }


def sale_list(connection: Connection) -> list[dict[str, Any]]:
    return SaleRepository(connection).sales()


def download(
    connection: Connection, *, sale_id: int, by: StaffUser, data_dir: Path, now: datetime
) -> tuple[bytes, str]:
    """The buyer's file, read back and checked against its SHA-256 (SaleFileMismatch otherwise: the
    caller records it with :func:`record_mismatch`); the download audited (``debt_sale.file_downloaded``)."""
    repository = SaleRepository(connection)
    sale = found_sale(repository, sale_id)
    if sale["status"] != "approved" or not sale["file_path"]:
        raise NotFound(f"sale {sale_id} has no file", f"转让 {sale_id} 没有转让文件")
    details = {"path": sale["file_path"], "sha256": sale["file_sha256"], "rows": sale["file_rows"]}
    body = salefile.read_checked(data_dir, relative=str(sale["file_path"]), sha256=str(sale["file_sha256"]))
    _audit(connection, by, now, "debt_sale.file_downloaded", sale_id, details)
    return body, f"debt-sale-{sale_id}.csv"


def record_mismatch(connection: Connection, *, sale_id: int, by: StaffUser, now: datetime, said: str) -> None:
    """A download refused because the file no longer matches its checksum (its own transaction)."""
    _audit(connection, by, now, "debt_sale.file_mismatch", sale_id, {"said": said[:500]})
