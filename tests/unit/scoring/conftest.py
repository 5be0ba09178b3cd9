"""Fixtures of the scoring tests."""

from __future__ import annotations

import pytest
from scoring_fitted import Fitted, fit


@pytest.fixture(scope="session")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    """One small model (3 folds, 6,000 accounts), saved and loaded back."""
    return fit(tmp_path_factory)
