"""The workspace's per-person page store (exchange.caching.personal): it answers repeated loads from memory, and
never with another person's page, a page from before a change, someone else's CSRF token or a lost flash."""

from __future__ import annotations

import contextvars
from datetime import timedelta

import pytest
from flask import g
from flask_babel import refresh
from sqlalchemy import insert, update
from sqlalchemy.orm.exc import DetachedInstanceError

from exchange import extensions
from exchange.accounts.models import CoachingAssignment, Role, User
from exchange.accounts.services import sessions
from exchange.accounts.services.coaching import assign_functionary
from exchange.caching import personal
from exchange.database import utcnow
from exchange.policy import SYSTEM
from exchange.workspace.services import VISIT_GAP
from tests.web import _CSRF_RE, login, text
from tests.workspace.helpers import age, count_in_heading, say, section
from tests.world import person


def sign_in(client, user) -> None:
    """Sign in and open the workspace once: that load shows (and uses up) the sign-in's flash message."""
    login(client, user)
    assert client.get("/werkruimte").status_code == 200


@pytest.fixture
def hits(app):
    """hits() -> how many workspace loads the store has answered so far."""

    def count() -> int:
        store = app.extensions.get("personal_cache")
        return store.hits if store is not None else 0

    return count


def test_a_repeated_load_is_answered_from_the_store(client, cast, make_practice, db, page_of, hits):
    make_practice("Concept Rijnmond")
    age(db, make_practice("Oud en openbaar", publish=True), updated=200)  # a form with a CSRF token
    sign_in(client, cast.staff)
    first = page_of()
    before = hits()
    second = page_of()
    assert hits() == before + 1
    assert "Concept Rijnmond" in section(second, "concepten")
    # Identical but for the CSRF token, which is filled in per answer.
    tokens = (_CSRF_RE.search(first).group(1), _CSRF_RE.search(second).group(1))
    assert first.replace(tokens[0], "") == second.replace(tokens[1], "")


def test_a_person_never_gets_another_persons_page(app, cast, make_practice, hits):
    make_practice("Concept Rijnmond")
    make_practice("Concept Zeeland", region=cast.other_region, actor=cast.other_staff)
    rijnmond, zeeland = app.test_client(), app.test_client()
    sign_in(rijnmond, cast.staff)
    sign_in(zeeland, cast.other_staff)
    for _ in range(2):  # the second round can only come from the store
        mine = text(rijnmond.get("/werkruimte"))
        theirs = text(zeeland.get("/werkruimte"))
        assert "Concept Rijnmond" in mine and "Concept Zeeland" not in mine
        assert "Concept Zeeland" in theirs and "Concept Rijnmond" not in theirs
        assert "Sanne Staf" in mine and "Sanne Staf" not in theirs
    assert hits() >= 2
    # The same browser, signed in as someone else: their own page, not the stored one of the first.
    sign_in(rijnmond, cast.other_staff)
    html = text(rijnmond.get("/werkruimte"))
    assert "Concept Zeeland" in html and "Concept Rijnmond" not in html


def test_a_colleague_of_the_same_region_gets_their_own_copy(app, cast, db, hits):
    colleague = person("collega@rijnmond.example", Role.STAFF, region=cast.region, name="Carla Collega")
    db.session.commit()
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine, cast.staff)
    sign_in(theirs, colleague)
    for _ in range(2):
        assert "Sanne Staf" in text(mine.get("/werkruimte"))
        html = text(theirs.get("/werkruimte"))
        assert "Carla Collega" in html and "Sanne Staf" not in html
    assert hits() >= 2


def test_each_answer_carries_its_own_sessions_csrf_token(app, cast, make_practice, db, hits):
    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    one, two = app.test_client(), app.test_client()
    sign_in(one, cast.staff)
    sign_in(two, cast.staff)  # the same person in a second browser
    first = _CSRF_RE.search(text(one.get("/werkruimte"))).group(1)
    before = hits()
    html = text(two.get("/werkruimte"))
    assert hits() == before + 1
    token = _CSRF_RE.search(html).group(1)
    assert token != first and first not in html  # the stored copy keeps no session's token
    # The token of the stored page works for this session: the confirmation goes through.
    response = two.post(f"/werkruimte/praktijken/{practice.id}/nog-actueel", data={"csrf_token": token})
    assert response.status_code == 302


def test_a_save_shows_on_the_next_load(client, cast, make_practice, db, page_of):
    practice = make_practice("Oude titel")
    sign_in(client, cast.staff)
    assert "Oude titel" in page_of() and "Oude titel" in page_of()
    practice.title = "Nieuwe titel"
    db.session.commit()
    html = page_of()
    assert "Nieuwe titel" in html and "Oude titel" not in html


