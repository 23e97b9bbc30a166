"""Domain exceptions and the one place that turns errors into Dutch pages or JSON."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base class: a rule of the platform refused an action. `code` is stable, `message` is shown."""

    status = 400
    code = "bad_request"
    default_message = _l("Dit verzoek kon niet worden verwerkt.")

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        self.message = message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(str(message or self.default_message))

    def text(self) -> str:
        return str(self.message or self.default_message)


class NotAllowed(DomainError):
    """A refusal that says why (the policy's reason) and may name a page to go back to: ``back=(url, label)``."""

    status = 403
    code = "forbidden"
    default_message = _l("U hebt geen toestemming voor deze actie.")

    def __init__(self, message: str | None = None, *, back: tuple[str, str] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.back = back


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Deze pagina bestaat niet.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("Dit conflicteert met de huidige gegevens.")


class Invalid(DomainError):
    """Input that breaks a rule. Field errors always travel as ``details={"fields": {name: message}}``."""

    status = 422
    code = "invalid"
    default_message = _l("De invoer is niet geldig.")

    @classmethod
    def on_field(cls, field: str, message, **kwargs) -> Invalid:
        """The one way to blame a single form field: ``raise Invalid.on_field("email", _("..."))``."""
        return cls(message, details={"fields": {field: message}}, **kwargs)

    @classmethod
    def on_fields(cls, fields: dict, message=None, **kwargs) -> Invalid:
        """Several fields at once; `message` (default: the first field's) is the summary for API and CLI."""
        summary = message if message is not None else next(iter(fields.values()), None)
        return cls(summary, details={"fields": dict(fields)}, **kwargs)

    @property
    def fields(self) -> dict:
        return dict(self.details.get("fields") or {})


def join_by_field(problems: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(field, message) pairs as ``Invalid.on_fields`` takes them: one entry per field in the order found.

    File checks name a field by its place in the file (``items[3].region``, ``(bestand)``); where one place has
    several problems their messages are joined with "; " in order, so none is dropped.
    """
    joined: dict[str, list[str]] = {}
    for field, message in problems:
        joined.setdefault(field, []).append(str(message))
    return {field: "; ".join(messages) for field, messages in joined.items()}


class Bilingual:
    """A message with a Dutch and an English text, for API answers that carry both; `str()` follows the locale."""

    def __init__(self, nl: str, en: str) -> None:
        self.nl, self.en = nl, en

    def __str__(self) -> str:
        from flask_babel import get_locale

        locale = get_locale()
        return self.en if locale is not None and locale.language == "en" else self.nl


# Links from e-mails (invitations, password resets, subscription confirmations, manage and data links).
class LinkInvalid(NotFound):
    code = "link_invalid"
    default_message = _l(
        "Deze link is ongeldig. Controleer of u de volledige link uit de e-mail hebt gebruikt."
    )


class LinkExpired(NotFound):
    status = 410
    code = "link_expired"
    default_message = _l("Deze link is verlopen. Vraag een nieuwe aan.")


class LinkUsed(NotFound):
    status = 410
    code = "link_used"
    default_message = _l("Deze link is al gebruikt en werkt maar één keer.")


# Messages per HTTP status, in Dutch (msgid) with English translations in the catalog.
STATUS_MESSAGES = {
    400: _l("Het verzoek is niet geldig."),
    401: _l("U moet eerst inloggen."),
    403: _l("U hebt geen toestemming voor deze pagina."),
    404: _l("Deze pagina bestaat niet (meer)."),
    405: _l("Deze methode is hier niet toegestaan."),
    409: _l("Dit conflicteert met de huidige gegevens."),
    413: _l("Het verzoek is te groot."),
    422: _l("De invoer is niet geldig."),
    429: _l("Te veel verzoeken. Probeer het over enkele minuten opnieuw."),
    500: _l("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
    503: _l("De dienst is tijdelijk niet beschikbaar."),
}

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def bilingual(message) -> dict[str, str]:
    """A lazy message in both languages, as the API and stored records carry it."""
    with force_locale("nl"):
        nl = str(message)
    with force_locale("en"):
        en = str(message)
    return {"nl": nl, "en": en}


def local_referrer() -> str | None:
    """The page the visitor came from, as a path, when it is a page of this site other than this one."""
    referrer = request.referrer
    if not referrer or len(referrer) > 2000:
        return None
    parts = urlsplit(referrer)
    here = urlsplit(request.host_url)
    if (parts.scheme, parts.netloc) != (here.scheme, here.netloc) or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//") or parts.path == request.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def back_link(back: tuple[str, str] | None = None) -> tuple[str, str]:
    """Where an error page sends the visitor: `back` (the object's own page), the page they came from, their
    workspace (once the site has one), or the home page; as (url, label)."""
    if back:
        return back
    referrer = local_referrer()
    if referrer:
        return referrer, str(_l("Terug naar de vorige pagina"))
    from flask import current_app, url_for
    from flask_login import current_user

    if "/werkruimte" in _rules(current_app) and getattr(current_user, "is_authenticated", False):
        return "/werkruimte", str(_l("Naar mijn werkruimte"))
    return url_for("pages.home"), str(_l("Naar de homepagina"))


def _rules(app: Flask) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()}


def error_response(
    status: int,
    code: str,
    message,
    details: dict | None = None,
    headers: dict | None = None,
    back: tuple[str, str] | None = None,
):
    """Render an error as JSON (API) or as a Dutch page with a link back, with the given status."""
    if wants_json():
        body = {"error": {"status": status, "code": code, "message": bilingual(message)}}
        if details:
            body["error"]["details"] = details
        response = jsonify(body)
    else:
        response = render_template(
            "errors/error.html",
            status=status,
            message=str(message),
            details=details,
            back=back_link(back) if status < 500 else None,
        )
    return response, status, (headers or {})


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        from exchange.extensions import db

        db.session.rollback()
        return error_response(
            error.status,
            error.code,
            error.message or error.default_message,
            error.details,
            back=getattr(error, "back", None),
        )

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return error_response(
            400,
            "csrf",
            _l("Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens."),
        )

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        message = STATUS_MESSAGES.get(status, error.description)
        headers = {}
        if status == 429 and getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
        valid_methods = getattr(error, "valid_methods", None)
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        return error_response(status, STATUS_CODES.get(status, "error"), message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        from exchange.extensions import db

        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if app.config.get("PROPAGATE_UNEXPECTED"):
            raise error
        return error_response(500, "server_error", STATUS_MESSAGES[500])
