"""The cardholder portal (/my): sign-in with a one-time code, sessions, what the cardholder owes."""
