"""The CBS 2018 map of the youth-care regions: TopoJSON decoding, RD New projection, fitted SVG paths.

Projection: EPSG:28992 "Amersfoort / RD New", the Dutch national grid. It is an oblique stereographic
projection (EPSG method 9809, the "double stereographic" of Schreiber) on the Bessel 1841 ellipsoid, centred on
Amersfoort. It is conformal, its scale error stays within 1e-4 over the whole country and grid north is true
north at the centre, so the country keeps the shape Dutch readers know from every official map. Plain
longitude/latitude would stretch the country about 1.6 times in width (1 / cos 52°).

The file is in WGS84; the 7-parameter Helmert transformation that PROJ's definition of EPSG:28992 carries
(`+towgs84=565.2369,50.0087,465.658,-0.406857,0.350733,-1.87035,4.0812`, position-vector convention), applied in
reverse, moves each point onto the Amersfoort datum first. That shift is about 100 m, below what this generalised
map shows, but it makes the coordinates true RD coordinates (tested: the RD origin lands within a metre).

Everything is computed once per process (`functools.cache`): colouring a map per request only looks up the
ready path strings.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOPOJSON_FILE = Path(__file__).resolve().parent.parent / "reference" / "data" / "jeugdregio_2018.topojson"
OBJECT_NAME = "jeugdregio_2018"

# Map area in SVG units (the viewBox), and the margin kept free around the country.
MAP_WIDTH = 1000
MARGIN = 10

Point = tuple[float, float]
Ring = list[Point]


# ---- TopoJSON ------------------------------------------------------------------------------------------------
def decode_arcs(topology: dict) -> list[list[Point]]:
    """Absolute longitude/latitude for every arc: cumulative sums of the quantized deltas, then the transform."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch_ring(arc_indexes: list[int], arcs: list[list[Point]]) -> Ring:
    """One ring from its arcs: `~i` (-i-1) is arc i reversed; each following arc repeats the previous end point."""
    ring: Ring = []
    for n, index in enumerate(arc_indexes):
        points = arcs[~index][::-1] if index < 0 else arcs[index]
        ring.extend(points if n == 0 else points[1:])
    return ring


def decode_regions(topology: dict) -> dict[str, list[list[Ring]]]:
    """Code (statcode) -> polygons -> rings (outer ring first, then holes), in longitude/latitude."""
    arcs = decode_arcs(topology)
    regions: dict[str, list[list[Ring]]] = {}
    for geometry in topology["objects"][OBJECT_NAME]["geometries"]:
        code = geometry["properties"]["statcode"]
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            raise ValueError(f"{code}: unexpected geometry type {geometry['type']}")
        regions[code] = [[stitch_ring(ring, arcs) for ring in polygon] for polygon in polygons]
    return regions


# ---- Projection: WGS84 longitude/latitude -> RD New (EPSG:28992) --------------------------------------------
_WGS84 = (6378137.0, 1 / 298.257223563)
_BESSEL = (6377397.155, 1 / 299.1528128)
# Amersfoort -> WGS84, position vector rotation (PROJ +towgs84): metres, arc-seconds, parts per million.
_HELMERT = (565.2369, 50.0087, 465.658, -0.406857, 0.350733, -1.87035, 4.0812)
# RD New parameters (EPSG:28992).
_LAT0 = math.radians(52 + 9 / 60 + 22.178 / 3600)
_LON0 = math.radians(5 + 23 / 60 + 15.5 / 3600)
_K0 = 0.9999079
_FALSE_EASTING, _FALSE_NORTHING = 155000.0, 463000.0


def _to_geocentric(lat: float, lon: float, ellipsoid: tuple[float, float]) -> tuple[float, float, float]:
    a, f = ellipsoid
    e2 = f * (2 - f)
    nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return (
        nu * math.cos(lat) * math.cos(lon),
        nu * math.cos(lat) * math.sin(lon),
        nu * (1 - e2) * math.sin(lat),
    )


def _from_geocentric(x: float, y: float, z: float, ellipsoid: tuple[float, float]) -> tuple[float, float]:
    a, f = ellipsoid
    e2 = f * (2 - f)
    lon = math.atan2(y, x)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - e2))
    for _ in range(5):  # converges to well below a millimetre in three rounds
        nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
        lat = math.atan2(z + e2 * nu * math.sin(lat), p)
    return lat, lon


def wgs84_to_amersfoort(lat: float, lon: float) -> tuple[float, float]:
    """Geodetic WGS84 -> geodetic Amersfoort (radians): the Helmert transformation reversed (parameters negated)."""
    x, y, z = _to_geocentric(lat, lon, _WGS84)
    tx, ty, tz, rx, ry, rz, ds = _HELMERT
    rx, ry, rz = (math.radians(r / 3600) for r in (rx, ry, rz))
    # Reverse: subtract the translation, then apply the negated small rotation and scale.
    x, y, z = x - tx, y - ty, z - tz
    m = 1 - ds * 1e-6
    xa = m * (x + rz * y - ry * z)
    ya = m * (-rz * x + y + rx * z)
    za = m * (ry * x - rx * y + z)
    return _from_geocentric(xa, ya, za, _BESSEL)


