"""Communications that leave the building: the outbox, the dispatcher, the transports (file, SMPP, an
HTTP SMS platform, SMTP, app push and WeChat notices), governed templates, letters, and what comes
back (receipts, replies, opt-outs, bounces)."""
