"""Staff users: passwords, lockout, API tokens and what each role may do."""
