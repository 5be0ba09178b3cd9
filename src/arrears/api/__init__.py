"""The HTTP API under /api/v1, for dialers, core systems and the web pages."""
