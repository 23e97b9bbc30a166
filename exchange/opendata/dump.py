"""Writing the open-data dump: every published practice and result as JSON and CSV, plus a data dictionary.

Files in the dump directory:
  practices.json    the import format (docs/import-format.md), `flask practices import` reads it back
  results.json      every result, flat, with the columns of results.csv as keys
  practices.csv, results.csv, cycle_steps.csv   one row per item (UTF-8, comma, RFC 4180 quoting)
  datapackage.json  the data dictionary as a Frictionless Data Package (every column: type and meaning)
  README.md         the same dictionary for people, in Dutch and English
  documents.csv, documents/   the documents of published practices, each file named by its SHA-256
  SHA256SUMS        checksums of the files above (and of every file in documents/)

Everything is written into a temporary directory next to the target and renamed into place at the end, so
readers see the old dump or the new one, never half of one. Only published practices (and their results and
cycle steps) are included: drafts, archived practices, feedback and revisions never are.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from exchange.database import utcnow
from exchange.documents import carry
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.mail import external_url
from exchange.opendata.columns import (
    CYCLE_STEPS,
    DOCUMENTS,
    LIST_SEPARATOR,
    PARTNERS,
    PRACTICES,
    RESULTS,
    TABLES,
    Table,
)
from exchange.practices.models import Practice, Status
from exchange.practices.transfer import export

PACKAGE_NAME = "jeugdkennis-opendata"
PRACTICES_ID = Practice.id
RESULTS_FORMAT = "jeugdkennis-results"
VERSION = 1
# progress(total, label) -> a context manager yielding update(n), like exchange.cli.progress.
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


@dataclass
class DumpReport:
    path: Path
    practices: int = 0
    results: int = 0
    steps: int = 0

    def summary(self) -> str:
        return (
            f"Open data geschreven naar {self.path}: {self.practices} praktijkvoorbeeld(en), "
            f"{self.results} resulta(a)t(en), {self.steps} stap(pen)."
        )


# --- checking the target ----------------------------------------------------------------------------------


def _is_previous_dump(path: Path) -> bool:
    try:
        package = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(package, dict) and package.get("name") == PACKAGE_NAME


def check_target(target: Path) -> Path:
    """The absolute target directory, or Invalid with a Dutch message saying what is wrong with it.

    The target may be missing (it is created), empty, or a previous dump (it is replaced); anything else is
    refused, so a typo never wipes an unrelated directory.
    """
    target = Path(os.path.abspath(target))
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise Invalid(f"{target} is een bestand, geen map. Kies een map voor de open data.")
        if any(target.iterdir()) and not _is_previous_dump(target):
            raise Invalid(
                f"{target} is niet leeg en bevat geen eerdere open-datadump. "
                "Kies een lege of nieuwe map; een eerdere dump wordt in zijn geheel vervangen."
            )
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise Invalid(f"{parent} is een bestand, geen map.") from None
    except OSError as error:
        raise Invalid(f"Kan de map {parent} niet maken: {error.strerror or error}.") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise Invalid(f"Kan niet schrijven in {parent}: geen schrijfrechten.")
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise Invalid(f"Kan de bestaande map {target} niet vervangen: geen schrijfrechten.")
    return target


# --- rows -----------------------------------------------------------------------------------------------


def _datetime(value) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def practice_row(practice) -> dict:
    """One practices.csv row (keys: PRACTICES columns); typed values, None for empty."""
    return {
        "id": practice.id,
        "external_id": export.local_id(practice),
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "region_code": practice.region.code,
        "region_slug": practice.region.slug,
        "region_name": practice.region.display_name,
        "themes": LIST_SEPARATOR.join(t.slug for t in practice.themes),
        "action_lines": LIST_SEPARATOR.join(str(x.number) for x in practice.action_lines),
        "phase": practice.phase.slug,
        "phase_name": practice.phase.name,
        "target_group": practice.target_group,
        "contact_name": practice.contact_name,
        "contact_email": practice.contact_email,
        "period_start": _date(practice.period_start),
        "period_end": _date(practice.period_end),
        "age_from": practice.age_from,
        "age_to": practice.age_to,
        "participation_level": practice.participation_level,
        "participation_note": practice.participation_note,
        "evidence_level": practice.evidence_level,
        "evidence_url": practice.evidence_url,
        "evidence_year": practice.evidence_year,
        "cost_indication": practice.cost_indication,
        "fund_used": practice.fund_used,
        "fund_amount_eur": practice.fund_amount_eur,
        "published_at": _datetime(practice.published_at),
        "updated_at": _datetime(practice.updated_at),
        "result_count": len(practice.results),
        "is_demo": practice.is_demo,
        "url": external_url("practices.detail", practice_id=practice.id),
        "api_url": external_url("api.practice", practice_id=practice.id),
    }


def result_rows(practice) -> Iterator[dict]:
    """results.csv rows of one practice, oldest measurement first."""
    page = external_url("practices.detail", practice_id=practice.id, _anchor="resultaten")
    for r in sorted(practice.results, key=lambda r: (r.measured_on, r.id)):
        yield {
            "id": r.id,
            "practice_id": practice.id,
            "practice_external_id": export.local_id(practice),
            "practice_title": practice.title,
            "region_code": practice.region.code,
            "indicator": r.indicator,
            "value": export.number(r.value),
            "unit": r.unit,
            "baseline": export.number(r.baseline),
            "target": export.number(r.target),
            "measured_on": _date(r.measured_on),
            "phase": r.phase.slug,
            "narrative": r.narrative,
            "recorded_at": _datetime(r.created_at),
            "url": page,
        }


def step_rows(practice) -> Iterator[dict]:
    for step in practice.steps:
        yield {
            "practice_id": practice.id,
            "from_phase": step.from_phase.slug if step.from_phase else None,
            "to_phase": step.to_phase.slug,
            "moved_on": _date(step.moved_on),
            "explanation": step.explanation,
        }


def partner_rows(practice) -> Iterator[dict]:
    for link in practice.partner_links:
        yield {
            "practice_id": practice.id,
            "position": link.position,
            "organisation_id": link.organisation_id,
            "name": link.organisation.name,
            "kind": link.organisation.kind,
        }


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class CsvTable:
    """A CSV file whose header and column order come from the data dictionary."""

    def __init__(self, table: Table, stream) -> None:
        self.names = [c.name for c in table.columns]
        self.writer = csv.writer(stream)
        self.writer.writerow(self.names)
        self.rows = 0

    def write(self, row: dict) -> None:
        self.writer.writerow([_csv_value(row[name]) for name in self.names])
        self.rows += 1


# --- the data dictionary -----------------------------------------------------------------------------------


def datapackage(created: str, counts: dict[str, int]) -> dict:
    """The Frictionless Data Package descriptor: every CSV column with type, meaning and whether it is filled."""
    resources = []
    for table in TABLES:
        resources.append(
            {
                "name": table.name,
                "title": table.title,
                "description": f"{table.nl} / {table.en}",
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
                "count": counts.get(table.name, 0),
                "schema": {
                    "fields": [
                        {
                            "name": c.name,
                            "type": c.type,
                            "description": f"{c.nl} / {c.en}",
                            **({"constraints": {"required": True}} if c.required else {}),
                        }
                        for c in table.columns
                    ],
                    "missingValues": [""],
                    **({"primaryKey": list(table.primary_key)} if table.primary_key else {}),
                },
            }
        )
    resources += [
        {
            "name": "practices-json",
            "path": "practices.json",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": "Alle gepubliceerde praktijkvoorbeelden met resultaten en stappen, in het "
            "uitwisselformaat 'jeugdkennis-practices' versie 1 (leesbaar voor `flask practices import`). / "
            "All published practices with results and cycle steps in the exchange format.",
        },
        {
            "name": "results-json",
            "path": "results.json",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": "Alle resultaten; elk resultaat heeft de kolommen van results.csv als sleutels. / "
            "All results, keyed like results.csv.",
        },
    ]
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Jeugdkennis: open data",
        "description": "Gepubliceerde praktijkvoorbeelden en resultaten van de 42 jeugdzorgregio's. / "
        "Published practices and results of the 42 Dutch youth-care regions.",
        "version": str(VERSION),
        "created": created,
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "homepage": external_url("pages.home"),
        "resources": resources,
    }


def readme(created: str, counts: dict[str, int]) -> str:
    """README.md: what each file holds and what every column means, in Dutch and English."""
    lines = [
        "# Jeugdkennis: open data",
        "",
        f"Gemaakt / created: {created} (UTC). Licentie / licence: CC BY 4.0.",
        "",
        (
            "Alleen gepubliceerde praktijkvoorbeelden, met hun resultaten en stappen door de ontwikkelcirkel. "
            "Concepten, gearchiveerde praktijkvoorbeelden en feedback staan er nooit in."
        ),
        (
            "Only published practices with their results and cycle steps; never drafts, archived practices or "
            "feedback."
        ),
        "",
        "## Bestanden / files",
        "",
        (
            "- `practices.json`: uitwisselformaat `jeugdkennis-practices` versie 1; `flask practices import` leest "
            "het terug (zie docs/import-format.md). / The exchange format, importable."
        ),
        "- `results.json`: alle resultaten, met de kolommen van `results.csv` als sleutels.",
        (
            "- `practices.csv`, `results.csv`, `cycle_steps.csv`, `partners.csv`: UTF-8, komma als scheidingsteken, "
            "aanhalingstekens "
            "volgens RFC 4180 (teksten kunnen regeleinden bevatten); lege cel = geen waarde. Getallen met een punt. "
            "Tijdstippen in UTC (ISO 8601). / UTF-8, comma-separated, RFC 4180 quoting; empty cell = no value."
        ),
        "- `datapackage.json`: dit woordenboek als Frictionless Data Package. / This dictionary, machine-readable.",
        (
            "- `documents.csv` en `documents/`: de documenten van gepubliceerde praktijkvoorbeelden; elk bestand "
            "heet naar zijn SHA-256. / The documents of published practices, each file named by its SHA-256."
        ),
        "- `SHA256SUMS`: controlegetallen (`sha256sum -c SHA256SUMS`).",
        "",
        (
            "Let op: teksten zijn ongewijzigd overgenomen. Open CSV-bestanden in een rekenblad als tekst als een "
            "cel met =, +, - of @ kan beginnen. / Texts are verbatim: import as text in spreadsheets."
        ),
    ]
    for table in TABLES:
        lines += [
            "",
            f"## {table.name}.csv ({counts.get(table.name, 0)} rijen / rows)",
            "",
            f"{table.nl} {table.en}",
            "",
            "| kolom / column | type | altijd gevuld / always filled | betekenis | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in table.columns:
            lines.append(f"| `{c.name}` | {c.type} | {'ja' if c.required else 'nee'} | {c.nl} | {c.en} |")
    return "\n".join(lines) + "\n"


# --- writing ---------------------------------------------------------------------------------------------


def _open(directory: Path, name: str, stack: ExitStack, *, newline: str | None = None):
    return stack.enter_context(open(directory / name, "w", encoding="utf-8", newline=newline))


def _write_results_json(stream, created: str, rows: Iterator[dict]) -> None:
    header = json.dumps(
        {"format": RESULTS_FORMAT, "version": VERSION, "exported_at": created}, ensure_ascii=False, indent=2
    )
    stream.write(header[:-2] + ',\n  "results": [')
    first = True
    for row in rows:
        stream.write(("\n    " if first else ",\n    ") + json.dumps(row, ensure_ascii=False))
        first = False
    stream.write("\n  ]\n}\n" if not first else "]\n}\n")


def _checksums(directory: Path) -> str:
    lines = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.relative_to(directory).as_posix()}")
    return "\n".join(lines) + "\n"


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_dir():
            _fsync_tree(path)
            continue
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _snapshot() -> None:
    # The JSON and the CSV passes should see the same rows: on PostgreSQL both read one snapshot. On SQLite
    # (development) a write between the passes can show in one of them only; a reader lock held across the
    # whole dump would block the site's writes, which is worse.
    if db.engine.dialect.name == "postgresql":
        db.session.rollback()  # the isolation level can only be chosen before the transaction begins
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def write_files(directory: Path, progress: Progress) -> dict[str, int]:
    """Write every file of the dump into `directory` (which exists and is empty); return row counts."""
    _snapshot()
    created = _datetime(utcnow())
    stmt = export.export_stmt(status=Status.PUBLISHED)
    total = export.count(stmt)
    with (
        open(directory / "practices.json", "w", encoding="utf-8") as out,
        progress(total, "Praktijkvoorbeelden (JSON)") as update,
    ):
        export.write_export(out, stmt, filters={"status": Status.PUBLISHED.value}, progress=update)

    # Closed by the ExitStack below, which also owns the CSV files.
    results_buffer = tempfile.SpooledTemporaryFile(mode="w+", encoding="utf-8", max_size=8 << 20)  # noqa: SIM115
    with ExitStack() as stack, progress(total, "CSV en resultaten") as update:
        stack.enter_context(results_buffer)
        practices = CsvTable(PRACTICES, _open(directory, "practices.csv", stack, newline=""))
        results = CsvTable(RESULTS, _open(directory, "results.csv", stack, newline=""))
        steps = CsvTable(CYCLE_STEPS, _open(directory, "cycle_steps.csv", stack, newline=""))
        partners = CsvTable(PARTNERS, _open(directory, "partners.csv", stack, newline=""))
        for practice in export.iter_practices(stmt):
            practices.write(practice_row(practice))
            for row in result_rows(practice):
                results.write(row)
                results_buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
            for row in step_rows(practice):
                steps.write(row)
            for row in partner_rows(practice):
                partners.write(row)
            update(1)
        results_buffer.seek(0)
        with open(directory / "results.json", "w", encoding="utf-8") as out:
            _write_results_json(out, created, (json.loads(line) for line in results_buffer))
    documents = _write_documents(directory, stmt)
    db.session.rollback()
    counts = {
        PRACTICES.name: practices.rows,
        RESULTS.name: results.rows,
        CYCLE_STEPS.name: steps.rows,
        PARTNERS.name: partners.rows,
        DOCUMENTS.name: documents,
    }
    (directory / "datapackage.json").write_text(
        json.dumps(datapackage(created, counts), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (directory / "README.md").write_text(readme(created, counts), encoding="utf-8")
    (directory / "SHA256SUMS").write_text(_checksums(directory), encoding="utf-8")
    return counts


def _write_documents(directory: Path, stmt) -> int:
    """documents.csv and the files of published practices' documents in documents/ (named by checksum)."""
    practice_ids = list(db.session.scalars(stmt.with_only_columns(PRACTICES_ID).order_by(None)))
    folder = directory / "documents"
    with open(directory / "documents.csv", "w", encoding="utf-8", newline="") as out:
        table = CsvTable(DOCUMENTS, out)
        for practice_id, attached in sorted(carry.documents_by_practice(practice_ids).items()):
            for document in attached:
                path = carry.place_file(document, folder)
                table.write(
                    {"practice_id": practice_id, **carry.record(document), "file": f"documents/{path.name}"}
                )
    return table.rows


def dump(target: Path | str, progress: Progress) -> DumpReport:
    """Write the dump to `target` atomically (temporary directory, then rename). Raises Invalid (Dutch) for a
    bad target; on any failure the previous dump, if any, is left as it was. For `flask opendata dump`."""
    target = check_target(Path(target))
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as error:
        raise Invalid(f"Kan niet schrijven in {target.parent}: {error.strerror or error}.") from None
    old: Path | None = None
    try:
        counts = write_files(work, progress)
        _fsync_tree(work)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(work, 0o777 & ~umask)  # mkdtemp makes it private; the dump is public
        if target.exists():
            # A non-empty directory cannot be replaced in one rename: move the old dump aside first. Between
            # the two renames (microseconds) the target is briefly absent, never half-written.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / target.name)
        os.rename(work, target)
    except BaseException as error:
        shutil.rmtree(work, ignore_errors=True)
        if old is not None and not target.exists() and (old / target.name).exists():
            os.rename(old / target.name, target)
        if isinstance(error, OSError):
            raise Invalid(f"Schrijven naar {target} is mislukt: {error.strerror or error}.") from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return DumpReport(target, counts[PRACTICES.name], counts[RESULTS.name], counts[CYCLE_STEPS.name])
