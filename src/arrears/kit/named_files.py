"""Configuration that is either built in (by name) or a file a bank edits: policies, strategies."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from arrears.kit.errors import ConfigurationError


def read_named_or_file(
    name_or_path: str, *, kind: str, kind_zh: str, package: str, folder: str, built_in: tuple[str, ...]
) -> tuple[str, str]:
    """(text, source) of the built-in ``folder/name.*`` of ``package``, or of the file at the path."""
    if name_or_path in built_in:
        matches = [
            entry
            for entry in (resources.files(package) / folder).iterdir()
            if entry.name.split(".")[0] == name_or_path
        ]
        return matches[0].read_text("utf-8"), f"{kind} {name_or_path}"
    path = Path(name_or_path)
    try:
        return path.read_text("utf-8"), str(path)
    except OSError as error:
        raise ConfigurationError(
            f"{kind} {name_or_path}: not a built-in {kind} ({', '.join(built_in)}) "
            f"nor a readable file ({error})",
            f"{kind_zh} {name_or_path}：既不是内置{kind_zh}也不是可读文件",
        ) from None
