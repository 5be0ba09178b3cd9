"""Contacts: the call queue now; the contact log, outbox and templates next."""
