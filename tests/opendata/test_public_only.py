"""Proof that drafts, archived practices and private feedback never leave the platform through open data:
every API endpoint (even for a signed-in administrator), every feed and the dump."""

from __future__ import annotations

import json

import pytest

from tests.web import login
from tests.world.public import SECRET_ARCHIVED, SECRET_DRAFT, SECRETS, build_world

ADMIN = "admin@example.org"

# Every test here only reads: the world (and an administrator) is built once per module, on `module_app`.


@pytest.fixture(scope="module")
def world(module_reference):
    world = build_world(module_reference)
    with module_reference.app_context():
        from exchange.accounts.models import Role
        from exchange.extensions import db
        from tests.world import person

        person(ADMIN, Role.ADMIN)
        db.session.commit()
    return world


@pytest.fixture
def client(module_reference):
    return module_reference.test_client()


@pytest.fixture
def runner(module_reference):
    return module_reference.test_cli_runner()


def api_urls(client, world) -> list[str]:
    """Every API read a client can make here: each list page by page, each detail, each search."""
    urls = [
        "/api/v1/regions",
        "/api/v1/action-lines",
        "/api/v1/themes",
        "/api/v1/cycle-phases",
        "/api/v1/openapi.json",
        "/api/v1/regions/rotterdam-rijnmond",
        "/api/v1/regions/zeeland",
    ]
    for base in ("/api/v1/practices?per_page=1", "/api/v1/results?per_page=1"):
        pages = client.get(base).json["pages"]
        urls += [f"{base}&page={n}" for n in range(1, pages + 1)]
    urls += [
        "/api/v1/practices?updated_since=1900-01-01T00:00:00Z&per_page=100",
        "/api/v1/practices?region=zeeland&per_page=100",
        "/api/v1/results?region=zeeland&per_page=100",
    ]
    urls += [f"/api/v1/practices/{n}" for n in world.ids.values()]
    urls += [f"/api/v1/results?practice={n}" for n in world.ids.values()]
    for secret in SECRETS:
        urls += [
            f"/api/v1/search?q={secret}",
            f"/api/v1/search?q={secret}&soort=resultaat",
            f"/api/v1/search?q={secret}&sort=nieuwste&per_pagina=50",
        ]
    urls += ["/api/v1/search?per_pagina=50", "/api/v1/search?per_pagina=50&pagina=2"]
    return urls


def test_no_hidden_content_in_any_api_answer_even_for_an_administrator(client, world):
    login(client, ADMIN)
    seen = 0
    for url in api_urls(client, world):
        response = client.get(url)
        # Only the hidden practices' own detail pages are unknown; every other read answers.
        hidden = url in {f"/api/v1/practices/{world.ids[key]}" for key in ("ext-8", "ext-9")}
        assert response.status_code == (404 if hidden else 200), url
        body = response.get_data(as_text=True)
        if "search?q=" in url:
            body = json.dumps({k: v for k, v in response.json.items() if k != "query"})
        for secret in SECRETS:
            assert secret not in body, f"{secret} in {url}"
        seen += 1
    assert seen > 30


@pytest.mark.parametrize("key", ["ext-8", "ext-9"])
def test_hidden_practices_are_unknown_to_the_api(client, world, key):
    assert client.get(f"/api/v1/practices/{world.ids[key]}").status_code == 404
    assert client.get(f"/api/v1/results?practice={world.ids[key]}").json["total"] == 0
    ids = {p["id"] for p in client.get("/api/v1/practices?per_page=100").json["items"]}
    assert world.ids[key] not in ids


def test_search_finds_the_public_words_but_never_the_hidden_ones(client, world):
    assert client.get("/api/v1/search?q=thuiszitterstafel").json["total"] > 0
    for secret in (SECRET_DRAFT, SECRET_ARCHIVED):
        assert client.get(f"/api/v1/search?q={secret}").json["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/themas/onderwijs-zorg/feed.atom",
        "/regios/zeeland/feed.atom",
        "/regios/rotterdam-rijnmond/feed.atom",
        "/zoeken/feed.atom",
        *[f"/zoeken/feed.atom?q={s}" for s in SECRETS],
    ],
)
def test_no_hidden_content_in_any_feed(client, world, url):
    login(client, ADMIN)
    entries = client.get(url).get_data(as_text=True).partition("<entry>")[2]
    for secret in SECRETS:
        assert secret not in entries


def test_no_hidden_content_in_the_dump(runner, world, tmp_path):
    target = tmp_path / "opendata"
    assert runner.invoke(args=["opendata", "dump", str(target)]).exit_code == 0
    for path in target.iterdir():
        text = path.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {path.name}"
