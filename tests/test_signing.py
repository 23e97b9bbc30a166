"""Session cookies verified once per worker and CSRF tokens signed once per second give what Flask and Flask-WTF
would give: the same contents, nothing for a forged or expired cookie, a token that validates."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import flash, session
from flask_wtf.csrf import generate_csrf, validate_csrf

from exchange.signing import MemoSessionInterface, csrf_token

COOKIE = "session"


def _cookie(app, contents: dict) -> str:
    """A session cookie with `contents`, signed as Flask signs one."""
    return app.session_interface.get_signing_serializer(app).dumps(contents)


def _open(app, cookie: str | None):
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers) as context:
        return app.session_interface.open_session(app, context.request)


def test_the_application_uses_the_memo_interface(app):
    assert isinstance(app.session_interface, MemoSessionInterface)


def test_a_cookie_opens_to_the_same_contents_the_first_and_every_later_time(app):
    cookie = _cookie(app, {"_user_id": "7:geheim", "lang": "en"})
    first = _open(app, cookie)
    assert cookie in app.session_interface._opened  # kept after its signature was checked
    later = _open(app, cookie)
    assert dict(first) == dict(later) == {"_user_id": "7:geheim", "lang": "en"}
    later["lang"] = "nl"  # a request's changes stay in its own copy
    assert dict(_open(app, cookie)) == {"_user_id": "7:geheim", "lang": "en"}


def test_a_forged_cookie_opens_an_empty_session_and_is_not_kept(app):
    cookie = _cookie(app, {"_user_id": "7:geheim"})
    _open(app, cookie)
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert dict(_open(app, forged)) == {}
    assert forged not in app.session_interface._opened
    assert dict(_open(app, "geen-cookie")) == {}


def test_an_expired_cookie_opens_an_empty_session_also_when_kept(app):
    cookie = _cookie(app, {"_user_id": "7:geheim"})
    assert dict(_open(app, cookie)) == {"_user_id": "7:geheim"}
    contents, signed_at = app.session_interface._opened[cookie]
    app.permanent_session_lifetime = timedelta(seconds=60)
    app.session_interface._opened[cookie] = (contents, signed_at - 61)  # as if it was signed 61 s ago
    assert dict(_open(app, cookie)) == {}
    # and Flask's own check agrees for a cookie that old, when it is not kept
    del app.session_interface._opened[cookie]
    app.permanent_session_lifetime = timedelta(seconds=-1)
    assert dict(_open(app, cookie)) == {}


def test_a_session_with_flash_messages_is_opened_in_full_and_not_kept(app):
    with app.test_request_context("/"):
        flash("Opgeslagen.", "success")
        contents = dict(session)
    cookie = _cookie(app, contents)
    opened = _open(app, cookie)
    assert opened["_flashes"] == [("success", "Opgeslagen.")]
    assert cookie not in app.session_interface._opened


def test_the_signed_csrf_token_is_flask_wtfs_and_validates(app):
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        ours = csrf_token()
        assert csrf_token() == ours  # kept for the request
        validate_csrf(ours)
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        second = int(time.time())
        again = csrf_token()  # from the store when still in the same second
        theirs = generate_csrf()  # cached in g: the same request's token
        assert again == theirs
        if int(time.time()) == second:
            with app.test_request_context("/"):
                session["csrf_token"] = "a" * 40
                assert generate_csrf() == again  # what Flask-WTF itself signs in that second
        validate_csrf(again)


def test_each_session_gets_a_token_of_its_own(app):
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        one = csrf_token()
    with app.test_request_context("/"):
        session["csrf_token"] = "b" * 40
        other = csrf_token()
        assert one != other
        validate_csrf(other)
    with app.test_request_context("/"):  # no secret yet: one is made, as Flask-WTF makes it
        fresh = csrf_token()
        assert session["csrf_token"] and fresh
        validate_csrf(fresh)
