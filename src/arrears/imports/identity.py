"""Deterministic synthetic identities for the sample portfolio (the UCI Taiwan data has none).

Every client ID gets a fake but realistic mainland-China identity living and working in Zhongshan
(中山市), Guangdong: the same inputs give the same identity in any process, because all choices
come from generators seeded with a stable hash of the client ID (never Python's salted ``hash()``,
never the global random state). The results depend on the installed Faker version only through the
name and the e-mail user name.

The resident ID number follows GB 11643-1999: region code 442000 (Zhongshan), birth date
YYYYMMDD, a 3-digit sequence code whose last digit is odd for men and even for women, and an
ISO 7064 MOD 11-2 check digit. The birth date and sequence code are drawn through a keyed
permutation of the client ID, so for a fixed ``as_of`` two client IDs less than 182,135 apart never
get the same ID number (same age and sex would be needed for a clash, and then the permutation is
injective).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import math
import random
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from faker import Faker

from arrears.imports.zhongshan import (
    RESIDENTS_K,
    ROADS,
    WORKPLACE_BOOST,
    District,
    zhongshan_districts,
)

__all__ = [
    "ZHONGSHAN_REGION_CODE",
    "District",
    "Identity",
    "Place",
    "is_valid_national_id",
    "national_id_check_digit",
    "synthetic_identity",
    "zhongshan_districts",
]

ZHONGSHAN_REGION_CODE: Final = "442000"

_SALT: Final = "arrears.imports.identity/v1"
_CHECK_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS: Final = "10X98765432"
_SEQUENCE_SLOTS: Final = 499  # sequence codes 001-997 (odd, men) or 002-998 (even, women)
_FEISTEL_HALF_BITS: Final = 9  # permutation domain 2**18 >= 366 * 499
_FEISTEL_KEYS: Final = (0x5BD1E995, 0x27D4EB2F, 0x165667B1, 0x9E3779B9)
_KM_PER_DEGREE: Final = 2 * math.pi * 6371.0088 / 360
_MAX_AGE: Final = 150

_MOBILE_PREFIXES: Final = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "147", "166", "173", "175", "176", "177", "178", "191", "198", "199",
)  # fmt: skip
_EMAIL_DOMAINS: Final = ("163.com", "126.com", "sina.com", "139.com", "foxmail.com", "hotmail.com")
_USER_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")
_FAKER_LOCK: Final = threading.Lock()


@dataclass(frozen=True, slots=True)
class Place:
    district: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    national_id: str
    birth_date: date
    sex: int
    mobile: str
    email: str
    home: Place
    work: Place
    home_phone: str
    work_phone: str


def national_id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits: '0'-'9' or 'X'."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(char) * weight for char, weight in zip(first17, _CHECK_WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_national_id(value: str) -> bool:
    """18 characters, 17 digits then a digit or upper-case 'X', a real birth date, a correct check."""
    if len(value) != 18 or not (value[:17].isascii() and value[:17].isdigit()):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[17] == national_id_check_digit(value[:17])


def synthetic_identity(*, client_id: int, age: int, sex: int | None, as_of: date) -> Identity:
    """The synthetic identity of ``client_id``, aged ``age`` full years on ``as_of``.

    ``sex`` (1 male, 2 female) is honoured when given, otherwise chosen deterministically.
    """
    if not 0 <= age <= _MAX_AGE:
        raise ValueError(f"age must be within 0..{_MAX_AGE}, got {age}")
    if sex not in (1, 2, None):
        raise ValueError(f"sex must be 1, 2 or None, got {sex}")
    seed = _seed(client_id=client_id)
    rng = random.Random(seed)
    coin = rng.choice((1, 2))  # always drawn, so later choices do not depend on whether sex was given
    chosen_sex = coin if sex is None else sex
    birth_date, sequence = _birth_date_and_sequence(client_id=client_id, age=age, sex=chosen_sex, as_of=as_of)
    first17 = f"{ZHONGSHAN_REGION_CODE}{birth_date:%Y%m%d}{sequence:03d}"
    name, user_name = _faker_name(seed=seed, sex=chosen_sex)
    return Identity(
        name=name,
        national_id=first17 + national_id_check_digit(first17),
        birth_date=birth_date,
        sex=chosen_sex,
        mobile=rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        email=_email(rng=rng, user_name=user_name, birth_year=birth_date.year),
        home=_place(rng=rng, table=_home_table(), work=False),
        work=_place(rng=rng, table=_work_table(), work=True),
        home_phone=_landline(rng=rng),
        work_phone=_landline(rng=rng),
    )


def _seed(*, client_id: int) -> int:
    digest = hashlib.blake2b(f"{_SALT}:{client_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _birth_date_and_sequence(*, client_id: int, age: int, sex: int, as_of: date) -> tuple[date, int]:
    """A birth date giving ``age`` on ``as_of`` and a sequence code whose parity encodes ``sex``."""
    latest = _years_before(as_of, years=age)
    earliest = _years_before(as_of, years=age + 1) + timedelta(days=1)
    days = (latest - earliest).days + 1
    slot = _permuted_slot(index=client_id, modulus=days * _SEQUENCE_SLOTS)
    day_index, code = divmod(slot, _SEQUENCE_SLOTS)
    return earliest + timedelta(days=day_index), 2 * code + (1 if sex == 1 else 2)


def _years_before(day: date, *, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _permuted_slot(*, index: int, modulus: int) -> int:
    """A fixed pseudo-random bijection of ``index mod modulus`` onto ``range(modulus)``.

    A balanced Feistel network permutes ``range(2**18)``; cycle-walking restricts it to the smaller
    domain (it terminates because the starting value lies in the domain).
    """
    value = index % modulus
    while True:
        value = _feistel(value)
        if value < modulus:
            return value


def _feistel(value: int) -> int:
    mask = (1 << _FEISTEL_HALF_BITS) - 1
    left, right = value >> _FEISTEL_HALF_BITS, value & mask
    for key in _FEISTEL_KEYS:
        mixed = (right * 0x9E3779B1 + key) & 0xFFFFFFFF
        mixed ^= mixed >> 15
        mixed = (mixed * 0x85EBCA6B) & 0xFFFFFFFF
        left, right = right, left ^ ((mixed ^ (mixed >> 13)) & mask)
    return (left << _FEISTEL_HALF_BITS) | right


@functools.cache
def _faker() -> Any:
    """One shared zh_CN Faker, reseeded per identity (building one per call is far too slow)."""
    return Faker("zh_CN")


def _faker_name(*, seed: int, sex: int) -> tuple[str, str]:
    """Chinese name and a romanised e-mail user name, both from the Faker seeded with ``seed``."""
    fake = _faker()
    with _FAKER_LOCK:
        fake.seed_instance(seed)
        name = str(fake.name_male() if sex == 1 else fake.name_female())
        user_name = str(fake.user_name())
    cleaned = "".join(char for char in user_name.lower() if char in _USER_NAME_CHARS).strip("._")
    return name, cleaned or "user"


def _email(*, rng: random.Random, user_name: str, birth_year: int) -> str:
    if rng.random() < 0.35:
        return f"{rng.randint(10_000, 2_999_999_999)}@qq.com"
    suffix = rng.choice(("", str(birth_year), f"{birth_year % 100:02d}", str(rng.randint(1, 999))))
    return f"{user_name}{suffix}@{rng.choice(_EMAIL_DOMAINS)}"


def _landline(*, rng: random.Random) -> str:
    return f"0760-8{rng.randrange(10**7):07d}"


@dataclass(frozen=True, slots=True)
class _WeightedDistricts:
    districts: tuple[District, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random) -> District:
        target = rng.random() * self.cumulative[-1]
        return self.districts[bisect.bisect_right(self.cumulative, target)]


def _weighted(*, boost: bool) -> _WeightedDistricts:
    districts = zhongshan_districts()
    weights = (
        RESIDENTS_K[d.name_zh] * (WORKPLACE_BOOST.get(d.name_zh, 1.0) if boost else 1.0) for d in districts
    )
    return _WeightedDistricts(districts=districts, cumulative=tuple(itertools.accumulate(weights)))


@functools.cache
def _home_table() -> _WeightedDistricts:
    return _weighted(boost=False)


@functools.cache
def _work_table() -> _WeightedDistricts:
    return _weighted(boost=True)


def _place(*, rng: random.Random, table: _WeightedDistricts, work: bool) -> Place:
    district = table.pick(rng)
    # Uniform over the disc: radius ~ sqrt(U).
    distance = district.radius_km * math.sqrt(rng.random())
    bearing = 2 * math.pi * rng.random()
    lat = district.lat + distance * math.cos(bearing) / _KM_PER_DEGREE
    lon = district.lon + distance * math.sin(bearing) / (_KM_PER_DEGREE * math.cos(math.radians(lat)))
    return Place(
        district=district.name_zh,
        address=_address(rng=rng, district=district, work=work),
        lat=round(lat, 6),
        lon=round(lon, 6),
    )


def _address(*, rng: random.Random, district: District, work: bool) -> str:
    street = f"广东省中山市{district.name_zh}{rng.choice(ROADS[district.name_zh])}{rng.randint(1, 388)}号"
    floor, room = rng.randint(1, 28), rng.randint(1, 8)
    if work:
        return f"{street}{floor}楼{floor}{room:02d}室"
    return f"{street}{rng.randint(1, 30)}{rng.choice('栋座')}{floor}{room:02d}房"
