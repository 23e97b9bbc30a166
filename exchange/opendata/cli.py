"""`flask opendata dump DIR`: the open-data dump (JSON, CSV and a data dictionary) of all published content."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from exchange.cli import progress, stderr
from exchange.errors import Invalid


@click.group("opendata")
def opendata_cli() -> None:
    """Open data: all published practices and results as files."""


@opendata_cli.command("dump")
@click.argument("directory", metavar="DIR")
@with_appcontext
def dump_command(directory: str) -> None:
    """Write all published practices and results to DIR as JSON and CSV, with a data dictionary.

    DIR is created when missing; a previous dump in DIR is replaced as a whole (the new one is written to a
    temporary directory next to it and renamed into place). Any other non-empty directory is refused.
    Progress goes to stderr. Meant for a nightly cron job.
    """
    from exchange.opendata.dump import dump

    try:
        report = dump(directory, progress)
    except Invalid as error:
        raise click.ClickException(error.text()) from None
    click.echo(report.summary(), file=stderr())
