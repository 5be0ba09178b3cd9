"""The model directory: its card, and clear errors for a damaged or foreign one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scoring_fitted import TRAINING_ROWS, Fitted

from arrears.scoring.features import DEFAULT_FEATURES, HUB
from arrears.scoring.model import (
    FORMAT,
    FORMAT_VERSION,
    ModelDirectoryError,
    load_model,
)

# --- the model card --------------------------------------------------------------------------------


def _card(fitted: Fitted) -> dict[str, Any]:
    card = json.loads((fitted.directory / "card.json").read_text())
    assert isinstance(card, dict)
    return card


def test_model_directory_files(fitted: Fitted) -> None:
    names = {path.name for path in fitted.directory.iterdir()}
    assert {"booster.txt", "tables.npz", "card.json", "card.md", "drift_reference.json"} <= names


def test_card_json(fitted: Fitted) -> None:
    card = _card(fitted)
    assert card["format"] == FORMAT == "arrears-model"
    assert card["format_version"] == FORMAT_VERSION == 1
    assert card == fitted.model.card
    for name in ("auc", "ks", "brier", "ece"):
        metric = card["cv"][name]
        assert isinstance(metric["mean"], float) and isinstance(metric["std"], float), name
        assert len(metric["folds"]) == 3
        assert metric["mean"] == pytest.approx(float(np.mean(metric["folds"])))
        assert metric["std"] >= 0
    assert 0.65 < card["cv"]["auc"]["mean"] < 0.9
    assert 0 < card["cv"]["ece"]["mean"] < 0.1
    groups = card["groups"]
    assert [row["group"] for row in groups["sex"]] == ["male", "female"]
    assert [row["group"] for row in groups["age_band"]] == ["<30", "30-39", "40-49", "50+"]
    assert sum(row["accounts"] for row in groups["sex"]) == TRAINING_ROWS
    assert sum(row["accounts"] for row in groups["age_band"]) == TRAINING_ROWS
    assert [tier["tier"] for tier in card["tiers"]] == ["A", "B", "C", "D", "E"]
    assert card["data"]["rows"] == TRAINING_ROWS
    assert card["data"]["file"] == "train.csv"
    assert [feature["name"] for feature in card["features"]] == list(DEFAULT_FEATURES)
    assert card["hub"] == list(HUB)
    assert card["protected_attributes"]["used"] == []


def test_card_markdown_mentions_the_auc(fitted: Fitted) -> None:
    text = (fitted.directory / "card.md").read_text()
    auc = _card(fitted)["cv"]["auc"]
    assert text.startswith("# Model card: ")
    assert f"| AUC | {auc['mean']:.4f} | {auc['std']:.4f} |" in text


# --- clear errors for a bad model directory -------------------------------------------------------


def _copy(fitted: Fitted, tmp_path: Path) -> Path:
    directory = tmp_path / "copy"
    shutil.copytree(fitted.directory, directory)
    return directory


def _edit_card(directory: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "card.json"
    card = json.loads(path.read_text())
    edit(card)
    path.write_text(json.dumps(card))


def test_copied_directory_loads(fitted: Fitted, tmp_path: Path) -> None:
    assert load_model(_copy(fitted, tmp_path)).card == fitted.model.card


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelDirectoryError, match="is not a model directory") as caught:
        load_model(tmp_path / "nowhere")
    assert "nowhere" in str(caught.value)


def test_directory_without_card(tmp_path: Path) -> None:
    with pytest.raises(ModelDirectoryError, match=r"card\.json is missing"):
        load_model(tmp_path)


def test_card_that_is_not_json(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    (directory / "card.json").write_text("{not json")
    with pytest.raises(ModelDirectoryError, match="is not valid JSON"):
        load_model(directory)


def test_card_without_tiers(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.pop("tiers"))
    with pytest.raises(ModelDirectoryError, match="missing field tiers") as caught:
        load_model(directory)
    assert "tiers" in caught.value.message_zh


def test_card_of_another_format_version(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(format_version=99))
    with pytest.raises(ModelDirectoryError) as caught:
        load_model(directory)
    message = str(caught.value)
    assert "arrears-model version 99" in message  # found
    assert f"reads arrears-model version {FORMAT_VERSION}" in message  # read


def test_card_of_another_format(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(format="someone-else"))
    with pytest.raises(ModelDirectoryError, match="format someone-else version 1"):
        load_model(directory)


def test_missing_tables(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    (directory / "tables.npz").unlink()
    with pytest.raises(ModelDirectoryError, match=r"tables\.npz"):
        load_model(directory)


def test_bad_calibration_in_the_card(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(calibration={"method": "beta"}))
    with pytest.raises(ModelDirectoryError, match="unknown method 'beta'"):
        load_model(directory)


def test_card_features_that_do_not_match_the_tables(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(features=card["features"][:-1]))
    with pytest.raises(ModelDirectoryError, match=r"does not match card\.json's features"):
        load_model(directory)
