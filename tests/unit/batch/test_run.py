"""The daily run over a book: golden accounts, every action compliant, capacities, determinism."""

from __future__ import annotations

import polars as pl

from arrears.batch.pipeline import Day, finish, prepare, prepare_scored
from arrears.batch.steps.comply import situation_of
from arrears.batch.steps.score import score
from arrears.compliance import decide, parse_situation

GOLDEN = [
    # account, dpd, balance (yuan), holds, opted-out points, phone, e-mail -> the one action of the day
    ("G1", 3, 10_000, [], [], "m1", "e1", "push"),  # early, champion arm (FNV-1a): an app notice first
    ("G17", 3, 10_000, [], [], "m1", "e1", "call"),  # early, challenger arm: the call is worth more
    ("G2", 16, 10_000, [], [], "m1", "e1", "call"),  # late M1: SMS, call and e-mail due, the call wins
    ("G3", 45, 10_000, [], ["m1"], "m1", "e1", "letter"),  # calls and SMS to m1 opted out; the letter is not
    ("G4", 75, 8_000, [], [], "m1", "e1", "visit"),
    ("G5", 75, 8_000, ["dispute"], [], "m1", "e1", None),  # on hold: left alone
    ("G6", 400, 9_000, [], [], "m1", "e1", "agency_placement"),  # past 180 DPD, under 10,000 yuan: an agency
    ("G7", 400, 1_000_000, [], [], "m1", "e1", "legal_review"),  # 10,000 yuan or more, able to pay: legal
    ("G15", 400, 1_000_000, [], [], "m1", "e1", "agency_placement"),  # the same, little ability: an agency
    ("G8", 4, 10_000, [], [], "m1", "e1", "email"),  # early, day 2: the e-mail
    ("G9", 4, 10_000, [], [], "m1", None, None),  # no e-mail address: skipped (no_email)
    ("G10", 5, 10_000, [], [], None, "e1", None),  # day 3's SMS without a phone: skipped (no_phone)
    ("G11", 3, 10_000, [], ["push"], "m1", "e1", None),  # app and WeChat notices turned off: CN-OPT-OUT
    ("G13", 4, 10_000, [], ["e1"], "m1", "e1", None),  # the e-mail address opted out: CN-OPT-OUT
    (
        "G14",
        16,
        10_000,
        [],
        [],
        None,
        "e1",
        "email",
    ),  # no phone: the call and SMS are skipped, the e-mail goes
]
ABILITY = {"G15": -3}  # the score's ability component (points); the others' is 0, the average
FILES: dict[str | None, str | None] = {
    "legal_review": "legal_tasks",
    "sms": "sms_outbox",
    "call": "call_queue",
    "letter": "letters",
    "visit": "visit_candidates",
    "agency_placement": "agency_tasks",
    "email": "email_outbox",
    "push": "push_outbox",
    None: None,
}


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
        contact_point=pl.Series([g[5] for g in GOLDEN], dtype=pl.String),
        email_point=pl.Series([g[6] for g in GOLDEN], dtype=pl.String),
    )
    scored = score(rows, model=day.model, ability=True).with_columns(
        ability=pl.Series([ABILITY.get(g[0], 0) for g in GOLDEN], dtype=pl.Int16)
    )
    outputs = finish(prepare_scored(scored, day), day)
    files: dict[str, str] = {}
    for stem, frame in outputs.frames.items():
        files |= dict.fromkeys(frame["account_id"], stem)
    assert [files.get(g[0]) for g in GOLDEN] == [FILES[g[7]] for g in GOLDEN]
    assert outputs.report["blocked_by_rule"] == {"CN-OPT-OUT": 4}
    assert outputs.report["skipped_by_reason"] == {"no_email": 1, "no_phone": 3}
    assert outputs.report["skipped"] == 4


def test_every_action_sent_passes_the_rulebook_at_its_time(book: pl.DataFrame, day: Day) -> None:
    outputs = finish(prepare(book, day), day)
    by_id = {row["account_id"]: row for row in book.iter_rows(named=True)}
    checked, reached = 0, set()
    for channel, stem in FILES.items():
        if channel is None or stem is None or channel in ("legal_review", "agency_placement"):
            continue
        for action in outputs.frames[stem].iter_rows(named=True):
            situation = parse_situation(
                situation_of(by_id[action["account_id"]], channel, action["scheduled_at"])
            )
            assert decide(day.policy, situation).decision == "allow", action
            if channel in ("call", "sms", "email"):  # a point to go to: the phone, the e-mail address
                assert situation.action.contact_point is not None, action
            checked += 1
            reached.add(channel)
    assert checked > 1_000 and reached == {"sms", "call", "visit", "letter", "email", "push"}
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
