"""Subscription pages: subscribe, confirm, manage or leave through a signed link, data and erasure, admin views."""

from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from exchange.database import utcnow
from exchange.digests import bp, forms, services, tokens
from exchange.digests.content import collect_content, compose
from exchange.digests.models import DigestRun, Frequency, Subscriber
from exchange.digests.periods import FREQUENCY_LABELS, last_completed, period_containing, period_starting
from exchange.digests.sending import build_digest_message, recipient_for
from exchange.errors import Invalid, NotFound
from exchange.extensions import csrf, db, limiter
from exchange.forms import ConfirmForm, submit
from exchange.i18n import current_language, mail_language
from exchange.policy import require
from exchange.reference import cache
from exchange.reference.lookups import ThemeNotFound, find_theme
from exchange.reference.models import Region, Theme


def _themes():
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)))


def _regions():
    return list(db.session.scalars(select(Region).order_by(Region.display_name)))


def _new_choice_form(cls, theme=None):
    form = cls(formdata=None)
    form.set_choices(_themes(), _regions())
    form.consent_version.data = services.consent_version(services.consent_text())
    form.consent_text = services.consent_text()
    if theme is not None:
        form.themes.data = [theme.slug]
    if hasattr(form, "language"):
        form.language.data = current_language()  # the page's language, until the person picks another
    return form


@bp.app_template_global()
def digest_subscribe_form(theme=None):
    """A fresh subscribe form for includes (templates/digests/_subscribe_form.html on theme pages).

    Without a CSRF token: the theme page is stored for every visitor (`visitor_cached`) and a token would give
    each one a session. The form posts to `subscribe_check`, which changes nothing and shows the choices again
    in the CSRF-protected form of the subscriptions page; only that form subscribes. Choices come from the
    per-process reference snapshot (no query)."""
    form = forms.SubscribeForm(formdata=None, meta={"csrf": False})
    names = cache.snapshot()
    form.set_choices(names.themes, names.regions)
    form.consent_version.data = services.consent_version(services.consent_text())
    form.consent_text = services.consent_text()
    if theme is not None:
        form.themes.data = [theme.slug]
    form.language.data = current_language()
    return form


@bp.app_template_filter()
def digest_period_label(run: DigestRun) -> str:
    return period_starting(run.frequency, run.period_start).label


def _email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    return "digest-email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def _client_address() -> str:
    return get_remote_address() or "unknown"


def _choice(form) -> services.Choice:
    themes = {t.slug: t for t in _themes()}
    regions = {r.slug: r for r in _regions()}
    if getattr(form, "language", None) is not None and form.language.data:
        language = form.language.data
    elif current_user.is_authenticated:
        language = current_user.language
    else:
        language = current_language()
    return services.Choice(
        themes=[themes[s] for s in form.themes.data or [] if s in themes],
        regions=[regions[s] for s in form.regions.data or [] if s in regions],
        frequency=Frequency(form.frequency.data),
        language=mail_language(language),
    )


def _require_current_consent(form) -> None:
    """Refuse (Invalid, shown above the form) a form that showed an older consent text than we store now.

    The form then carries the current version, so sending it again after reading the text succeeds.
    """
    current = services.consent_version(services.consent_text())
    if form.consent_version.data != current:
        form.consent_version.data = current
        raise Invalid(
            _(
                "De toestemmingstekst is intussen gewijzigd. Lees hem opnieuw en verstuur het formulier nog eens."
            )
        )


def _subscriber_for_user():
    if not current_user.is_authenticated:
        return None
    return services.find_subscriber((current_user.email or "").lower())


def _index_page(subscribe_form=None, account_form=None, link_form=None, status=200, notice=None):
    subscriber = _subscriber_for_user()
    manage_token = tokens.manage_token(subscriber.key) if subscriber else None
    if current_user.is_authenticated:
        account_form = account_form or _new_choice_form(forms.ChoiceForm)
        subscribe_form = None
    else:
        subscribe_form = subscribe_form or _new_choice_form(forms.SubscribeForm)
    frequency_form = (
        forms.FrequencyForm(formdata=None, frequency=subscriber.frequency.value) if subscriber else None
    )
    return render_template(
        "digests/index.html",
        subscribe_form=subscribe_form,
        account_form=account_form,
        link_form=link_form or forms.LinkRequestForm(formdata=None),
        subscriber=subscriber,
        manage_token=manage_token,
        data_token=tokens.data_token(subscriber.key) if subscriber else None,
        frequency_form=frequency_form,
        confirm_form=ConfirmForm(formdata=None),
        consent_text=services.consent_text(),
        frequency_labels=FREQUENCY_LABELS,
        notice=notice,
    ), status


