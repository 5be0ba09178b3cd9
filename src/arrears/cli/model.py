"""``arrears model``: train, score, evaluate and watch the drift of the default model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from arrears.cli.common import console, parse_day, reports_errors

if TYPE_CHECKING:
    from arrears.scoring.sources import Accounts

app = typer.Typer(
    help="Train, score with, evaluate and check the drift of the probability-of-default model.",
    no_args_is_help=True,
)

DATA = typer.Option(
    ...,
    "--data",
    help="A CSV or Parquet file in the UCI layout, a bank extract directory, or `store`; see README.",
)
AS_OF = typer.Option(None, "--as-of", help="YYYY-MM-DD: the day to lay the book out on (extract, store).")
OUTCOME = typer.Option(
    None, "--outcome-date", help="YYYY-MM-DD (store): an account past due on this day counts as defaulted."
)
MODEL = typer.Option(
    ..., "--model", help="A model directory written by `arrears model train`, or `active` (the promoted one)."
)
BY = typer.Option(..., "--by", help="Who does it (recorded in the registry).")


def _accounts(data: str, *, label: bool, as_of: str | None, outcome_date: str | None = None) -> Accounts:
    from arrears.scoring.sources import load_accounts

    return load_accounts(
        data,
        label=label,
        as_of=parse_day(as_of, option="--as-of"),
        outcome_date=parse_day(outcome_date, option="--outcome-date"),
    )


def model_directory(value: str) -> Path:
    """``active``: the directory of the model promoted in the store; otherwise the path given."""
    if value != "active":
        return Path(value)
    from arrears.db import get_engine
    from arrears.kit.errors import NotFound
    from arrears.scoring.registry import ModelRegistry

    with get_engine().connect() as connection:
        active = ModelRegistry(connection).active()
    if active is None:
        raise NotFound("no model is active: promote one with `arrears model promote`", "没有已启用的模型")
    return Path(active.directory)


@app.command()
@reports_errors
def train(
    data: str = DATA,
    out: Path = typer.Option(..., "--out", help="Directory to write the model to."),
    as_of: str | None = AS_OF,
    outcome_date: str | None = OUTCOME,
    calibration: str = typer.Option("isotonic", help="isotonic or platt"),
    protected: bool = typer.Option(
        False, "--with-protected", help="Also use sex and marital status as features."
    ),
    seed: int = typer.Option(7, help="Seed for folds and bagging."),
    threads: int = typer.Option(
        0,
        min=0,
        help="LightGBM threads; 0: one for fewer than 10,000 accounts, else every core (OMP_NUM_THREADS).",
    ),
) -> None:
    """Train with 5-fold cross-validation, calibrate out of fold and write the model and its card."""
    from arrears.scoring.features import DEFAULT_FEATURES, WITH_PROTECTED
    from arrears.scoring.model import frame_hash, save_model
    from arrears.scoring.train import TrainingConfig
    from arrears.scoring.train import train as fit

    source = _accounts(data, label=True, as_of=as_of, outcome_date=outcome_date)
    accounts = source.frame
    config = TrainingConfig(
        features=WITH_PROTECTED if protected else DEFAULT_FEATURES,
        calibration=calibration,
        seed=seed,
        threads=threads,
    )
    with console.status("training ..."):
        trained = fit(accounts, config)
        if source.path is not None:
            model = save_model(trained, out, data_path=source.path)
        else:
            model = save_model(trained, out, data=(source.description, frame_hash(accounts)))
    cv = model.card["cv"]
    console.print(
        f"model {model.card['version']} written to {out} "
        f"({trained.seconds:.1f} s, {trained.cv.rounds} rounds)"
    )
    for name in ("auc", "ks", "brier", "ece"):
        console.print(f"  CV {name.upper():<6}{cv[name]['mean']:.4f} ± {cv[name]['std']:.4f} (folds)")
    console.print(f"  CV ECE of all out-of-fold probabilities {cv['ece_pooled']:.4f}")


@app.command()
@reports_errors
def score(
    model_dir: str = MODEL,
    data: str = DATA,
    out: Path = typer.Option(..., "--out", help="Parquet file to write the scores to."),
    as_of: str | None = AS_OF,
) -> None:
    """Score every account: p_default, score, risk tier, willingness, ability and three reasons."""
    from arrears.scoring.batch import score_accounts, score_file
    from arrears.scoring.model import load_model
    from arrears.scoring.sources import STORE, is_extract

    model = load_model(model_directory(model_dir))
    started = time.perf_counter()
    if data == STORE or is_extract(data):
        result = score_accounts(model, _accounts(data, label=False, as_of=as_of).frame, out)
    else:
        result = score_file(model, Path(data), out)
    seconds = time.perf_counter() - started
    console.print(
        f"{result.accounts:,} accounts scored into {out} in {seconds:.1f} s "
        f"({result.accounts / seconds:,.0f}/s)"
    )
    console.print("  " + ", ".join(f"{tier} {count:,}" for tier, count in sorted(result.tiers.items())))


@app.command()
@reports_errors
def evaluate(
    model_dir: str = MODEL,
    data: str = DATA,
    as_of: str | None = AS_OF,
    outcome_date: str | None = OUTCOME,
    plots: Path = typer.Option(Path("."), "--plots", help="Directory for roc.png and calibration.png."),
) -> None:
    """AUC, KS, Brier, ECE and a decile gains table on labelled data; ROC and calibration plots."""
    from arrears.scoring.data import LABEL
    from arrears.scoring.metrics import decile_gains, metrics
    from arrears.scoring.model import load_model
    from arrears.scoring.plots import calibration_plot, roc_plot

    model = load_model(model_directory(model_dir))
    accounts = _accounts(data, label=True, as_of=as_of, outcome_date=outcome_date).frame
    y = accounts[LABEL].to_numpy()
    p = model.score(accounts)["p_default"].to_numpy()
    result = metrics(y, p)
    console.print(
        f"{accounts.height:,} accounts: AUC {result.auc:.4f}  KS {result.ks:.4f}  "
        f"Brier {result.brier:.4f}  ECE {result.ece:.4f}"
    )
    table = Table(title="Gains by decile (1 = riskiest)")
    for column in ("decile", "accounts", "defaults", "default rate", "capture", "lift"):
        table.add_column(column, justify="right")
    for row in decile_gains(y, p).iter_rows(named=True):
        table.add_row(
            str(row["decile"]),
            f"{row['accounts']:,}",
            f"{row['defaults']:,}",
            f"{row['default_rate']:.3f}",
            f"{row['cumulative_capture']:.3f}",
            f"{row['lift']:.2f}",
        )
    console.print(table)
    roc = roc_plot(y, p, plots / "roc.png")
    calibration = calibration_plot(y, p, plots / "calibration.png")
    console.print(f"plots: {roc}, {calibration}")


@app.command()
@reports_errors
def drift(model_dir: str = MODEL, data: str = DATA, as_of: str | None = AS_OF) -> None:
    """Population stability index of every feature and of the score against the training data."""
    from arrears.scoring.drift import ALERT, WARN, drift_report
    from arrears.scoring.features import feature_frame
    from arrears.scoring.model import load_model, load_references

    model = load_model(model_directory(model_dir))
    accounts = _accounts(data, label=False, as_of=as_of).frame
    columns = {
        name: series.to_numpy() for name, series in feature_frame(accounts, model.features).to_dict().items()
    }
    columns["score"] = model.score(accounts)["score"].to_numpy().astype(float)
    report = drift_report(load_references(model), columns)
    table = Table(title=f"Population stability (warn {WARN}, alert {ALERT})")
    for column in ("variable", "PSI", "level"):
        table.add_column(column)
    colour = {"ok": "green", "warn": "yellow", "alert": "red"}
    for row in report.iter_rows(named=True):
        table.add_row(row["variable"], f"{row['psi']:.4f}", f"[{colour[row['level']]}]{row['level']}[/]")
    console.print(table)
    if (report["level"] == "alert").any():
        raise typer.Exit(code=3)


@app.command()
@reports_errors
def register(
    model_dir: Path = typer.Argument(..., help="A model directory written by `arrears model train`."),
    by: str = BY,
) -> None:
    """Record a model version in the store (it is not used until promoted)."""
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.scoring.model import load_model
    from arrears.scoring.registry import ModelRegistry

    model = load_model(model_dir)
    with get_engine().begin() as connection:
        version = ModelRegistry(connection).register(model.card, model.directory, by=by, now=now())
    console.print(f"registered {version.version} (CV AUC {version.cv_auc:.4f}) from {version.directory}")


@app.command()
@reports_errors
def promote(version: str = typer.Argument(..., help="A registered version."), by: str = BY) -> None:
    """Make a registered version the active model."""
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.scoring.registry import ModelRegistry

    with get_engine().begin() as connection:
        promoted = ModelRegistry(connection).promote(version, by=by, now=now())
    console.print(f"{promoted.version} is now the active model (promoted by {promoted.promoted_by})")


@app.command("list")
@reports_errors
def list_versions() -> None:
    """Registered model versions; the active one is marked."""
    from arrears.db import get_engine
    from arrears.scoring.registry import ModelRegistry

    with get_engine().connect() as connection:
        versions = ModelRegistry(connection).versions()
    table = Table(title="Model versions")
    for column in ("version", "active", "CV AUC", "CV ECE", "registered", "promoted"):
        table.add_column(column)
    for v in versions:
        promoted = f"{v.promoted_at:%Y-%m-%d %H:%M} by {v.promoted_by}" if v.promoted_at else ""
        table.add_row(
            v.version,
            "*" if v.active else "",
            f"{v.cv_auc:.4f}",
            f"{v.cv_ece:.4f}",
            f"{v.registered_at:%Y-%m-%d %H:%M} by {v.registered_by}",
            promoted,
        )
    console.print(table)
