"""`flask digests ...`: send the digests (for cron) and erase stale subscriber data."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from exchange.cli import progress
from exchange.database import utcnow
from exchange.digests import services
from exchange.digests.models import Frequency
from exchange.digests.periods import TZ
from exchange.digests.sending import SendReport, send_digests
from exchange.extensions import db
from exchange.jobs import exclusive

digests_cli = AppGroup("digests", help="Thema-overzichten per e-mail: versturen en opschonen.")

FREQUENCY_CHOICES = ", ".join(f.value for f in Frequency)


def parse_frequency(ctx, param, value: str | None) -> Frequency:
    if value is None:
        raise click.BadParameter(f"Kies een frequentie: {FREQUENCY_CHOICES}.", ctx=ctx, param=param)
    try:
        return Frequency(value.strip().lower())
    except ValueError as exc:
        raise click.BadParameter(
            f"Onbekende frequentie {value!r}. Kies uit: {FREQUENCY_CHOICES}.", ctx=ctx, param=param
        ) from exc


def parse_now(text: str, *, real_now: datetime, tolerance: timedelta) -> datetime:
    """An ISO-8601 instant; without an offset it is read as Amsterdam time. Raises ValueError in Dutch."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is geen geldige ISO-8601-tijd. Voorbeelden: 2025-03-31T07:00 (Amsterdamse tijd) "
            "of 2025-03-31T05:00:00+00:00."
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    if value > real_now + tolerance:
        raise ValueError(
            f"{text!r} ligt in de toekomst. Een periode kan pas worden verstuurd als ze voorbij is; "
            "laat --now weg om de huidige tijd te gebruiken."
        )
    if value.year < 2000:
        raise ValueError(f"{text!r} ligt te ver in het verleden.")
    return value


def _print_report(report: SendReport) -> None:
    mode = " (proefdraai: niets verstuurd)" if any(p.dry_run for p in report.periods) else ""
    when = report.now.astimezone(TZ)
    click.echo(f"Samenvatting {report.frequency.value}{mode}, uitgevoerd voor {when:%Y-%m-%d %H:%M %Z}:")
    if report.already_done and not report.periods:
        click.echo("  De laatste afgesloten periode is al verstuurd; er is niets te doen.")
    for p in report.periods:
        kind = "herkansing" if p.retry_only else "periode"
        click.echo(
            f"  {kind} {p.period.label} [{p.period.start:%Y-%m-%d %H:%M}Z, {p.period.end:%Y-%m-%d %H:%M}Z):"
        )
        if p.dry_run:
            click.echo(
                f"    {p.considered} abonnees bekeken, {p.would_send} zouden een e-mail krijgen, "
                f"{p.empty} niets nieuws, {p.skipped} al verstuurd of in behandeling"
            )
            continue
        click.echo(
            f"    {p.considered} abonnees bekeken: {p.sent} verstuurd, {p.failed} mislukt (volgende keer opnieuw), "
            f"{p.rejected} geweigerd, {p.empty} niets nieuws, {p.skipped} al verstuurd of in behandeling"
        )
        for error in p.errors[:5]:
            click.echo(f"    fout: {error}")
        if p.aborted:
            click.echo(
                f"    AFGEBROKEN: {p.aborted}. Draai het commando opnieuw; wat verstuurd is, gaat niet nog eens."
            )
    if report.skipped_periods:
        first, last = report.skipped_periods[0], report.skipped_periods[-1]
        click.echo(
            f"  Let op: {len(report.skipped_periods)} gemiste oudere perioden ({first.label} t/m {last.label}) zijn "
            "niet verstuurd (DIGEST_CATCH_UP_LIMIT). Verstuur ze zo nodig één voor één met --now."
        )


@digests_cli.command("send")
@click.option(
    "--frequency",
    callback=parse_frequency,
    metavar="daily|weekly|monthly",
    help="Welke abonnees: daily, weekly of monthly.",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO-8601",
    help="Doe alsof het nu dit tijdstip is (zonder tijdzone: Amsterdamse tijd). Niet in de toekomst.",
)
@click.option(
    "--dry-run", is_flag=True, help="Alleen tellen wie een e-mail zou krijgen; niets versturen of vastleggen."
)
@exclusive(lambda frequency, dry_run, **_: None if dry_run else f"digests-send-{frequency.value}")
def send(frequency: Frequency, now_text: str | None, dry_run: bool) -> None:
    """Verstuur de thema-overzichten van de laatst afgesloten periode (bedoeld voor cron).

    Perioden lopen van middernacht tot middernacht in Amsterdamse tijd: een dag, een week (maandag tot
    maandag) of een kalendermaand. Gemiste perioden worden ingehaald (elk een eigen e-mail), mislukte
    e-mails opnieuw geprobeerd. Twee keer draaien verstuurt niets dubbel.
    """
    now = utcnow()
    if now_text is not None:
        # Checked here, not in an option callback: the tolerance is configuration, read in the app context.
        try:
            now = parse_now(now_text, real_now=now, tolerance=current_app.config["DIGEST_NOW_TOLERANCE"])
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--now'") from exc
    report = send_digests(frequency, now, dry_run=dry_run, progress=progress)
    _print_report(report)
    if not report.ok:
        raise SystemExit(1)


@digests_cli.command("purge")
@exclusive("digests-purge")
def purge() -> None:
    """Wis adressen die nooit bevestigden of zich overal afmeldden, en oude onbevestigde aanmeldingen
    (na DIGEST_RETENTION)."""
    counts = services.purge_stale()
    db.session.commit()
    click.echo(
        f"{counts['subscribers']} adressen gewist, {counts['requests']} onbevestigde aanmeldingen verwijderd."
    )
