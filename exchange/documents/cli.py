"""`flask documents ...`: check the stored files against the database."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from exchange.cli import progress, stderr
from exchange.documents import checking
from exchange.documents.models import Document
from exchange.extensions import db


@click.group("documents")
def documents_cli() -> None:
    """Documents attached to practices."""


@documents_cli.command("check")
@click.option(
    "--fix", is_flag=True, help="Repair what is found (delete orphan files, drop rows without a file)."
)
@with_appcontext
def check(fix: bool) -> None:
    """Compare the files in DOCUMENTS_DIR with the document rows: orphan files, leftover temporary files,
    missing files and files whose content does not match their checksum. Exits 1 when something is wrong and
    --fix was not given."""
    with progress(checking.count_work(), "Bestanden controleren") as bar:
        drift = checking.find_drift(bar)
    out = stderr()
    titles = dict(
        db.session.execute(
            select(Document.id, Document.title).where(Document.id.in_(drift.missing + drift.damaged))
        ).all()
    )
    for name in drift.orphans:
        click.echo(f"Bestand zonder document: {name}", file=out)
    for name in drift.stale_tmp:
        click.echo(f"Achtergebleven tijdelijk bestand: {name}", file=out)
    for ident in drift.missing:
        click.echo(f"Bestand ontbreekt: document {ident} ({titles.get(ident, '?')})", file=out)
    for ident in drift.damaged:
        click.echo(f"Controlegetal klopt niet: document {ident} ({titles.get(ident, '?')})", file=out)
    click.echo(
        f"{drift.checked_files} bestanden gecontroleerd; {len(drift.orphans)} zonder document, "
        f"{len(drift.stale_tmp)} tijdelijk, {len(drift.missing)} ontbrekend, {len(drift.damaged)} beschadigd.",
        file=out,
    )
    if drift.clean:
        return
    if not fix:
        raise click.exceptions.Exit(1)
    checking.fix_drift(drift)
    click.echo("Hersteld.", file=out)