def test_a_new_feedback_message_shows_on_the_next_load(client, cast, make_practice, db, page_of):
    # Feedback does not raise the data version (visitors never see it); the page still changes.
    practice = make_practice("Met feedback")
    sign_in(client, cast.staff)
    assert count_in_heading(page_of(), "Feedback die op uw antwoord wacht") == 0
    page_of()
    say(db, practice, cast.coach, "Meet ook de terugval.")
    html = page_of()
    assert count_in_heading(html, "Feedback die op uw antwoord wacht") == 1
    assert "Meet ook de terugval." in html


def test_a_new_coaching_assignment_shows_on_the_next_load(client, cast, make_practice, db, page_of):
    make_practice("Zeeuws concept", region=cast.other_region, actor=cast.other_staff)
    sign_in(client, cast.coach_all_themes)
    assert "Zeeuws concept" not in page_of()
    page_of()
    assign_functionary(SYSTEM, cast.coach_all_themes, cast.other_region, None)
    db.session.commit()
    assert "Zeeuws concept" in section(page_of(), "concepten")


def test_the_persons_state_changes_with_an_assignment_even_without_the_data_version(app, cast, db):
    # The key does not lean on the data version alone: an assignment written past the ORM (no version raise)
    # changes the person's state too.
    with app.test_request_context("/werkruimte"):
        before = personal.user_state(cast.coach)
        with db.engine.begin() as connection:  # committed, but not through a session: no version raise
            connection.execute(
                insert(CoachingAssignment.__table__).values(
                    user_id=cast.coach.id, region_id=cast.other_region.id, theme_id=None
                )
            )
        assert personal.user_state(cast.coach)[0] == before[0]  # same data version
        assert personal.user_state(cast.coach) != before


def test_flashes_show_and_are_not_stored(client, cast, make_practice, db, page_of):
    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    sign_in(client, cast.staff)
    html = page_of()
    assert count_in_heading(html, "Een halfjaar niet bijgewerkt") == 1
    token = _CSRF_RE.search(html).group(1)
    response = client.post(
        f"/werkruimte/praktijken/{practice.id}/nog-actueel", data={"csrf_token": token}, follow_redirects=True
    )
    after = text(response)
    assert "Bevestigd: „Oud en openbaar” is nog actueel." in after
    assert count_in_heading(after, "Een halfjaar niet bijgewerkt") == 0
    # The flash was shown once; the next loads (the second from the store) do not repeat it.
    for _ in range(2):
        again = page_of()
        assert "is nog actueel." not in again
        assert count_in_heading(again, "Een halfjaar niet bijgewerkt") == 0


def test_each_language_and_page_has_its_own_copy(client, cast, make_practice, page_of):
    for n in range(12):
        make_practice(f"Concept {n:02d}")
    sign_in(client, cast.staff)
    dutch = page_of()
    refresh()  # the tests' app context outlives requests; Flask-Babel keeps the locale on it
    english = page_of("/werkruimte?lang=en")
    assert '<html lang="nl"' in dutch and '<html lang="en"' in english
    assert "My workspace" in page_of("/werkruimte?lang=en")  # from the store
    first = section(page_of("/werkruimte?concepten=1"), "concepten")
    second = section(page_of("/werkruimte?concepten=2"), "concepten")
    assert "Concept 11" in first and "Concept 11" not in second
    assert "Concept 00" in second and "Concept 00" not in first


def test_the_store_can_be_turned_off(app, client, cast, page_of, hits):
    app.config["PERSONAL_CACHE_ENTRIES"] = 0
    sign_in(client, cast.staff)
    page_of()
    page_of()
    assert hits() == 0


def test_a_stored_answer_costs_one_statement(app, client, cast, make_practice, db, page_of):
    """The sign-in, the person and their state are read in one statement; nothing else runs on a stored answer."""
    from tests.statements import recording

    make_practice("Concept Rijnmond")
    sign_in(client, cast.coach)
    page_of()
    page_of()  # stored; the visit was noted less than a minute ago, so nothing is written
    with recording(app) as statements:
        assert "Concept Rijnmond" in page_of()
    assert len(statements) == 1, statements
    assert "user_session" in statements[0] and "feedback_message" in statements[0]


@pytest.mark.parametrize("role", ["staff", "coach"])
def test_the_state_read_with_the_sign_in_is_the_state_read_alone(
    app, client, cast, make_practice, role, monkeypatch
):
    """Both ways of reading the state give the same key parts, so a page stored by one is found by the other."""
    from exchange.workspace.services import NEWEST_MESSAGE_SQL

    make_practice("Concept Rijnmond")
    person_ = getattr(cast, role)
    login(client, person_)
    with app.test_request_context("/werkruimte"):
        alone = personal.user_state(person_, extra=(NEWEST_MESSAGE_SQL,))
    held = {}
    keep = personal.keep_state_read_with_sign_in

    def spy(user_id, extra, values):  # records what the sign-in read, then keeps it as before
        held["state"] = personal._as_state(values)
        keep(user_id, extra, values)

    monkeypatch.setattr(personal, "keep_state_read_with_sign_in", spy)
    assert client.get("/werkruimte").status_code == 200
    assert held["state"] == alone


