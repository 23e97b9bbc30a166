"""The read-only JSON API for reference data uses the stable identifiers of the reference file."""

from __future__ import annotations

import pytest


def test_regions_list(client, reference):
    data = client.get("/api/v1/regions").json
    assert data["total"] == 42
    codes = {r["code"] for r in data["items"]}
    assert "JZ01" in codes and "JZ40" not in codes
    assert all(r["url"].startswith("http") for r in data["items"])


def test_region_detail(client, reference):
    data = client.get("/api/v1/regions/zeeland").json
    assert data["code"] == "JZ38" and data["municipality_count"] == len(data["municipalities"]) == 13
    assert data["plan"]["approved_on"] == "2018-11-23"


def test_action_lines(client, reference):
    data = client.get("/api/v1/action-lines").json
    assert [x["number"] for x in data["items"]] == [1, 2, 3, 4, 5, 6]
    line4 = data["items"][3]
    assert line4["reported_plan_count"] == 19


def test_themes_and_phases(client, reference):
    themes = client.get("/api/v1/themes").json
    assert {"slug", "name", "action_line"} <= set(themes["items"][0])
    phases = client.get("/api/v1/cycle-phases").json
    assert [p["position"] for p in phases["items"]] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("url", ["/api/v1/regions/nope", "/api/v1/nothing", "/api/v1/regions/%00"])
def test_unknown_gives_json_404(client, reference, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] in {"not_found", "region_not_found"}
    assert response.json["error"]["message"]["nl"]


def test_wrong_method_gives_json_405(client, reference):
    response = client.post("/api/v1/regions")
    assert response.status_code == 405 and response.is_json