@bp.get("/abonnementen")
def index():
    theme = None
    slug = request.args.get("thema")
    if slug:
        try:
            theme = find_theme(slug)
        except ThemeNotFound:
            theme = None
    if theme is not None and not current_user.is_authenticated:
        return _index_page(subscribe_form=_new_choice_form(forms.SubscribeForm, theme))
    if theme is not None:
        return _index_page(account_form=_new_choice_form(forms.ChoiceForm, theme))
    return _index_page()


@bp.post("/abonnementen/aanmelden")
@limiter.limit(
    lambda: current_app.config["DIGEST_SUBSCRIBE_LIMIT"],
    key_func=_client_address,
    scope="digest-subscribe-address",
)
@limiter.limit(
    lambda: current_app.config["DIGEST_SUBSCRIBE_LIMIT_PER_EMAIL"],
    key_func=_email_key,
    scope="digest-subscribe-email",
)
def subscribe():
    form = forms.SubscribeForm()
    form.set_choices(_themes(), _regions())

    def request_subscription():
        _require_current_consent(form)
        return services.request_subscription(
            form.email.data, _choice(form), text=services.consent_text(), locale=str(get_locale() or "nl")
        )

    requested = submit(form, request_subscription)
    if requested.done:
        return redirect(url_for("digests.subscribe_sent"))
    return _index_page(subscribe_form=form, status=requested.status)


@bp.post("/abonnementen/aanmelden/controleren")
@csrf.exempt
def subscribe_check():
    """The theme page's subscribe form (sent without a CSRF token, see `digest_subscribe_form`): stores and
    sends nothing, and shows the same choices in the CSRF-protected subscribe form to send once more."""
    form = _new_choice_form(forms.SubscribeForm)
    posted = request.form
    form.email.data = (posted.get("email") or "").strip()[:254]
    themes = {c.value for c in form.themes.choices}
    regions = {c.value for c in form.regions.choices}
    form.themes.data = [s for s in dict.fromkeys(posted.getlist("themes")) if s in themes] or form.themes.data
    form.regions.data = [s for s in dict.fromkeys(posted.getlist("regions")) if s in regions]
    if posted.get("frequency") in {c.value for c in form.frequency.choices}:
        form.frequency.data = posted["frequency"]
    if posted.get("language") in {c.value for c in form.language.choices}:
        form.language.data = posted["language"]
    notice = _(
        "Controleer uw gegevens en klik op Aanmelden. Pas dan sturen we u een e-mail om uw aanmelding te bevestigen."
    )
    return _index_page(subscribe_form=form, notice=notice)


@bp.get("/abonnementen/aangemeld")
def subscribe_sent():
    return render_template("digests/sent.html", kind="subscribe")


@bp.post("/abonnementen/mijn/aanmelden")
@login_required
def account_subscribe():
    form = forms.ChoiceForm()
    form.set_choices(_themes(), _regions())

    def subscribe_account():
        _require_current_consent(form)
        return services.subscribe_account(
            current_user, _choice(form), text=services.consent_text(), locale=str(get_locale() or "nl")
        )

    if submit(form, subscribe_account).done:
        flash(_("Uw abonnement is opgeslagen."), "success")
        return redirect(url_for("digests.index"))
    return _index_page(account_form=form, status=422)


