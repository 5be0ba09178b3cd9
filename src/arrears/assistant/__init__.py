"""The assistant (智能客服): answers cardholders' questions from the bank's approved articles and, inside a
verified portal session, from their own account, and hands over to a person when it should.

- ``text``: the question checked and normalised (traditional to simplified, full-width to half-width,
  digits masked), its words (jieba), its language, and ``redact`` for text that is kept;
- ``model``: the labelled questions, the intent classifier (TF-IDF over words and characters, logistic
  regression), trained at first use in each process;
- ``knowledge``: the knowledge base (``kb/<intent>.<lang>.md``) loaded and checked;
- ``engine``: the answer composed from the intent, the article and the account's facts (pure);
- ``facts``: the account's facts read from the store for a verified session;
- ``service``: ``ask``, the one call the CLI and the portal make;
- ``conversations``, ``handovers``, ``rules``, ``repository``: the portal's conversations kept for quality
  review (redacted, encrypted), shown again, and handed over to a service case or a callback.

See docs/assistant.md and docs/decisions/0024-assistant-intent-classifier.md.
"""
