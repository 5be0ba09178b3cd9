"""A model directory: the booster, its compiled tables, the calibration and the model card.

booster.txt           LightGBM model (the source of truth)
tables.npz            the compiled contribution tables (compiled.py)
card.json, card.md    the model card (format, data hash, features, metrics, tiers, ...)
drift_reference.json  training distribution of every feature and of the score
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl

from arrears import __version__
from arrears.kit.errors import ArrearsError
from arrears.scoring.calibration import Calibrator
from arrears.scoring.card import card_markdown
from arrears.scoring.compiled import CompiledModel, summed
from arrears.scoring.drift import Reference, reference
from arrears.scoring.features import ABILITY, BY_NAME, HUB, HUB_REASON, WILLINGNESS, feature_frame
from arrears.scoring.train import TrainedModel

Floats = npt.NDArray[np.float64]
FORMAT = "arrears-model"
FORMAT_VERSION = 1
# points: 600 at good:bad odds of 19:1 (5% default), 50 more points each time the odds double
SCALE = {"base_score": 600.0, "base_odds": 19.0, "points_to_double_odds": 50.0}
# risk tiers by probability of default (upper bounds); stored in the card as score cut points
TIER_PD = (("A", 0.05), ("B", 0.10), ("C", 0.20), ("D", 0.40), ("E", 1.0))
CARD_FIELDS = ("format", "format_version", "version", "features", "hub", "calibration", "scale", "tiers")


class ModelDirectoryError(ArrearsError):
    """A model directory is missing, damaged or of another format version."""


def points(p: Floats, scale: dict[str, float] = SCALE) -> Floats:
    """0-1000, higher is better: the log-odds of paying, scaled (see SCALE)."""
    factor = scale["points_to_double_odds"] / math.log(2)
    odds = (1.0 - p) / p
    return np.asarray(np.clip(scale["base_score"] + factor * np.log(odds / scale["base_odds"]), 0, 1000))


def tier_cuts(scale: dict[str, float] = SCALE) -> list[dict[str, object]]:
    """Minimum score of each tier (E has 0)."""
    cuts = []
    for tier, upper in TIER_PD:
        # whole points, like the score shown: a score and its tier never disagree
        minimum = 0.0 if upper >= 1.0 else float(np.rint(points(np.array([upper]), scale)[0]))
        cuts.append({"tier": tier, "max_p_default": upper, "min_score": minimum})
    return cuts


@dataclass(frozen=True)
class ScoringModel:
    card: dict[str, Any]
    compiled: CompiledModel
    calibrator: Calibrator
    directory: Path

    @property
    def features(self) -> tuple[str, ...]:
        return self.compiled.features

    def booster(self) -> lgb.Booster:
        return lgb.Booster(model_file=str(self.directory / "booster.txt"))

    def _tiers(self, score: Floats) -> npt.NDArray[np.int64]:
        """The index of each score's tier in the card (whole points)."""
        cuts = [float(cut["min_score"]) for cut in self.card["tiers"]]
        tier_index = np.searchsorted(-np.array(cuts), -score, side="left")
        return np.minimum(tier_index, len(cuts) - 1)

    @property
    def _factor(self) -> float:
        return float(self.card["scale"]["points_to_double_odds"]) / math.log(2)

    def _group(self, group: str) -> tuple[int, ...]:
        """The non-hub features of ``group``, as indexes into the compiled model's ``others``."""
        return tuple(j for j, name in enumerate(self.compiled.others) if BY_NAME[name].group == group)

    def grade(self, matrix: Floats, *, ability: bool = False) -> dict[str, Any]:
        """p_default, score and tier alone: ``score_matrix`` without reasons and sub-scores; with
        ``ability``, the ability sub-score too (the same numbers as ``score_matrix``'s)."""
        raw, ability_sum = self.compiled.raw_and_sum(matrix, self._group(ABILITY) if ability else ())
        p = self.calibrator.apply(raw)
        score = np.rint(points(p, self.card["scale"]))
        found = {"p_default": p, "score": score, "tier": self._tiers(score)}
        return found | ({"ability": -self._factor * ability_sum} if ability else {})

    def score_matrix(self, matrix: Floats) -> dict[str, Any]:
        """p_default, score, tier, sub-scores and the grouped contributions of a feature matrix."""
        raw, contributions, hub = self.compiled.evaluate(matrix)
        grouped = np.column_stack([hub, contributions])  # the reasons' columns: the hub's first
        p = self.calibrator.apply(raw)
        score = np.rint(points(p, self.card["scale"]))  # whole points, as shown
        factor = self._factor
        groups = np.array([BY_NAME[name].group for name in self.compiled.others])
        willingness = -factor * (contributions[:, groups == WILLINGNESS].sum(axis=1) + hub)
        # added in a fixed order: the same bits as ``grade``'s, which a strategy's segments may use
        ability = -factor * summed(contributions, self._group(ABILITY))
        return {
            "raw": raw,
            "p_default": p,
            "score": score,
            "tier": self._tiers(score),
            "willingness": willingness,
            "ability": ability,
            "contributions": grouped,
            "reasons": top_reasons(grouped),
        }

    def reason_codes(self) -> list[tuple[str, str, str]]:
        """(code, zh, en) in the column order of ``score_matrix``'s contributions."""
        return [HUB_REASON, *((n, BY_NAME[n].reason_zh, BY_NAME[n].reason_en) for n in self.compiled.others)]

    def score(self, accounts: pl.DataFrame) -> pl.DataFrame:
        """The scoring output for accounts in the input layout."""
        matrix = feature_frame(accounts, self.features).to_numpy()
        result = self.score_matrix(matrix)
        return output_frame(
            accounts["ID"], result, self.reason_codes(), [c["tier"] for c in self.card["tiers"]]
        )


