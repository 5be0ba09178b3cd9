"""Templates as governed content: SMS, e-mail, push (app and WeChat) and letters, versioned in the store
(``message_template``), used only once approved by a compliance user who did not write them (audited),
checked by the rulebook when saved and approved, and filled with an account's facts.

    from arrears.messaging.templates import MessageFacts, fill
    filled = fill(connection, name="overdue", channel="sms", facts=MessageFacts(...), locale="zh")
    filled.text, filled.subject, filled.version, filled.kind

docs/templates.md lists the variables per channel, the education block, the approval flow and the
rulebook's checks.
"""

from arrears.messaging.templates.errors import TemplateDecisionError, TemplateError, TemplateRefused
from arrears.messaging.templates.facts import HOTLINE, MessageFacts, sample_facts
from arrears.messaging.templates.rules import Filled
from arrears.messaging.templates.service import approved, fill, fill_stored, seed_shipped

__all__ = [
    "HOTLINE",
    "Filled",
    "MessageFacts",
    "TemplateDecisionError",
    "TemplateError",
    "TemplateRefused",
    "approved",
    "fill",
    "fill_stored",
    "sample_facts",
    "seed_shipped",
]
