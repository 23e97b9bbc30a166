"""`flask mail ...`: send what the outbox still owes (for cron) and show what is waiting."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from exchange.cli import progress
from exchange.extensions import db
from exchange.jobs import exclusive
from exchange.mail import MailDeliveryError
from exchange.mail.models import OutgoingMail
from exchange.mail.outbox import send_pending

mail_cli = AppGroup("mail", help="Uitgaande e-mail: wachtende berichten versturen en bekijken.")


@mail_cli.command("send-pending")
@exclusive("mail-send-pending")
def send_pending_command() -> None:
    """Verstuur e-mails die nog niet verstuurd konden worden (bedoeld voor cron, bijvoorbeeld elke 5 minuten).

    Berichten ouder dan MAIL_OUTBOX_MAX_AGE_HOURS worden opgegeven. Twee keer tegelijk draaien verstuurt niets
    dubbel.
    """
    try:
        run = send_pending(progress=progress)
    except MailDeliveryError as exc:
        click.echo(f"De mailserver is niet bereikbaar; de berichten blijven wachten ({exc}).", err=True)
        raise SystemExit(1) from exc
    left = db.session.scalar(select(func.count(OutgoingMail.id)))
    click.echo(
        f"{run.sent} verstuurd, {run.failed} mislukt, {run.given_up} opgegeven (ouder dan "
        f"{current_app.config['MAIL_OUTBOX_MAX_AGE_HOURS']} uur); {left} wachtend."
    )
    for error in run.errors[:20]:
        click.echo(f"  mislukt: {error}", err=True)
    if run.failed:
        raise SystemExit(1)


@mail_cli.command("status")
def status_command() -> None:
    """Toon hoeveel e-mails wachten, de oudste en de laatste fout."""
    rows = db.session.execute(
        select(OutgoingMail.template, OutgoingMail.created_at, OutgoingMail.attempts, OutgoingMail.last_error)
        .order_by(OutgoingMail.created_at, OutgoingMail.id)
        .limit(20)
    ).all()
    total = db.session.scalar(select(func.count(OutgoingMail.id)))
    if not total:
        click.echo("Geen wachtende e-mails.")
        return
    click.echo(f"{total} wachtende e-mail(s); de oudste {min(20, total)}:")
    for template, created_at, attempts, error in rows:
        click.echo(
            f"  {created_at:%Y-%m-%d %H:%M}Z  {template}  pogingen: {attempts}  {error or ''}".rstrip()
        )
