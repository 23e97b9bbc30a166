"""Practice pages: who sees what, forms that refuse bad input with 422, and authorization per object."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.practices.models import CycleStep, FeedbackMessage, Practice, Result, Status
from tests.web import login


@pytest.fixture
def app_nocsrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def form_for(practice, cast, **changes):
    data = {
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "themes": [t.id for t in practice.themes],
        "phase": practice.phase_id,
        "revision": str(practice.revision),
    }
    data.update(changes)
    return data


def test_anonymous_sees_published_but_not_drafts(client, cast, make_practice):
    draft = make_practice("Concept")
    published = make_practice("Openbaar", publish=True)
    assert client.get(f"/praktijken/{published.id}").status_code == 200
    assert client.get(f"/praktijken/{draft.id}").status_code == 404
    theme_page = client.get(f"/themas/{cast.theme.slug}").get_data(as_text=True)
    assert "Openbaar" in theme_page and "Concept" not in theme_page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("coach", 200),
        ("coach_all_themes", 200),
        ("admin", 200),
        ("other_staff", 404),
        ("other_coach", 404),
    ],
)
def test_draft_visibility_per_role(client, cast, make_practice, who, status):
    draft = make_practice("Concept")
    login(client, getattr(cast, who))
    assert client.get(f"/praktijken/{draft.id}").status_code == status


def test_staff_writes_a_practice_in_the_browser_flow(client, app_nocsrf, cast, db):
    login(client, cast.staff)
    response = client.post(
        "/praktijken/nieuw",
        data={
            "title": "Jongerentafel",
            "summary": "Jongeren praten mee.",
            "themes": [cast.theme.id],
            "phase": cast.phases[0].id,
            "body": "Tekst <script>alert(1)</script> [link](https://example.org)",
        },
    )
    assert response.status_code == 302
    practice = db.session.scalar(select(Practice).where(Practice.title == "Jongerentafel"))
    assert practice.region_id == cast.region.id and practice.status == Status.DRAFT
    html = client.get(f"/praktijken/{practice.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and 'rel="noopener' in html


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"themes": [99999]},
        {"phase": 99999},
        {"contact_email": "geen-adres"},
        {"period_start": "2024-02-30"},
        {"links": "Plan | javascript:alert(1)"},
    ],
)
def test_bad_create_input_rerenders_with_422_and_saves_nothing(client, app_nocsrf, cast, db, changes):
    login(client, cast.staff)
    data = {"title": "Goed", "summary": "Goed", "themes": [cast.theme.id], "phase": cast.phases[0].id}
    data.update(changes)
    response = client.post("/praktijken/nieuw", data=data)
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_other_regions_staff_gets_403_on_every_change(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{practice.id}/bewerken").status_code == 403
    assert (
        client.post(
            f"/praktijken/{practice.id}/bewerken", data=form_for(practice, cast, title="Gekaapt")
        ).status_code
        == 403
    )
    assert client.post(f"/praktijken/{practice.id}/archiveren").status_code == 403
    assert (
        client.post(
            f"/praktijken/{practice.id}/fase",
            data={
                "phase": cast.phases[1].id,
                "explanation": "Zomaar een stap zetten",
                "moved_on": "2024-01-01",
            },
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/praktijken/{practice.id}/resultaten/nieuw",
            data={"indicator": "x", "value": "1", "measured_on": "2024-01-01", "phase": cast.phases[0].id},
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == "Thuiszitterstafel"
    assert db.session.get(Practice, practice.id).status == Status.PUBLISHED


def test_coach_cannot_edit_but_can_give_feedback(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.coach)
    assert client.get(f"/praktijken/{practice.id}/bewerken").status_code == 403
    response = client.post(
        f"/praktijken/{practice.id}/feedback", data={"body": "Mooie aanpak; meet ook de uitval."}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(FeedbackMessage.id))) == 1


def test_feedback_is_never_public(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.coach)
    client.post(f"/praktijken/{practice.id}/feedback", data={"body": "Geheim advies voor de regio."})
    anonymous = client.application.test_client()
    assert "Geheim advies" not in anonymous.get(f"/praktijken/{practice.id}").get_data(as_text=True)
    login(anonymous, cast.other_staff)
    assert "Geheim advies" not in anonymous.get(f"/praktijken/{practice.id}").get_data(as_text=True)
    assert (
        anonymous.post(f"/praktijken/{practice.id}/feedback", data={"body": "Ik doe ook mee"}).status_code
        == 403
    )


def test_empty_feedback_gets_422(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    assert client.post(f"/praktijken/{practice.id}/feedback", data={"body": "   "}).status_code == 422
    assert db.session.scalar(select(func.count(FeedbackMessage.id))) == 0


def test_tampered_revision_field_is_refused(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    response = client.post(
        f"/praktijken/{practice.id}/bewerken", data=form_for(practice, cast, title="Nieuw", revision="abc")
    )
    assert response.status_code == 422
    response = client.post(
        f"/praktijken/{practice.id}/bewerken", data=form_for(practice, cast, title="Nieuw", revision="7")
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == "Thuiszitterstafel"


def test_phase_move_without_explanation_gets_422(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    response = client.post(
        f"/praktijken/{practice.id}/fase",
        data={"phase": cast.phases[2].id, "explanation": "", "moved_on": "2026-01-01"},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(CycleStep.id))) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"value": "twaalf"},
        {"value": "1e400"},
        {"measured_on": "2999-01-01"},
        {"indicator": ""},
        {"phase": "999999"},
    ],
)
def test_bad_results_get_422(client, app_nocsrf, cast, make_practice, db, data):
    practice = make_practice()
    login(client, cast.staff)
    form = {
        "indicator": "Thuiszitters",
        "value": "12,5",
        "measured_on": "2024-01-01",
        "phase": cast.phases[0].id,
    }
    form.update(data)
    assert client.post(f"/praktijken/{practice.id}/resultaten/nieuw", data=form).status_code == 422
    assert db.session.scalar(select(func.count(Result.id))) == 0


def test_result_series_shows_chart_and_table(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.staff)
    for value, day in (("14", "2023-01-01"), ("9,5", "2024-01-01"), ("6", "2025-01-01")):
        response = client.post(
            f"/praktijken/{practice.id}/resultaten/nieuw",
            data={
                "indicator": "Thuiszitters",
                "value": value,
                "unit": "jongeren",
                "measured_on": day,
                "phase": cast.phases[0].id,
            },
        )
        assert response.status_code == 302
    html = client.get(f"/praktijken/{practice.id}").get_data(as_text=True)
    assert '<svg class="chart chart--line"' in html and 'role="img"' in html
    assert "Metingen van Thuiszitters" in html and "9,5" in html


def test_history_shows_readable_diff(client, app_nocsrf, cast, make_practice):
    practice = make_practice()
    login(client, cast.staff)
    client.post(
        f"/praktijken/{practice.id}/bewerken",
        data=form_for(practice, cast, title="Thuiszitterstafel Rijnmond"),
    )
    html = client.get(f"/praktijken/{practice.id}/geschiedenis").get_data(as_text=True)
    assert "Versie 2" in html and "Thuiszitterstafel Rijnmond" in html and "<del>" in html


def test_csrf_is_required_for_publish(client, cast, make_practice):
    practice = make_practice()
    login(client, cast.staff)
    assert client.post(f"/praktijken/{practice.id}/publiceren").status_code == 400


def test_cycle_map_counts_and_links(client, cast, make_practice, db):
    make_practice("Een", publish=True)
    make_practice("Twee", publish=True)
    make_practice("Drie", publish=True, region=cast.other_region, actor=cast.other_staff)
    html = client.get(f"/ontwikkelcirkel/kaart?thema={cast.theme.slug}").get_data(as_text=True)
    assert f"/regios/{cast.region.slug}?thema={cast.theme.slug}&amp;fase=verkennen#praktijken" in html
    assert ">2<span" in html and ">1<span" in html
    assert client.get("/ontwikkelcirkel/kaart?thema=bestaat-niet").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/praktijken/999999",
        "/praktijken/0",
        "/praktijken?pagina=0",
        "/praktijken?pagina=99",
        "/regios/rotterdam-rijnmond?thema=xx",
        "/regios/rotterdam-rijnmond?fase=xx",
        "/themas/onderwijs-zorg?actielijn=x",
        "/themas/onderwijs-zorg?provincie=Atlantis",
    ],
)
def test_unknown_ids_and_filters_give_404(client, cast, url):
    assert client.get(url).status_code == 404


def test_theme_page_caps_each_phase_and_links_to_the_full_list(client, cast, make_practice):
    for i in range(12):
        make_practice(f"Praktijk {i:02d}", publish=True)
    html = client.get(f"/themas/{cast.theme.slug}").get_data(as_text=True)
    assert html.count('class="card practice-card"') == 10
    assert "Alle 12 praktijkvoorbeelden in Verkennen" in html
    listing = client.get(f"/themas/{cast.theme.slug}?fase=verkennen").get_data(as_text=True)
    assert listing.count('class="card practice-card"') == 12
    assert client.get(f"/themas/{cast.theme.slug}?fase=verkennen&pagina=2").status_code == 404


def test_practice_list_pages_through_the_shared_pager(client, cast, make_practice):
    for i in range(26):
        make_practice(f"Praktijk {i:02d}", publish=True)

    first = client.get("/praktijken").get_data(as_text=True)
    second = client.get("/praktijken?pagina=2").get_data(as_text=True)

    assert first.count('class="card practice-card"') == 25 and second.count('class="card practice-card"') == 1
    assert '<ul class="plain-list pagination__list">' in first
    assert '<li><span aria-current="page">1</span></li>' in first
    assert 'rel="next" href="/praktijken?pagina=2"' in first and 'rel="prev"' not in first
    assert '<li><span aria-current="page">2</span></li>' in second
    assert 'rel="prev" href="/praktijken"' in second and 'rel="next"' not in second


def test_region_page_caps_each_theme_and_filters(client, cast, make_practice):
    for i in range(11):
        make_practice(f"Praktijk {i:02d}", publish=True)
    html = client.get(f"/regios/{cast.region.slug}").get_data(as_text=True)
    assert html.count('class="card practice-card"') == 10
    assert f"/regios/{cast.region.slug}?thema={cast.theme.slug}" in html
    listing = client.get(f"/regios/{cast.region.slug}?thema={cast.theme.slug}").get_data(as_text=True)
    assert listing.count('class="card practice-card"') == 11
