"""Customers of the synthetic extract, built column-wise with numpy and Polars (no per-person Python).

Everyone lives and works in Zhongshan (中山市). National ID numbers follow GB 11643-1999: region
442000, the birth date, a sequence code (odd for men, even for women) and the check digit. Birth
date and sequence code come from a counter per (sex, age) carried across chunks and spread by a
fixed stride modulo the 365 or 366 birth days x 499 codes of that age, so ID numbers are unique as
long as no (sex, age) has more than about 182,000 customers (1M accounts stay far below).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from arrears.imports.identity import _MOBILE_PREFIXES, ZHONGSHAN_REGION_CODE
from arrears.imports.synth_base import (
    KM_PER_DEGREE,
    DateArray,
    Draws,
    FloatArray,
    IntArray,
    Stream,
    add_days,
    date_text,
    degrees_text,
    padded,
    pick_text,
    prefixed,
    weighted_pick,
)
from arrears.imports.synth_names import EMAIL_DOMAINS, FEMALE_GIVEN, MALE_GIVEN, SURNAMES
from arrears.imports.zhongshan import RESIDENTS_K, ROADS, WORKPLACE_BOOST, zhongshan_districts

MAX_AGE: Final = 120
_SEQUENCE_CODES: Final = 499  # 001-997 odd (men) or 002-998 even (women)
_SLOT_STRIDE: Final = 104_729  # prime, coprime to 365 * 499 and 366 * 499
_ID_WEIGHTS: Final = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK: Final = tuple("10X98765432")
_TWO_CHARACTER_GIVEN_NAMES: Final = 0.82
_GIVEN: Final = (*MALE_GIVEN, *FEMALE_GIVEN, ("", ""))  # the last entry: no second character


@dataclass(frozen=True, slots=True)
class People:
    """Per account: the account number and the UCI attributes of its holder."""

    numbers: IntArray
    sex: IntArray
    age: IntArray
    education: IntArray
    marriage: IntArray


def new_id_counts() -> IntArray:
    """National IDs handed out so far per (sex, age): the state carried from chunk to chunk."""
    return np.zeros(2 * (MAX_AGE + 1), dtype=np.int64)


def customer_frame(
    *, draws: Draws, people: People, as_of: date, id_counts: IntArray
) -> tuple[pl.DataFrame, IntArray]:
    """The customers file rows of one chunk (all text) and the updated ID counts."""
    birth, sequence, counts = birth_and_sequence(
        age=people.age, sex=people.sex, as_of=as_of, counts=id_counts, seed=draws.seed
    )
    name, user = _names(draws, people.sex)
    home, work = _places(draws, Stream.HOME, work=False), _places(draws, Stream.WORK, work=True)
    columns: dict[str, pl.Series] = {
        "customer_id": prefixed("C", people.numbers, 9),
        "name": name,
        "national_id": national_ids(birth, sequence),
        "birth_date": date_text(birth),
        "sex": pl.Series(people.sex).cast(pl.String),
        "education": pl.Series(people.education).cast(pl.String),
        "marital_status": pl.Series(people.marriage).cast(pl.String),
        **_contacts(draws, user, birth),
        **{f"home_{key}": value for key, value in home.items()},
        **{f"work_{key}": value for key, value in work.items()},
    }
    return pl.DataFrame(columns), counts


def birth_and_sequence(
    *, age: IntArray, sex: IntArray, as_of: date, counts: IntArray, seed: int
) -> tuple[DateArray, IntArray, IntArray]:
    """Birth dates giving ``age`` on ``as_of``, sequence codes with the sex's parity, new counts."""
    key = (sex - 1) * (MAX_AGE + 1) + age
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    rank = np.empty_like(key)
    rank[order] = np.arange(len(key)) - np.searchsorted(ordered, ordered, side="left")
    rank += counts[key]
    latest = _latest_birth(as_of, age)
    earliest = add_days(_latest_birth(as_of, age + 1), 1)
    modulus = ((latest - earliest).astype(np.int64) + 1) * _SEQUENCE_CODES
    offset = (seed % 1_000_003 * 7919 + key * 40_503) % modulus
    day_index, code = np.divmod((rank * _SLOT_STRIDE + offset) % modulus, _SEQUENCE_CODES)
    sequence = 2 * code + np.where(sex == 1, 1, 2)
    return add_days(earliest, day_index), sequence, counts + np.bincount(key, minlength=len(counts))


def _latest_birth(as_of: date, age: IntArray) -> DateArray:
    """The last birth date that makes someone ``age`` full years old on ``as_of``."""
    month = (as_of.year - age - 1970) * 12 + (as_of.month - 1)
    first = month.astype("datetime64[M]").astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    return add_days(first, np.minimum(as_of.day, length) - 1)


