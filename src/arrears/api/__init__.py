"""The HTTP API under /api/v1, for dialers, core systems and the web pages."""

from arrears.api import params as params  # registers the {name:id} path convertor before any router