def top_reasons(contributions: Floats, count: int = 3) -> npt.NDArray[np.int64]:
    """Per row the columns of the ``count`` largest positive contributions, largest first (-1 where
    fewer are positive)."""
    contributions = np.ascontiguousarray(contributions)
    keep = min(count, contributions.shape[1])
    top = np.argpartition(-contributions, keep - 1, axis=1)[:, :keep]
    values = np.take_along_axis(contributions, top, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    top, values = np.take_along_axis(top, order, axis=1), np.take_along_axis(values, order, axis=1)
    return np.where(values > 0, top, -1).astype(np.int64)


def output_frame(
    ids: pl.Series, result: dict[str, Any], reasons: list[tuple[str, str, str]], tiers: list[str]
) -> pl.DataFrame:
    codes = pl.Enum([code for code, _, _ in reasons])
    zh = pl.Enum(list(dict.fromkeys(text for _, text, _ in reasons)))
    en = pl.Enum(list(dict.fromkeys(text for _, _, text in reasons)))
    top = result["reasons"]
    columns: list[pl.Series] = [
        ids.alias("ID"),
        pl.Series("p_default", result["p_default"]),
        pl.Series("score", np.rint(result["score"]).astype(np.int16)),
        pl.Series("risk_tier", np.array(tiers)[result["tier"]]).cast(pl.Enum(tiers)),
        pl.Series("willingness", np.rint(result["willingness"]).astype(np.int16)),
        pl.Series("ability", np.rint(result["ability"]).astype(np.int16)),
    ]
    labels = [
        pl.Series([reason[position] for reason in reasons]).cast(dtype)
        for position, dtype in enumerate((codes, zh, en))
    ]
    for rank in range(top.shape[1]):
        index = pl.Series(top[:, rank])
        picked = index.set(index < 0, None)  # no positive contribution left: no reason
        for suffix, label in zip(("", "_zh", "_en"), labels, strict=True):
            columns.append(label.gather(picked).alias(f"reason_{rank + 1}{suffix}"))
    return pl.DataFrame(columns)


def data_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(
    trained: TrainedModel,
    directory: Path,
    *,
    data_path: Path | None = None,
    data: tuple[str, str] | None = None,
) -> ScoringModel:
    """Writes the model directory. The card names the training data: ``data_path`` (hashed here) or
    ``data`` = (description, sha256) for data that is not a file (the store)."""
    if data is None:
        if data_path is None:
            raise ValueError("name the training data: data_path or data")
        data = (data_path.name, data_hash(data_path))
    directory.mkdir(parents=True, exist_ok=True)
    trained.booster.save_model(str(directory / "booster.txt"))
    trained.compiled.save(directory / "tables.npz")
    card = build_card(trained, data)
    model = ScoringModel(card, trained.compiled, trained.calibrator, directory)
    scores = np.rint(points(trained.calibrator.apply(trained.training_raw), card["scale"]))  # as shown
    references = {name: ref.to_dict() for name, ref in trained.references.items()}
    references["score"] = reference(scores).to_dict()
    (directory / "drift_reference.json").write_text(json.dumps(references, indent=1))
    (directory / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
    (directory / "card.md").write_text(card_markdown(card))
    return model


def frame_hash(frame: pl.DataFrame) -> str:
    """sha256 of a frame's rows (CSV text, so that it does not depend on the file format)."""
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def build_card(trained: TrainedModel, data: tuple[str, str]) -> dict[str, Any]:
    cv = trained.cv
    metric_names = ("auc", "ks", "brier", "ece")
    per_fold = {name: [getattr(fold, name) for fold in cv.folds] for name in metric_names}
    created = datetime.now(UTC)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "version": f"pd-{created:%Y%m%d-%H%M%S}",
        "created_at": created.isoformat(timespec="seconds"),
        "arrears_version": __version__,
        "lightgbm_version": lgb.__version__,
        "target": "default next cycle (did not pay the next statement)",
        "data": {
            "file": data[0],
            "sha256": data[1],
            "rows": trained.rows,
            "default_rate": trained.default_rate,
        },
        "features": [
            {
                "name": n,
                "group": BY_NAME[n].group,
                "reason_zh": BY_NAME[n].reason_zh,
                "reason_en": BY_NAME[n].reason_en,
            }
            for n in trained.config.features
        ],
        "hub": list(HUB),
        "parameters": {
            **trained.config.params,
            "folds": trained.config.folds,
            "seed": trained.config.seed,
            "rounds": cv.rounds,
            "early_stopping_rounds": trained.config.early_stopping_rounds,
            "interaction_constraints": "hub features + one other per tree",
        },
        "cv": {
            **{
                name: {"mean": float(np.mean(v)), "std": float(np.std(v)), "folds": v}
                for name, v in per_fold.items()
            },
            "ece_pooled": cv.pooled_ece,
            "ece_noise_floor": cv.ece_noise_floor,
            "ece_uncalibrated": {
                "mean": float(np.mean(cv.uncalibrated_ece)),
                "std": float(np.std(cv.uncalibrated_ece)),
            },
        },
        "calibration": trained.calibrator.to_dict(),
        "scale": SCALE,
        "tiers": tier_cuts(SCALE),
        "groups": trained.groups,
        "protected_attributes": trained.protected,
        "training_seconds": trained.seconds,
    }


def load_model(directory: Path) -> ScoringModel:
    """Reads and checks a model directory; every defect is a ModelDirectoryError naming it."""
    card_path = directory / "card.json"
    if not directory.is_dir():
        raise ModelDirectoryError(f"{directory} is not a model directory", f"{directory} 不是模型目录")
    try:
        card = json.loads(card_path.read_text())
    except FileNotFoundError:
        raise ModelDirectoryError(f"{card_path} is missing", f"缺少 {card_path}") from None
    except json.JSONDecodeError as error:
        raise ModelDirectoryError(
            f"{card_path} is not valid JSON ({error})", f"{card_path} 不是有效的 JSON"
        ) from None
    missing = [name for name in CARD_FIELDS if name not in card]
    if missing:
        raise ModelDirectoryError(
            f"{card_path}: missing field {', '.join(missing)}", f"{card_path} 缺少字段 {', '.join(missing)}"
        )
    if card["format"] != FORMAT or card["format_version"] != FORMAT_VERSION:
        found = f"{card['format']} version {card['format_version']}"
        raise ModelDirectoryError(
            f"{directory} holds a model of format {found}; "
            f"this Arrears reads {FORMAT} version {FORMAT_VERSION}",
            f"{directory} 的模型格式为 {found}，本版本只能读取 {FORMAT} 版本 {FORMAT_VERSION}",
        )
    try:
        compiled = CompiledModel.load(directory / "tables.npz")
        calibrator = Calibrator.from_dict(card["calibration"])
    except (OSError, KeyError, ValueError) as error:
        raise ModelDirectoryError(f"{directory}: {error}", f"{directory}：{error}") from None
    names = [feature["name"] if isinstance(feature, dict) else feature for feature in card["features"]]
    if list(compiled.features) != names:
        raise ModelDirectoryError(
            f"{directory}: tables.npz does not match card.json's features",
            f"{directory}：tables.npz 与 card.json 的特征不一致",
        )
    return ScoringModel(card, compiled, calibrator, directory)


def load_references(model: ScoringModel) -> dict[str, Reference]:
    path = model.directory / "drift_reference.json"
    try:
        data = json.loads(path.read_text())
        return {name: Reference.from_dict(value) for name, value in data.items()}
    except (OSError, ValueError) as error:
        raise ModelDirectoryError(f"{path}: {error}", f"{path}：{error}") from None
