"""Counts of published practices per region, phase, year, theme, action line and "with results", kept current
by the database itself.

The facet counts of `/praktijken` without filters (what most visitors see first) are sums over every published
practice: at 100,000 practices four statements of 95-130 ms each on SQLite, spent again after every write that
moves a count. Here each write moves the counts it changes, in its own transaction, by triggers on `practice`,
its link tables and `result` (SQLite and PostgreSQL alike), so the counts stay true whichever path writes: the
ORM, a bulk statement, an import, a cascade, or SQL typed by hand. Reading them is one statement over some
hundred rows.

`practice_tally` holds one row per (facet, value) with `n` the number of published practices counted under it.
Each trigger on a practice or a link takes away what the old row contributed and adds what the new row does: an
update that changes nothing counted adds and takes away the same rows. A result moves "with results" only when it
is a practice's first or its last; the triggers on `result` ask the results table itself (on PostgreSQL once per
statement, over its transition table, so a statement of many results costs one check per practice), and never
write the practice row.

Not covered (nothing in the application writes so; `flask practices recount` mends it): on PostgreSQL, one
statement with data-modifying CTEs that inserts a practice and its links (the practice's trigger already sees
the links), or an `INSERT ... ON CONFLICT DO UPDATE` on `result` that adds a practice's first result by moving
one. On SQLite, `INSERT OR REPLACE` is counted right because connections turn `recursive_triggers` on
(`database.tune_sqlite`).

On PostgreSQL the triggers queue on one transaction-level advisory lock (TALLY_LOCK) from their first counted
change until their transaction ends; a long transaction that moves counts (an import) makes other such writes
wait until it commits, as the rows it changed would.

What is counted, and how the year is read, is the same as the facet queries of `listing` (published practices;
the year of `coalesce(published_at, created_at)`); `tests/practices/test_tally.py` checks it against them after
every kind of write. `rebuild()` counts everything again (the migration that adds the table, and
`flask practices recount` if a database was ever written with the triggers off).
"""

from __future__ import annotations

from sqlalchemy import DDL, Connection, event, select, text

from exchange.extensions import db
from exchange.practices.models import Status, practice_tally

PUBLISHED = Status.PUBLISHED.value
RESULTS_VALUE = 1  # the one value of the "resultaten" facet

# The facets counted, named as `listing` names its URL parameters.
FACETS = ("regio", "fase", "jaar", "thema", "actielijn", "resultaten")


def _year(row: str, dialect: str) -> str:
    shown = f"coalesce({row}.published_at, {row}.created_at)"
    if dialect == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {shown}) AS INTEGER)"
    return f"CAST(strftime('%Y', {shown}) AS INTEGER)"


def _contributions(row: str, dialect: str) -> str:
    """(facet, value) of every count the practice `row` (OLD or NEW) is in, whether or not it is published."""
    return (
        f"SELECT 'regio' AS facet, {row}.region_id AS value"
        f" UNION ALL SELECT 'fase', {row}.phase_id"
        f" UNION ALL SELECT 'jaar', {_year(row, dialect)}"
        f" UNION ALL SELECT 'resultaten', {RESULTS_VALUE} WHERE {_has_results(f'{row}.id')}"
        f" UNION ALL SELECT 'thema', theme_id FROM practice_theme WHERE practice_id = {row}.id"
        f" UNION ALL SELECT 'actielijn', action_line_id FROM practice_action_line WHERE practice_id = {row}.id"
    )


def _has_results(practice_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM result WHERE result.practice_id = {practice_id})"


def _add(pairs: str, condition: str) -> str:
    return (
        f"INSERT INTO practice_tally (facet, value, n) SELECT facet, value, 1 FROM ({pairs}) AS c"
        f" WHERE {condition} AND value IS NOT NULL"
        " ON CONFLICT (facet, value) DO UPDATE SET n = practice_tally.n + 1"
    )


_RESULTS_ROW = f"facet = 'resultaten' AND value = {RESULTS_VALUE}"


def _add_results(count: str) -> str:
    """Add `count` (SQL) practices to "with results"."""
    return (
        f"INSERT INTO practice_tally (facet, value, n) SELECT 'resultaten', {RESULTS_VALUE}, ({count})"
        " WHERE true ON CONFLICT (facet, value) DO UPDATE SET n = practice_tally.n + excluded.n"
    )


