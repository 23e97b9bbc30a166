"""`flask users ...`: create accounts and coaching assignments from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from exchange.accounts.models import Role
from exchange.accounts.services import coaching, invitations, rules
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.jobs import exclusive
from exchange.policy import SYSTEM
from exchange.reference.lookups import RegionNotFound, ThemeNotFound, find_region, find_theme


class CommandError(click.ClickException):
    """A failure shown as "Fout: ..." on standard error, with exit status 1."""

    def show(self, file=None) -> None:
        click.echo(_("Fout: %(message)s", message=self.format_message()), err=True)


@click.group("users")
def users_cli() -> None:
    """Manage accounts (staff, functionaries, administrators)."""


def _fail(error: DomainError) -> None:
    db.session.rollback()
    if isinstance(error, RegionNotFound):
        raise CommandError(_("Onbekende regio: %(value)s", value=error.value))
    if isinstance(error, ThemeNotFound):
        raise CommandError(_("Onbekend thema: %(value)s", value=error.value))
    raise CommandError(error.text())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise click.UsageError(_("Geen wachtwoord ontvangen op standaardinvoer."))
        return password
    return click.prompt(_("Wachtwoord"), hide_input=True, confirmation_prompt=_("Herhaal het wachtwoord"))


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="staff (regiomedewerker), functionary (themafunctionaris) or admin (beheerder).",
)
@click.option("--name", default="", help="Full name shown to others.")
@click.option("--region", "region_ref", default=None, help="Region code (JZ01) or slug; required for staff.")
@click.option(
    "--theme", "theme_slugs", multiple=True, help="Theme slug for a functionary; repeat for several."
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt."
)
@with_appcontext
def create_user(
    email: str,
    role: str,
    name: str,
    region_ref: str | None,
    theme_slugs: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create an account that can sign in at once. Staff need --region; functionaries may get --theme."""
    try:
        region = find_region(region_ref) if region_ref else None
        themes = [find_theme(slug) for slug in theme_slugs]
        # Check everything except the password before asking for it.
        address = rules.normalise_email(email)
        rules.check_combination(Role(role), region, themes)
        if rules.find_user_by_email(address) is not None:
            raise CommandError(_("Er bestaat al een account met dit e-mailadres."))
        password = _read_password(password_stdin)
        user = invitations.create_user(
            SYSTEM, email, Role(role), password, name=name, region=region, themes=themes
        )
    except DomainError as error:
        _fail(error)
    db.session.commit()
    details = [user.role_label]
    if region:
        details.append(_("regio %(name)s", name=region.display_name))
    if themes:
        details.append(_("thema's: %(slugs)s", slugs=", ".join(t.slug for t in themes)))
    click.echo(
        _("Account aangemaakt: %(email)s (%(details)s).", email=user.email, details=", ".join(details))
    )


@users_cli.command("assign")
@click.argument("email")
@click.option("--region", "region_ref", required=True, help="Region code (JZ01) or slug.")
@click.option(
    "--theme",
    "theme_slug",
    default=None,
    help="Theme slug; without it the functionary coaches the region on all their themes.",
)
@with_appcontext
def assign(email: str, region_ref: str, theme_slug: str | None) -> None:
    """Assign a functionary to coach a region, on one theme or on all their themes."""
    try:
        region = find_region(region_ref)
        theme = find_theme(theme_slug) if theme_slug else None
        user = rules.find_user_by_email(rules.normalise_email(email))
        if user is None:
            raise CommandError(_("Geen account met e-mailadres %(email)s.", email=email))
        coaching.assign_functionary(SYSTEM, user, region, theme)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    what = _("thema %(slug)s", slug=theme.slug) if theme else _("al zijn of haar thema's")
    click.echo(
        _(
            "%(email)s coacht nu regio %(region)s op %(what)s.",
            email=user.email,
            region=region.display_name,
            what=what,
        )
    )


@users_cli.command("purge-audit")
@with_appcontext
@exclusive("users-purge-audit")
def purge_audit() -> None:
    """Apply the audit log's retention (AUDIT_RETENTION_DAYS, AUDIT_IP_RETENTION_DAYS); meant for cron."""
    from flask import current_app

    from exchange import audit

    counts = audit.purge()
    db.session.commit()
    click.echo(
        _(
            "%(deleted)d logboekregels ouder dan %(days)d dagen verwijderd; uit %(anonymised)d oudere regels "
            "het IP-adres en getypte e-mailadres gewist.",
            deleted=counts.deleted,
            days=current_app.config["AUDIT_RETENTION"].days,
            anonymised=counts.anonymised,
        )
    )


@users_cli.command("send-resets")
@with_appcontext
@exclusive("users-send-resets")
def send_resets() -> None:
    """Mail the password-reset links of requests not handled yet (normally handled right after the answer);
    meant for cron, next to `flask mail send-pending`."""
    from exchange.accounts.services import password_reset

    queued = password_reset.handle_reset_requests(older_than=password_reset.HANDOVER)
    click.echo(_("%(n)d herstellinks verstuurd.", n=queued))


@users_cli.command("purge-sessions")
@with_appcontext
@exclusive("users-purge-sessions")
def purge_sessions() -> None:
    """Delete sign-ins unused for SESSION_IDLE_DAYS (they no longer sign anyone in); meant for cron."""
    from exchange.accounts.services import sessions

    deleted = sessions.purge_sessions()
    db.session.commit()
    click.echo(_("%(n)d verlopen sessies verwijderd.", n=deleted))
