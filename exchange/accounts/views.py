"""Sign-in, sign-out, one-time links (invitation, reset, email change) and the account page."""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from exchange.accounts import bp, queries
from exchange.accounts.forms import (
    AcceptInvitationForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
)
from exchange.accounts.models import TokenPurpose
from exchange.accounts.services import invitations, own_account, password_reset, sessions, tokens
from exchange.accounts.services.rules import EMAIL_MAX
from exchange.accounts.twofactor import flow as twofactor_flow
from exchange.extensions import db, limiter
from exchange.forms import ConfirmForm, apply_invalid, submit

log = logging.getLogger(__name__)

# Session keys that survive the renewal at sign-in and sign-out (the language choice).
KEPT_SESSION_KEYS = ("lang",)


# Per-request values that Flask-Login and Flask-WTF cache on `g`.
REQUEST_CACHE_KEYS = ("_login_user", "csrf_token")


@bp.before_app_request
def forget_request_cache() -> None:
    """Read the user and the CSRF secret from this request's cookie, never from an earlier request.

    Flask-Login and Flask-WTF cache them on `g`, which lives on the application context; when a caller keeps
    one application context open across requests (tests, scripts), the cache would otherwise leak.
    """
    for key in REQUEST_CACHE_KEYS:
        g.pop(key, None)


@bp.app_template_global()
def coaches_for_region(region_id: int):
    return queries.coaches_for_region(region_id)


@bp.app_template_global()
def functionaries_for_theme(theme_id: int):
    return queries.functionaries_for_theme(theme_id)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a local path on this site (no scheme, host or protocol-relative tricks), else None."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def renew_session() -> None:
    """Drop everything from the session cookie except the language, so nothing from before sign-in carries
    over (and the CSRF token changes)."""
    kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
    session.clear()
    session.update(kept)
    g.pop("csrf_token", None)  # the cached token belonged to the old session


def start_browser_session(user, *, remember: bool = False) -> None:
    """Sign this browser in as `user`: a new server-side sign-in (committed), a renewed session cookie carrying
    its secret, and a remember-me cookie when asked for."""
    sessions.start_session(user, user_agent=request.user_agent.string or "")
    db.session.commit()
    renew_session()
    login_user(user, remember=remember)


def _remembered() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _login_account_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:EMAIL_MAX]
    return "login-account:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def _reset_email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:EMAIL_MAX]
    return "reset-email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def _client_address() -> str:
    return get_remote_address() or "unknown"


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=_client_address,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect(form.next.data or url_for("workspace.index"))
    if form.validate_on_submit():
        try:
            user = sessions.sign_in(form.email.data, form.password.data, ip=_client_address(), record=False)
        except sessions.LoginFailed as error:
            db.session.commit()  # keep the audit record of the failed attempt
            g.login_failed = True
            apply_invalid(form, error)
        else:
            if twofactor_flow.needs_code(user):
                db.session.commit()
                return twofactor_flow.ask_code(
                    user, remember=bool(form.remember.data), next_url=safe_next(form.next.data)
                )
            sessions.record_login(user, ip=_client_address())
            return finish_sign_in(user, remember=bool(form.remember.data), next_url=form.next.data)
    elif request.method == "POST":
        g.login_failed = True
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def finish_sign_in(user, *, remember: bool, next_url: str | None):
    """Sign `user` in on a fresh server-side session and send them on: after the password, or after the code
    step."""
    start_browser_session(user, remember=remember)
    flash(_("U bent ingelogd."), "info")
    return redirect(safe_next(next_url) or url_for("workspace.index"))


@bp.post("/uitloggen")
def logout():
    ConfirmForm()  # CSRF is checked globally; the form only documents the expected token
    if current_user.is_authenticated:
        # Ends this sign-in on the server, so a copy of its cookies is useless; other devices stay signed in.
        sessions.end_session(current_user._get_current_object())
        db.session.commit()
    renew_session()
    logout_user()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT"],
    key_func=_client_address,
    methods=["POST"],
    scope="reset-address",
)
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT"],
    key_func=_reset_email_key,
    methods=["POST"],
    scope="reset-email",
)
def forgot_password():
    form = ForgotPasswordForm()
    sent = submit(form, lambda: password_reset.request_password_reset(form.email.data, ip=_client_address()))
    if sent.done:
        response = make_response(render_template("accounts/forgot_password_sent.html"))
        # Mail the link (if the address has an account) once the answer has gone out, so its timing says nothing.
        response.call_on_close(_reset_handler(current_app._get_current_object(), sent.value.id))
        return response
    return render_template("accounts/forgot_password.html", form=form), sent.status