@bp.route("/abonnementen/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # A GET only shows a button: mail scanners that open links must not confirm on someone's behalf.
    consent = services.consent_by_token(token)
    form = ConfirmForm()
    # A button only: any refusal (an expired link, ...) stays an error page, as it has no field to sit on.
    confirmed = submit(form, lambda: services.confirm_subscription(consent), refusals=())
    if not confirmed.done:
        request_ = consent.request or {}
        themes = [t for t in _themes() if t.slug in (request_.get("themes") or [])]
        regions = [r for r in _regions() if r.slug in (request_.get("regions") or [])]
        try:
            frequency_label = FREQUENCY_LABELS[Frequency(request_.get("frequency"))]
        except ValueError:
            frequency_label = ""
        page = render_template(
            "digests/confirm.html",
            consent=consent,
            form=form,
            token=token,
            themes=themes,
            regions=regions,
            frequency_label=frequency_label,
        )
        return page, confirmed.status
    return render_template(
        "digests/confirmed.html",
        already=not confirmed.value,
        manage_token=tokens.manage_token(consent.subscriber.key),
    )


@bp.post("/abonnementen/links")
@limiter.limit(
    lambda: current_app.config["DIGEST_LINK_LIMIT"], key_func=_client_address, scope="digest-links-address"
)
@limiter.limit(
    lambda: current_app.config["DIGEST_SUBSCRIBE_LIMIT_PER_EMAIL"],
    key_func=_email_key,
    scope="digest-links-email",
)
def request_links():
    form = forms.LinkRequestForm()
    if submit(form, lambda: services.request_links(form.email.data)).done:
        return redirect(url_for("digests.links_sent"))
    return _index_page(link_form=form, status=422)


@bp.get("/abonnementen/links-verstuurd")
def links_sent():
    return render_template("digests/sent.html", kind="links")


def _manage_context(token: str):
    subscriber, subscription, subscription_id = services.resolve_manage_token(token)
    return subscriber, subscription, subscription_id


def _new_manage_form(subscriber) -> forms.ManageForm:
    form = forms.ManageForm(formdata=None)
    form.set_choices(_themes(), _regions())
    form.themes.data = [s.theme.slug for s in subscriber.subscriptions]
    form.regions.data = sorted({r.slug for s in subscriber.subscriptions for r in s.regions})
    form.language.data = subscriber.language
    form.consent_version.data = services.consent_version(services.consent_text())
    return form


def _manage_page(token: str, manage_form=None, status: int = 200):
    subscriber, subscription, subscription_id = _manage_context(token)
    frequency_form = (
        forms.FrequencyForm(formdata=None, frequency=subscriber.frequency.value) if subscriber else None
    )
    if subscriber is not None and manage_form is None:
        manage_form = _new_manage_form(subscriber)
    regions_differ = (
        subscriber is not None
        and len({frozenset(r.id for r in s.regions) for s in subscriber.subscriptions}) > 1
    )
    return render_template(
        "digests/manage.html",
        token=token,
        subscriber=subscriber,
        subscription=subscription,
        scoped=subscription_id is not None,
        frequency_form=frequency_form,
        manage_form=manage_form,
        regions_differ=regions_differ,
        consent_text=services.consent_text(),
        confirm_form=ConfirmForm(formdata=None),
        frequency_labels=FREQUENCY_LABELS,
    ), status


@bp.get("/abonnementen/beheer/<token>")
def manage(token: str):
    return _manage_page(token)


@bp.post("/abonnementen/beheer/<token>/wijzigen")
def update_subscriptions(token: str):
    """Add or remove themes, choose regions and the language of the mails (CSRF; the token is the proof)."""
    subscriber = _require_subscriber(token)
    form = forms.ManageForm()
    form.set_choices(_themes(), _regions())
    themes = {t.slug: t for t in _themes()}
    regions = {r.slug: r for r in _regions()}

    def update():
        _require_current_consent(form)
        return services.update_subscriptions(
            subscriber,
            [themes[s] for s in form.themes.data or [] if s in themes],
            [regions[s] for s in form.regions.data or [] if s in regions],
            form.language.data or subscriber.language,
            text=services.consent_text(),
            locale=current_language(),
        )

    saved = submit(form, update)
    if saved.done:
        if saved.value:
            flash(_("Uw keuzes zijn opgeslagen."), "success")
        return redirect(url_for("digests.manage", token=token))
    return _manage_page(token, manage_form=form, status=saved.status)


@bp.post("/abonnementen/beheer/<token>")
@csrf.exempt
def one_click(token: str):
    """RFC 8058 one-click unsubscribe: a mail client POSTs `List-Unsubscribe=One-Click` here; act at once,
    answer briefly, no page. A link for one theme (a digest's "leave this theme") leaves that theme only.

    Any other POST changes nothing (400): the body is what tells a deliberate one-click from a prefetching
    scanner or a stray form, and a subscriber's forms on the page post to their own URLs."""
    subscriber, subscription, subscription_id = _manage_context(token)
    if request.form.get("List-Unsubscribe") != "One-Click":
        message = _(
            "Afmelden met één klik vraagt om List-Unsubscribe=One-Click. Open de link in uw browser om uw "
            "abonnement te beheren."
        )
        return Response(message + "\n", status=400, mimetype="text/plain")
    if subscriber is not None:
        if subscription_id is None:
            services.leave_all(subscriber)
        elif subscription is not None:
            services.leave_theme(subscriber, subscription)
        db.session.commit()
    return Response("U bent afgemeld.\n", status=200, mimetype="text/plain")


def _require_subscriber(token: str):
    subscriber, _subscription, _sid = _manage_context(token)
    if subscriber is None:
        raise NotFound(_("Dit adres staat niet (meer) bij ons ingeschreven."), code="subscriber_gone")
    return subscriber


def _back_to(token: str):
    if request.form.get("next") == "index" and current_user.is_authenticated:
        return redirect(url_for("digests.index"))
    return redirect(url_for("digests.manage", token=token))


@bp.post("/abonnementen/beheer/<token>/thema/<int:subscription_id>/opzeggen")
def leave_theme(token: str, subscription_id: int):
    ConfirmForm()
    subscriber = _require_subscriber(token)
    subscription = next((s for s in subscriber.subscriptions if s.id == subscription_id), None)
    if subscription is None:
        flash(_("U ontving dit thema al niet meer."), "info")
    else:
        name = subscription.theme.name
        services.leave_theme(subscriber, subscription)
        db.session.commit()
        flash(_("U ontvangt geen nieuws meer over %(theme)s.", theme=name), "success")
    return _back_to(token)


@bp.post("/abonnementen/beheer/<token>/frequentie")
def change_frequency(token: str):
    subscriber = _require_subscriber(token)
    form = forms.FrequencyForm()
    if not form.validate_on_submit():
        flash(_("Kies dagelijks, wekelijks of maandelijks."), "error")
        return _back_to(token)
    services.change_frequency(subscriber, Frequency(form.frequency.data))
    db.session.commit()
    flash(
        _("U krijgt voortaan %(label)s een overzicht.", label=FREQUENCY_LABELS[subscriber.frequency]),
        "success",
    )
    return _back_to(token)


@bp.post("/abonnementen/beheer/<token>/alles-opzeggen")
def leave_all(token: str):
    ConfirmForm()
    subscriber = _require_subscriber(token)
    services.leave_all(subscriber)
    db.session.commit()
    flash(_("U bent voor alle thema's afgemeld. U krijgt geen overzichten meer."), "success")
    return _back_to(token)


@bp.post("/abonnementen/beheer/<token>/gegevenslink")
@limiter.limit(
    lambda: current_app.config["DIGEST_LINK_LIMIT"], key_func=_client_address, scope="digest-links-address"
)
def send_data_link(token: str):
    ConfirmForm()
    subscriber = _require_subscriber(token)
    services.request_links(subscriber.email)
    db.session.commit()
    flash(_("We hebben een link naar uw e-mailadres gestuurd."), "success")
    return redirect(url_for("digests.manage", token=token))


@bp.get("/abonnementen/gegevens/<token>")
def data(token: str):
    subscriber = services.subscriber_by_data_token(token)
    return render_template(
        "digests/data.html",
        token=token,
        subscriber=subscriber,
        confirm_form=ConfirmForm(formdata=None),
        frequency_labels=FREQUENCY_LABELS,
    )


@bp.get("/abonnementen/gegevens/<token>/download")
def data_download(token: str):
    subscriber = services.subscriber_by_data_token(token)
    if subscriber is None:
        raise NotFound(_("Dit adres staat niet (meer) bij ons ingeschreven."), code="subscriber_gone")
    body = json.dumps(services.export_data(subscriber), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="jeugdkennis-abonnement.json"',
            "Cache-Control": "no-store",
        },
    )


