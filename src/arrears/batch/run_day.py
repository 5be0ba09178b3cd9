"""Store mode: ``arrears run-day --date D [--extract DIR]`` over the operational database.

Steps, each in its own transaction and recorded on the day's ``daily_run`` row: ``import`` (when an
extract is given; the import is idempotent), ``snapshot`` (delinquency on the date), ``promises``
(settle the promises and plan instalments whose date passed: kept, partly kept, broken), then
``decide``: the same per-partition function as file mode over the book read from the store (scored
here, with the reasons), allocation, and the actions, their outbox messages (SMS, e-mail, notices and
letters: :mod:`arrears.messaging.from_run`) and each account's latest score (``account_score``)
written with the report and the run's completion in one transaction.
So a run killed half-way leaves no half-written outputs, and running it again completes it; a
completed date is not run again; a date before the last completed run is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from arrears.accounts.service import refresh_delinquency
from arrears.batch.pipeline import OUTPUT_FILES, Day, Outputs, finish, prepare_scored
from arrears.batch.portfolio import CONTACT, check_portfolio
from arrears.batch.steps.score import score_rows, score_with_reasons
from arrears.batch.store import RunRepository
from arrears.compliance.policy import Policy
from arrears.kit.errors import ArrearsError
from arrears.messaging.from_run import RunTexts, enqueue_run
from arrears.scoring.account_scores import AccountScoreRepository
from arrears.scoring.model import ScoringModel
from arrears.scoring.store import store_accounts
from arrears.strategy.load import StrategyFile

STEPS = ("import", "snapshot", "promises", "decide")


class RunRefused(ArrearsError):
    """The date cannot be run (before the last completed run, or no book on that date)."""


@dataclass(frozen=True, slots=True)
class RunInputs:
    """What a day is decided with, besides the store."""

    strategy: StrategyFile
    model: ScoringModel
    model_version: str
    policy: Policy
    zone: str  # the cardholders' time zone
    now: Callable[[], datetime]
    texts: RunTexts = field(default_factory=RunTexts)  # what messages say besides the accounts' facts


@dataclass(frozen=True, slots=True)
class DayResult:
    run_date: date
    report: dict[str, Any]
    already_completed: bool
    steps_run: tuple[str, ...]


def store_portfolio(
    repository: RunRepository, layout: pl.DataFrame, run_date: date, zone: str
) -> pl.DataFrame:
    """The book on ``run_date`` in the portfolio format of file mode (``layout``: the model's inputs
    from the store, keyed by account number as ``ID``)."""
    book = repository.accounts(run_date)
    if book.is_empty():
        raise RunRefused(f"no delinquency snapshot on {run_date}", f"{run_date} 没有逾期快照")
    holds = repository.holds(run_date)
    on_account = holds.drop_nulls("account_id").group_by("account_id").agg(own=pl.col("kind").unique().sort())
    on_customer = (
        holds.filter(pl.col("account_id").is_null())
        .group_by("customer_id")
        .agg(all=pl.col("kind").unique().sort())
    )
    point = pl.col("point_id").cast(pl.String)  # the account's phone, or the number a call went to
    contacts = repository.recent_contacts(run_date).join(
        book.select("account_id", pl.col("point_id").alias("phone")), on="account_id", how="left"
    )
    recent = contacts.group_by("customer_id").agg(
        recent_contacts=pl.struct(
            "at",
            "channel",
            # a logged call names its number; an SMS of an earlier run went to the account's phone
            contact_point=pl.coalesce(
                point, pl.when(pl.col("channel").is_in(["call", "sms"])).then(pl.col("phone").cast(pl.String))
            ),
            party="party",
            connected="connected",
            conversation="conversation",
        )
    )
    broken = repository.broken_promises(run_date).with_columns(promise_broken=pl.lit(True))
    frame = (
        book.join(on_account, on="account_id", how="left")
        .join(on_customer, on="customer_id", how="left")
        .join(recent, on="customer_id", how="left")
        .join(broken, on="account_id", how="left")
        .join(repository.cured_before(run_date), on="account_id", how="left")
        .join(layout.rename({"ID": "account_no"}), on="account_no", how="left")
    )
    kinds = pl.concat_list(pl.col("own").fill_null([]), pl.col("all").fill_null([])).list.unique().list.sort()
    consents = pl.concat_list(
        pl.when(pl.col("consent_outside_hours"))
        .then(pl.lit(["outside_hours"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.when(pl.col("consent_extra_calls"))
        .then(pl.lit(["extra_calls"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
    )
    portfolio = frame.with_columns(
        account_id=pl.col("account_id").cast(pl.String),
        customer_id=pl.col("customer_id").cast(pl.String),
        balance_fen=pl.col("balance_fen").clip(lower_bound=0),  # a credit balance owes nothing
        holds=kinds,
        was_late_before=pl.col("was_late_before").fill_null(False),
        promise_broken=pl.col("promise_broken").fill_null(False),
        zones=pl.lit([zone]),
        contact_point=point,
        email_point=pl.col("email_id").cast(pl.String),
        consents=consents.fill_null([]),
        opted_out_points=_opted_out(
            (point, pl.col("opted_out")), (pl.col("email_id").cast(pl.String), pl.col("email_opted_out"))
        ),
        recent_contacts=pl.col("recent_contacts").fill_null(pl.lit([], pl.List(CONTACT))),
    )
    return check_portfolio(portfolio, f"the store on {run_date}")


def _opted_out(*points: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """The points (id, opted-out flag) that are opted out, as a list: the rulebook decides which
    channels each blocks (CN-OPT-OUT: any channel to the point; US-OPT-OUT: SMS, e-mail and notices)."""
    lists = [
        pl.when(flag.fill_null(False)).then(pl.concat_list(point)).otherwise(pl.lit([], pl.List(pl.String)))
        for point, flag in points
    ]
    return pl.concat_list(lists)


def action_rows(outputs: Outputs, run_date: date) -> list[dict[str, Any]]:
    """The rows of ``collection_action`` for the outputs of the day."""
    channel_of = {stem: channel for channel, stem in OUTPUT_FILES.items()}
    frames = [
        frame.select(
            pl.lit(run_date).alias("run_date"),
            pl.col("account_id").cast(pl.Int64),
            pl.col("customer_id").cast(pl.Int64),
            pl.lit(channel_of[stem]).alias("channel"),
            "template", "segment", "arm", "treatment", "value_fen",
            pl.col("priority") if "priority" in frame.columns else pl.lit(None, pl.Int64).alias("priority"),
            "deadline_day", "scheduled_at",
            pl.lit("planned").alias("status"),
        )
        for stem, frame in outputs.frames.items()
    ]  # fmt: skip
    return pl.concat(frames).to_dicts()


def run_day(
    engine: Engine,
    run_date: date,
    inputs: RunInputs,
    *,
    import_extract: Callable[[Any], object] | None = None,
    on_step: Callable[[str], None] = lambda _step: None,
) -> DayResult:
    """Runs (or completes) the day; see the module docstring."""
    with engine.begin() as connection:
        repository = RunRepository(connection)
        last = repository.last_completed()
        if last is not None and run_date < last:
            raise RunRefused(
                f"{run_date} is before the last completed run ({last}): runs go forward only",
                f"{run_date} 早于最近一次完成的日批（{last}），不能补跑",
            )
        record = repository.run(run_date)
        if record and record["status"] == "completed":
            return DayResult(run_date, json.loads(record["report"]), True, ())
        if record is None:
            repository.start(run_date, now=inputs.now())
            done: list[str] = []
        else:
            done = [step for step in (record["steps_done"] or "").split(",") if step]
    ran = []
    report: dict[str, Any] = {}
    for step in STEPS:
        if step in done or (step == "import" and import_extract is None):
            continue
        on_step(step)
        with engine.begin() as connection:
            repository = RunRepository(connection)
            if step == "import":
                assert import_extract is not None
                import_extract(connection)
            elif step == "snapshot":
                refresh_delinquency(connection, as_of=run_date)
            elif step == "promises":
                repository.settle_promises(run_date)
                repository.settle_plans(run_date)
            else:
                report = _decide(connection, repository, run_date, inputs)
            if step != "decide":
                repository.step_done(run_date, step)
        ran.append(step)
    return DayResult(run_date, report, False, tuple(ran))


def _decide(
    connection: Connection, repository: RunRepository, run_date: date, inputs: RunInputs
) -> dict[str, Any]:
    strategy = inputs.strategy
    day = Day(strategy.strategy, inputs.model, inputs.policy, run_date)
    portfolio = store_portfolio(repository, store_accounts(connection, as_of=run_date), run_date, inputs.zone)
    scored, scores = score_with_reasons(portfolio, model=inputs.model)
    outputs = finish(prepare_scored(scored, day), day)
    report = outputs.report | {"model": inputs.model_version, "strategy_sha256": strategy.sha256}
    repository.replace_actions(run_date, action_rows(outputs, run_date))
    queued = enqueue_run(
        connection,
        run_date=run_date,
        zone=inputs.zone,
        policy=inputs.policy,
        texts=inputs.texts,
        now=inputs.now(),
    )
    report["outbox"] = queued.report()
    AccountScoreRepository(connection).replace(
        score_rows(scores, run_date=run_date, model_version=inputs.model_version)
    )
    strategy_id = repository.strategy_id(
        name=strategy.strategy.name,
        version=strategy.strategy.version,
        sha256=strategy.sha256,
        text=strategy.text,
        now=inputs.now(),
    )
    repository.complete(
        run_date,
        strategy_id=strategy_id,
        model_version=inputs.model_version,
        policy=inputs.policy.name,
        report=report,
        now=inputs.now(),
    )
    repository.step_done(run_date, "decide")
    return report
