"""The compliance engine: every action passes the rulebook (``../docs/compliance.md``).

from arrears.compliance import check, load_policy
decision = check(load_policy("cn"), {"id": "s1", "now": "...", "action": {...}, "debtor": {...}})
"""

from arrears.compliance.check import Decision, check, check_lines, decide
from arrears.compliance.policy import Policy, load_policy
from arrears.compliance.situation import InputError, Situation, parse_situation

__all__ = [
    "Decision",
    "InputError",
    "Policy",
    "Situation",
    "check",
    "check_lines",
    "decide",
    "load_policy",
    "parse_situation",
]
