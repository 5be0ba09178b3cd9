"""The synthetic extract generator: deterministic, well-formed, and delinquent the way UCI says."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from arrears.accounts.delinquency_frame import delinquency_frame, with_bands
from arrears.imports.extract_format import ACCOUNTS, FILES, PAYMENTS, STATEMENTS, TRANSACTIONS, FileSpec, Kind
from arrears.imports.identity import is_valid_national_id
from arrears.imports.synth import SynthError, SynthSummary, chunk_frames, synth_extract, uci_rows
from arrears.imports.synth_base import Draws, IntArray, load_uci_sample
from arrears.imports.synth_people import new_id_counts
from arrears.imports.validate import typed_frame

AS_OF = date(2026, 11, 23)
ACCOUNT_COUNT = 6_000
SEED = 11
NAMES = tuple(spec.name for spec in FILES)


def _read(directory: Path, spec: FileSpec, file_format: str = "csv") -> pl.DataFrame:
    path = directory / f"{spec.name}.{file_format}"
    if file_format == "csv":
        return pl.read_csv(path, infer_schema=False)
    return pl.read_parquet(path)


def _bytes(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    out = tmp_path_factory.mktemp("synth") / "csv"
    summary = synth_extract(accounts=ACCOUNT_COUNT, seed=SEED, out=out, as_of=AS_OF, chunk_rows=2_500)
    return out, summary


@pytest.fixture(scope="module")
def frames(extract: tuple[Path, SynthSummary]) -> dict[str, pl.DataFrame]:
    directory, _ = extract
    return {spec.name: _read(directory, spec) for spec in FILES}


def _expected_bucket(k: pl.Expr) -> pl.Expr:
    return pl.when(k <= 0).then(pl.lit("M0")).when(k >= 7).then(pl.lit("M7+")).otherwise(pl.format("M{}", k))


def _statuses(accounts: int, seed: int) -> IntArray:
    sample = load_uci_sample()
    return sample.status[uci_rows(draws=Draws(seed=seed, start=0, stop=accounts), sample=sample)]


def _buckets(frames: dict[str, pl.DataFrame], as_of: date) -> pl.DataFrame:
    """account_id, bucket computed by the delinquency engine from the extract's own rows."""
    statements = typed_frame(frames["statements"], STATEMENTS)
    payments = typed_frame(frames["payments"], PAYMENTS)
    accounts = typed_frame(frames["accounts"], ACCOUNTS)
    installments = pl.concat(
        [
            statements.select("account_id", "due_date", minimum_fen="minimum_due"),
            accounts.filter(pl.col("arrears_amount") > 0).select(
                "account_id", due_date="arrears_due_date", minimum_fen="arrears_amount"
            ),
        ]
    )
    state = delinquency_frame(
        installments=installments,
        payments=payments.select("account_id", "paid_date", amount_fen="amount"),
        as_of=as_of,
    )
    return with_bands(state).select("account_id", "dpd", "bucket")


def test_summary_counts_match_the_files(
    extract: tuple[Path, SynthSummary], frames: dict[str, pl.DataFrame]
) -> None:
    directory, summary = extract
    assert summary.accounts == summary.customers == ACCOUNT_COUNT
    assert summary.statements == 3 * ACCOUNT_COUNT
    for name in NAMES:
        assert frames[name].height == getattr(summary, name)
        assert frames[name].columns == list(next(spec for spec in FILES if spec.name == name).column_names)
    assert 0 < summary.payments <= 3 * ACCOUNT_COUNT
    assert 0 < summary.transactions <= 5 * ACCOUNT_COUNT
    assert set(summary.files) == {*(directory / f"{name}.csv" for name in NAMES), directory / "manifest.json"}
    assert frames["accounts"]["account_id"].str.contains(r"^A\d{9}$").all()
    assert frames["customers"]["customer_id"].str.contains(r"^C\d{9}$").all()
    assert frames["accounts"]["customer_id"].to_list() == frames["customers"]["customer_id"].to_list()


