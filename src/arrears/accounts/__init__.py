"""Accounts: customers, cards, statements, payments and delinquency."""
