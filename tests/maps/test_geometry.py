"""The map geometry: TopoJSON decoding, the RD New projection and the fitted, cached SVG paths."""

from __future__ import annotations

import json
import math

import pytest

from exchange.maps import geometry as g

EXPECTED_CODES = {f"JZ{n:02d}" for n in range(1, 44)} - {"JZ40"}


@pytest.fixture(scope="module")
def geo() -> g.Geometry:
    return g.geometry()


def test_decoding_gives_42_regions_with_52_closed_rings():
    topology = json.loads(g.TOPOJSON_FILE.read_text(encoding="utf-8"))
    regions = g.decode_regions(topology)
    assert set(regions) == EXPECTED_CODES
    rings = [ring for polygons in regions.values() for polygon in polygons for ring in polygon]
    assert len(rings) == 52
    assert all(ring[0] == ring[-1] for ring in rings)
    assert (
        len(regions["JZ02"]) == 5 and len(regions["JZ38"][0]) == 4
    )  # Friesland + 4 islands; Zeeland's 3 holes
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    assert 3.35 < min(lons) < max(lons) < 7.23 and 50.75 <= min(lats) < max(lats) < 53.52


def test_reversed_arc_index_stitches_backwards_without_repeating_points():
    arcs = [[(0, 0), (1, 0)], [(1, 0), (1, 1), (0, 0)]]
    assert g.stitch_ring([0, 1], arcs) == [(0, 0), (1, 0), (1, 1), (0, 0)]
    assert g.stitch_ring([~1, ~0], arcs) == [(0, 0), (1, 1), (1, 0), (0, 0)]


def test_oblique_stereographic_matches_the_epsg_example():
    # EPSG Guidance Note 7-2, method 9809 (RD New on Bessel): 53°N 6°E.
    easting, northing = g.bessel_to_rd(math.radians(53), math.radians(6))
    assert easting == pytest.approx(196105.283, abs=0.01)
    assert northing == pytest.approx(557057.739, abs=0.01)


def test_wgs84_point_of_the_rd_origin_lands_on_it():
    easting, northing = g.wgs84_to_rd(5.38720621, 52.15517440)  # Onze Lieve Vrouwetoren, Amersfoort
    assert easting == pytest.approx(155000, abs=1) and northing == pytest.approx(463000, abs=1)


def test_fitted_geometry_has_42_regions_52_closed_rings_inside_the_viewbox(geo):
    assert set(geo.shapes) == EXPECTED_CODES
    rings = [ring for shape in geo.shapes.values() for ring in shape.rings]
    assert len(rings) == 52
    assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in rings)
    assert all(0 <= x <= geo.width and 0 <= y <= geo.height for ring in rings for x, y in ring)
    assert all(isinstance(v, int) for ring in rings for point in ring for v in point)  # rounded
    assert geo.view_box == f"0 0 {geo.width} {geo.height}"
    for shape in geo.shapes.values():
        assert shape.path.startswith("M") and shape.path.count("z") == len(shape.rings)


def test_projection_keeps_the_country_north_up_and_in_proportion(geo):
    groningen, zeeland = geo.shapes["JZ01"].label_point, geo.shapes["JZ38"].label_point
    assert groningen[1] < zeeland[1]  # SVG y grows downwards: Groningen is above Zeeland
    assert groningen[0] > zeeland[0]  # and to the right of it
    limburg_south = geo.shapes["JZ43"].label_point  # Midden-Limburg West
    assert limburg_south[1] > geo.shapes["JZ01"].label_point[1]
    # RD: the country is about 266 km wide and 314 km tall (lon/lat degrees would make it wider than tall).
    assert 1.1 < geo.height / geo.width < 1.25


def test_geometry_is_computed_once_per_process(geo, monkeypatch):
    assert g.geometry() is geo
    monkeypatch.setattr(g, "build_geometry", lambda *a, **k: pytest.fail("re-projected"))
    assert g.geometry() is geo
