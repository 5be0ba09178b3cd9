"""Reconciliation of the gateway's daily settlement file with the payments here (``docs/payments.md``,
"Reconciliation"): matched, missing here (posted, source ``reconcile``), missing at the gateway and
amount differences (kept for review), stored as a ``reconciliation`` row with its JSON report."""

from arrears.payments.reconcile.repository import ReconcileRepository, StoredReconciliation
from arrears.payments.reconcile.rules import KINDS
from arrears.payments.reconcile.service import (
    PostPayment,
    ReconciliationReport,
    run_reconciliation,
    settlement_day,
)
from arrears.payments.reconcile.settlement import (
    HEADER,
    SettlementFile,
    SettlementFileError,
    SettlementRow,
    read_settlement_file,
)

__all__ = [
    "HEADER",
    "KINDS",
    "PostPayment",
    "ReconcileRepository",
    "ReconciliationReport",
    "SettlementFile",
    "SettlementFileError",
    "SettlementRow",
    "StoredReconciliation",
    "read_settlement_file",
    "run_reconciliation",
    "settlement_day",
]
