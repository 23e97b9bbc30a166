"""Every public page and every form page is valid HTML according to the Nu Html Checker (vnu-jar from npm).

The pages come from crawls like a person's: a visitor from / (both languages, the forms a visitor sees, a
search and a filtered list), a region's staff member from the workspace, and an administrator from /beheer.
That covers every page the browser journeys visit and more. Of each route at most PER_RULE pages per person
and language are checked (the same template with other data adds time, not coverage); one vnu run checks
them all. `make setup-test` installs the checker (npm ci); Java is on the machine.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.web import DEMO_PASSWORD, login

VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PER_RULE = 2
# Links a crawler must not follow while signed in: they sign out or act.
NEVER = (
    "/uitloggen",
    "/account/overal-uitloggen",
    "/account/mijn-gegevens.json",
    "/feed.atom",
    ".csv",
    ".svg",
    ".json",
)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)"')


def _collect(client, starts: list[str], out: dict[str, str], label: str, limit: int = 160) -> None:
    adapter = client.application.url_map.bind("localhost")
    per_rule: Counter = Counter()
    queue, seen = list(starts), set(starts)
    while queue and len(out) < 10_000:
        url = queue.pop(0)
        path = urlsplit(url).path
        try:
            rule, _ = adapter.match(path, method="GET", return_rule=True)
        except HTTPException:  # not a page of ours, or a redirect to one: the crawl reaches its target anyway
            continue
        key = (rule.rule, "lang=en" in url)
        if per_rule[key] >= PER_RULE or sum(per_rule.values()) >= limit:
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        per_rule[key] += 1
        out[f"{label} {url}"] = response.get_data(as_text=True)
        for href in HREF.findall(response.get_data(as_text=True)):
            target = urljoin(f"http://localhost{url}", unescape(href))
            parts = urlsplit(target)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc != "localhost" or parts.path.startswith("/static/") or local in seen:
                continue
            if any(marker in parts.path for marker in NEVER):
                continue
            seen.add(local)
            queue.append(local)


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    out: dict[str, str] = {}
    visitor = site.test_client(use_cookies=False)
    _collect(
        visitor,
        [
            "/",
            "/?lang=en",
            "/zoeken?q=jeugd",
            "/zoeken?q=jongeren&thema=overgang-18",
            "/abonnementen",
            "/inloggen",
            "/wachtwoord-vergeten",
            "/themas/onderwijs-zorg?provincie=Gelderland",
        ],
        out,
        "visitor",
    )
    staff = site.test_client()
    login(staff, "rijnmond@demo.jeugdkennis.example", DEMO_PASSWORD)
    _collect(staff, ["/werkruimte", "/praktijken/nieuw", "/account"], out, "staff")
    admin = site.test_client()
    login(admin, "beheerder@demo.jeugdkennis.example", DEMO_PASSWORD)
    _collect(admin, ["/beheer", "/werkruimte"], out, "admin", limit=120)
    # A form that came back with errors, and the page for an address that does not exist.
    response = visitor.post("/inloggen", data={"email": "", "password": ""})
    out["visitor POST /inloggen (errors)"] = response.get_data(as_text=True)
    out["visitor 404"] = visitor.get("/bestaat-niet").get_data(as_text=True)
    return out


def test_the_crawls_reach_public_form_and_admin_pages(pages):
    labels = " ".join(pages)
    for expected in (
        "visitor /praktijken/",
        "visitor /regios/",
        "visitor /zoeken?q=",
        "staff /praktijken/nieuw",
        "/bewerken",
        "admin /beheer",
        "?lang=en",
    ):
        assert expected in labels, expected
    assert len(pages) > 80


def test_every_page_passes_the_nu_html_checker(pages, tmp_path):
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make setup-test` (npm ci installs vnu-jar)")
    names: dict[str, str] = {}
    files = []
    for number, (label, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{number:04d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = label
        files.append(str(path))
    run = subprocess.run(
        [
            "java",
            "-Xss2m",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *files,
        ],
        capture_output=True,
        check=False,  # --exit-zero-always: the JSON report says what failed
        text=True,
        timeout=600,
    )
    report = json.loads(run.stderr or run.stdout)
    errors = [m for m in report["messages"] if m.get("type") == "error" or m.get("subType") == "fatal"]
    kinds = Counter(re.sub(r"“[^”]*”", "“…”", m["message"]) for m in errors)
    first = {}
    for m in errors:
        where = f"{names.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}"
        first.setdefault(re.sub(r"“[^”]*”", "“…”", m["message"]), f"{where}: {m['message']}")
    summary = [f"{count} x {first[kind]}" for kind, count in kinds.most_common()]
    assert not errors, f"{len(errors)} HTML error(s) of {len(kinds)} kinds:\n" + "\n".join(summary)
