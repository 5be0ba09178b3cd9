"""Reading Solomon files: the shipped instances, and bad files named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.visits.solomon import (
    SHIPPED,
    SolomonFormatError,
    parse_solomon,
    read_solomon,
    shipped_instance_path,
    total_distance,
)

SMALL = """TINY

VEHICLE
NUMBER     CAPACITY
  2         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME

    0      0      0      0      0    100      0
    1      3      4     10      0     50      5
    2      6      8     20     10     60      5
"""


class TestParse:
    def test_reads_fleet_depot_and_customers(self) -> None:
        instance = parse_solomon(SMALL, source="tiny.txt")

        assert (instance.name, instance.vehicles, instance.capacity) == ("TINY", 2, 50)
        assert instance.depot.due == 100
        assert [c.number for c in instance.customers] == [1, 2]
        assert instance.node(2).demand == 20 and instance.node(2).ready == 10

    def test_distance_is_double_precision_euclidean(self) -> None:
        instance = parse_solomon(SMALL, source="tiny.txt")

        assert total_distance(instance, [[1, 2]]) == pytest.approx(5 + 5 + 10)

    @pytest.mark.parametrize("name", SHIPPED)
    def test_every_shipped_instance_has_100_customers(self, name: str) -> None:
        instance = read_solomon(shipped_instance_path(name))

        assert instance.name == name and len(instance.customers) == 100

    def test_first_keeps_a_prefix_of_the_customers(self) -> None:
        instance = read_solomon(shipped_instance_path("C101")).first(25)

        assert instance.name == "C101-25" and len(instance.customers) == 25


class TestBadFiles:
    @pytest.mark.parametrize(
        ("find", "replace", "where"),
        [
            ("3      4     10", "3      4     1x", "line 11, field DEMAND: '1x' is not a number"),
            (
                "3      4     10",
                "3      4     90",
                "line 11, field DEMAND: 90 is not between 0 and the capacity 50",
            ),
            ("20     10     60", "20     70     60", "line 12, field DUE DATE: the due date 60 is before"),
            ("  2         50", "  2         -5", "line 5, field CAPACITY: -5 is not a positive number"),
            ("    2      6", "    7      6", "line 12, field CUST NO.: expected node 2"),
            ("10     60      5", "10     60", "line 12, field CUST NO.: expected 7 fields"),
            ("    1      3", "    1      3.5e", "line 11, field XCOORD.: '3.5e' is not a number"),
        ],
    )
    def test_names_file_line_and_field(self, find: str, replace: str, where: str) -> None:
        text = SMALL.replace(find, replace, 1)

        with pytest.raises(SolomonFormatError) as raised:
            parse_solomon(text, source="tiny.txt")

        assert raised.value.message_en.startswith(f"tiny.txt: {where}")

    def test_a_missing_section_is_named(self) -> None:
        with pytest.raises(SolomonFormatError, match="the section CUSTOMER is missing"):
            parse_solomon(SMALL.replace("CUSTOMER", "CLIENTS"), source="tiny.txt")

    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(SolomonFormatError, match=r"nope\.txt: cannot read the file"):
            read_solomon(tmp_path / "nope.txt")