def _erase_page(subscriber, action: str, cancel: str):
    """The confirmation page of erasing a subscriber: what goes, and one button (POST to `action`)."""
    items = [
        _("Uw e-mailadres %(email)s wordt gewist.", email=subscriber.email),
        _("Uw abonnementen, uw toestemmingen en de gegevens over verstuurde e-mails worden gewist."),
        _("U krijgt daarna geen overzichten en geen andere e-mail meer van ons."),
        _("Dit kan niet ongedaan worden gemaakt. Wilt u later weer nieuws, dan meldt u zich opnieuw aan."),
    ]
    return render_template(
        "_partials/confirm_page.html",
        title=_("Al uw gegevens wissen?"),
        items=items,
        action=action,
        button=_("Wis al mijn gegevens"),
        cancel=(cancel, None),
        form=ConfirmForm(formdata=None),
    )


@bp.route("/abonnementen/gegevens/<token>/wissen", methods=["GET", "POST"])
def erase(token: str):
    subscriber = services.subscriber_by_data_token(token)
    if request.method == "GET":
        if subscriber is None:
            return redirect(url_for("digests.data", token=token))
        return _erase_page(
            subscriber, url_for("digests.erase", token=token), url_for("digests.data", token=token)
        )
    if subscriber is not None:
        services.erase_subscriber(subscriber)
        db.session.commit()
    return render_template("digests/erased.html")


