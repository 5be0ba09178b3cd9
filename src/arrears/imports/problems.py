"""Problems found in an extract: each names the file, the row and the column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from arrears.kit.errors import ArrearsError

MAX_KEPT_PROBLEMS = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    """``row`` counts as a spreadsheet does: the header is row 1, the first record row 2."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row:,}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ProblemLog:
    """Collects problems, keeping the first ``limit`` and counting the rest."""

    def __init__(self, limit: int = MAX_KEPT_PROBLEMS) -> None:
        self.limit = limit
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def room(self) -> int:
        return max(self.limit - len(self.kept), 0)

    def __bool__(self) -> bool:
        return self.total > 0


class ExtractRejected(ArrearsError):
    """The extract has problems; nothing was imported."""

    def __init__(self, problems: ProblemLog) -> None:
        self.problems = problems
        super().__init__(
            f"{count_problems(problems.total)}; nothing was imported.",
            f"发现 {problems.total:,} 个问题；未导入任何数据。",
        )


def count_problems(total: int) -> str:
    return "1 problem" if total == 1 else f"{total:,} problems"
