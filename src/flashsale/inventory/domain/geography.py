"""Where regions are, roughly: the capital of each region the demo's markets ship to, for the
nearest strategy's tie-break by distance (regions of one rank, locations of one rank)."""

from __future__ import annotations

import math

# (latitude, longitude) of each region's capital.
CAPITALS: dict[str, tuple[float, float]] = {
    "CN-BJ": (39.90, 116.41),
    "CN-TJ": (39.13, 117.20),
    "CN-HE": (38.04, 114.51),
    "CN-SX": (37.87, 112.55),
    "CN-NM": (40.84, 111.75),
    "CN-LN": (41.80, 123.43),
    "CN-JL": (43.82, 125.32),
    "CN-HL": (45.80, 126.53),
    "CN-SH": (31.23, 121.47),
    "CN-JS": (32.06, 118.80),
    "CN-ZJ": (30.27, 120.15),
    "CN-AH": (31.82, 117.23),
    "CN-FJ": (26.07, 119.30),
    "CN-JX": (28.68, 115.86),
    "CN-SD": (36.65, 117.12),
    "CN-HA": (34.75, 113.63),
    "CN-HB": (30.59, 114.31),
    "CN-HN": (28.23, 112.94),
    "CN-GD": (23.13, 113.26),
    "CN-GX": (22.82, 108.32),
    "CN-HI": (20.04, 110.35),
    "CN-CQ": (29.56, 106.55),
    "CN-SC": (30.57, 104.07),
    "CN-GZ": (26.65, 106.63),
    "CN-YN": (25.04, 102.71),
    "CN-XZ": (29.65, 91.12),
    "CN-SN": (34.34, 108.94),
    "CN-GS": (36.06, 103.83),
    "CN-QH": (36.62, 101.78),
    "CN-NX": (38.49, 106.23),
    "CN-XJ": (43.83, 87.62),
    "IN-KA": (12.97, 77.59),
    "IN-DL": (28.61, 77.21),
    "IN-HR": (30.73, 76.78),
    "IN-MH": (19.08, 72.88),
    "IN-TN": (13.08, 80.27),
    "IN-TS": (17.39, 78.49),
    "IN-WB": (22.57, 88.36),
    "IN-UP": (26.85, 80.95),
    "IN-GJ": (23.02, 72.57),
    "IN-KL": (8.52, 76.94),
    "IN-RJ": (26.91, 75.79),
    "IN-AP": (16.51, 80.52),
    "ID-JK": (-6.21, 106.85),
    "ID-JB": (-6.91, 107.61),
    "ID-JT": (-6.97, 110.42),
    "ID-JI": (-7.25, 112.75),
    "ID-BT": (-6.12, 106.15),
    "ID-YO": (-7.80, 110.36),
}
_EARTH_KM = 6371.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


def region_distance_km(region: str | None, where: tuple[float, float] | None) -> float:
    """From a region's capital to a place; infinite when either is unknown (sorts last)."""
    capital = CAPITALS.get(region or "")
    if capital is None or where is None:
        return math.inf
    return distance_km(capital, where)
