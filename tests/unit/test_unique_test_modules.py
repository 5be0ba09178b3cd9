"""Test modules are imported by their basename (rootdir-relative imports are not used): two files of one
name in different folders stop the whole run at collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_name_of_its_own() -> None:
    names = Counter(path.name for path in TESTS.rglob("*.py") if path.name.startswith("test_"))
    assert [name for name, count in names.items() if count > 1] == []
