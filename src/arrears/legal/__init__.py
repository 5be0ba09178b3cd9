"""Legal review (法务审查): the accounts the daily run referred to legal and the collectors' requests
for a review, with the evidence a legal officer decides on, and the decision (proceed with legal
action, or return the account to collection with a reason), audited.

:mod:`arrears.legal.rules` checks a decision (pure); :mod:`arrears.legal.repository` holds the SQL;
:mod:`arrears.legal.review` is the use cases (the queue, deciding, the decisions on a case's timeline).

A decision is kept in ``case_request`` (kind ``legal_review``): an open request of a collector is set
``accepted`` (proceed) or ``declined`` (returned); a referral of the daily run gets a row of its own,
already decided, with no requester (and its ``collection_action`` the same status). The reason of a
return, and the note of a proceed, live in the audit entry (``legal.proceeded`` / ``legal.returned``,
subject the card account), found again by its instant, which is the rows' ``decided_at``.
"""
