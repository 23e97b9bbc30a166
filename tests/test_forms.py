"""exchange.forms: submit() validates, calls the service and commits, or rolls back and shows errors (422)."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from exchange.errors import Conflict, Invalid
from exchange.extensions import db as _db
from exchange.forms import submit
from exchange.search.models import SearchMiss

PAGE = """{% from "_macros/forms.html" import field, form_errors %}{{ form_errors(form) }}{{ field(form.query) }}"""


class QueryForm(FlaskForm):
    query = StringField("Zoekopdracht", validators=[DataRequired(message="Vul iets in.")])


def record(query: str) -> SearchMiss:
    """A stand-in service: writes a row, then refuses some input (so a refusal must roll the row back)."""
    miss = SearchMiss(query=query)
    _db.session.add(miss)
    _db.session.flush()
    if query == "veld":
        raise Invalid.on_field("query", "Dit woord mag niet.")
    if query == "elders":
        raise Invalid.on_fields({"unknown_field": "Iets buiten het formulier klopt niet."}, "Samenvatting")
    if query == "zonder":
        raise Invalid("Het geheel klopt niet.")
    if query in ("dubbel", "dubbel-pagina"):
        raise Conflict("Bestaat al.")
    return miss


@pytest.fixture
def form_client(app):
    """A client for /test-form, a form page that posts through submit() (CSRF off to post plain data)."""
    app.config["WTF_CSRF_ENABLED"] = False

    def page():
        form = QueryForm()
        refusals = (Invalid,) if form.query.data == "dubbel-pagina" else (Invalid, Conflict)
        saved = submit(form, lambda: record(form.query.data), refusals=refusals)
        if saved.done:
            return f"saved {saved.value.id}", 201
        # What this request's session still sees: a refusal must have rolled back the service's flush.
        seen = _db.session.scalar(select(func.count(SearchMiss.id)))
        return render_template_string(PAGE, form=form), saved.status, {"X-Rows-Seen": str(seen)}

    app.add_url_rule("/test-form", "test_form", page, methods=["GET", "POST"])
    return app.test_client()


def rows(db, response) -> list[str]:
    """Committed rows, after checking that the request itself saw none left after the refusal."""
    assert response.headers["X-Rows-Seen"] == "0"
    db.session.rollback()
    return list(db.session.scalars(select(SearchMiss.query)))


def test_a_first_visit_shows_the_form_without_errors(form_client, db):
    response = form_client.get("/test-form")

    assert response.status_code == 200
    assert "field-error" not in response.get_data(as_text=True)


def test_an_invalid_form_is_422_and_never_calls_the_service(form_client, db):
    response = form_client.post("/test-form", data={"query": ""})

    assert response.status_code == 422
    assert "Vul iets in." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SearchMiss.id))) == 0


def test_a_service_refusal_lands_on_its_field_and_is_rolled_back(form_client, db):
    response = form_client.post("/test-form", data={"query": "veld"})

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="field-error" id="query-error">Dit woord mag niet. </p>' in body
    assert '<a class="utrecht-link" href="#query">Zoekopdracht</a>: Dit woord mag niet.' in body
    assert rows(db, response) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [("elders", "Iets buiten het formulier klopt niet."), ("zonder", "Het geheel klopt niet.")],
)
def test_a_refusal_the_form_has_no_field_for_is_a_form_level_error(form_client, db, query, message):
    response = form_client.post("/test-form", data={"query": query})

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"<li>{message}</li>" in body  # in the summary above the form
    assert "field-error" not in body
    assert rows(db, response) == []


def test_a_conflict_is_shown_on_the_form_by_default(form_client, db):
    response = form_client.post("/test-form", data={"query": "dubbel"})

    assert response.status_code == 422
    assert "<li>Bestaat al.</li>" in response.get_data(as_text=True)
    assert rows(db, response) == []


def test_refusals_can_send_a_conflict_to_the_error_page(form_client, db):
    response = form_client.post("/test-form", data={"query": "dubbel-pagina"})

    assert response.status_code == 409
    assert "Bestaat al." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count(SearchMiss.id))) == 0


def test_success_commits_and_returns_the_services_value(form_client, db):
    response = form_client.post("/test-form", data={"query": "goed"})

    assert response.status_code == 201
    assert list(db.session.scalars(select(SearchMiss.query))) == ["goed"]
    miss_id = db.session.scalar(select(SearchMiss.id))
    assert response.get_data(as_text=True) == f"saved {miss_id}"
