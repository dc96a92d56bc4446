"""WGS-84 (GPS, what Open311 clients send) ↔ GCJ-02 (the datum of Chinese maps, and of the
demo city). Outside China the two coincide. The inverse is solved by fixed-point iteration
(error far below a millimetre)."""

from __future__ import annotations

import math

_A = 6378245.0
_EE = 0.00669342162296594323


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (_A / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat


def to_city(crs: str, lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 point in the city's coordinate system."""
    return wgs84_to_gcj02(lon, lat) if crs.upper() == "GCJ-02" else (lon, lat)


def from_city(crs: str, lon: float, lat: float) -> tuple[float, float]:
    """A point of the city's coordinate system in WGS-84."""
    return gcj02_to_wgs84(lon, lat) if crs.upper() == "GCJ-02" else (lon, lat)
