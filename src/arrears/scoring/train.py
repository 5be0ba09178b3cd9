"""Training: LightGBM with early stopping on cross-validation folds, out-of-fold calibration, a card.

The booster is interaction-constrained (every tree uses the hub features and at most one other), so
that it compiles to exact contribution tables (``compiled.py``, decision 0007).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.model_selection import StratifiedKFold

from arrears.kit.errors import ArrearsError
from arrears.scoring.calibration import Calibrator, uncalibrated
from arrears.scoring.compiled import CompiledModel, compile_booster
from arrears.scoring.data import LABEL
from arrears.scoring.drift import Reference, reference
from arrears.scoring.features import BY_NAME, DEFAULT_FEATURES, HUB, PROTECTED, WITH_PROTECTED, feature_frame
from arrears.scoring.metrics import Metrics, auc, ece, metrics

Floats = npt.NDArray[np.float64]

PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.02,
    "num_leaves": 15,
    "min_child_samples": 100,
    "feature_fraction": 0.6,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 10.0,
    "max_bin": 255,
    "verbose": -1,
}


class TrainingError(ArrearsError):
    """The data or the configuration cannot train a model."""


AGE_BANDS = ((0, 30, "<30"), (30, 40, "30-39"), (40, 50, "40-49"), (50, 200, "50+"))
SEX_LABELS = {1: "male", 2: "female"}


@dataclass(frozen=True)
class TrainingConfig:
    features: tuple[str, ...] = DEFAULT_FEATURES
    folds: int = 5
    seed: int = 7
    calibration: str = "isotonic"
    max_rounds: int = 5000
    early_stopping_rounds: int = 200
    params: dict[str, Any] = field(default_factory=lambda: dict(PARAMS))
    compare_protected: bool = True  # also cross-validate with sex and marital status, for the card
    threads: int = 0  # LightGBM's threads; 0: one below SMALL_DATA rows, else OpenMP's default (all cores)


@dataclass(frozen=True)
class CrossValidation:
    rounds: int
    raw: Floats  # out-of-fold raw scores
    calibrated: Floats  # out-of-fold probabilities, each fold calibrated on the other folds
    folds: list[Metrics]
    uncalibrated_ece: list[float]
    pooled_ece: float  # ECE of all out-of-fold probabilities together
    ece_noise_floor: float  # expected ECE of a perfectly calibrated model on one fold's accounts


@dataclass(frozen=True)
class TrainedModel:
    config: TrainingConfig
    booster: lgb.Booster
    compiled: CompiledModel
    calibrator: Calibrator
    cv: CrossValidation
    references: dict[str, Reference]  # training distribution of each feature
    training_raw: Floats  # the final booster's raw score on the training accounts
    groups: dict[str, list[dict[str, object]]]
    protected: dict[str, object]
    rows: int
    default_rate: float
    seconds: float


def constraints(features: tuple[str, ...], hub: tuple[str, ...] = HUB) -> list[list[int]]:
    """Every tree may use the hub features and one other feature."""
    hub_index = [features.index(name) for name in hub]
    return [[*hub_index, i] for i, name in enumerate(features) if name not in hub]


# Below this many rows a second thread saves nothing (3,000 rows: 8.3 s on one thread or two here),
# and OpenMP threads that wait by spinning slow every training on a machine whose cores are busy
# (two such trainings at once: 38 s each on two threads, 9 s on one).
SMALL_DATA = 10_000


def threads_for(config: TrainingConfig, rows: int) -> int:
    if config.threads:
        return config.threads
    return 1 if rows < SMALL_DATA else 0


def _params(config: TrainingConfig, features: tuple[str, ...], rows: int) -> dict[str, Any]:
    return {
        **config.params,
        "num_threads": threads_for(config, rows),
        "seed": config.seed,
        "deterministic": True,
        "interaction_constraints": constraints(features),
    }


def cross_validate(
    matrix: Floats, outcome: npt.NDArray[np.int8], config: TrainingConfig, features: tuple[str, ...]
) -> CrossValidation:
    splitter = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    folds = list(splitter.split(matrix, outcome))
    result = lgb.cv(
        {**_params(config, features, len(outcome)), "metric": "auc"},
        lgb.Dataset(matrix, outcome, free_raw_data=False),
        num_boost_round=config.max_rounds,
        folds=folds,
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
        return_cvbooster=True,
    )
    history = result["valid auc-mean"]
    cvbooster = result["cvbooster"]
    assert isinstance(history, list) and isinstance(cvbooster, lgb.CVBooster)
    rounds = len(history)
    raw = np.zeros(len(outcome))
    for (_, valid), booster in zip(folds, cvbooster.boosters, strict=True):
        raw[valid] = booster.predict(matrix[valid], num_iteration=rounds, raw_score=True)
    calibrated = np.zeros(len(outcome))
    fold_metrics, raw_ece = [], []
    for _, valid in folds:
        others = np.setdiff1d(np.arange(len(outcome)), valid)
        calibrator = Calibrator.fit(config.calibration, raw[others], outcome[others])
        calibrated[valid] = calibrator.apply(raw[valid])
        fold_metrics.append(metrics(outcome[valid], calibrated[valid]))
        raw_ece.append(ece(outcome[valid], uncalibrated(raw[valid])))
    floor = ece_noise_floor(calibrated, len(folds[0][1]), seed=config.seed)
    return CrossValidation(rounds, raw, calibrated, fold_metrics, raw_ece, ece(outcome, calibrated), floor)


def ece_noise_floor(p: Floats, accounts: int, *, seed: int, draws: int = 200) -> float:
    """The mean ECE of ``accounts`` probabilities drawn from ``p`` with outcomes drawn from them:
    what a perfectly calibrated model shows on a sample that size (sampling noise alone)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(draws):
        sample = rng.choice(p, size=accounts, replace=False)
        values.append(ece(rng.binomial(1, sample), sample))
    return float(np.mean(values))


