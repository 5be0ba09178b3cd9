from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.imports import identity as identity_module
from arrears.imports.identity import (
    ZHONGSHAN_REGION_CODE,
    Identity,
    is_valid_national_id,
    national_id_check_digit,
    synthetic_identity,
    zhongshan_districts,
)
from arrears.imports.zhongshan import RESIDENTS_K, ROADS, WORKPLACE_BOOST, ZHONGSHAN_BBOX

AS_OF = date(2005, 9, 30)
MOBILE = re.compile(r"^1(3\d|4[57]|5[0-35-9]|66|7[35-8]|8\d|9[189])\d{8}$")
LANDLINE = re.compile(r"^0760-8\d{7}$")
EMAIL = re.compile(r"^[a-z0-9._]+@[a-z0-9.]+\.(com|cn)$")
SOUTH, WEST, NORTH, EAST = ZHONGSHAN_BBOX


def _age_on(birth: date, as_of: date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _sample(client_id: int) -> Identity:
    """Ages 21..79 as in the UCI data; sex given for two clients in three."""
    sex = None if client_id % 3 == 0 else 1 + client_id % 2
    return synthetic_identity(client_id=client_id, age=21 + client_id % 59, sex=sex, as_of=AS_OF)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = "10X98765432"[sum % 11]
        # 1*7+1*9+0+1*5+0+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0+0+2*2 = 167, 167 % 11 = 2 -> X
        ("11010519491231002", "X"),
        # 4*7+4*9+0+5*5+2*8+4*4+1*2+8*1+8*6+0+0+1*9+0+1*5+0+0+1*2 = 195, 195 % 11 = 8 -> 4
        ("44052418800101001", "4"),
        # GB 11643-1999's own example 34052419800101001X:
        # 3*7+4*9+0+5*5+2*8+4*4+1*2+9*1+8*6+0+0+1*9+0+1*5+0+0+1*2 = 189, 189 % 11 = 2 -> X
        ("34052419800101001", "X"),
        # 1*7+1*9+0+1*5+0+1*4+1*2+9*1+9*6+0+0+3*9+0+7*5+1*8+2*4+3*2 = 174, 174 % 11 = 9 -> 3
        ("11010119900307123", "3"),
    ],
)
def test_check_digit_known_examples(first17: str, expected: str) -> None:
    assert national_id_check_digit(first17) == expected
    assert is_valid_national_id(first17 + expected)


@pytest.mark.parametrize("bad", ["", "1234567890123456", "123456789012345678", "1101051949123100X", "١" * 17])
def test_check_digit_rejects_non_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        national_id_check_digit(bad)