def test_same_seed_same_bytes_whatever_the_chunk_size(tmp_path: Path) -> None:
    synth_extract(accounts=3_000, seed=5, out=tmp_path / "a", as_of=AS_OF, chunk_rows=700)
    synth_extract(accounts=3_000, seed=5, out=tmp_path / "b", as_of=AS_OF)
    synth_extract(accounts=3_000, seed=6, out=tmp_path / "c", as_of=AS_OF)
    first, second, other = _bytes(tmp_path / "a"), _bytes(tmp_path / "b"), _bytes(tmp_path / "c")
    assert first == second
    assert all(first[name] != other[name] for name in first if name != "manifest.json")


def test_parquet_is_deterministic_and_holds_the_csv_rows(
    tmp_path: Path, extract: tuple[Path, SynthSummary], frames: dict[str, pl.DataFrame]
) -> None:
    for name in ("a", "b"):
        synth_extract(
            accounts=ACCOUNT_COUNT, seed=SEED, out=tmp_path / name, as_of=AS_OF, file_format="parquet"
        )
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (extract[0] / "manifest.json").read_bytes()
    for spec in FILES:
        parquet = _read(tmp_path / "a", spec, "parquet")
        assert parquet.schema == frames[spec.name].schema
        assert parquet.equals(frames[spec.name]), spec.name


def test_a_smaller_extract_is_a_prefix_of_a_bigger_one(
    tmp_path: Path, frames: dict[str, pl.DataFrame]
) -> None:
    synth_extract(accounts=1_000, seed=SEED, out=tmp_path, as_of=AS_OF, chunk_rows=300)
    for name in ("customers", "accounts", "statements"):
        small = pl.read_csv(tmp_path / f"{name}.csv", infer_schema=False)
        assert small.equals(frames[name].head(small.height)), name


def test_national_ids_are_valid_unique_and_match_birth_and_sex(frames: dict[str, pl.DataFrame]) -> None:
    customers = frames["customers"]
    assert customers["national_id"].n_unique() == customers.height
    for national_id in customers["national_id"].head(2_000).to_list():
        assert is_valid_national_id(national_id), national_id
    assert customers["national_id"].str.starts_with("442000").all()
    birth = customers["birth_date"].str.replace_all("-", "")
    assert (customers["national_id"].str.slice(6, 8) == birth).all()
    odd = customers["national_id"].str.slice(16, 1).cast(pl.Int64) % 2 == 1
    assert (odd == (customers["sex"] == "1")).all()


def test_ages_follow_uci(frames: dict[str, pl.DataFrame]) -> None:
    birth = frames["customers"]["birth_date"].str.to_date()
    ages = birth.map_elements(
        lambda day: AS_OF.year - day.year - ((AS_OF.month, AS_OF.day) < (day.month, day.day))
    )
    sample = load_uci_sample()
    rows = uci_rows(draws=Draws(seed=SEED, start=0, stop=ACCOUNT_COUNT), sample=sample)
    assert ages.to_list() == sample.age[rows].tolist()


def test_contacts_and_places_look_real(frames: dict[str, pl.DataFrame]) -> None:
    customers = frames["customers"]
    assert customers["mobile"].str.contains(r"^1[3-9]\d{9}$").all()
    phones = pl.concat([customers["home_phone"], customers["work_phone"]]).drop_nulls()
    assert phones.str.contains(r"^0760-8\d{7}$").all()
    assert customers["email"].drop_nulls().str.contains(r"^[a-z0-9._]+@[a-z0-9.]+\.com$").all()
    assert 0.6 < customers["email"].is_not_null().mean() < 0.95  # type: ignore[operator]
    for side in ("home", "work"):
        assert customers[f"{side}_address"].str.starts_with("广东省中山市").all()
        lat, lon = customers[f"{side}_lat"].cast(pl.Float64), customers[f"{side}_lon"].cast(pl.Float64)
        assert lat.is_between(22.2, 22.8).all() and lon.is_between(113.1, 113.7).all()
        assert customers[f"{side}_lat"].str.contains(r"^\d{2}\.\d{6}$").all()
    assert customers["name"].str.len_chars().is_between(2, 4).all()


def test_amounts_have_at_most_two_decimals(frames: dict[str, pl.DataFrame]) -> None:
    for spec in FILES:
        for column in spec.columns:
            if column.kind is Kind.AMOUNT:
                values = frames[spec.name][column.name].drop_nulls()
                assert values.str.contains(r"^-?\d+\.\d{2}$").all(), (spec.name, column.name)


