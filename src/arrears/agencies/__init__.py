"""Collection agencies (委外): the register, placement batches and their hand-over files, recall,
commissions and the league table."""