def _take(pairs: str, condition: str) -> str:
    return (
        f"UPDATE practice_tally SET n = n - 1 WHERE {condition}"
        f" AND (facet, value) IN (SELECT facet, value FROM ({pairs}) AS c)"
    )


def _published(practice_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM practice WHERE id = {practice_id} AND status = '{PUBLISHED}')"


# (link table, its facet, its value column)
LINKS = (("practice_theme", "thema", "theme_id"), ("practice_action_line", "actielijn", "action_line_id"))
# An update of the practice moves a count only when one of these changes.
COUNTED_COLUMNS = ("status", "region_id", "phase_id", "published_at", "created_at")


def _practice_changed(dialect: str) -> str:
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    changes = [f"OLD.{c} {differs} NEW.{c}" for c in COUNTED_COLUMNS]
    return f"(OLD.status = '{PUBLISHED}' OR NEW.status = '{PUBLISHED}') AND ({' OR '.join(changes)})"


def _link_pairs(row: str, facet: str, column: str) -> str:
    return f"SELECT '{facet}' AS facet, {row}.{column} AS value"


def _bodies(dialect: str) -> dict[str, list[str]]:
    """The statements of each trigger, by name: what a practice, a link or a result changes."""
    old, new = _contributions("OLD", dialect), _contributions("NEW", dialect)
    bodies = {
        "practice_insert": [_add(new, f"NEW.status = '{PUBLISHED}'")],
        # Before the row goes: its links and results are still there to be counted out; the cascades that
        # follow find no published practice and take nothing away again.
        "practice_delete": [_take(old, f"OLD.status = '{PUBLISHED}'")],
        "practice_update": [
            _take(old, f"OLD.status = '{PUBLISHED}'"),
            _add(new, f"NEW.status = '{PUBLISHED}'"),
        ],
    }
    bodies.update(_result_bodies(dialect))
    for table, facet, column in LINKS:
        take = _take(_link_pairs("OLD", facet, column), _published("OLD.practice_id"))
        add = _add(_link_pairs("NEW", facet, column), _published("NEW.practice_id"))
        bodies[f"{table}_insert"] = [add]
        bodies[f"{table}_delete"] = [take]
        bodies[f"{table}_update"] = [take, add]
    return bodies


def _result_bodies(dialect: str) -> dict[str, list[str]]:
    """ "With results" moved by results: a practice counts in when it gets its first, out when it loses its last.

    SQLite fires a row's trigger right after the row, so the first result is the one after which the practice
    has one. PostgreSQL fires row triggers after the whole statement, so its triggers are per statement and read
    the statement's rows (`moved_in`, `moved_out`): a practice had no results before when it now has as many as
    the statement added, and has none left when none remain."""
    published = f"p.status = '{PUBLISHED}'"
    if dialect != "postgresql":
        first = (
            f"{_published('NEW.practice_id')}"
            " AND (SELECT count(*) FROM result WHERE result.practice_id = NEW.practice_id) = 1"
        )
        last = f"{_published('OLD.practice_id')} AND NOT {_has_results('OLD.practice_id')}"
        gained, lost = (
            _add_results(f"CASE WHEN {first} THEN 1 ELSE 0 END"),
            (f"UPDATE practice_tally SET n = n - 1 WHERE {_RESULTS_ROW} AND {last}"),
        )
        return {"result_insert": [gained], "result_delete": [lost], "result_update": [lost, gained]}
    added = "(SELECT practice_id, count(*) AS k FROM moved_in GROUP BY practice_id)"
    taken = "(SELECT practice_id, count(*) AS k FROM moved_out GROUP BY practice_id)"

    def gained(with_out: bool) -> str:
        before = (
            f" - coalesce((SELECT o.k FROM {taken} AS o WHERE o.practice_id = a.practice_id), 0)"
            if with_out
            else ""
        )
        return _add_results(
            f"SELECT count(*) FROM {added} AS a JOIN practice AS p ON p.id = a.practice_id WHERE {published}"
            f" AND (SELECT count(*) FROM result WHERE result.practice_id = a.practice_id) = a.k{before}"
        )

    lost = (
        f"UPDATE practice_tally SET n = n - (SELECT count(*) FROM {taken} AS o JOIN practice AS p"
        f" ON p.id = o.practice_id WHERE {published} AND NOT {_has_results('o.practice_id')})"
        f" WHERE {_RESULTS_ROW}"
    )
    return {"result_insert": [gained(False)], "result_delete": [lost], "result_update": [lost, gained(True)]}