def test_dates_are_in_range(frames: dict[str, pl.DataFrame]) -> None:
    statements = typed_frame(frames["statements"], STATEMENTS)
    assert (statements["due_date"] >= statements["statement_date"]).all()
    assert statements["due_date"].max() < AS_OF  # type: ignore[operator]
    assert statements["due_date"].min() > AS_OF - timedelta(days=100)  # type: ignore[operator]
    assert statements["statement_date"].dt.day().is_between(1, 28).all()
    payments = typed_frame(frames["payments"], PAYMENTS)
    assert payments["paid_date"].max() <= AS_OF  # type: ignore[operator]
    assert (payments["amount"] > 0).all()
    transactions = typed_frame(frames["transactions"], TRANSACTIONS)
    assert transactions["posted_date"].is_between(AS_OF - timedelta(days=89), AS_OF).all()
    assert (transactions["amount"] < 0).any() and (transactions["amount"] > 0).mean() > 0.9  # type: ignore[operator]
    assert transactions["mcc"].str.contains(r"^\d{4}$").all()
    accounts = typed_frame(frames["accounts"], ACCOUNTS)
    oldest = statements.group_by("account_id").agg(pl.col("statement_date").min())
    opened = accounts.join(oldest, on="account_id")
    assert (opened["open_date"] < opened["statement_date"]).all()
    assert (opened["arrears_due_date"].drop_nulls() < AS_OF).all()
    assert accounts["arrears_as_of_date"].is_null().all()
    assert accounts["due_day"].is_between(1, 28).all() and accounts["cycle_day"].is_between(1, 28).all()
    minimum = statements.select(pl.col("minimum_due") == (pl.col("statement_balance").clip(0) + 9) // 10)
    assert minimum.to_series().all()


def test_the_engine_puts_every_account_in_the_bucket_uci_gives_it(frames: dict[str, pl.DataFrame]) -> None:
    buckets = _buckets(frames, AS_OF)
    status = pl.DataFrame(
        {"account_id": frames["accounts"]["account_id"], "k": _statuses(ACCOUNT_COUNT, SEED)}
    )
    joined = status.join(buckets, on="account_id", how="left")
    assert joined.height == ACCOUNT_COUNT
    assert sorted(set(joined["k"].to_list())) == list(range(-2, 9))  # every UCI status is represented
    wrong = joined.filter(pl.col("bucket") != _expected_bucket(pl.col("k")))
    assert wrong.is_empty(), wrong.head(10)
    current = (joined["bucket"] == "M0").mean()
    assert 0.74 < current < 0.80  # type: ignore[operator]  # UCI: 18,523 of 24,000 not late in September


@pytest.mark.parametrize(
    "as_of", [date(2024, 3, 1), date(2024, 2, 29), date(2025, 3, 31), date(2026, 1, 1), date(2025, 12, 31)]
)
def test_buckets_hold_at_awkward_month_ends(as_of: date) -> None:
    sample = load_uci_sample()
    chunk, _ = chunk_frames(
        seed=3, start=0, stop=20_000, sample=sample, as_of=as_of, id_counts=new_id_counts()
    )
    buckets = _buckets(chunk, as_of)
    status = pl.DataFrame({"account_id": chunk["accounts"]["account_id"], "k": _statuses(20_000, 3)})
    wrong = status.join(buckets, on="account_id").filter(pl.col("bucket") != _expected_bucket(pl.col("k")))
    assert wrong.is_empty(), wrong.head(10)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="accounts"):
        synth_extract(accounts=0, seed=1, out=tmp_path, as_of=AS_OF)
    with pytest.raises(SynthError, match="seed"):
        synth_extract(accounts=1, seed=-1, out=tmp_path, as_of=AS_OF)
    with pytest.raises(SynthError, match="chunk_rows"):
        synth_extract(accounts=1, seed=1, out=tmp_path, as_of=AS_OF, chunk_rows=0)
    (tmp_path / "payments.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(SynthError, match=r"payments\.csv"):
        synth_extract(accounts=1, seed=1, out=tmp_path, as_of=AS_OF, file_format="parquet")
