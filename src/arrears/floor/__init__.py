"""The working day on the floor: the collector's agenda (``agenda``) and the team lead's floor view
(``board``), moving work between collectors through the call queue's claims (``assign``), the day's
targets (``targets``); the decisions in ``rules``, the SQL in ``repository``."""
