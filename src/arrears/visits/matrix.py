"""Travel-time providers: a square matrix of whole seconds between points given as (lat, lon).

``HaversineMatrix`` (the default) needs nothing but the coordinates: great-circle distance times a
detour factor at a city speed. ``OsrmTableMatrix`` asks an OSRM-compatible HTTP table service
(``GET /table/v1/driving/{lon,lat;...}?annotations=duration,distance``). A pair the service cannot
route comes back as ``UNREACHABLE``.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from arrears.kit.errors import ArrearsError

EARTH_RADIUS_KM = 6371.0088
UNREACHABLE = 10**9  # seconds: more than any shift

Point = tuple[float, float]  # (latitude, longitude) in degrees


class TravelTimes(Protocol):
    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        """Seconds from every point to every point (the diagonal is 0)."""
        ...


class TravelTimeError(ArrearsError):
    """The travel-time service failed or answered something unusable."""


@dataclass(frozen=True, slots=True)
class HaversineMatrix:
    """Great-circle distance x ``detour`` at ``speed_kmh``, rounded up to whole seconds."""

    detour: float = 1.3
    speed_kmh: float = 25.0

    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        if not points:
            return []
        lat, lon = (np.radians(np.asarray(column, dtype=float)) for column in zip(*points, strict=True))
        half = (
            np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
        seconds = np.ceil(km * self.detour / self.speed_kmh * 3600 - 1e-9).astype(np.int64)
        np.fill_diagonal(seconds, 0)
        return [[int(value) for value in row] for row in seconds]


@dataclass(frozen=True, slots=True)
class OsrmTableMatrix:
    """The ``table`` service of OSRM (or a compatible server) at ``base_url``."""

    base_url: str
    profile: str = "driving"
    timeout_seconds: float = 30.0

    def durations(self, points: Sequence[Point]) -> list[list[int]]:
        if not points:
            return []
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}?annotations=duration,distance"
        )
        body = self._get(url)
        return _parse_table(body, len(points), self.base_url)

    def _get(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_seconds) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode("utf-8", "replace")
            raise TravelTimeError(
                f"the travel-time service at {self.base_url} answered HTTP {error.code}: {detail}",
                f"行程时间服务 {self.base_url} 返回 HTTP {error.code}",
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TravelTimeError(
                f"the travel-time service at {self.base_url} cannot be reached: {reason}",
                f"无法连接行程时间服务 {self.base_url}",
            ) from None


def _parse_table(body: bytes, size: int, base_url: str) -> list[list[int]]:
    def bad(problem: str) -> TravelTimeError:
        return TravelTimeError(
            f"the travel-time service at {base_url} answered an unusable table: {problem}",
            f"行程时间服务 {base_url} 返回的矩阵不可用：{problem}",
        )

    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad("not JSON") from None
    if not isinstance(document, dict) or document.get("code") != "Ok":
        code = document.get("code") if isinstance(document, dict) else None
        raise bad(
            f"code {code!r}, message {document.get('message') if isinstance(document, dict) else None!r}"
        )
    rows = document.get("durations")
    if (
        not isinstance(rows, list)
        or len(rows) != size
        or any(not isinstance(row, list) or len(row) != size for row in rows)
    ):
        raise bad(f"durations is not a {size} x {size} matrix")
    return [[_seconds(value, bad) for value in row] for row in rows]


def _seconds(value: object, bad: Callable[[str], TravelTimeError]) -> int:
    if value is None:
        return UNREACHABLE
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise bad(f"{value!r} is not a duration in seconds")
    return math.ceil(value)
