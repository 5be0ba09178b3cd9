"""The ``book`` fixture of the arrangements tests (defined in book_setup, which the tests import for
its constants). The tests here never import from ``conftest``."""

from book_setup import book

__all__ = ["book"]
