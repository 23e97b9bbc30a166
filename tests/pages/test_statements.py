"""The statements a public site owes: a privacy statement generated from the settings the code uses, an
accessibility statement (Dutch model structure) whose date and method come from one data file kept in step
with the browser tests' axe run, a colophon with contact, and the sources page; all linked from the footer."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date

from exchange.pages import statements


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_privacy_statement_is_generated_from_the_retention_settings(app, client):
    app.config.update(
        AUDIT_RETENTION=timedelta(days=123),
        AUDIT_IP_RETENTION=timedelta(days=45),
        SESSION_IDLE_LIMIT=timedelta(days=11),
        DIGEST_RETENTION=timedelta(days=17),
        DIGEST_CONFIRM_VALID_FOR=timedelta(days=3),
        OPERATOR_NAME="Stichting Voorbeeld",
        CONTACT_EMAIL="privacy@voorbeeld.example",
        PROCESSORS=["Hostingbedrijf BV (servers in Nederland)"],
    )
    html = page(client, "/privacy")
    assert "bewaren we 123 dagen" in html and "wissen we na 45 dagen" in html
    assert "een inlogsessie die 11 dagen niet is gebruikt" in html
    assert "binnen 3 dagen" in html and "wissen we na 17 dagen" in html
    assert "Stichting Voorbeeld" in html and "privacy@voorbeeld.example" in html
    assert "Hostingbedrijf BV (servers in Nederland)" in html
    assert 'href="/account"' in html and 'href="/abonnementen"' in html  # export and erasure

    english = page(client, "/privacy?lang=en")
    assert "for 123 days" in english and "erased after 45 days" in english and "17 days" in english


def test_without_an_operator_the_statement_names_the_administrator_and_the_sender_address(client):
    html = page(client, "/privacy")
    assert "de beheerder van Jeugdkennis" in html and "noreply@jeugdkennis.localhost" in html
    assert "er zijn geen andere verwerkers ingesteld" in html


AXE_BUNDLE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def test_the_accessibility_data_file_matches_the_browser_tests_axe_run():
    from tests.browser.conftest import AXE_TAGS

    data = json.loads(statements.ACCESSIBILITY_FILE.read_text(encoding="utf-8"))
    check = statements.accessibility_check()
    bundled = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_BUNDLE.read_text(encoding="utf-8")[:2000]).group(1)
    assert check.tool == "axe-core" and check.tool_version == bundled
    assert check.rule_tags == AXE_TAGS
    assert check.status in ("full", "partial", "none")
    assert check.checked_on <= date.today() and check.statement_date <= date.today()
    assert check.checked_on >= check.statement_date - timedelta(days=366)
    assert Path(data["suite"]).is_dir() or (Path(__file__).parents[2] / data["suite"]).is_dir()


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "nl",
            [
                "Nalevingsstatus",
                "Opstellen van deze verklaring",
                "Feedback en contact",
                "Handhavingsprocedure",
            ],
        ),
        (
            "en",
            [
                "Compliance status",
                "Preparation of this statement",
                "Feedback and contact",
                "Enforcement procedure",
            ],
        ),
    ],
)
def test_the_accessibility_statement_shows_the_model_structure_and_the_last_check(client, lang, words):
    html = page(client, f"/toegankelijkheid?lang={lang}")
    check = statements.accessibility_check()
    for word in words:
        assert word in html, word
    assert f"axe-core {check.tool_version}" in html and "wcag21aa" in html and "1280 / 375" in html
    checked = format_date(check.checked_on, "long", locale=lang)
    assert f'<dd data-testid="checked-on">{checked}</dd>' in html


def test_the_sources_page_lists_every_reference_source_as_a_quoted_dutch_title(client, reference):
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.reference.models import Source

    with client.application.app_context():
        sources = list(db.session.scalars(select(Source)))
    assert sources
    html = page(client, "/bronnen?lang=en")
    assert "Sources of the reference data" in html
    for source in sources:
        assert f'id="bron-{source.key}"' in html


@pytest.mark.parametrize(
    "lang, links",
    [
        ("nl", ["Privacyverklaring", "Toegankelijkheidsverklaring", "Colofon en contact", "Bronnen"]),
        ("en", ["Privacy statement", "Accessibility statement", "Colophon and contact", "Sources"]),
    ],
)
def test_the_statements_are_linked_from_the_footer_in_both_languages(client, lang, links):
    html = page(client, f"/?lang={lang}")
    footer = html[html.index('class="site-footer"') :]
    for label, path in zip(links, ["/privacy", "/toegankelijkheid", "/colofon", "/bronnen"], strict=True):
        assert f'<a class="utrecht-link" href="{path}">{label}</a>' in footer, label
    contact = page(client, "/colofon")
    assert "noreply@jeugdkennis.localhost" in contact
