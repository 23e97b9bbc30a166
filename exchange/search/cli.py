"""`flask search ...`: rebuild, sync, check and inspect the search index; restore the default synonyms."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from exchange.cli import progress
from exchange.jobs import exclusive


@click.group("search")
def search_cli() -> None:
    """Build, sync and check the full-text search index."""


def _procs(value: int | None) -> int:
    if value is not None:
        return value
    return int(current_app.config.get("SEARCH_INDEX_PROCS") or min(4, os.cpu_count() or 1))


@search_cli.command("reindex")
@click.option(
    "--procs",
    type=click.IntRange(1, 16),
    default=None,
    help="Indexing processes (default: cores, at most 4).",
)
@with_appcontext
def reindex(procs: int | None) -> None:
    """Rebuild the whole index from the database: built aside, then swapped in (search stays online).

    Works whatever state the old index is in (missing, corrupt, partial): it is never read, only replaced.
    The new index starts at the change log position taken before the database is read; changes saved during
    the rebuild are applied to it right after the swap.
    """
    from sqlalchemy.orm import Session

    from exchange.extensions import db
    from exchange.search import changelog, documents, outbox
    from exchange.search.queries import current_index

    index = current_index()
    total = documents.count_documents()
    with (
        Session(db.engine, info={outbox.APPLIER_KEY: True}) as session,
        changelog.catch_up_lock(index.path, 600),
    ):
        with progress(total, "Index opbouwen") as update:
            built = changelog.rebuild(index, session, progress=update, procs=_procs(procs))
        report = changelog.apply_rows(index, session, outbox._plan, None, 60, None)
    click.echo(
        f"Index opnieuw opgebouwd: {built} documenten; {report.rows} wijziging(en) van tijdens het bouwen verwerkt."
    )


@search_cli.command("sync")
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for the index lock."
)
@with_appcontext
def sync(timeout: float) -> None:
    """Catch this server's index up with the change log (after downtime, a crash or a busy index).

    An index that fell behind further than the log keeps is rebuilt from the database.
    """
    from exchange.search import outbox
    from exchange.search.engine import IndexBusy, IndexMissing, IndexUnavailable

    total = outbox.pending_count()
    applied = 0
    rebuilt = False
    try:
        with progress(total, "Wijzigingen verwerken") as update:
            while True:
                report = outbox.apply_pending(
                    limit=outbox.BATCH, timeout=timeout, progress=None, allow_rebuild=True
                )
                rebuilt = rebuilt or report.rebuilt
                update(report.rows)
                applied += report.rows
                if not report.rows or not report.remaining:
                    break
    except IndexMissing as exc:
        raise click.ClickException(
            "Er is nog geen index: bouw die eerst met `flask search reindex`."
        ) from exc
    except IndexUnavailable as exc:
        raise click.ClickException(
            f"De index is onleesbaar ({exc.reason}): bouw die opnieuw met `flask search reindex`."
        ) from exc
    except IndexBusy as exc:
        raise click.ClickException(
            f"De index is bezet (na {timeout:g} s); probeer het later opnieuw."
        ) from exc
    if rebuilt:
        click.echo("De index liep verder achter dan het wijzigingslogboek bewaart en is opnieuw opgebouwd.")
    if not applied and not rebuilt:
        click.echo("Geen openstaande wijzigingen.")
        return
    click.echo(f"{applied} wijziging(en) verwerkt.")


@search_cli.command("prune-log")
@click.option(
    "--hours",
    type=click.IntRange(1, 24 * 365),
    default=None,
    help="Keep this many hours of changes (default: SEARCH_LOG_RETENTION_HOURS).",
)
@with_appcontext
@exclusive("search-prune-log")
def prune_log(hours: int | None) -> None:
    """Delete change log rows older than the retention (a server further behind rebuilds its index)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from exchange.extensions import db
    from exchange.search import changelog
    from exchange.search.models import SearchOutbox

    hours = hours or int(current_app.config.get("SEARCH_LOG_RETENTION_HOURS", 72))
    cutoff = datetime.now(UTC) - timedelta(hours=hours)
    total = (
        db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.created_at < cutoff)) or 0
    )
    db.session.rollback()
    with progress(total, "Logboek opschonen") as update:
        deleted = changelog.prune(db.session, timedelta(hours=hours), progress=update)
    click.echo(f"{deleted} wijziging(en) ouder dan {hours} uur verwijderd.")


@search_cli.command("check")
@click.option(
    "--fix",
    is_flag=True,
    help="Write missing and stale documents, remove documents that should not be there.",
)
@with_appcontext
def check(fix: bool) -> None:
    """Compare the index with the database: missing, stale (content differs) and superfluous documents."""
    from exchange.search import documents, engine
    from exchange.search.queries import current_index

    index = current_index()
    if not index.exists():
        raise click.ClickException("Er is nog geen index: bouw die met `flask search reindex`.")
    try:
        indexed = index.signatures()
    except engine.IndexUnavailable as exc:
        raise click.ClickException(
            f"De index is onleesbaar ({exc.reason}): bouw die opnieuw met `flask search reindex`."
        ) from exc
    wanted: dict[str, dict] = {}
    with progress(documents.count_documents(), "Vergelijken") as update:
        for doc in documents.all_documents():
            wanted[doc["key"]] = doc
            update(1)
    missing = sorted(k for k in wanted if k not in indexed)
    stale = sorted(k for k, doc in wanted.items() if k in indexed and indexed[k] != engine.signature(doc))
    extra = sorted(k for k in indexed if k not in wanted)
    for label, keys in (("ontbreekt", missing), ("verouderd", stale), ("overbodig", extra)):
        for key in keys[:50]:
            click.echo(f"{label}: {key}")
        if len(keys) > 50:
            click.echo(f"{label}: ... en nog {len(keys) - 50}")
    click.echo(f"Ontbrekend: {len(missing)}, verouderd: {len(stale)}, overbodig: {len(extra)}.")
    if not (missing or stale or extra):
        return
    if not fix:
        raise click.exceptions.Exit(1)
    count = index.apply(upserts=[wanted[k] for k in missing + stale], deletes=extra, timeout=60)
    click.echo(f"Hersteld: {count} document(en).")


@search_cli.command("status")
@with_appcontext
def status() -> None:
    """Show whether the index is usable, how many documents it holds and how many changes it has not applied."""
    from exchange.search import outbox
    from exchange.search.queries import current_index

    state = current_index().status()
    pending = outbox.pending_count()
    if state.get("ok"):
        click.echo(f"Index: {state['documents']} documenten; {pending} wijziging(en) in de wachtrij.")
    else:
        click.echo(
            f"Index niet bruikbaar ({state.get('error')}): {state.get('detail', '')}; {pending} wijziging(en) in de wachtrij."
        )
        raise click.exceptions.Exit(1)


@search_cli.command("synonyms")
@click.option(
    "--defaults", "load_defaults", is_flag=True, help="Add the shipped synonym groups that are missing."
)
@with_appcontext
def synonyms_command(load_defaults: bool) -> None:
    """List the synonym groups, or add the shipped defaults that are missing."""
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.search import synonyms
    from exchange.search.models import SearchSynonym

    if load_defaults:
        added = synonyms.load_defaults()
        db.session.commit()
        click.echo(f"{added} standaardgroep(en) toegevoegd.")
        return
    for synonym in db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.terms)):
        click.echo(synonym.terms)
