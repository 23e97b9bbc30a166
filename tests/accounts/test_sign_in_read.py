"""The signed-in person is read with their sign-in in one plain statement and made into a User of the request's
session: it must be the person the ORM would load, and behave as one (changes flushed, relationships loaded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select

from exchange.accounts.models import Role, User
from exchange.accounts.services import sessions
from exchange.caching import version
from tests.statements import recording


def _columns(user: User) -> dict:
    return {prop.key: getattr(user, prop.key) for prop in User.__mapper__.column_attrs}


def _signed_in(app, db, user) -> tuple[str, dict]:
    """A sign-in of `user` (its cookie value) and the person's columns as the ORM loads them."""
    user_id = user.id
    key = sessions.start_session(user)
    db.session.commit()
    db.session.expunge_all()
    expected = _columns(db.session.get(User, user_id))
    db.session.expunge_all()
    return f"{user_id}:{key}", expected


def test_the_person_read_with_a_sign_in_is_the_person_the_orm_loads(app, db, reference, make_user):
    user = make_user("functionary", themes=["wachtlijstaanpak"], two_factor=False)
    theme = user.themes[0].slug
    cookie_id, expected = _signed_in(app, db, user)
    with app.test_request_context("/account"):
        person = sessions.load_signed_in_user(cookie_id)
        assert _columns(person) == expected
        # the types a Result gives: an enumeration, a boolean, times with their zone
        assert person.role is Role.FUNCTIONARY and person.active is True
        assert isinstance(person.created_at, datetime) and person.created_at.tzinfo is not None
        assert inspect(person).persistent and person in db.session
        assert [linked.slug for linked in person.themes] == [theme]  # loaded on first use
        assert person.region is None


def test_a_change_to_the_person_is_written_and_nothing_else(app, db, reference, make_user):
    user = make_user("staff", name="Ans de Vries")
    user_id = user.id
    cookie_id, expected = _signed_in(app, db, user)
    with app.test_request_context("/account"):
        person = sessions.load_signed_in_user(cookie_id)
        person.name = "Ans de Wit"
        with recording(app) as statements:
            db.session.commit()
    # the person's one UPDATE (names shown on pages also raise the data version in the same transaction)
    updates = [sql for sql in statements if sql.lstrip().upper().startswith('UPDATE "USER"')]
    updates += [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE USER")]
    assert len(updates) == 1 and "name=" in updates[0] and "email" not in updates[0], statements
    db.session.expunge_all()
    stored = _columns(db.session.get(User, user_id))
    assert stored == {**expected, "name": "Ans de Wit"}


def test_a_person_loaded_earlier_in_the_request_is_the_same_object(app, db, reference, make_user):
    user = make_user("staff")
    user_id = user.id
    cookie_id, _expected = _signed_in(app, db, user)
    with app.test_request_context("/account"):
        earlier = db.session.get(User, user_id)
        earlier.name = "Nog niet bewaard"
        person = sessions.load_signed_in_user(cookie_id)
        assert person is earlier and person.name == "Nog niet bewaard"


def test_read_row_converts_values_as_a_result_does(app, db, reference, make_user):
    user = make_user("staff")
    key = sessions.start_session(user)
    db.session.commit()
    params = {"key_hash": sessions.hash_secret(key)}
    with app.test_request_context("/"):
        with db.engine.connect() as connection:
            through_result = tuple(connection.execute(sessions._LOAD_SESSION, params).one())
        assert version.read_row(sessions._LOAD_SESSION, params) == through_result
        assert version.read_row(sessions._LOAD_SESSION, {"key_hash": "niet-bestaand"}) is None


def test_an_unknown_or_ended_sign_in_loads_nobody(app, db, reference, make_user):
    user = make_user("staff")
    user_id = user.id
    cookie_id, _expected = _signed_in(app, db, user)
    with app.test_request_context("/account"):
        assert sessions.load_signed_in_user(cookie_id + "x") is None
    person = db.session.scalar(select(User).where(User.id == user_id))
    person.session_key = cookie_id.partition(":")[2]
    sessions.end_session(person)
    db.session.commit()
    with app.test_request_context("/account"):
        assert sessions.load_signed_in_user(cookie_id) is None
