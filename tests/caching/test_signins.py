"""Checked sign-ins kept per process on PostgreSQL (exchange/caching/signins.py): no read while nothing about the
person changed, and every change, whoever makes it (this process, another one, a person in psql), ends the copy.
On SQLite nothing is kept: every request reads."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from exchange import create_app
from exchange.accounts.models import UserSession
from exchange.caching import signins, version
from exchange.extensions import db as _db
from tests.statements import recording
from tests.waiting import until as _until
from tests.web import login, logout


@pytest.fixture
def listening(app):
    app.config["DATA_VERSION_LISTEN"] = True
    return app


def _connected(app):
    """This process's listener once it is connected (None on SQLite)."""
    with app.app_context():
        held = version.listener_of_process()
    if held is not None:
        _until(lambda: held.value is not None)
    return held


def _sign_in_reads(statements: list[str]) -> int:
    return sum(
        "user_session" in sql.lower() and sql.lstrip().upper().startswith("SELECT") for sql in statements
    )


def _by_hand(app, sql: str, **params) -> None:
    """A write made outside the application (psql, a script): its own engine, no ORM."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def _changed_for(held, person_id: int, before: tuple) -> None:
    """Wait until the listener has the notification about `person_id` (no wait without a listener)."""
    if held is not None:
        _until(lambda: held.person_stamp(person_id) != before)


def test_a_checked_sign_in_is_not_read_again_on_postgresql(listening, client, reference, make_user, backend):
    user = make_user("staff")
    held = _connected(listening)
    login(client, user)
    assert client.get("/account").status_code == 200
    with recording(listening) as statements:
        assert client.get("/account").status_code == 200
    if backend == "sqlite":
        assert held is None and _sign_in_reads(statements) == 1  # no notifications: every request reads
    else:
        assert _sign_in_reads(statements) == 0, statements


def test_a_sign_out_in_another_process_ends_the_kept_sign_in(listening, client, reference, make_user, db):
    user = make_user("staff")
    user_id = user.id
    held = _connected(listening)
    login(client, user)
    assert client.get("/account").status_code == 200  # read and kept
    before = held.person_stamp(user_id) if held else None
    other = create_app(
        "config.TestConfig", SQLALCHEMY_DATABASE_URI=listening.config["SQLALCHEMY_DATABASE_URI"]
    )
    with other.app_context():  # another server process signs the person out everywhere
        from exchange.accounts.models import User
        from exchange.accounts.services import sessions

        sessions.end_sessions(_db.session.get(User, user_id))
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    _changed_for(held, user_id, before)
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/inloggen")


def test_a_change_made_by_hand_is_seen(listening, client, reference, make_user, db):
    user = make_user("staff", name="Ans de Vries")
    user_id = user.id
    db.session.expunge_all()  # requests here share the test's session: let them load the person themselves
    held = _connected(listening)
    login(client, user)
    assert "Ans de Vries" in client.get("/account").get_data(as_text=True)
    before = held.person_stamp(user_id) if held else None
    _by_hand(listening, 'UPDATE "user" SET name = :name WHERE id = :id', name="Ans de Wit", id=user_id)
    _changed_for(held, user_id, before)
    assert "Ans de Wit" in client.get("/account").get_data(as_text=True)
    before = held.person_stamp(user_id) if held else None
    _by_hand(listening, 'UPDATE "user" SET active = false WHERE id = :id', id=user_id)
    _changed_for(held, user_id, before)
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/inloggen")


def test_this_process_s_own_change_drops_the_copies_at_once(listening, client, reference, make_user, backend):
    user = make_user("staff")
    _connected(listening)
    login(client, user)
    client.get("/account")
    with listening.app_context():
        kept = signins.store()
        if backend == "sqlite":
            assert kept is None
            return
        assert len(kept) == 1
        person = _db.session.get(type(user), user.id)
        person.name = "Nieuwe naam"
        _db.session.commit()
        assert len(kept) == 0  # no waiting for the notification


def test_feedback_and_emptied_tables_concern_everyone(listening, db, reference, make_user, backend):
    held = _connected(listening)
    if backend == "sqlite":
        assert held is None
        return
    user = make_user("staff")
    stamp = held.person_stamp(user.id)
    _by_hand(listening, "TRUNCATE feedback_message")
    _until(lambda: held.person_stamp(user.id) != stamp)
    assert held.person_stamp(user.id)[2] == stamp[2] + 1  # the count of changes for everyone
    stamp = held.person_stamp(user.id)
    someone_else = make_user("staff")  # an insert into "user": only that person's count moves
    _until(lambda: held.person_stamp(someone_else.id)[3] == 1)
    assert held.person_stamp(user.id)[2:] == stamp[2:]


def test_every_table_a_sign_in_reads_notifies(listening, db, backend):
    if backend == "sqlite":
        assert version.listener_of_process() is None
        return
    found = {
        (table, trigger)
        for table, trigger in db.session.execute(
            text(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'exchange_people%'"
            )
        )
    }
    expected = {
        (f'"{table}"' if table == "user" else table, trigger)
        for table in signins.PEOPLE_TABLES
        for trigger in ("exchange_people", "exchange_people_emptied")
    }
    assert found == expected


def test_a_change_during_the_read_is_not_missed(listening, db, reference, make_user, backend):
    held = _connected(listening)
    user = make_user("staff")
    user_id = user.id
    reads = []

    def read_while_someone_writes():
        reads.append(1)
        if held is not None and len(reads) == 1:  # committed after this read, before it is kept
            before = held.person_stamp(user_id)
            _by_hand(
                listening, 'UPDATE "user" SET name = :name WHERE id = :id', name="Tussendoor", id=user_id
            )
            _until(lambda: held.person_stamp(user_id) != before)
        return ("rij",)

    with listening.test_request_context("/"):
        assert signins.read("sleutel", None, user_id, read_while_someone_writes) == ("rij",)
        assert signins.read("sleutel", None, user_id, read_while_someone_writes) == ("rij",)
        assert len(reads) == 2  # the copy was kept under the stamp from before the change: not used
        assert signins.read("sleutel", None, user_id, read_while_someone_writes) == ("rij",)
        assert len(reads) == (2 if backend == "postgresql" else 3)  # the second read was kept


def test_a_lost_listener_means_every_request_reads(listening, client, reference, make_user, backend):
    user = make_user("staff")
    held = _connected(listening)
    login(client, user)
    client.get("/account")
    if backend == "sqlite":
        assert held is None
        return
    conninfo, held.conninfo = held.conninfo, "postgresql://postgres@127.0.0.1:1/none"  # it cannot reconnect
    with listening.app_context(), _db.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": held.backend_pid})
    _until(lambda: held.value is None)
    with recording(listening) as statements:
        assert client.get("/account").status_code == 200
    assert _sign_in_reads(statements) == 1
    held.conninfo = conninfo
    _until(lambda: held.value is not None)
    client.get("/account")  # read again after the reconnect (copies from before it are not used), then kept
    with recording(listening) as statements:
        assert client.get("/account").status_code == 200
    assert _sign_in_reads(statements) == 0


def test_a_kept_copy_is_used_for_at_most_its_age(listening, client, reference, make_user, backend):
    listening.config["SIGN_IN_CACHE_SECONDS"] = 0
    user = make_user("staff")
    _connected(listening)
    login(client, user)
    client.get("/account")
    with recording(listening) as statements:
        client.get("/account")
    assert _sign_in_reads(statements) == 1


def test_no_copy_outlives_a_sign_out_in_this_process(listening, client, reference, make_user, db):
    user = make_user("staff")
    _connected(listening)
    login(client, user)
    copied = client.get_cookie("session").value
    client.get("/account")
    logout(client)
    thief = listening.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/account")
    assert response.status_code == 302 and response.location.startswith("/inloggen")
    assert db.session.query(UserSession).count() == 0


def test_nothing_is_kept_without_every_trigger(listening, client, reference, make_user, db, backend):
    user = make_user("staff")
    held = _connected(listening)
    if backend == "sqlite":
        assert held is None
        return
    _by_hand(listening, "DROP TRIGGER exchange_people ON user_session")  # as in a database not migrated
    try:
        with listening.app_context():
            listening.extensions.pop(signins.TRIGGERS_KEY, None)  # checked again, as after a reconnect
            assert signins.store() is None
        login(client, user)
        client.get("/account")
        with recording(listening) as statements:
            assert client.get("/account").status_code == 200
        assert _sign_in_reads(statements) == 1  # read on every request
    finally:
        db.session.remove()  # the requests shared the test's session: end its transaction, which holds locks
        for statement in signins.trigger_statements():
            if 'ON "user_session"' in statement and statement.startswith("CREATE TRIGGER exchange_people "):
                _by_hand(listening, statement)
    with listening.app_context():
        listening.extensions.pop(signins.TRIGGERS_KEY, None)
        assert signins.store() is not None
