"""Static URLs carry a content hash, so the reverse proxy may cache them for a year (docs/deploy.md)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for

from exchange import ROOT
from exchange.assets import content_hash


def test_every_static_url_on_a_page_carries_the_hash_of_its_file(app, client, reference):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(urls) >= 5
    for url in urls:
        path, _, query = url.partition("?")
        body = (ROOT / path.lstrip("/")).read_bytes()
        assert query == f"v={hashlib.sha256(body).hexdigest()[:12]}", url


def test_the_hash_follows_the_content(tmp_path: Path):
    asset = tmp_path / "app.css"
    asset.write_text("body { color: black; }")
    first = content_hash(str(tmp_path), "app.css")
    asset.write_text("body { color: navy; }")
    second = content_hash(str(tmp_path), "app.css")
    assert first and second and first != second


def test_missing_files_and_paths_outside_the_folder_get_no_version(tmp_path: Path, app):
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    assert content_hash(str(tmp_path / "static"), "../secret.txt") is None
    assert content_hash(str(tmp_path / "static"), "nope.css") is None
    with app.test_request_context():
        assert url_for("static", filename="nope.css") == "/static/nope.css"


def test_a_versioned_url_serves_the_file(client):
    with client.application.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert "?v=" in url
    assert client.get(url).status_code == 200
