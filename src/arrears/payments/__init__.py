"""Online payments: orders, the gateway contract, notifications, posting, reversals, reconciliation."""
