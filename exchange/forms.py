"""The one form-and-error contract: validate, call a service, commit; or show the errors with status 422."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms.csrf.core import CSRFTokenField

from exchange.errors import Conflict, DomainError, Invalid
from exchange.extensions import db

T = TypeVar("T")

# What a service may raise that belongs on the form rather than on an error page.
FORM_ERRORS = (Invalid, Conflict)


class _TokenField(CSRFTokenField):
    """The CSRF token's hidden input without an id: a page often holds several forms, ids must be unique, and
    nothing refers to the token by id (a label never points at a hidden input)."""

    def __call__(self, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(**kwargs)


class _CSRF(_FlaskFormCSRF):
    field_class = _TokenField


class Form(FlaskForm):
    """The base of every form of the platform: Flask-WTF's CSRF protection, with the token rendered id-less."""

    class Meta(FlaskForm.Meta):
        csrf_class = _CSRF


class ConfirmForm(Form):
    """A button-only form: carries the CSRF token for POST actions (sign out, publish, delete, ...)."""


def apply_invalid(form: FlaskForm, error: Invalid | Conflict) -> None:
    """Put a service's refusal on the form: each ``details["fields"]`` entry on its field, the rest above it.

    A field the form does not have (or an error without fields) is shown as a form-level error, so nothing the
    service said is dropped.
    """
    fields = (error.details or {}).get("fields") or {}
    for name, message in fields.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*(field.errors or []), str(message)]
        else:
            form.form_errors.append(str(message))
    if not fields:
        form.form_errors.append(error.text())


@dataclass
class Submission(Generic[T]):
    """What became of a form post: `done` with the service's `value`, or not (then render with `status`)."""

    done: bool
    status: int
    value: T | None = None


def submit(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    refusals: tuple[type[DomainError], ...] = FORM_ERRORS,
) -> Submission[T]:
    """Validate `form`; if valid run `action` (a service call) and commit.

    The view then redirects when ``done``; otherwise it renders the form with ``status``: 200 for a first
    visit, 422 when the post was refused (WTForms validation or the service's Invalid/Conflict, applied to
    the form after a rollback). Other domain errors (NotAllowed, NotFound) go to the app's error handler.
    `refusals` narrows what lands on the form: ``(Invalid,)`` lets a Conflict reach the error handler (409),
    as a stale edit or a duplicate needs; ``()`` sends every refusal there (button-only forms).
    """
    if not form.validate_on_submit():
        return Submission(done=False, status=422 if form.is_submitted() else 200)
    try:
        value = action()
    except refusals as error:
        db.session.rollback()
        apply_invalid(form, error)
        return Submission(done=False, status=422)
    db.session.commit()
    return Submission(done=True, status=200, value=value)
