"""The web app: staff pages and the API, served by ``arrears serve``."""