def train(accounts: pl.DataFrame, config: TrainingConfig = TrainingConfig()) -> TrainedModel:
    """Trains on ``accounts`` (input layout with the ``defaulted`` column)."""
    started = time.perf_counter()
    missing = [name for name in HUB if name not in config.features]
    if missing:
        raise TrainingError(
            f"the feature set must include {', '.join(missing)}", f"特征集必须包含 {', '.join(missing)}"
        )
    outcome = accounts[LABEL].to_numpy().astype(np.int8)
    if len(np.unique(outcome)) < 2:
        raise TrainingError(
            "training needs accounts that defaulted and accounts that did not",
            "训练数据必须同时包含违约和未违约的账户",
        )
    matrix = feature_frame(accounts, config.features).to_numpy()
    cv = cross_validate(matrix, outcome, config, config.features)
    booster = lgb.train(
        _params(config, config.features, len(outcome)),
        lgb.Dataset(matrix, outcome),
        num_boost_round=cv.rounds,
    )
    compiled = compile_booster(booster, config.features, HUB)
    calibrator = Calibrator.fit(config.calibration, cv.raw, outcome)
    references = {name: reference(matrix[:, i]) for i, name in enumerate(config.features)}
    return TrainedModel(
        config=config,
        booster=booster,
        compiled=compiled,
        calibrator=calibrator,
        cv=cv,
        references=references,
        training_raw=compiled.evaluate(matrix)[0],
        groups=group_metrics(accounts, outcome, cv.calibrated),
        protected=_protected_effect(accounts, outcome, config, cv),
        rows=len(outcome),
        default_rate=float(outcome.mean()),
        seconds=time.perf_counter() - started,
    )


def _protected_effect(
    accounts: pl.DataFrame, outcome: npt.NDArray[np.int8], config: TrainingConfig, cv: CrossValidation
) -> dict[str, object]:
    used = [name for name in config.features if BY_NAME[name].group == PROTECTED]
    effect: dict[str, object] = {"used": used, "cv_auc": auc(outcome, cv.calibrated)}
    if not config.compare_protected:
        return effect
    # the same training with the protected attributes switched the other way
    protected = [name for name in WITH_PROTECTED if BY_NAME[name].group == PROTECTED]
    if used:
        other, label = tuple(n for n in config.features if n not in used), "without sex and marital status"
    else:
        other, label = config.features + tuple(protected), "with sex and marital status"
    compared = cross_validate(feature_frame(accounts, other).to_numpy(), outcome, config, other)
    effect |= {
        "compared_features": label,
        "compared_cv_auc": auc(outcome, compared.calibrated),
        "compared_groups": group_metrics(accounts, outcome, compared.calibrated),
    }
    return effect


def group_metrics(
    accounts: pl.DataFrame, outcome: npt.NDArray[np.int8], p: Floats
) -> dict[str, list[dict[str, object]]]:
    """Accounts, default rate, mean probability, AUC and ECE by sex and by age band."""
    sex = accounts["SEX"].to_numpy()
    age = accounts["AGE"].to_numpy()
    by_sex = [(label, sex == code) for code, label in SEX_LABELS.items()]
    by_age = [(label, (age >= low) & (age < high)) for low, high, label in AGE_BANDS]
    return {
        "sex": [_group(label, mask, outcome, p) for label, mask in by_sex],
        "age_band": [_group(label, mask, outcome, p) for label, mask in by_age],
    }


def _group(
    label: str, mask: npt.NDArray[np.bool_], outcome: npt.NDArray[np.int8], p: Floats
) -> dict[str, object]:
    y, q = outcome[mask], p[mask]
    row: dict[str, object] = {"group": label, "accounts": int(mask.sum())}
    if mask.sum() == 0:
        return row
    row |= {"default_rate": float(y.mean()), "mean_p": float(q.mean()), "ece": ece(y, q)}
    row["auc"] = auc(y, q) if 0 < y.sum() < len(y) else None
    return row