@bp.route("/abonnementen/beheer/<token>/wissen", methods=["GET", "POST"])
def erase_from_manage(token: str):
    subscriber, _subscription, _sid = _manage_context(token)
    if request.method == "GET":
        if subscriber is None:
            return redirect(url_for("digests.manage", token=token))
        return _erase_page(
            subscriber,
            url_for("digests.erase_from_manage", token=token),
            url_for("digests.manage", token=token),
        )
    if subscriber is not None:
        services.erase_subscriber(subscriber)
        db.session.commit()
    return render_template("digests/erased.html")


# Administrators


@bp.get("/beheer/themaoverzichten")
@login_required
def runs():
    require(current_user, "digest.runs")
    email = (request.args.get("email") or "").strip().lower()[:254]
    found = []
    if email:
        found = list(
            db.session.scalars(
                select(Subscriber)
                .where(Subscriber.email.contains(email, autoescape=True))
                .order_by(Subscriber.email)
                .limit(20)
            )
        )
    recent = list(
        db.session.scalars(
            select(DigestRun).order_by(DigestRun.started_at.desc(), DigestRun.id.desc()).limit(50)
        )
    )
    return render_template(
        "digests/admin_runs.html",
        runs=recent,
        email=email,
        found=found,
        counts=services.subscriber_counts(),
        frequency_labels=FREQUENCY_LABELS,
    )


def _preview(subscriber_id: int):
    # Whoever may not see runs gets 403 before the lookup, so a subscriber id's existence is not revealed.
    require(current_user, "digest.runs")
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    require(current_user, "digest.preview", subscriber)
    frequency = subscriber.frequency
    now = utcnow()
    which = request.args.get("periode", "volgende")
    if which == "vorige":
        period = last_completed(frequency, now, current_app.config["DIGEST_SETTLE"])
    else:
        period = period_containing(frequency, now)
    content = collect_content(period)
    recipient = recipient_for(subscriber.id, frequency)
    digest = (
        compose(content, recipient, limit=current_app.config["DIGEST_SECTION_LIMIT"]) if recipient else None
    )
    message = build_digest_message(digest, content.themes) if digest else None
    return subscriber, period, which, digest, message


@bp.get("/beheer/themaoverzichten/abonnees/<int:subscriber_id>")
@login_required
def preview(subscriber_id: int):
    subscriber, period, which, digest, message = _preview(subscriber_id)
    return render_template(
        "digests/admin_preview.html",
        subscriber=subscriber,
        period=period,
        which=which,
        digest=digest,
        message=message,
        frequency_labels=FREQUENCY_LABELS,
    )


@bp.get("/beheer/themaoverzichten/abonnees/<int:subscriber_id>/html")
@login_required
def preview_html(subscriber_id: int):
    _subscriber, _period, _which, _digest, message = _preview(subscriber_id)
    if message is None:
        raise NotFound(_("Er is (nog) niets nieuws voor deze abonnee in deze periode."), code="digest_empty")
    response = Response(message.html, mimetype="text/html")
    # The mail's own HTML, shown as the mail client would: no scripts, no outside resources, inline styles only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )
    return response
