"""Pages of the second factor (on the accounts blueprint): the code step of signing in, setting up (forced
for administrators and functionaries before anything else), recovery codes and turning it off."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from exchange.accounts import bp
from exchange.accounts.services import sessions
from exchange.accounts.twofactor import device, flow, services
from exchange.accounts.twofactor.forms import CodeForm, ConfirmWithCodeForm, SetupForm
from exchange.accounts.views import finish_sign_in, safe_next
from exchange.errors import Invalid
from exchange.extensions import db, limiter
from exchange.forms import apply_invalid

# What a person who must still set up a second factor may reach: the setup itself, signing out, and files.
SETUP_ENDPOINTS = frozenset(
    {"static", "accounts.twofactor", "accounts.twofactor_enable", "accounts.logout", "pages.accessibility"}
)


@bp.before_app_request
def require_second_factor():
    """Administrators and functionaries without a second factor set it up before anything else: also when
    they got in by an invitation, a "remember me" cookie from before, or a role change."""
    if request.endpoint in SETUP_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not services.is_required(current_user):
        return None
    user = current_user._get_current_object()
    if flow.is_marked_verified(user):
        return None
    if services.is_enabled(user):
        flow.mark_verified(user)
        return None
    flash(_("Stel eerst een tweede factor in. Voor uw rol is die verplicht."), "info")
    return redirect(url_for("accounts.twofactor"))


def _code_failed(response) -> bool:
    return bool(g.get("twofactor_failed"))


def _account_key() -> str:
    pending = flow.pending()
    if pending is not None:
        return f"twofactor-account:{pending[0].id}"
    if current_user.is_authenticated:
        return f"twofactor-account:{current_user.id}"
    return "twofactor-account:none"


def _client_address() -> str:
    return get_remote_address() or "unknown"


def limited(view):
    """Wrong codes count per account and per client address, like wrong passwords at sign-in."""
    view = limiter.limit(
        lambda: current_app.config["TWOFACTOR_LIMIT_PER_ADDRESS"],
        key_func=_client_address,
        methods=["POST"],
        deduct_when=_code_failed,
        scope="twofactor-address",
    )(view)
    return limiter.limit(
        lambda: current_app.config["TWOFACTOR_LIMIT_PER_ACCOUNT"],
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_code_failed,
        scope="twofactor-account",
    )(view)


def _attempt(form, action):
    """Run a code-checking service for a valid form. A wrong code is committed (its audit record stays) and
    counts against the rate limit; other refusals roll back. Returns the service's value or None."""
    if not form.validate_on_submit():
        if form.is_submitted():
            g.twofactor_failed = True
        return None
    try:
        value = action()
    except services.CodeRefused as error:
        db.session.commit()
        g.twofactor_failed = True
        apply_invalid(form, error)
        return None
    except Invalid as error:
        db.session.rollback()
        g.twofactor_failed = True
        apply_invalid(form, error)
        return None
    db.session.commit()
    return value


def _codes_page(codes: list[str], next_url: str):
    response = current_app.make_response(
        render_template("accounts/twofactor_codes.html", codes=codes, next_url=next_url)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limited
def twofactor_code():
    pending = flow.pending()
    if pending is None:
        flash(
            _("Log opnieuw in; de code moet binnen tien minuten na het wachtwoord worden ingevuld."), "info"
        )
        return redirect(url_for("accounts.login"))
    user, data = pending
    form = CodeForm()
    method = _attempt(form, lambda: services.verify_code(user, form.code.data, ip=_client_address()))
    if method is not None:
        sessions.record_login(user, ip=_client_address(), second_factor=method)
        response = finish_sign_in(user, remember=bool(data.get("remember")), next_url=data.get("next"))
        flow.mark_verified(user)
        if form.remember_device.data:
            device.remember(response, user, services.second_factor(user))
        if method == "recovery":
            flash(
                _("U hebt een herstelcode gebruikt; die werkt nu niet meer. Nog over: %(count)d.")
                % {"count": services.unused_recovery_codes(user)},
                "info",
            )
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/twofactor_code.html", form=form), status


@bp.get("/account/tweede-factor")
@login_required
def twofactor():
    user = current_user._get_current_object()
    if services.is_enabled(user):
        return _status_page(user)
    return _setup_page(user, SetupForm())


def _setup_page(user, form, status: int = 200):
    tf = services.begin_setup(user, user)
    db.session.commit()
    uri = services.provisioning_uri(user, tf)
    return render_template(
        "accounts/twofactor_setup.html",
        form=form,
        required=services.is_required(user),
        qr_svg=services.qr_svg(uri, _("QR-code voor uw authenticator-app")),
        secret=services.format_secret(tf.secret),
    ), status


def _status_page(user, *, codes_form=None, disable_form=None, status: int = 200):
    return render_template(
        "accounts/twofactor_status.html",
        required=services.is_required(user),
        remaining=services.unused_recovery_codes(user),
        codes_form=codes_form or ConfirmWithCodeForm(prefix="codes"),
        disable_form=disable_form or ConfirmWithCodeForm(prefix="disable"),
    ), status


@bp.post("/account/tweede-factor/instellen")
@login_required
@limited
def twofactor_enable():
    user = current_user._get_current_object()
    form = SetupForm()
    codes = _attempt(
        form,
        lambda: services.confirm_setup(user, user, form.password.data, form.code.data, ip=_client_address()),
    )
    if codes is None:
        if services.is_enabled(user):
            return redirect(url_for("accounts.twofactor"))
        return _setup_page(user, form, 422)
    flow.mark_verified(user)
    flash(_("De tweede factor staat aan."), "info")
    return _codes_page(codes, safe_next(request.args.get("next")) or url_for("workspace.index"))


@bp.post("/account/tweede-factor/herstelcodes")
@login_required
@limited
def twofactor_recovery_codes():
    user = current_user._get_current_object()
    form = ConfirmWithCodeForm(prefix="codes")
    codes = _attempt(
        form,
        lambda: services.regenerate_recovery_codes(
            user, user, form.password.data, form.code.data, ip=_client_address()
        ),
    )
    if codes is None:
        return _status_page(user, codes_form=form, status=422)
    flash(_("Er zijn nieuwe herstelcodes gemaakt; de oude werken niet meer."), "info")
    return _codes_page(codes, url_for("accounts.twofactor"))


@bp.post("/account/tweede-factor/uitzetten")
@login_required
@limited
def twofactor_disable():
    user = current_user._get_current_object()
    form = ConfirmWithCodeForm(prefix="disable")
    done = _attempt(
        form,
        lambda: (
            services.disable(user, user, form.password.data, form.code.data, ip=_client_address()) or True
        ),
    )
    if done is None:
        return _status_page(user, disable_form=form, status=422)
    flash(_("De tweede factor staat uit."), "info")
    return redirect(url_for("accounts.account"))
