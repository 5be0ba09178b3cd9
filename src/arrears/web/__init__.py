"""The web app: staff pages and the API, served by ``arrears serve``."""

from arrears.api import params as params  # registers the {name:id} path convertor before any page
