"""Great-circle distance, and the bounding box that lets an index find candidates first."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """Latitude range and one or two longitude ranges (two when crossing 180 degrees)."""

    lat_min: float
    lat_max: float
    lng_ranges: tuple[tuple[float, float], ...] | None  # None: every longitude (near a pole)


def bounding_box(lat: float, lng: float, radius_km: float) -> Box:
    dlat = radius_km / KM_PER_DEGREE
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(lat_min), abs(lat_max))
    if widest >= 89.9:
        return Box(lat_min, lat_max, None)
    dlng = radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest)))
    if dlng >= 180:
        return Box(lat_min, lat_max, None)
    west, east = lng - dlng, lng + dlng
    if west < -180:
        return Box(lat_min, lat_max, ((west + 360, 180.0), (-180.0, east)))
    if east > 180:
        return Box(lat_min, lat_max, ((west, 180.0), (-180.0, east - 360)))
    return Box(lat_min, lat_max, ((west, east),))
