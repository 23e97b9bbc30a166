"""`flask practices import|export`: bulk exchange of practices as JSON (format: docs/import-format.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from exchange.errors import Invalid
from exchange.extensions import db

# Below this many practices a progress bar is only noise.
PROGRESS_MIN = 50


@click.group("practices")
def practices_cli() -> None:
    """Import and export practices with their results and cycle steps as JSON."""


def _stderr():
    # Looked up at call time: the test runner swaps sys.stderr (click.get_text_stream is deprecated).
    return sys.stderr


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A click progress bar on stderr; when stderr is not a terminal (logs, CI), a line every 10% instead."""
    err = _stderr()
    if total < PROGRESS_MIN:
        yield lambda n=1: None
        return
    interactive = err.isatty()
    done = 0
    next_mark = 10
    with click.progressbar(length=total, label=label, file=err, show_pos=True, show_percent=True) as bar:

        def update(n: int = 1) -> None:
            nonlocal done, next_mark
            bar.update(n)
            done += n
            if not interactive and done * 100 >= next_mark * total:
                click.echo(f"  {done}/{total} ({done * 100 // total}%)", file=err)
                next_mark = done * 100 // total // 10 * 10 + 10

        yield update


def _fail(error: Invalid) -> None:
    lines = [error.text()] + [f"  - {e}" for e in error.details.get("errors", [])]
    raise click.ClickException("\n".join(lines))


@practices_cli.command("import")
@click.argument("path", metavar="FILE.json")
@click.option(
    "--dry-run", is_flag=True, help="Check and apply everything, report what would change, then roll back."
)
@with_appcontext
def import_command(path: str, dry_run: bool) -> None:
    """Import practices from FILE.json ('-' reads standard input).

    The whole file is checked first: on any error nothing is written and every error is listed with its item
    and field. Practices with a known external id are updated (re-importing a file never duplicates); a phase
    change records a cycle step. Everything happens in one transaction.
    """
    from exchange.practices.importer import apply_plans, check_document, parse_document, read_document

    err = _stderr()
    try:
        doc = parse_document(sys.stdin.read(), "standaardinvoer") if path == "-" else read_document(path)
        plans = check_document(doc)
        with progress(len(plans), "Importeren") as update:
            report = apply_plans(plans, progress=update)
    except Invalid as error:
        db.session.rollback()
        _fail(error)
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
@with_appcontext
def export_command(region_key: str | None, theme_slug: str | None, status: str | None) -> None:
    """Write practices (all states unless --status) as JSON to standard output; progress goes to stderr.

    The output is the import format: `flask practices import` reads it back, updating instead of duplicating.
    """
    from exchange.practices import exporter
    from exchange.practices.models import Status
    from exchange.reference.models import Region, Theme

    region = theme = None
    if region_key is not None:
        region = db.session.scalar(
            select(Region).where(or_(Region.code == region_key.upper(), Region.slug == region_key))
        )
        if region is None:
            raise click.BadParameter(
                f"onbekende regio '{region_key}' (gebruik een CBS-code zoals JZ01 of een slug)",
                param_hint="--region",
            )
    if theme_slug is not None:
        theme = db.session.scalar(select(Theme).where(Theme.slug == theme_slug))
        if theme is None:
            raise click.BadParameter(f"onbekend thema '{theme_slug}'", param_hint="--theme")
    stmt = exporter.export_stmt(region=region, theme=theme, status=Status(status) if status else None)
    filters = {
        "region": region.code if region else None,
        "theme": theme.slug if theme else None,
        "status": status,
    }
    err = _stderr()
    out = sys.stdout
    with progress(exporter.count(stmt), "Exporteren") as update:
        written = exporter.write_export(
            out, stmt, filters=filters, progress=update, warn=lambda text: click.echo(text, file=err)
        )
    out.flush()
    db.session.rollback()
    click.echo(f"{written} praktijkvoorbeeld(en) geëxporteerd.", file=err)