@pytest.fixture
def sessions_made(monkeypatch):
    """The ORM sessions created from now on (`exchange.extensions.RequestSession`), in order."""
    made: list = []
    create = extensions.RequestSession.__init__

    def counting(self, *args, **kwargs):
        create(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(extensions.RequestSession, "__init__", counting)
    return made


def on_its_own(client, path: str = "/werkruimte"):
    """A GET as a server makes it: outside the test's application context, so the request has its own."""
    return contextvars.Context().run(client.get, path)


def in_own_context(app, step):
    """`step()` in an application context of its own, outside the test's (no ORM session yet), as a request's."""

    def run():
        with app.app_context():
            return step()

    return contextvars.Context().run(run)


def test_a_stored_answer_opens_no_orm_session_and_a_visit_is_still_noted(app, cast, db, hits, sessions_made):
    client = app.test_client()
    sign_in(client, cast.staff)
    assert on_its_own(client).status_code == 200  # rendered and stored
    del sessions_made[:]
    before = hits()
    page = on_its_own(client)
    assert page.status_code == 200 and "Sanne Staf" in text(page)
    assert hits() == before + 1
    assert sessions_made == []  # the person was read, but never made an object of an ORM session

    # A load after a pause starts a new visit: the person joins the session when the note is written.
    seen = utcnow() - VISIT_GAP - timedelta(minutes=1)
    db.session.execute(update(User).where(User.id == cast.staff.id).values(workspace_seen_at=seen))
    db.session.commit()
    assert on_its_own(client).status_code == 200
    assert len(sessions_made) == 1
    db.session.expire_all()
    noted = db.session.get(User, cast.staff.id)
    assert noted.workspace_seen_at > seen + VISIT_GAP
    assert noted.workspace_previous_visit_at == seen


def test_a_rendered_page_that_writes_nothing_still_adopts_the_person(app, cast, sessions_made):
    client = app.test_client()
    sign_in(client, cast.staff)  # notes the visit: the next loads within a minute write nothing
    del sessions_made[:]
    page = on_its_own(client, "/werkruimte?concepten=1")  # not stored yet: rendered
    assert page.status_code == 200
    # The staff page names the person's region: a relationship, loaded through the session that adopted them.
    assert f"Wat er in {cast.region.display_name} op u wacht." in text(page)
    assert len(sessions_made) == 1


def test_session_in_use_adopts_before_a_relationship_is_loaded(app, cast, db):
    """What `personal.serve` relies on before it renders: a waiting person's relationships load once the
    session is started, and not before (a detached object cannot load them)."""
    values = tuple(getattr(cast.staff, name) for name in sessions._USER_ATTRIBUTES)
    region_name = cast.region.display_name

    def without_start():
        user = sessions._detached(values)
        extensions.adopt(user)
        with pytest.raises(DetachedInstanceError):
            _ = user.region
        return True

    def with_start():
        user = sessions._detached(values)
        extensions.adopt(user)
        extensions.session_in_use()
        return user.region.display_name

    assert in_own_context(app, without_start)
    assert in_own_context(app, with_start) == region_name


def test_adopt_joins_a_session_made_later_or_the_one_there_is(app, cast, db):
    def detached_copy():
        return db.session.get(User, cast.staff.id)

    def later():
        user = sessions._detached(tuple(getattr(detached_copy(), name) for name in sessions._USER_ATTRIBUTES))
        db.session.remove()
        assert not db.session.registry.has()
        extensions.adopt(user)
        user.name = "Sanne Later"  # changed while no session exists
        assert not db.session.registry.has()
        db.session.commit()  # the session made now adopts the person, with the change
        return user in db.session

    assert in_own_context(app, later)
    db.session.expire_all()
    assert db.session.get(User, cast.staff.id).name == "Sanne Later"

    user = sessions._detached(tuple(getattr(cast.staff, name) for name in sessions._USER_ATTRIBUTES))
    db.session.expunge(cast.staff)
    extensions.adopt(user)  # the session exists: joined now
    assert user in db.session


def test_what_a_request_left_for_an_unused_session_ends_with_it(app, cast, db, hits):
    """An application context that outlives requests (tests, scripts) does not hand one request's person to the
    next request's session."""
    client = app.test_client()
    sign_in(client, cast.staff)
    assert on_its_own(client).status_code == 200  # stored
    db.session.remove()  # the test's own context has no session now, as a server's would not
    before = hits()
    assert client.get("/werkruimte").status_code == 200  # in the test's context: the person waits, unused
    assert hits() == before + 1
    assert not db.session.registry.has()
    assert extensions._ADOPT_KEY not in g
