"""The tamper-evident audit log (审计日志): an append-only hash chain over ``audit_event``.

Every entry carries the SHA-256 of its own content and of the entry before it, so editing, deleting
or reordering a stored entry breaks the chain where it happened. :mod:`arrears.audit.chain` computes
and checks the hashes (pure); :mod:`arrears.audit.repository` appends and reads entries.
"""
