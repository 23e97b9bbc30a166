"""The Whoosh engine: schema, opening the index and building it. The only module that imports whoosh."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import current_app
from whoosh import index
from whoosh.analysis import LanguageAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import EmptyIndexError

INDEX_NAME = "jeugdkennis"


def build_schema() -> Schema:
    dutch = LanguageAnalyzer("nl")
    return Schema(
        key=ID(unique=True, stored=True),  # "<type>:<id>"
        type=ID(stored=True),
        title=TEXT(analyzer=dutch, stored=True, field_boost=3.0),
        body=TEXT(analyzer=dutch),
        slug=STORED(),  # pages build URLs from type + slug at render time
        region=KEYWORD(commas=True, lowercase=True),
        themes=KEYWORD(commas=True, lowercase=True),
    )


def index_dir() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def index_status() -> dict:
    """Report whether the index can be opened, without creating or locking anything."""
    path = index_dir()
    if not path.exists() or not index.exists_in(str(path), indexname=INDEX_NAME):
        return {"ok": False, "error": "missing", "hint": "flask search reindex"}
    try:
        ix = index.open_dir(str(path), indexname=INDEX_NAME)
        try:
            count = ix.doc_count()
        finally:
            ix.close()
    except (EmptyIndexError, OSError, ValueError) as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "documents": count}


def rebuild(documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
    """Build a complete new index aside and swap it in, so searches keep working during the build."""
    target = index_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rebuild-", dir=target.parent))
    count = 0
    try:
        ix = index.create_in(str(staging), build_schema(), indexname=INDEX_NAME)
        writer = ix.writer()
        for doc in documents:
            writer.add_document(**doc)
            count += 1
            if progress:
                progress(1)
        writer.commit()
        ix.close()
        backup = target.with_name(target.name + ".old")
        if backup.exists():
            shutil.rmtree(backup)
        if target.exists():
            target.rename(backup)
        staging.rename(target)
        if backup.exists():
            shutil.rmtree(backup)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return count
