"""Reading strategy files: YAML, validated, every problem named with its file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from arrears.kit.errors import ConfigurationError
from arrears.kit.named_files import read_named_or_file
from arrears.strategy.overlap import overlapping
from arrears.strategy.schema import Strategy

BUILT_IN = ("default",)


@dataclass(frozen=True, slots=True)
class StrategyFile:
    strategy: Strategy
    text: str
    source: str
    sha256: str


def _lines(node: yaml.Node, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """The line (1-based) of every value in a composed YAML document, by its path of keys and indexes."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found |= _lines(value, (*path, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            found |= _lines(value, (*path, str(index)))
    return found


def _where(lines: dict[tuple[str, ...], int], location: tuple[Any, ...]) -> str:
    path = tuple(str(part) for part in location)
    while path and path not in lines:
        path = path[:-1]
    field = ".".join(str(part) for part in location) or "(file)"
    return f"line {lines.get(path, 1)}, {field}"


def parse_strategy(text: str, source: str) -> StrategyFile:
    def problem(message: str) -> ConfigurationError:
        return ConfigurationError(f"{source}: {message}", f"{source}：{message}")

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise problem(f"not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise problem("a strategy file is a mapping (name, version, label, treatments, segments)")
    lines = _lines(node) if node is not None else {}
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{_where(lines, e['loc'])}: {e['msg']}" for e in error.errors())
        raise problem(problems) from None
    clashes = overlapping(strategy.segments)
    if clashes:
        pairs = ", ".join(f"{a} and {b}" for a, b in clashes)
        raise problem(f"segments overlap (an account could fall in both): {pairs}")
    return StrategyFile(strategy, text, source, hashlib.sha256(text.encode()).hexdigest())


def load_strategy(name_or_path: str) -> StrategyFile:
    """A built-in strategy (``default``) or a strategy file."""
    text, source = read_named_or_file(
        name_or_path,
        kind="strategy",
        kind_zh="策略",
        package="arrears.strategy",
        folder="strategies",
        built_in=BUILT_IN,
    )
    return parse_strategy(text, source)
