"""Driving time estimate: great-circle distance x road factor / average speed.

Crude on purpose: no routing service is reachable from a pharmacy's server and the estimate
only has to keep visits from being booked back to back across town. Both factors are
organisation settings (Agency.road_factor, Agency.average_speed_kmh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class TravelSettings:
    road_factor: float
    average_speed_kmh: float


def great_circle_km(a: Point, b: Point) -> float:
    """Haversine distance."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


@lru_cache(maxsize=65536)
def travel_min(a: Point, b: Point, settings: TravelSettings) -> int:
    """Whole minutes, rounded up: a nurse arriving a minute late is late.

    Cached: suggestions ask for the same legs (patient to each stop) thousands of times."""
    km = great_circle_km(a, b) * settings.road_factor
    return math.ceil(km / settings.average_speed_kmh * 60 - 1e-9)


def route_legs(home: Point, stops: list[Point], settings: TravelSettings) -> list[tuple[int, int]]:
    """For a nurse's day of stops in visiting order, the drive before and after each one
    (from home to the first, between stops, back home after the last)."""
    points = [home, *stops, home]
    legs = [travel_min(a, b, settings) for a, b in zip(points, points[1:])]
    return [(legs[i], legs[i + 1]) for i in range(len(stops))]
