"""Solomon VRPTW instances (1987): parse the classic text format.

The format: the instance name, a ``VEHICLE`` section (``NUMBER CAPACITY`` and one row of two
integers), a ``CUSTOMER`` section (a header, then one row per node: number, x, y, demand, ready
time, due date, service time). Node 0 is the depot. Travel time equals Euclidean distance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from arrears.kit.errors import ArrearsError

NODE_FIELDS = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")
SHIPPED = ("C101", "C201", "R101", "R201", "RC101", "RC201")


@dataclass(frozen=True, slots=True)
class SolomonNode:
    number: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: SolomonNode
    customers: tuple[SolomonNode, ...]

    def node(self, number: int) -> SolomonNode:
        """Node ``number`` (0 is the depot); customers are numbered 1..n in file order."""
        return self.depot if number == 0 else self.customers[number - 1]

    def first(self, count: int) -> SolomonInstance:
        """The same instance with only its first ``count`` customers (small test problems)."""
        return replace(self, name=f"{self.name}-{count}", customers=self.customers[:count])


class SolomonFormatError(ArrearsError):
    """A Solomon file that cannot be read: names the file, line and field."""


def shipped_instance_path(name: str) -> Path:
    """The path of one of the six instances shipped with Arrears (``C101`` ... ``RC201``)."""
    return Path(str(resources.files("arrears") / "data" / "solomon" / f"{name}.txt"))


def read_solomon(path: Path) -> SolomonInstance:
    """Reads a Solomon file; a missing or malformed file raises :class:`SolomonFormatError`."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise SolomonFormatError(
            f"{path}: cannot read the file ({reason})", f"{path}：无法读取文件"
        ) from None
    return parse_solomon(text, source=str(path))


def parse_solomon(text: str, *, source: str) -> SolomonInstance:
    """Parses the text of a Solomon file; ``source`` names the file in error messages."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    content = [(number, line) for number, line in lines if line]
    if not content:
        raise _error(source, 1, "NAME", "the file is empty")
    name = content[0][1]
    vehicle_at = _section(content, "VEHICLE", source)
    customer_at = _section(content, "CUSTOMER", source)
    if vehicle_at + 2 >= len(content) or customer_at != vehicle_at + 3:
        line = content[min(vehicle_at + 2, len(content) - 1)][0]
        raise _error(source, line, "NUMBER", "expected one row `NUMBER CAPACITY` after VEHICLE")
    vehicles, capacity = _fleet(content[vehicle_at + 2], source)
    rows = content[customer_at + 2 :]
    if not rows:
        raise _error(source, content[-1][0], "CUST NO.", "no depot or customer rows after CUSTOMER")
    nodes = [_node(row, index, capacity, source) for index, row in enumerate(rows)]
    return SolomonInstance(name, vehicles, capacity, nodes[0], tuple(nodes[1:]))


def _section(content: list[tuple[int, str]], title: str, source: str) -> int:
    for index, (_, line) in enumerate(content):
        if line.upper() == title:
            return index
    raise _error(source, content[-1][0], title, f"the section {title} is missing")


def _fleet(row: tuple[int, str], source: str) -> tuple[int, int]:
    line, text = row
    fields = text.split()
    if len(fields) != 2:
        raise _error(source, line, "NUMBER", f"expected 2 fields (NUMBER CAPACITY), found {len(fields)}")
    vehicles = _integer(fields[0], source, line, "NUMBER")
    capacity = _integer(fields[1], source, line, "CAPACITY")
    for field, value in (("NUMBER", vehicles), ("CAPACITY", capacity)):
        if value <= 0:
            raise _error(source, line, field, f"{value} is not a positive number")
    return vehicles, capacity


def _node(row: tuple[int, str], index: int, capacity: int, source: str) -> SolomonNode:
    line, text = row
    fields = text.split()
    if len(fields) != len(NODE_FIELDS):
        raise _error(
            source, line, "CUST NO.", f"expected 7 fields ({', '.join(NODE_FIELDS)}), found {len(fields)}"
        )
    number = _integer(fields[0], source, line, "CUST NO.")
    if number != index:
        raise _error(
            source,
            line,
            "CUST NO.",
            f"expected node {index} (nodes are numbered 0, 1, 2, ...), found {number}",
        )
    x, y = (_number(fields[i], source, line, NODE_FIELDS[i]) for i in (1, 2))
    demand = _integer(fields[3], source, line, "DEMAND")
    ready, due, service = (_number(fields[i], source, line, NODE_FIELDS[i]) for i in (4, 5, 6))
    if not 0 <= demand <= capacity:
        raise _error(source, line, "DEMAND", f"{demand} is not between 0 and the capacity {capacity}")
    if ready > due:
        raise _error(
            source, line, "DUE DATE", f"the due date {fields[5]} is before the ready time {fields[4]}"
        )
    if service < 0:
        raise _error(source, line, "SERVICE TIME", f"{fields[6]} is negative")
    return SolomonNode(number, x, y, demand, ready, due, service)


def _number(text: str, source: str, line: int, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _error(source, line, field, f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _error(source, line, field, f"{text!r} is not a finite number")
    return value


def _integer(text: str, source: str, line: int, field: str) -> int:
    value = _number(text, source, line, field)
    if not value.is_integer():
        raise _error(source, line, field, f"{text!r} is not a whole number")
    return int(value)


def _error(source: str, line: int, field: str, problem: str) -> SolomonFormatError:
    return SolomonFormatError(
        f"{source}: line {line}, field {field}: {problem}", f"{source}：第 {line} 行，字段 {field}：{problem}"
    )


def distance(a: SolomonNode, b: SolomonNode) -> float:
    """Euclidean distance in double precision (also the travel time)."""
    return math.hypot(a.x - b.x, a.y - b.y)


def total_distance(instance: SolomonInstance, routes: Sequence[Sequence[int]]) -> float:
    """The total double-precision distance of ``routes`` (customer numbers; depot to depot)."""
    total = 0.0
    for route in routes:
        stops = [instance.depot, *(instance.node(number) for number in route), instance.depot]
        total += sum(distance(a, b) for a, b in itertools.pairwise(stops))
    return total
