"""The tags the tests' e-mails carry: signed with the key derived from the tests' master key."""

from __future__ import annotations

from arrears.config import Settings
from arrears.kit.crypto import mail_tag_key
from arrears.messaging.email_format import MailTags
from fixed_keys import TEST_KEY_B64

TAGS = MailTags(mail_tag_key(Settings(encryption_key=TEST_KEY_B64)))