@given(
    region=st.from_regex(r"\A[1-8][0-9]{5}\Z"),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_only_the_computed_check_character_validates(region: str, birth: date, sequence: int) -> None:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    good = national_id_check_digit(first17)
    assert good in "0123456789X"
    for char in "0123456789X":
        assert is_valid_national_id(first17 + char) == (char == good)


@pytest.mark.parametrize(
    "bad",
    [
        "11010519491231002",  # 17 characters
        "11010519491231002XX",  # 19 characters
        "110105194912310021",  # wrong check digit (should be X)
        "11010519491231002x",  # lower-case x
        "110105194902300021",  # 30 February
        "110105194913010021",  # month 13
        "110105000001010021",  # year 0
        "11010519491231A02X",  # letter inside
        "４４２０００１９８００１０１００１１",  # full-width digits
    ],
)
def test_invalid_national_ids_rejected(bad: str) -> None:
    assert not is_valid_national_id(bad)


def test_identities_have_valid_consistent_national_ids() -> None:
    for client_id in range(1, 3001):
        person = _sample(client_id)
        nid = person.national_id
        assert is_valid_national_id(nid), nid
        assert nid[:6] == ZHONGSHAN_REGION_CODE
        assert nid[6:14] == person.birth_date.strftime("%Y%m%d")
        assert _age_on(person.birth_date, AS_OF) == 21 + client_id % 59
        assert int(nid[16]) % 2 == (1 if person.sex == 1 else 0)
        if client_id % 3:
            assert person.sex == 1 + client_id % 2


@given(
    as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    age=st.integers(min_value=0, max_value=100),
    client_id=st.integers(min_value=0, max_value=10**9),
    sex=st.sampled_from([1, 2, None]),
)
def test_birth_date_gives_the_requested_age(as_of: date, age: int, client_id: int, sex: int | None) -> None:
    person = synthetic_identity(client_id=client_id, age=age, sex=sex, as_of=as_of)
    assert _age_on(person.birth_date, as_of) == age
    assert is_valid_national_id(person.national_id)
    if sex is not None:
        assert person.sex == sex


@pytest.mark.parametrize("as_of", [date(2004, 2, 29), date(2005, 2, 28), date(2005, 3, 1)])
def test_leap_day_edges(as_of: date) -> None:
    births = {synthetic_identity(client_id=i, age=30, sex=2, as_of=as_of).birth_date for i in range(3000)}
    assert all(_age_on(birth, as_of) == 30 for birth in births)
    assert max(births) - min(births) <= timedelta(days=365)


def test_deterministic_including_a_fresh_faker() -> None:
    first = [_sample(client_id) for client_id in range(1, 200)]
    identity_module._faker.cache_clear()
    again = [_sample(client_id) for client_id in reversed(range(1, 200))]
    assert first == list(reversed(again))


def test_deterministic_across_processes_with_different_hash_seeds() -> None:
    code = (
        "from datetime import date; from arrears.imports.identity import synthetic_identity as s; "
        "print([s(client_id=i, age=35, sex=None, as_of=date(2005, 9, 30)) for i in (1, 77, 24000)])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    local = [synthetic_identity(client_id=i, age=35, sex=None, as_of=AS_OF) for i in (1, 77, 24000)]
    assert outputs == {f"{local}\n"}


def test_no_national_id_collisions_for_the_first_2000_clients() -> None:
    ids = [_sample(client_id).national_id for client_id in range(1, 2001)]
    assert len(set(ids)) == len(ids)


def test_no_collisions_even_with_the_same_age_and_sex() -> None:
    ids = {synthetic_identity(client_id=i, age=30, sex=1, as_of=AS_OF).national_id for i in range(5000)}
    assert len(ids) == 5000


def test_slot_permutation_is_a_bijection() -> None:
    for modulus in (365 * 499, 366 * 499):
        slots = {identity_module._permuted_slot(index=i, modulus=modulus) for i in range(modulus)}
        assert slots == set(range(modulus))


def test_different_clients_differ() -> None:
    people = [_sample(client_id) for client_id in range(1, 2001)]
    assert len({p.mobile for p in people}) == len(people)
    assert len({p.name for p in people}) > 1000
    assert len({p.home.district for p in people}) == len(zhongshan_districts())


def test_contact_formats() -> None:
    for client_id in range(1, 1001):
        person = _sample(client_id)
        assert MOBILE.match(person.mobile), person.mobile
        assert LANDLINE.match(person.home_phone) and LANDLINE.match(person.work_phone)
        assert EMAIL.match(person.email), person.email
        assert 2 <= len(person.name) <= 4 and all("\u4e00" <= char <= "\u9fff" for char in person.name)


def test_places_inside_zhongshan_and_within_radius() -> None:
    centres = {d.name_zh: d for d in zhongshan_districts()}
    for client_id in range(1, 2001):
        person = _sample(client_id)
        for place in (person.home, person.work):
            district = centres[place.district]
            assert SOUTH <= place.lat <= NORTH and WEST <= place.lon <= EAST
            distance = _distance_km(district.lat, district.lon, place.lat, place.lon)
            assert distance <= district.radius_km * 1.001 + 0.001, (place, distance)
            assert place.address.startswith(f"广东省中山市{place.district}")
            assert any(road in place.address for road in ROADS[place.district])


def test_workplaces_lean_toward_the_centre() -> None:
    people = [_sample(client_id) for client_id in range(1, 3001)]
    central = set(WORKPLACE_BOOST)
    at_work = sum(p.work.district in central for p in people)
    at_home = sum(p.home.district in central for p in people)
    assert at_work > 1.5 * at_home


def test_district_data_is_consistent() -> None:
    districts = zhongshan_districts()
    names = [d.name_zh for d in districts]
    assert len(names) == len(set(names)) == 23
    assert sum(name.endswith("街道") for name in names) == 8
    assert sum(name.endswith("镇") for name in names) == 15
    assert "东升镇" not in names  # merged into 小榄镇 in 2021
    assert set(names) == set(ROADS) == set(RESIDENTS_K) >= set(WORKPLACE_BOOST)
    for d in districts:
        assert 1.0 <= d.radius_km <= 4.0
        dlat = d.radius_km / 110.5
        dlon = d.radius_km / (111.3 * math.cos(math.radians(d.lat)))
        assert d.lat - dlat >= SOUTH and d.lat + dlat <= NORTH, d
        assert d.lon - dlon >= WEST and d.lon + dlon <= EAST, d


@pytest.mark.parametrize(("age", "sex"), [(-1, 1), (151, 1), (30, 0), (30, 3)])
def test_bad_arguments(age: int, sex: int) -> None:
    with pytest.raises(ValueError):
        synthetic_identity(client_id=1, age=age, sex=sex, as_of=AS_OF)
