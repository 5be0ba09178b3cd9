"""Transports: one module per kind, all speaking :mod:`arrears.messaging.transport`'s contract."""
