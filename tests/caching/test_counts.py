"""Counts of practices kept for visitors while no write moves a count (exchange/caching/counts.py)."""

from __future__ import annotations

import re

import pytest

from exchange.practices import services
from tests.statements import recording
from tests.web import login, text

# The statements that count practices: the facets' grouped counts and a theme or region page's counts.
COUNTING = re.compile(r"count\(", re.IGNORECASE)


@pytest.fixture
def counting(app):
    app.config["COUNTS_CACHE_ENTRIES"] = 50
    return app


_counted: list[str] = []


def _count_statements(app, client, path: str) -> tuple[str, int]:
    with recording(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    # The page's own total ("N praktijkvoorbeelden") is counted per request: it follows the list.
    counted = [
        s
        for s in statements
        if COUNTING.search(s)
        and ("GROUP BY" in s.upper() or "EXISTS" in s.upper())
        and not s.startswith("SELECT practice.id")  # the cards of a page: newest updated first, per request
    ]
    _counted[:] = counted
    return text(response), len(counted)


def _region_count(html: str, region) -> int:
    found = re.search(re.escape(region.display_name) + r"</a>\s*<span class=\"muted\">\((\d+)\)", html)
    return int(found.group(1)) if found else 0


# A visitor's /praktijken without filters reads the counts the database keeps (`practices.tally`, below); with a
# filter it counts, and keeps what it counted.
@pytest.mark.parametrize("path", ["/praktijken?thema={theme}", "/themas/{theme}", "/regios/{region}"])
def test_a_text_edit_keeps_the_counts_and_a_counted_write_recounts(counting, cast, make_practice, path):
    path = path.format(theme=cast.theme.slug, region=cast.region.slug)
    practice = make_practice("Thuiszitterstafel", publish=True)
    client = counting.test_client()
    html, counted = _count_statements(counting, client, path)
    assert counted > 0 and "Thuiszitterstafel" in html
    before = _region_count(html, cast.region) if path.startswith("/praktijken") else None

    # A text edit: the page shows the new title at once, its counts are not counted again.
    practice.title = "Thuiszitterstafel, hernoemd"
    from exchange.extensions import db

    db.session.commit()
    html, counted = _count_statements(counting, client, path)
    assert "Thuiszitterstafel, hernoemd" in html
    assert counted == 0, _counted

    # Publishing another practice moves the counts: counted again, and the new practice is in them.
    make_practice("Wachtlijstaanpak", publish=True)
    html, counted = _count_statements(counting, client, path)
    assert counted > 0 and "Wachtlijstaanpak" in html
    if before is not None:
        assert _region_count(html, cast.region) == before + 1


def test_signed_in_people_are_counted_on_every_request(counting, cast, make_practice):
    make_practice("Thuiszitterstafel", publish=True)
    client = counting.test_client()
    login(client, cast.staff)
    counts = [_count_statements(counting, client, "/praktijken")[1] for _ in range(2)]
    assert counts[0] > 0 and counts[1] == counts[0]


def test_a_draft_never_shows_in_a_visitors_kept_counts(counting, cast, make_practice):
    """Staff counting their drafts first does not put drafts into what visitors are shown."""
    make_practice("Thuiszitterstafel", publish=True)
    make_practice("Concept van Rijnmond")
    staff = counting.test_client()
    login(staff, cast.staff)
    staff_html, _ = _count_statements(counting, staff, "/praktijken")
    visitor_html, _ = _count_statements(counting, counting.test_client(), "/praktijken")
    assert _region_count(staff_html, cast.region) == 2
    assert _region_count(visitor_html, cast.region) == 1


def test_services_keep_the_revision_row_out_of_the_counts(counting, cast, make_practice):
    """An edit through the service (a revision row, partners rewritten) keeps the counts."""
    practice = make_practice("Thuiszitterstafel", publish=True)
    client = counting.test_client()
    _count_statements(counting, client, "/praktijken")
    from exchange.extensions import db
    from tests.caching.test_version import _same_but

    services.update_practice(
        cast.staff, practice, _same_but(practice, summary="Nieuw."), expected_revision=None
    )
    db.session.commit()
    assert _count_statements(counting, client, "/praktijken")[1] == 0


def _phase_count(html: str, phase) -> int:
    found = re.search(re.escape(phase.name) + r"</a>\s*<span class=\"muted\">\((\d+)\)", html)
    return int(found.group(1)) if found else 0


def test_a_phase_move_recounts_only_what_depends_on_phases(counting, cast, make_practice, db):
    from exchange.practices import cycle
    from exchange.reference.models import CyclePhase

    practice = make_practice("Thuiszitterstafel", publish=True)
    phases = list(db.session.scalars(db.select(CyclePhase).order_by(CyclePhase.position)))
    old, new = practice.phase, phases[(phases.index(practice.phase) + 1) % len(phases)]
    client = counting.test_client()
    listed = f"/praktijken?thema={cast.theme.slug}"
    html, _counted_first = _count_statements(counting, client, listed)
    counts_before = (_phase_count(html, old), _phase_count(html, new), _region_count(html, cast.region))
    filtered = f"/praktijken?fase={new.slug}"
    _count_statements(counting, client, filtered)

    cycle.move_phase(cast.staff, practice, new, "De pilot is klaar, we gaan verder.")
    db.session.commit()

    html, counted = _count_statements(counting, client, listed)
    assert counted == 1 and "phase_id" in _counted[0], _counted  # the phase facet only
    assert (_phase_count(html, old), _phase_count(html, new), _region_count(html, cast.region)) == (
        counts_before[0] - 1,
        counts_before[1] + 1,
        counts_before[2],
    )
    # filtered by a phase, every count depends on the phases: all counted again, and right
    html, counted = _count_statements(counting, client, filtered)
    assert counted > 1 and "Thuiszitterstafel" in html
    assert _region_count(html, cast.region) >= 1


def test_a_visitors_list_without_filters_sums_no_practices_and_is_current_after_every_write(
    counting, cast, make_practice, db
):
    """The facet counts come from `practice_tally` (one statement over its rows), moved by the write itself."""
    make_practice("Thuiszitterstafel", publish=True)
    client = counting.test_client()
    with recording(counting) as statements:
        html = text(client.get("/praktijken"))
    grouped = [
        s for s in statements if COUNTING.search(s) and ("GROUP BY" in s.upper() or "EXISTS" in s.upper())
    ]
    assert not grouped, grouped  # (the list's own total, "N praktijkvoorbeelden", is counted as before)
    assert [s for s in statements if "FROM practice_tally" in s]
    assert _region_count(html, cast.region) == 1
    practice = make_practice("Wachtlijstaanpak", publish=True)
    assert _region_count(text(client.get("/praktijken")), cast.region) == 2
    services.archive_practice(cast.staff, practice)
    db.session.commit()
    assert _region_count(text(client.get("/praktijken")), cast.region) == 1
