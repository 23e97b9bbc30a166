"""Browser tests: the app served on loopback, driven by Debian's headless Chromium through Playwright.

Fixtures here have their own names (`live_server`, `browser`, `page`, ...) so they never pick up the
per-backend `app`/`client` fixtures of tests/conftest.py: the browser tests run once, on SQLite.
Every page blocks and records any request that would leave 127.0.0.1 (no CDN, no web fonts, no tracking).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@dataclass
class PageLog:
    """What a page did that a test may want to assert on."""

    blocked: list[str] = field(default_factory=list)  # requests that tried to leave loopback
    console_errors: list[str] = field(default_factory=list)  # includes CSP violations
    page_errors: list[str] = field(default_factory=list)  # uncaught script errors


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with reference + demo data and a search index, on a file SQLite database, on loopback."""
    from exchange import create_app
    from exchange.extensions import db
    from exchange.reference.seeding import load_reference, read_reference_file
    from exchange.seed.services import load_demo, read_demo_file

    base = tmp_path_factory.mktemp("live")
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(base / "instance"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{base / 'live.db'}",
        SEARCH_INDEX_DIR=str(base / "search-index"),
        MAIL_FOLDER=str(base / "mail"),
    )
    with app.app_context():
        db.create_all()
        load_reference(read_reference_file())
        load_demo(read_demo_file())
        db.session.commit()
    # The index is built the way `make run` builds it, so this keeps working whatever the engine's internals.
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, f"flask search reindex failed: {result.output} {result.exception!r}"

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's; Playwright's own browser downloads fail here)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), "
            "or deselect the browser tests with -m 'not browser'."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _guard_loopback(context, log: PageLog) -> None:
    """Abort (and record) every request whose host is not 127.0.0.1."""

    def handle(route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            log.blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)


@pytest.fixture
def new_page(browser, live_server):
    """A factory for fresh pages (own context: cookies, viewport); each is guarded and logged."""
    contexts, logs = [], []

    def make(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="nl-NL", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        log = PageLog()
        logs.append(log)
        _guard_loopback(context, log)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
        assert not hasattr(page, "log")
        page.log = log  # our own attribute: what this page requested and logged
        return page

    yield make
    for context in contexts:
        context.close()
    blocked = [url for log in logs for url in log.blocked]
    assert not blocked, f"requests tried to leave loopback: {blocked}"


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280 x 900)."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone-sized page (375 x 800)."""
    return new_page(PHONE)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, node.get("target", []))) for node in v.get("nodes", []))
        lines.append(f"- {v['id']} ({v.get('impact')}): {v.get('help')} -> {targets}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; fail listing id, impact and targets."""

    def check(page) -> None:
        # Callers wait for the navigation they start; this only makes sure the page's load has finished.
        page.wait_for_load_state("load")
        results = axe.run(
            page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        )
        violations = results.response["violations"]
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {page.url}:\n" + format_violations(violations)
        )

    return check


@pytest.fixture(scope="session")
def screenshot():
    """Save a screenshot for humans under test-artifacts/screenshots/ (git-ignored)."""

    def save(page, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
