"""The small model the scoring tests share: trained once per session on part of the bundled file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from arrears.imports.uci import bundled_path
from arrears.scoring.data import read_accounts
from arrears.scoring.features import feature_frame
from arrears.scoring.model import (
    ScoringModel,
    load_model,
    save_model,
)
from arrears.scoring.train import TrainedModel, TrainingConfig, train

Floats = npt.NDArray[np.float64]
TRAINING_ROWS = 6_000


@dataclass(frozen=True)
class Fitted:
    everything: pl.DataFrame  # the whole bundled file, checked
    accounts: pl.DataFrame  # the first TRAINING_ROWS, trained on
    trained: TrainedModel
    saved: ScoringModel  # as save_model returned it
    model: ScoringModel  # as load_model read it back
    directory: Path


def fit(tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    everything = read_accounts(bundled_path(), label=True)
    accounts = everything.head(TRAINING_ROWS)
    config = TrainingConfig(folds=3, max_rounds=300, early_stopping_rounds=30, compare_protected=False)
    trained = train(accounts, config)
    directory = tmp_path_factory.mktemp("model")
    saved = save_model(trained, directory, data_path=bundled_path())
    return Fitted(everything, accounts, trained, saved, load_model(directory), directory)


def features_of(model: ScoringModel, accounts: pl.DataFrame) -> Floats:
    """The feature matrix of ``accounts`` in the model's column order."""
    return feature_frame(accounts, model.features).to_numpy()