# trigger name -> (table, timing and event, condition or None)
TRIGGERS = {
    "practice_insert": ("practice", "AFTER INSERT", None),
    "practice_delete": ("practice", "BEFORE DELETE", None),
    "practice_update": (
        "practice",
        f"AFTER UPDATE OF {', '.join(COUNTED_COLUMNS)}",
        "changed",
    ),
    "result_insert": ("result", "AFTER INSERT", None),
    "result_delete": ("result", "AFTER DELETE", None),
    "result_update": ("result", "AFTER UPDATE OF practice_id", "moved"),
    **{
        f"{table}_{event_}": (table, f"AFTER {event_.upper()}", "moved" if event_ == "update" else None)
        for table, _facet, _column in LINKS
        for event_ in ("insert", "delete", "update")
    },
}


# On PostgreSQL the triggers on `result` run once per statement, with its rows as transition tables (which
# allow neither a column list nor a condition).
STATEMENT_TRIGGERS = {
    "result_insert": "AFTER INSERT ON result REFERENCING NEW TABLE AS moved_in",
    "result_delete": "AFTER DELETE ON result REFERENCING OLD TABLE AS moved_out",
    "result_update": "AFTER UPDATE ON result REFERENCING OLD TABLE AS moved_out NEW TABLE AS moved_in",
}


# What a result statement must have done for the counts to move, else its trigger returns before the lock: a
# row added or removed, or a result moved to another practice (an edit of its value or date moves nothing).
COUNTS_MOVE_WHEN = {
    "result_insert": "EXISTS (SELECT 1 FROM moved_in)",
    "result_delete": "EXISTS (SELECT 1 FROM moved_out)",
    # Some practice has more or fewer results than before the statement (two results swapping practices move
    # nothing).
    "result_update": (
        "EXISTS ((SELECT practice_id FROM moved_out EXCEPT ALL SELECT practice_id FROM moved_in)"
        " UNION ALL (SELECT practice_id FROM moved_in EXCEPT ALL SELECT practice_id FROM moved_out))"
    ),
}


def _condition(kind: str | None, table: str, dialect: str) -> str | None:
    if kind == "changed":
        return _practice_changed(dialect)
    if kind == "moved":
        differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
        columns = ["practice_id"] + [c for t, _f, c in LINKS if t == table]
        return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in columns)
    return None


# On PostgreSQL every trigger first takes this transaction-level advisory lock: writes that move counts wait
# for each other from their first counted change until they commit, so two of them never lock the same tally
# rows in opposite orders (a deadlock, one write aborted). SQLite has one writer at a time anyway.
TALLY_LOCK = 15_022


def trigger_statements(dialect: str) -> list[str]:
    """The SQL that creates the triggers on `dialect` ("sqlite" or "postgresql"); the migration runs the same."""
    statements: list[str] = []
    bodies = _bodies(dialect)
    for name, (table, when, kind) in TRIGGERS.items():
        trigger = f"exchange_tally_{name}"
        condition = _condition(kind, table, dialect)
        guard = f" WHEN ({condition})" if condition else ""
        statements.append(
            f"DROP TRIGGER IF EXISTS {trigger}{' ON ' + table if dialect == 'postgresql' else ''}"
        )
        if dialect == "postgresql":
            returned = "OLD" if when.startswith("BEFORE DELETE") else "NULL"
            skip = (
                f"IF NOT ({COUNTS_MOVE_WHEN[name]}) THEN RETURN NULL; END IF;\n    "
                if name in COUNTS_MOVE_WHEN
                else ""
            )
            body = skip + ";\n    ".join([f"PERFORM pg_advisory_xact_lock({TALLY_LOCK})", *bodies[name]])
            statements.append(
                f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n    {body};\n    RETURN {returned};\nEND\n$$"
            )
            fires = (
                f"{STATEMENT_TRIGGERS[name]} FOR EACH STATEMENT"
                if name in STATEMENT_TRIGGERS
                else f'{when} ON "{table}" FOR EACH ROW{guard}'
            )
            statements.append(f"CREATE TRIGGER {trigger} {fires} EXECUTE FUNCTION {trigger}()")
        else:
            body = ";\n    ".join(bodies[name])
            statements.append(
                f"CREATE TRIGGER {trigger} {when} ON {table} FOR EACH ROW{guard}\nBEGIN\n    {body};\nEND"
            )
    return statements