def _stereographic_constants():
    a, f = _BESSEL
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    sin0 = math.sin(_LAT0)
    rho0 = a * (1 - e2) / (1 - e2 * sin0**2) ** 1.5
    nu0 = a / math.sqrt(1 - e2 * sin0**2)
    radius = math.sqrt(rho0 * nu0)
    n = math.sqrt(1 + e2 * math.cos(_LAT0) ** 4 / (1 - e2))
    s1 = (1 + sin0) / (1 - sin0)
    s2 = (1 - e * sin0) / (1 + e * sin0)
    w1 = (s1 * s2**e) ** n
    sin_chi = (w1 - 1) / (w1 + 1)
    c = (n + sin0) * (1 - sin_chi) / ((n - sin0) * (1 + sin_chi))
    w2 = c * w1
    chi0 = math.asin((w2 - 1) / (w2 + 1))
    return e, radius, n, c, chi0


_E, _R, _N, _C, _CHI0 = _stereographic_constants()


def bessel_to_rd(lat: float, lon: float) -> Point:
    """Oblique stereographic (EPSG method 9809) from Amersfoort geodetic radians to RD easting/northing in metres."""
    lam = _N * (lon - _LON0) + _LON0
    sin_lat = math.sin(lat)
    sa = (1 + sin_lat) / (1 - sin_lat)
    sb = (1 - _E * sin_lat) / (1 + _E * sin_lat)
    w = _C * (sa * sb**_E) ** _N
    chi = math.asin((w - 1) / (w + 1))
    dlam = lam - _LON0
    b = 1 + math.sin(chi) * math.sin(_CHI0) + math.cos(chi) * math.cos(_CHI0) * math.cos(dlam)
    easting = _FALSE_EASTING + 2 * _R * _K0 * math.cos(chi) * math.sin(dlam) / b
    northing = (
        _FALSE_NORTHING
        + 2
        * _R
        * _K0
        * (math.sin(chi) * math.cos(_CHI0) - math.cos(chi) * math.sin(_CHI0) * math.cos(dlam))
        / b
    )
    return easting, northing


def wgs84_to_rd(lon: float, lat: float) -> Point:
    """WGS84 longitude/latitude in degrees -> RD New easting/northing in metres."""
    return bessel_to_rd(*wgs84_to_amersfoort(math.radians(lat), math.radians(lon)))


# ---- Fitting and the cached result ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """One region ready to draw: rings in viewBox units (closed, first point repeated) and its SVG path."""

    code: str
    name: str
    rings: tuple[tuple[Point, ...], ...]
    path: str
    label_point: Point  # centroid of the largest ring, for labels and tests


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    shapes: dict[str, Shape]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _ring_area_centroid(ring) -> tuple[float, Point]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0]
    return area / 2, (cx / (3 * area), cy / (3 * area))


def _path(rings) -> str:
    """Absolute first point, then relative moves (shorter); integer units, so neighbours share exact borders."""
    parts = []
    for ring in rings:
        (x, y), rest = ring[0], ring[1:-1]
        segment = [f"M{x:g} {y:g}"]
        for nx, ny in rest:
            segment.append(f"l{nx - x:g} {ny - y:g}")
            x, y = nx, ny
        parts.append("".join(segment) + "z")
    return "".join(parts)


def _dedupe(ring: list[Point]) -> list[Point]:
    out = [ring[0]]
    for point in ring[1:]:
        if point != out[-1]:
            out.append(point)
    return out


def build_geometry(topology: dict, width: int = MAP_WIDTH, margin: int = MARGIN) -> Geometry:
    """Project every ring to RD, fit the country into `width` units (north up), round to whole units."""
    regions = decode_regions(topology)
    names = {
        g["properties"]["statcode"]: g["properties"]["statnaam"]
        for g in topology["objects"][OBJECT_NAME]["geometries"]
    }
    projected = {
        code: [[[wgs84_to_rd(lon, lat) for lon, lat in ring] for ring in polygon] for polygon in polygons]
        for code, polygons in regions.items()
    }
    xs = [x for polygons in projected.values() for polygon in polygons for ring in polygon for x, _ in ring]
    ys = [y for polygons in projected.values() for polygon in polygons for ring in polygon for _, y in ring]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 2 * margin) / (max_x - min_x)
    height = math.ceil((max_y - min_y) * scale) + 2 * margin

    def fit(point: Point) -> Point:
        # SVG y grows downwards, RD northing upwards.
        return round(margin + (point[0] - min_x) * scale), round(margin + (max_y - point[1]) * scale)

    shapes = {}
    for code, polygons in projected.items():
        rings = []
        for polygon in polygons:
            for ring in polygon:
                fitted = _dedupe([fit(p) for p in ring])
                if fitted[0] != fitted[-1]:
                    fitted.append(fitted[0])
                if len(fitted) >= 4:  # a ring that rounds away to a line is dropped
                    rings.append(tuple(fitted))
        largest = max(rings, key=lambda r: abs(_ring_area_centroid(r)[0]))
        shapes[code] = Shape(
            code=code,
            name=names[code],
            rings=tuple(rings),
            path=_path(rings),
            label_point=tuple(round(v, 1) for v in _ring_area_centroid(largest)[1]),
        )
    return Geometry(width=width, height=height, shapes=shapes)


@cache
def geometry() -> Geometry:
    """The fitted map, computed once per process (about 30 ms) and shared by every request."""
    return build_geometry(json.loads(TOPOJSON_FILE.read_text(encoding="utf-8")))
