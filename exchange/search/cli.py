"""`flask search ...`: build and inspect the search index."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("search")
def search_cli() -> None:
    """Build and inspect the full-text search index."""


@search_cli.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the whole index from the database (built aside, then swapped in) with a progress bar."""
    from exchange.search import documents, engine

    total = documents.count_documents()
    with click.progressbar(length=total, label="Index opbouwen", show_pos=True) as bar:
        built = engine.rebuild(documents.all_documents(), progress=bar.update)
    click.echo(f"Index opnieuw opgebouwd: {built} documenten.")
