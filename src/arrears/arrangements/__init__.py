"""Repayment arrangements: the instalment calculator, the authority matrix, plans and their approvals."""
