"""Whoosh stays behind one package: only modules of exchange/search/engine/ import it (tests included)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(?:from\s+whoosh\b|import\s+whoosh\b)", re.MULTILINE)
ENGINE = Path("exchange/search/engine")


def test_only_the_engine_package_imports_whoosh():
    offenders = []
    for folder in ("exchange", "tests", "bench", "wsgi.py", "config.py", "migrations"):
        path = ROOT / folder
        files = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.exists() else []
        for file in files:
            relative = file.relative_to(ROOT)
            if ENGINE not in relative.parents and IMPORT.search(file.read_text(encoding="utf-8")):
                offenders.append(str(relative))

    assert offenders == []


def test_the_engine_package_does_import_whoosh():
    importing = [
        f.name for f in sorted((ROOT / ENGINE).glob("*.py")) if IMPORT.search(f.read_text(encoding="utf-8"))
    ]

    assert "whoosh_internals.py" in importing