def national_ids(birth: DateArray, sequence: IntArray) -> pl.Series:
    """18-character resident ID numbers of Zhongshan with a valid GB 11643 check character."""
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    body = (year * 10_000 + month * 100 + day) * 1000 + sequence  # digits 7-17
    total = np.full(
        len(birth), sum(int(c) * int(w) for c, w in zip(ZHONGSHAN_REGION_CODE, _ID_WEIGHTS[:6], strict=True))
    )
    for position in range(6, 17):
        total += (body // 10 ** (16 - position)) % 10 * _ID_WEIGHTS[position]
    check = pick_text(_ID_CHECK, total % 11)
    return ZHONGSHAN_REGION_CODE + padded(body, 11) + check


def _names(draws: Draws, sex: IntArray) -> tuple[pl.Series, pl.Series]:
    """Chinese names and their pinyin (for e-mail user names)."""
    u = draws.uniform(Stream.NAME, 4)
    surname = weighted_pick(u[:, 0], [weight for _, _, weight in SURNAMES])
    female = sex == 2
    size = np.where(female, len(FEMALE_GIVEN), len(MALE_GIVEN))
    offset = np.where(female, len(MALE_GIVEN), 0)
    first = offset + (u[:, 2] * size).astype(np.int64)
    second = np.where(
        u[:, 1] < _TWO_CHARACTER_GIVEN_NAMES, offset + (u[:, 3] * size).astype(np.int64), len(_GIVEN) - 1
    )
    name = pick_text([s for s, _, _ in SURNAMES], surname)
    user = pick_text([p for _, p, _ in SURNAMES], surname)
    for index in (first, second):
        name = name + pick_text([c for c, _ in _GIVEN], index)
        user = user + pick_text([p for _, p in _GIVEN], index)
    return name, user


def _contacts(draws: Draws, user: pl.Series, birth: DateArray) -> dict[str, pl.Series]:
    """mobile, home_phone, work_phone, email (landlines and e-mail addresses not always known)."""
    u = draws.uniform(Stream.CONTACT, 11)
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    raw = pl.DataFrame(
        {
            "user": user,
            "kind": (u[:, 8] * 4).astype(np.int64),  # user name suffix: none, year, yy, a number
            "year": year,
            "number": 1 + (u[:, 9] * 999).astype(np.int64),
            "qq": 10_000 + (u[:, 9] * 2_999_990_000).astype(np.int64),
            "domain": pick_text(EMAIL_DOMAINS, (u[:, 10] * len(EMAIL_DOMAINS)).astype(np.int64)),
        }
    )
    suffix = (
        pl.when(pl.col("kind") == 1)
        .then(pl.col("year").cast(pl.String))
        .when(pl.col("kind") == 2)
        .then((pl.col("year") % 100).cast(pl.String).str.zfill(2))
        .when(pl.col("kind") == 3)
        .then(pl.col("number").cast(pl.String))
        .otherwise(pl.lit(""))
    )
    email = pl.concat_str(pl.col("user"), suffix, pl.lit("@"), pl.col("domain"))
    qq = pl.concat_str(pl.col("qq").cast(pl.String), pl.lit("@qq.com"))
    emails = raw.select(
        pl.when(pl.Series(u[:, 6] >= 0.85))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.Series(u[:, 7] < 0.35))
        .then(qq)
        .otherwise(email)
        .alias("email")
    )["email"]
    return {
        "mobile": pick_text(_MOBILE_PREFIXES, (u[:, 0] * len(_MOBILE_PREFIXES)).astype(np.int64))
        + padded((u[:, 1] * 1e8).astype(np.int64), 8),
        "home_phone": _landline(u[:, 3], present=u[:, 2] < 0.7),
        "work_phone": _landline(u[:, 5], present=u[:, 4] < 0.55),
        "email": emails,
    }


def _landline(u: FloatArray, *, present: npt.NDArray[np.bool_]) -> pl.Series:
    number = ("0760-8" + padded((u * 1e7).astype(np.int64), 7)).to_frame("number")
    return number.select(pl.when(pl.Series(present)).then(pl.col("number")))["number"]


@dataclass(frozen=True, slots=True)
class _Districts:
    names: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    radius_km: FloatArray
    weights: FloatArray
    roads: tuple[str, ...]  # every district's roads, one after the other
    road_first: IntArray
    road_count: IntArray


def _districts(*, work: bool) -> _Districts:
    districts = zhongshan_districts()
    counts = np.array([len(ROADS[d.name_zh]) for d in districts], dtype=np.int64)
    boost = [WORKPLACE_BOOST.get(d.name_zh, 1.0) if work else 1.0 for d in districts]
    return _Districts(
        names=tuple(d.name_zh for d in districts),
        lat=np.array([d.lat for d in districts]),
        lon=np.array([d.lon for d in districts]),
        radius_km=np.array([d.radius_km for d in districts]),
        weights=np.array([RESIDENTS_K[d.name_zh] for d in districts], dtype=np.float64) * np.array(boost),
        roads=tuple(road for d in districts for road in ROADS[d.name_zh]),
        road_first=np.cumsum(counts) - counts,
        road_count=counts,
    )


def _places(draws: Draws, stream: Stream, *, work: bool) -> dict[str, pl.Series]:
    """address, district, lat, lon: a point scattered uniformly over the district's disc."""
    table = _districts(work=work)
    u = draws.uniform(stream, 9)
    where = weighted_pick(u[:, 0], table.weights)
    road = table.road_first[where] + (u[:, 1] * table.road_count[where]).astype(np.int64)
    distance = table.radius_km[where] * np.sqrt(u[:, 7])
    bearing = 2 * np.pi * u[:, 8]
    lat = table.lat[where] + distance * np.cos(bearing) / KM_PER_DEGREE
    lon = table.lon[where] + distance * np.sin(bearing) / (KM_PER_DEGREE * np.cos(np.radians(lat)))
    floor = 1 + (u[:, 5] * 28).astype(np.int64)
    room = padded(floor * 100 + 1 + (u[:, 6] * 8).astype(np.int64), 3)
    district = pick_text(table.names, where)
    street = "广东省中山市" + district + pick_text(table.roads, road)
    street = street + pl.Series(1 + (u[:, 2] * 388).astype(np.int64)).cast(pl.String) + "号"
    if work:
        address = street + pl.Series(floor).cast(pl.String) + "楼" + room + "室"
    else:
        building = pl.Series(1 + (u[:, 3] * 30).astype(np.int64)).cast(pl.String)
        address = street + building + pick_text(("栋", "座"), (u[:, 4] * 2).astype(np.int64)) + room + "房"
    return {"address": address, "district": district, "lat": degrees_text(lat), "lon": degrees_text(lon)}
