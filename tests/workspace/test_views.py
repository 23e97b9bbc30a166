"""The workspace page per role: what shows and what does not, sign-in landing, header link, old dashboard URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.database import utcnow, utctoday
from exchange.mail.models import OutgoingMail
from exchange.search.models import SearchMiss
from tests.web import csrf_token_from, login, text
from tests.workspace.helpers import age, count_in_heading, days_ago, measure, say, section

# --- getting there --------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, reference):
    response = client.get("/werkruimte")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inloggen?next=%2Fwerkruimte"


def test_signing_in_without_next_lands_on_the_workspace(client, cast):
    response = login(client, cast.coach)
    assert response.headers["Location"] == "/werkruimte"
    # Someone already signed in who opens the login page goes there too.
    assert client.get("/inloggen").headers["Location"] == "/werkruimte"


def test_signing_in_with_a_local_next_follows_it(client, cast):
    assert login(client, cast.staff, next="/regios").headers["Location"] == "/regios"


def test_signing_in_with_a_foreign_next_lands_on_the_workspace(client, cast):
    assert login(client, cast.staff, next="//evil.example/x").headers["Location"] == "/werkruimte"


def test_header_links_to_the_workspace_for_signed_in_people_only(client, cast, page_of):
    assert "Mijn werkruimte" not in page_of("/")
    login(client, cast.staff)
    home = page_of("/")
    assert '<a class="utrecht-link" href="/werkruimte">Mijn werkruimte</a>' in home
    assert 'href="/account"' in home  # the account link stays
    assert 'href="/werkruimte" aria-current="page">Mijn werkruimte' in page_of("/werkruimte")


@pytest.mark.parametrize("signed_in", [False, True])
def test_old_dashboard_url_moves_permanently_to_the_workspace(client, cast, signed_in):
    if signed_in:
        login(client, cast.coach)
    response = client.get("/dashboard")
    assert response.status_code == 301
    assert response.headers["Location"] == "/werkruimte"


# --- regional staff ---------------------------------------------------------------------------------------------


def test_staff_see_their_regions_drafts_and_never_another_regions(client, cast, make_practice, page_of):
    make_practice("Concept Rijnmond")
    make_practice("Gepubliceerd Rijnmond", publish=True)
    make_practice("Concept Zeeland", region=cast.other_region, actor=cast.other_staff)
    login(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Concepten van uw regio") == 1
    assert "Concept Rijnmond" in section(html, "concepten")
    assert "Concept Zeeland" not in html
    for anchor in ("concepten", "verouderd", "feedback", "metingen"):
        assert "Gepubliceerd Rijnmond" not in section(html, anchor)  # published and recent: in no list
    # No functionary or administrator lists for staff.
    assert "Regio's die nog niets deelden" not in html and "Openstaande uitnodigingen" not in html
    assert 'href="/praktijken/nieuw"' in html


def test_empty_staff_lists_say_what_that_means(client, cast, page_of):
    login(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Concepten van uw regio") == 0
    assert "Geen concepten: alles van uw regio is gepubliceerd." in html
    assert "Niets verouderd:" in html
    assert "Geen feedback die op uw antwoord wacht:" in html
    assert "Geen metingen aan de beurt:" in html
    assert "Resultaten voegt u toe aan een praktijkvoorbeeld; uw regio heeft er nog geen." in html


def test_staff_see_published_practices_not_updated_for_half_a_year(client, cast, make_practice, db, page_of):
    old = make_practice("Oud en openbaar", publish=True)
    recent = make_practice("Recent openbaar", publish=True)
    old_draft = make_practice("Oud concept")
    elsewhere = make_practice(
        "Oud in Zeeland", publish=True, region=cast.other_region, actor=cast.other_staff
    )
    age(db, old, updated=200)
    age(db, recent, updated=100)
    age(db, old_draft, updated=400)
    age(db, elsewhere, updated=400)
    login(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Een halfjaar niet bijgewerkt") == 1
    assert f'action="/werkruimte/praktijken/{old.id}/nog-actueel"' in html
    assert "Nog actueel?" in html
    for other in (recent, old_draft, elsewhere):
        assert f"/werkruimte/praktijken/{other.id}/nog-actueel" not in html


def test_staff_see_feedback_whose_last_message_is_a_coachs(client, cast, make_practice, db, page_of):
    waiting = make_practice("Wacht op ons")
    answered = make_practice("Al beantwoord")
    say(db, waiting, cast.staff, "Wat vindt u ervan?", days_back=3)
    say(db, waiting, cast.coach, "Meet ook de terugval.", days_back=2)
    say(db, answered, cast.coach, "Mooi plan.", days_back=2)
    say(db, answered, cast.staff, "Dank u!", days_back=1)
    zeeland = make_practice("Zeeuws", region=cast.other_region, actor=cast.other_staff)
    say(db, zeeland, cast.other_coach, "Zeeuwse vraag", days_back=1)
    login(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Feedback die op uw antwoord wacht") == 1
    assert "Meet ook de terugval." in html and "Coen Coach" in html
    assert "Mooi plan." not in html and "Zeeuwse vraag" not in html


def test_staff_see_measurements_due_by_the_series_rhythm(client, cast, make_practice, db, page_of):
    practice = make_practice("Gemeten", publish=True)
    today = utctoday()
    # Every 60 days, last 61 days ago: due.
    measure(db, practice, "Thuiszitters", *(today - timedelta(days=d) for d in (181, 121, 61)))
    # Every 30 days, last 10 days ago: not yet.
    measure(db, practice, "Wachttijd", *(today - timedelta(days=d) for d in (70, 40, 10)))
    # Measured once: no rhythm yet.
    measure(db, practice, "Tevredenheid", today - timedelta(days=500))
    login(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Metingen die aan de beurt zijn") == 1
    assert "Thuiszitters" in html
    assert "Wachttijd" not in html and "Tevredenheid" not in html
    assert f"/praktijken/{practice.id}/resultaten/nieuw?indicator=Thuiszitters" in html


def test_quick_result_action_goes_to_the_result_form_of_the_chosen_practice(client, cast, make_practice):
    mine = make_practice("De mijne")
    theirs = make_practice("Die van Zeeland", region=cast.other_region, actor=cast.other_staff)
    login(client, cast.staff)
    html = text(client.get("/werkruimte"))
    assert f'<option value="{mine.id}">De mijne</option>' in html and "Die van Zeeland" not in html
    response = client.get(f"/werkruimte/resultaat?praktijk={mine.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/praktijken/{mine.id}/resultaten/nieuw"
    # Another region's draft answers like a missing practice (issue 13); their published one is refused.
    assert client.get(f"/werkruimte/resultaat?praktijk={theirs.id}").status_code == 404
    published = make_practice(
        "Gepubliceerd in Zeeland", region=cast.other_region, actor=cast.other_staff, publish=True
    )
    assert client.get(f"/werkruimte/resultaat?praktijk={published.id}").status_code == 403


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999", "999999999"])
def test_quick_result_action_refuses_a_bad_practice(client, cast, value):
    login(client, cast.staff)
    assert client.get(f"/werkruimte/resultaat?praktijk={value}").status_code == 404


# --- "still current?" -------------------------------------------------------------------------------------------


def _confirm(client, practice, *, token=True):
    data = {"csrf_token": csrf_token_from(client, "/account")} if token else {}
    return client.post(f"/werkruimte/praktijken/{practice.id}/nog-actueel", data=data)


def test_confirming_still_current_records_a_revision_and_leaves_the_list(client, cast, make_practice, db):
    from exchange.practices.models import PracticeRevision

    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    login(client, cast.staff)
    response = _confirm(client, practice)
    assert response.status_code == 302
    assert response.headers["Location"] == "/werkruimte#verouderd"
    html = text(client.get("/werkruimte"))
    assert "„Oud en openbaar” is nog actueel." in html
    assert count_in_heading(html, "Een halfjaar niet bijgewerkt") == 0
    db.session.expire_all()
    latest = db.session.scalars(
        select(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id)
        .order_by(PracticeRevision.number.desc())
    ).first()
    assert latest.note == "Nog actueel bevestigd" and latest.author_id == cast.staff.id
    assert latest.number == db.session.get(type(practice), practice.id).revision
    assert utcnow() - db.session.get(type(practice), practice.id).updated_at < timedelta(minutes=1)


def test_confirming_still_current_needs_the_csrf_token(client, cast, make_practice, db):
    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    login(client, cast.staff)
    assert _confirm(client, practice, token=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(type(practice), practice.id).revision == practice.revision


@pytest.mark.parametrize("who", ["other_staff", "coach"])
def test_only_the_regions_staff_may_confirm_still_current(client, cast, make_practice, db, who):
    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    login(client, getattr(cast, who))
    assert _confirm(client, practice).status_code == 403


def test_a_draft_cannot_be_confirmed_as_still_current(client, cast, make_practice):
    draft = make_practice("Concept")
    login(client, cast.staff)
    assert _confirm(client, draft).status_code == 409


def test_confirming_a_missing_practice_is_404(client, cast):
    login(client, cast.staff)
    token = csrf_token_from(client, "/account")
    assert (
        client.post("/werkruimte/praktijken/999999/nog-actueel", data={"csrf_token": token}).status_code
        == 404
    )


# --- functionaries ----------------------------------------------------------------------------------------------


def test_functionary_sees_drafts_of_coached_regions_and_themes_only(client, cast, make_practice, page_of):
    make_practice("Concept op ons thema")
    make_practice("Concept op ander thema", themes=[cast.other_theme])
    make_practice("Zeeuws concept", region=cast.other_region, actor=cast.other_staff)
    login(client, cast.coach)  # coaches Rijnmond on cast.theme only
    html = page_of()
    assert count_in_heading(html, "Concepten die wachten") == 1
    assert "Concept op ons thema" in html
    assert "Concept op ander thema" not in html and "Zeeuws concept" not in html
    assert "Nog actueel?" not in html and "Concepten van uw regio" not in html


def test_functionary_sees_threads_waiting_for_them(client, cast, make_practice, db, page_of):
    waiting = make_practice("Regio vraagt iets")
    answered = make_practice("Coach antwoordde")
    say(db, waiting, cast.staff, "Kunt u meelezen?", days_back=1)
    say(db, answered, cast.staff, "Vraag", days_back=2)
    say(db, answered, cast.coach, "Antwoord", days_back=1)
    zeeland = make_practice("Zeeuws", region=cast.other_region, actor=cast.other_staff)
    say(db, zeeland, cast.other_staff, "Zeeuwse vraag", days_back=1)
    login(client, cast.coach)
    html = page_of()
    assert count_in_heading(html, "Feedback die op u wacht") == 1
    assert "Kunt u meelezen?" in html and "Zeeuwse vraag" not in html


def test_functionary_sees_practices_without_a_measurement_for_a_year(
    client, cast, make_practice, db, page_of
):
    never = make_practice("Nooit gemeten", publish=True)
    long_ago = make_practice("Lang geleden gemeten", publish=True)
    recent = make_practice("Net gemeten", publish=True)
    young = make_practice("Pas begonnen", publish=True)
    for practice in (never, long_ago, recent):
        age(db, practice, created=500)
    measure(db, long_ago, "Aantal", utctoday() - timedelta(days=400))
    measure(db, recent, "Aantal", utctoday() - timedelta(days=30))
    login(client, cast.coach)
    html = page_of()
    assert count_in_heading(html, "Een jaar zonder meting") == 2
    listed = section(html, "zonder-meting")
    assert "Nooit gemeten" in listed and "nog nooit gemeten" in listed
    assert "Lang geleden gemeten" in listed
    assert "Net gemeten" not in listed and young.title not in listed
    assert listed.index("Nooit gemeten") < listed.index("Lang geleden gemeten")


def test_functionary_sees_coached_regions_that_shared_nothing(client, cast, make_practice, page_of):
    make_practice("Alleen een concept")
    make_practice("Openbaar op ander thema", publish=True, themes=[cast.other_theme])
    login(client, cast.coach)
    html = page_of()
    assert count_in_heading(html, "Regio's die nog niets deelden") == 1
    assert f'href="/regios/{cast.region.slug}"' in section(html, "regios")

    make_practice("Openbaar op ons thema", publish=True)
    html = page_of()
    assert count_in_heading(html, "Regio's die nog niets deelden") == 0
    assert "Elke regio die u begeleidt, heeft op uw thema's iets gepubliceerd." in html


def test_functionary_sees_what_changed_since_the_previous_visit(client, cast, make_practice, db, page_of):
    before = make_practice("Voor het vorige bezoek", publish=True)
    after = make_practice("Na het vorige bezoek", publish=True)
    age(db, before, updated=3)
    age(db, after, updated=1)
    cast.coach.workspace_seen_at = days_ago(2)
    db.session.commit()
    login(client, cast.coach)
    html = page_of()
    assert "Nieuw sinds uw vorige bezoek" in html
    listed = section(html, "nieuw")
    assert "Na het vorige bezoek" in listed and "Voor het vorige bezoek" not in listed
    assert count_in_heading(html, "Nieuw sinds uw vorige bezoek") == 1
    db.session.expire_all()
    coach = db.session.get(type(cast.coach), cast.coach.id)
    assert utcnow() - coach.workspace_seen_at < timedelta(minutes=1)
    # Paging or reloading within the same visit keeps the same list.
    assert count_in_heading(page_of(), "Nieuw sinds uw vorige bezoek") == 1


def test_first_visit_shows_the_last_fourteen_days_not_everything(client, cast, make_practice, db, page_of):
    make_practice("Van vorige week", publish=True)
    ancient = make_practice("Van lang geleden", publish=True)
    age(db, ancient, updated=60)
    login(client, cast.coach)
    html = page_of()
    listed = section(html, "nieuw")
    assert count_in_heading(html, "Nieuw in de afgelopen 14 dagen") == 1
    assert "Van vorige week" in listed and "Van lang geleden" not in listed


def test_functionary_workspace_has_the_map_and_the_phase_chart(client, cast, make_practice, page_of):
    make_practice("Openbaar", publish=True)
    login(client, cast.coach)
    html = page_of()
    assert "Verdeling over de ontwikkelcirkel" in html
    assert "/kaarten/mijn-regios.svg" in html


# --- administrators -----------------------------------------------------------------------------------------------


def test_administrator_sees_what_is_stuck_with_links_into_beheer(client, cast, make_user, db, page_of):
    db.session.add_all(
        [
            OutgoingMail(
                key="k1",
                recipients="a@example.org",
                sender="noreply@example.org",
                subject="Uw uitnodiging",
                template="invitation",
                message=b"x",
                attempts=2,
                last_error="Connection refused",
            ),
            OutgoingMail(
                key="k2",
                recipients="b@example.org",
                sender="noreply@example.org",
                subject="Nog niet geprobeerd",
                template="invitation",
                message=b"x",
            ),
            SearchMiss(query="gezinshuis zeeland", count=4, last_seen=days_ago(1)),
            SearchMiss(query="oude zoekvraag", count=9, last_seen=days_ago(30)),
        ]
    )
    db.session.commit()
    invited = make_user("staff", name="Nog Niet Begonnen", invited=True)
    login(client, cast.admin)
    html = page_of()
    assert count_in_heading(html, "E-mail die niet verstuurd kon worden") == 1
    assert "Uw uitnodiging" in html and "Connection refused" in html and "Nog niet geprobeerd" not in html
    assert count_in_heading(html, "Zoekvragen zonder resultaat deze week") == 1
    assert "gezinshuis zeeland" in html and "oude zoekvraag" not in html
    assert count_in_heading(html, "Openstaande uitnodigingen") == 1
    assert f'href="/beheer/mensen/{invited.id}">Nog Niet Begonnen</a>' in html
    assert count_in_heading(html, "Niet geverifieerde referentiegegevens") > 0
    assert 'href="/beheer/themas/' in html or 'href="/beheer/regios/' in html
    assert 'href="/beheer/"' in html
    assert "Concepten die wachten" not in html and "Concepten van uw regio" not in html


def test_administrator_empty_lists_say_what_that_means(client, cast, db, page_of):
    from exchange.reference.models import CyclePhase, Region, Theme

    for model in (Theme, CyclePhase):
        for row in db.session.scalars(select(model)):
            row.verified = True
    for region in db.session.scalars(select(Region)):
        region.unverified = []
    db.session.commit()
    login(client, cast.admin)
    html = page_of()
    assert "Alle e-mail is verstuurd" in html
    assert "Deze week vond elke zoekvraag iets." in html
    assert "Geen openstaande uitnodigingen" in html
    assert "Alle referentiegegevens zijn geverifieerd." in html