def drop_statements(dialect: str) -> list[str]:
    out = []
    for name, (table, _when, _kind) in TRIGGERS.items():
        trigger = f"exchange_tally_{name}"
        if dialect == "postgresql":
            out += [f'DROP TRIGGER IF EXISTS {trigger} ON "{table}"', f"DROP FUNCTION IF EXISTS {trigger}()"]
        else:
            out.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return out


# A schema made from the models (tests, benchmarks, `flask db-create`) gets the triggers too.
for _dialect in ("sqlite", "postgresql"):
    for _statement in trigger_statements(_dialect):
        # DDL formats its text with %: the year's strftime pattern is written %%.
        ddl = DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect)
        event.listen(db.Model.metadata, "after_create", ddl)


def differences(connection: Connection) -> int:
    """How many tally rows are not what counting everything again gives (counted in a savepoint, undone)."""
    _lock(connection)
    kept = _read(connection)
    savepoint = connection.begin_nested()
    try:
        rebuild(connection)
        counted = _read(connection)
    finally:
        savepoint.rollback()
    return sum(1 for key in kept.keys() | counted.keys() if kept.get(key, 0) != counted.get(key, 0))


def _lock(connection: Connection) -> None:
    """On PostgreSQL, wait for the writes that move counts and keep them waiting until this transaction ends:
    a count taken while one of them is open would miss its change, and its trigger would then change rows
    this transaction replaced."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({TALLY_LOCK})"))


def _read(connection: Connection) -> dict[tuple[str, int], int]:
    rows = connection.execute(select(practice_tally.c.facet, practice_tally.c.value, practice_tally.c.n))
    return {(facet, value): n for facet, value, n in rows}


def rebuild(connection: Connection) -> None:
    """Count every published practice again, from the practices, their links and their results."""
    dialect = connection.dialect.name
    _lock(connection)
    connection.execute(practice_tally.delete())
    year = _year("p", dialect)
    published = f"p.status = '{PUBLISHED}'"
    connection.execute(
        text(
            "INSERT INTO practice_tally (facet, value, n) "
            f"SELECT 'regio', p.region_id, count(*) FROM practice p WHERE {published} GROUP BY p.region_id "
            f"UNION ALL SELECT 'fase', p.phase_id, count(*) FROM practice p WHERE {published} GROUP BY p.phase_id "
            f"UNION ALL SELECT 'jaar', {year}, count(*) FROM practice p WHERE {published} GROUP BY {year} "
            f"UNION ALL SELECT 'resultaten', {RESULTS_VALUE}, count(*) FROM practice p "
            f"WHERE {published} AND {_has_results('p.id')} GROUP BY p.status "
            "UNION ALL SELECT 'thema', l.theme_id, count(*) FROM practice_theme l JOIN practice p "
            f"ON p.id = l.practice_id WHERE {published} GROUP BY l.theme_id "
            "UNION ALL SELECT 'actielijn', l.action_line_id, count(*) FROM practice_action_line l JOIN practice p "
            f"ON p.id = l.practice_id WHERE {published} GROUP BY l.action_line_id"
        )
    )


def published_counts() -> dict[str, dict[int, int]]:
    """facet -> {value: number of published practices}, values with none left out (one statement)."""
    out: dict[str, dict[int, int]] = {facet: {} for facet in FACETS}
    stmt = select(practice_tally.c.facet, practice_tally.c.value, practice_tally.c.n).where(
        practice_tally.c.n > 0, practice_tally.c.facet.in_(FACETS)
    )
    for facet, value, n in db.session.execute(stmt):
        out[facet][value] = n
    return out
