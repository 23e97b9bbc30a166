"""`flask practices import|export`: bulk exchange of practices as JSON (format: docs/import-format.md);
`flask practices recount`: the kept counts of published practices counted again."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from exchange.cli import fail, progress, stderr
from exchange.errors import Invalid
from exchange.extensions import db


@click.group("practices")
def practices_cli() -> None:
    """Import and export practices with their results and cycle steps as JSON."""


@practices_cli.command("import")
@click.argument("path", metavar="FILE.json")
@click.option(
    "--dry-run", is_flag=True, help="Check and apply everything, report what would change, then roll back."
)
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with the files of the documents the file lists (named by SHA-256, as export writes them).",
)
@with_appcontext
def import_command(path: str, dry_run: bool, documents_dir: Path | None) -> None:
    """Import practices from FILE.json ('-' reads standard input).

    The whole file is checked first: on any error nothing is written and every error is listed with its item
    and field. Practices with a known external id are updated (re-importing a file never duplicates); a phase
    change records a cycle step. Everything happens in one transaction.
    """
    from exchange.practices.transfer import apply_plans, check_document, parse_document, read_document

    err = stderr()
    try:
        doc = parse_document(sys.stdin.read(), "standaardinvoer") if path == "-" else read_document(path)
        plans = check_document(doc)
        with progress(len(plans), "Importeren") as update:
            report = apply_plans(plans, progress=update, documents_dir=documents_dir)
    except Invalid as error:
        db.session.rollback()
        fail(error)
    for warning in report.warnings:
        click.echo(f"Let op: {warning}", file=err)
    if dry_run:
        db.session.rollback()
        click.echo("Proefimport (--dry-run): er is niets opgeslagen. " + report.summary(), file=err)
        return
    db.session.commit()
    click.echo(
        ("Import voltooid. " if report.changed else "Er is niets gewijzigd. ") + report.summary(), file=err
    )


@practices_cli.command("export")
@click.option(
    "--region",
    "region_key",
    metavar="CODE_OR_SLUG",
    help="Only this region (CBS code such as JZ01, or slug).",
)
@click.option("--theme", "theme_slug", metavar="SLUG", help="Only practices in this theme.")
@click.option(
    "--status", type=click.Choice(["draft", "published", "archived"]), help="Only practices in this state."
)
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also export attached documents: list them per practice and put their files in this folder.",
)
@with_appcontext
def export_command(
    region_key: str | None, theme_slug: str | None, status: str | None, documents_dir: Path | None
) -> None:
    """Write practices (all states unless --status) as JSON to standard output; progress goes to stderr.

    The output is the import format: `flask practices import` reads it back, updating instead of duplicating.
    """
    from exchange.practices.models import Status
    from exchange.practices.transfer import export
    from exchange.reference.lookups import RegionNotFound, ThemeNotFound, find_region, find_theme

    try:
        region = find_region(region_key) if region_key is not None else None
    except RegionNotFound:
        raise click.BadParameter(
            f"onbekende regio '{region_key}' (gebruik een CBS-code zoals JZ01 of een slug)",
            param_hint="--region",
        ) from None
    try:
        theme = find_theme(theme_slug) if theme_slug is not None else None
    except ThemeNotFound:
        raise click.BadParameter(f"onbekend thema '{theme_slug}'", param_hint="--theme") from None
    stmt = export.export_stmt(region=region, theme=theme, status=Status(status) if status else None)
    filters = {
        "region": region.code if region else None,
        "theme": theme.slug if theme else None,
        "status": status,
    }
    err = stderr()
    out = sys.stdout
    with progress(export.count(stmt), "Exporteren") as update:
        written = export.write_export(
            out,
            stmt,
            filters=filters,
            progress=update,
            warn=lambda text: click.echo(text, file=err),
            documents_dir=documents_dir,
        )
    out.flush()
    db.session.rollback()
    click.echo(f"{written} praktijkvoorbeeld(en) geëxporteerd.", file=err)


@practices_cli.command("recount")
@click.option("--check", is_flag=True, help="Only say whether the kept counts are right; change nothing.")
@with_appcontext
def recount_command(check: bool) -> None:
    """Count the published practices per region, phase, year, theme, action line and "with results" again
    from the practices themselves.

    The database keeps these counts current by triggers on every write (`practice_tally`); this is for a
    database written while the triggers were off (a restore of a table, a copy made with triggers disabled).
    Exits 1 with --check when a count is wrong.
    """
    from exchange.caching import version
    from exchange.practices import tally

    err = stderr()
    connection = db.session.connection()  # (some seconds at 100,000 practices: no progress bar)
    wrong = tally.differences(connection)
    if not wrong:
        db.session.rollback()
        click.echo("De tellingen kloppen: er is niets gewijzigd.", file=err)
        return
    if check:
        db.session.rollback()
        click.echo(f"{wrong} telling(en) klopten niet. Herstel ze met 'flask practices recount'.", file=err)
        sys.exit(1)
    tally.rebuild(connection)
    version.bump(db.session)
    db.session.commit()
    click.echo(f"{wrong} telling(en) klopten niet; ze zijn opnieuw geteld.", file=err)