def _reset_handler(app, request_id: int):
    def handle() -> None:
        try:
            with app.app_context():
                password_reset.handle_reset_requests([request_id])
                # Requests a crashed worker left behind; `flask users send-resets` (cron) does the same.
                password_reset.handle_reset_requests(older_than=password_reset.HANDOVER)
        except Exception:  # the answer has gone out; nobody is left to show an error to
            log.exception(
                "Handling password reset request %s failed; `flask users send-resets` retries", request_id
            )

    return handle


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    tokens.find_token(token, TokenPurpose.RESET)
    form = ResetPasswordForm()
    reset = submit(form, lambda: password_reset.reset_password(token, form.password.data))
    if reset.done:
        renew_session()
        logout_user()
        flash(_("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), reset.status


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = tokens.find_token(token, TokenPurpose.INVITE)
    form = AcceptInvitationForm(name=invitation.user.name or None)
    accepted = submit(form, lambda: invitations.accept_invitation(token, form.name.data, form.password.data))
    if accepted.done:
        start_browser_session(accepted.value)
        flash(_("Welkom bij Jeugdkennis! Uw account is klaar voor gebruik."), "info")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    ), accepted.status


@bp.get("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html",
        profile_form=ProfileForm(name=current_user.name, language=current_user.language),
        confirm_form=ConfirmForm(),
    )


@bp.post("/account/gegevens")
@login_required
def update_profile():
    form = ProfileForm()
    saved = submit(
        form,
        lambda: own_account.update_profile(
            current_user, current_user, form.name.data, form.language.data or None
        ),
    )
    if saved.done:
        flash(_("Uw gegevens zijn opgeslagen."), "info")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html", profile_form=form, confirm_form=ConfirmForm()
    ), saved.status


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    changed = submit(
        form,
        lambda: own_account.change_password(
            current_user, current_user, form.current_password.data, form.password.data
        ),
    )
    if changed.done:
        # Every sign-in ended with the change; this browser goes on with a new one.
        start_browser_session(current_user._get_current_object(), remember=_remembered())
        flash(_("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd."), "info")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), changed.status


@bp.route("/account/e-mailadres", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    requested = submit(
        form,
        lambda: own_account.request_email_change(
            current_user, current_user, form.email.data, form.password.data
        ),
    )
    if requested.done:
        flash(
            _(
                "We hebben een bevestigingslink gestuurd naar het nieuwe e-mailadres. Uw adres wijzigt pas als "
                "u op die link klikt."
            ),
            "info",
        )
        return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form), requested.status


@bp.route("/e-mailadres-bevestigen/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    pending = tokens.find_token(token, TokenPurpose.EMAIL_CHANGE)
    form = ConfirmForm()
    # A button only: an address taken in the meantime (Conflict) is a 409 page, as before.
    # Read before the change, which ends every sign-in of the account (this browser's too, if it is theirs).
    signed_in_id = current_user.id if current_user.is_authenticated else None
    confirmed = submit(form, lambda: own_account.confirm_email_change(token), refusals=())
    if confirmed.done:
        if signed_in_id == confirmed.value.id:
            start_browser_session(confirmed.value, remember=_remembered())
        flash(_("Uw e-mailadres is gewijzigd."), "info")
        return redirect(
            url_for("accounts.account" if signed_in_id == confirmed.value.id else "accounts.login")
        )
    return render_template("accounts/confirm_email.html", form=form, pending=pending)


@bp.post("/account/overal-uitloggen")
@login_required
def end_all_sessions():
    ConfirmForm()
    sessions.end_all_sessions(current_user, current_user)
    db.session.commit()
    renew_session()
    logout_user()
    flash(_("U bent op alle apparaten uitgelogd."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/verwijderen", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    deleted = submit(
        form, lambda: own_account.delete_own_account(current_user, current_user, form.password.data)
    )
    if deleted.done:
        renew_session()
        logout_user()
        flash(
            _("Uw account is verwijderd. Wat u hebt bijgedragen blijft bij uw regio, zonder uw naam."),
            "info",
        )
        return redirect(url_for("pages.home"))
    return render_template("accounts/delete_account.html", form=form), deleted.status


@bp.get("/account/abonnementen")
@login_required
def subscriptions():
    """Subscriptions live with the digests; the old account URL keeps working."""
    return redirect(url_for("digests.index"))
