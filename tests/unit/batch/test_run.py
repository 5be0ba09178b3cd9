"""The daily run over a book: golden accounts, every action compliant, capacities, determinism."""

from __future__ import annotations

import polars as pl

from arrears.batch.pipeline import Day, finish, prepare
from arrears.batch.steps.comply import situation_of
from arrears.compliance import decide, parse_situation

GOLDEN = [
    # account, dpd, balance (yuan), holds, opted-out points -> the one action of the day
    ("G1", 3, 10_000, [], [], "sms"),  # early, champion arm (FNV-1a slot 7071 of 10,000)
    ("G17", 3, 10_000, [], [], "call"),  # early, challenger arm: SMS then a call; the call is worth more
    ("G2", 16, 10_000, [], [], "call"),
    ("G3", 45, 10_000, [], ["m1"], "letter"),  # calls and SMS to m1 are opted out; the demand letter is not
    ("G4", 75, 8_000, [], [], "visit"),
    ("G5", 75, 8_000, ["dispute"], [], None),  # on hold: left alone
    ("G6", 400, 10_000, [], [], "agency_placement"),
]


def test_golden_accounts_of_the_default_strategy(book: pl.DataFrame, day: Day) -> None:
    rows = book.head(len(GOLDEN)).with_columns(
        account_id=pl.Series([g[0] for g in GOLDEN]),
        customer_id=pl.Series([g[0] for g in GOLDEN]),
        dpd=pl.Series([g[1] for g in GOLDEN], dtype=pl.Int32),
        balance_fen=pl.Series([g[2] * 100 for g in GOLDEN], dtype=pl.Int64),
        holds=pl.Series([g[3] for g in GOLDEN], dtype=pl.List(pl.String)),
        opted_out_points=pl.Series([g[4] for g in GOLDEN], dtype=pl.List(pl.String)),
        promise_broken=False,
        recent_contacts=pl.lit([], book.schema["recent_contacts"]),
        contact_point=pl.lit("m1"),
    )
    outputs = finish(prepare(rows, day), day)
    files = {}
    for stem, frame in outputs.frames.items():
        files |= dict.fromkeys(frame["account_id"], stem)
    expected = {
        "sms": "sms_outbox",
        "call": "call_queue",
        "letter": "letters",
        "visit": "visit_candidates",
        "agency_placement": "agency_tasks",
        None: None,
    }
    assert [files.get(g[0]) for g in GOLDEN] == [expected[g[5]] for g in GOLDEN]
    assert outputs.report["blocked_by_rule"] == {"CN-OPT-OUT": 2}


def test_every_action_sent_passes_the_rulebook_at_its_time(book: pl.DataFrame, day: Day) -> None:
    outputs = finish(prepare(book, day), day)
    by_id = {row["account_id"]: row for row in book.iter_rows(named=True)}
    checked = 0
    for stem, channel in (
        ("sms_outbox", "sms"),
        ("call_queue", "call"),
        ("visit_candidates", "visit"),
        ("letters", "letter"),
    ):
        for action in outputs.frames[stem].iter_rows(named=True):
            situation = parse_situation(
                situation_of(by_id[action["account_id"]], channel, action["scheduled_at"])
            )
            assert decide(day.policy, situation).decision == "allow", action
            checked += 1
    assert checked > 1_000
    held = book.filter(pl.col("holds").list.len() > 0)["account_id"]
    sent = pl.concat(frame.select("account_id") for frame in outputs.frames.values())["account_id"]
    assert not set(held) & set(sent)


def test_capacities_hold_and_every_account_is_counted(book: pl.DataFrame, day: Day) -> None:
    outputs = finish(prepare(book, day), day)
    report = outputs.report
    assert sum(row["accounts"] for row in report["segments"]) == book.height
    for channel, figures in report["chosen"].items():
        assert figures["actions"] <= day.strategy.limits().get(channel, book.height)
    sent = pl.concat(frame.select("account_id") for frame in outputs.frames.values())
    assert sent["account_id"].is_unique().all()


def test_the_same_book_gives_the_same_rows_in_any_order(book: pl.DataFrame, day: Day) -> None:
    first = finish(prepare(book, day), day)
    shuffled = book.sample(fraction=1.0, shuffle=True, seed=3)
    halves = pl.concat([prepare(shuffled.head(1_500), day), prepare(shuffled.tail(1_500), day)])
    second = finish(halves, day)
    for stem, frame in first.frames.items():
        assert frame.equals(second.frames[stem]), stem
    assert first.report == second.report
