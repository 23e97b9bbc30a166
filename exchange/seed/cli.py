"""`flask seed ...`: load reference data and demo content."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from exchange.cli import fail
from exchange.errors import Invalid
from exchange.extensions import db

KIND_LABELS = {
    "sources": "bronnen",
    "action_lines": "actielijnen",
    "themes": "thema's",
    "phases": "fasen",
    "regions": "regio's",
    "plans": "transformatieplannen",
    "fund": "fonds",
    "allocations": "toekenningen",
    "demo_plans": "demo-plannen",
}


@click.group("seed")
def seed_cli() -> None:
    """Load reference data and demo content into the database."""


def _summary(report) -> str:
    def fmt(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in counts.items()) or "niets"

    return f"Nieuw: {fmt(report.created)}. Bijgewerkt: {fmt(report.updated)}."


@seed_cli.command("reference")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Reference JSON file (default: the copy shipped with the application).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace values that differ from the file (e.g. edits by an administrator).",
)
@with_appcontext
def seed_reference(path: Path | None, overwrite: bool) -> None:
    """Load the 42 regions, action lines, themes, cycle phases and fund facts. Safe to run again."""
    from exchange.reference.seeding import REFERENCE_FILE, load_reference, read_reference_file
    from exchange.search.synonyms import load_defaults

    try:
        data = read_reference_file(path or REFERENCE_FILE)
        report = load_reference(data, overwrite=overwrite)
    except Invalid as error:
        db.session.rollback()
        fail(error)
    # The shipped synonym groups (never overwriting an administrator's edits; --overwrite does not apply).
    synonyms_added = load_defaults()
    db.session.commit()
    if synonyms_added:
        click.echo(f"Standaardsynoniemen voor zoeken: {synonyms_added} groep(en) toegevoegd of bijgewerkt.")
    if not report.changed:
        click.echo("Referentiegegevens zijn al actueel; er is niets gewijzigd.")
    else:
        click.echo("Referentiegegevens geladen. " + _summary(report))
    if report.kept:
        click.echo(
            f"{len(report.kept)} waarde(n) wijken af van het bestand en zijn behouden "
            "(gebruik --overwrite om ze te vervangen):"
        )
        for item in report.kept[:20]:
            click.echo(f"  - {item}")
        if len(report.kept) > 20:
            click.echo(f"  ... en {len(report.kept) - 20} meer")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database holds no content of its own yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Add demo content (marked as demo) so a fresh install shows a living platform. Safe to run again."""
    from exchange.seed.services import has_own_content, load_demo, read_demo_file

    if if_empty and has_own_content():
        click.echo("De database bevat al eigen gegevens; demogegevens overgeslagen.")
        return
    try:
        report = load_demo(read_demo_file())
    except Invalid as error:
        db.session.rollback()
        fail(error)
    db.session.commit()
    if not report.changed:
        click.echo("Demogegevens zijn al geladen; er is niets gewijzigd.")
    else:
        click.echo("Demogegevens geladen. " + _summary(report))
