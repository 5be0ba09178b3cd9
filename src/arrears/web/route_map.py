"""The visitor's route drawn from coordinates: stops projected (Web Mercator) into an SVG box, with map
tiles underneath when a tile URL is configured (the same projection, so they line up). Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TILE = 256
MAX_ZOOM = 18


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str
    status: str


@dataclass(frozen=True, slots=True)
class Tile:
    x: float
    y: float
    href: str


@dataclass(frozen=True, slots=True)
class RouteMap:
    width: int
    height: int
    points: tuple[Point, ...]
    tiles: tuple[Tile, ...]

    @property
    def path(self) -> str:
        """The SVG polyline's points, in visiting order."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def world(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at ``zoom``."""
    scale = TILE * 2**zoom
    lat = max(min(lat, 85.0511), -85.0511)
    sin = math.sin(math.radians(lat))
    return (lon + 180) / 360 * scale, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale


def _zoom(stops: Sequence[tuple[float, float]], room_x: float, room_y: float) -> int:
    """The highest zoom at which every stop fits in the box."""
    for zoom in range(MAX_ZOOM, 0, -1):
        xs, ys = zip(*(world(lat, lon, zoom) for lat, lon in stops), strict=True)
        if max(xs) - min(xs) <= room_x and max(ys) - min(ys) <= room_y:
            return zoom
    return 1


def _tiles(tile_url: str, zoom: int, left: float, top: float, width: int, height: int) -> tuple[Tile, ...]:
    count = 2**zoom
    tiles = []
    for tx in range(math.floor(left / TILE), math.floor((left + width) / TILE) + 1):
        for ty in range(
            max(0, math.floor(top / TILE)), min(count - 1, math.floor((top + height) / TILE)) + 1
        ):
            href = tile_url.format(z=zoom, x=tx % count, y=ty)
            tiles.append(Tile(tx * TILE - left, ty * TILE - top, href))
    return tuple(tiles)


def route_map(
    stops: Sequence[tuple[float, float, str, str]],
    *,
    width: int = 360,
    height: int = 260,
    pad: int = 24,
    tile_url: str = "",
) -> RouteMap | None:
    """``stops`` as (lat, lon, label, status) in visiting order; None without stops."""
    if not stops:
        return None
    coordinates = [(lat, lon) for lat, lon, _, _ in stops]
    zoom = _zoom(coordinates, width - 2 * pad, height - 2 * pad)
    xs, ys = zip(*(world(lat, lon, zoom) for lat, lon in coordinates), strict=True)
    left = (max(xs) + min(xs)) / 2 - width / 2
    top = (max(ys) + min(ys)) / 2 - height / 2
    points = tuple(
        Point(x - left, y - top, label, status)
        for (x, y, (_, _, label, status)) in zip(xs, ys, stops, strict=True)
    )
    tiles = _tiles(tile_url, zoom, left, top, width, height) if tile_url else ()
    return RouteMap(width, height, points, tiles)
