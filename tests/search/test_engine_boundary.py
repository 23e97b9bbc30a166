"""Whoosh stays behind one module: only exchange/search/engine.py imports it (tests included)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(?:from\s+whoosh\b|import\s+whoosh\b)", re.MULTILINE)
ALLOWED = {Path("exchange/search/engine.py")}


def test_only_the_engine_module_imports_whoosh():
    offenders = []
    for folder in ("exchange", "tests", "bench", "wsgi.py", "config.py", "migrations"):
        path = ROOT / folder
        files = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.exists() else []
        for file in files:
            relative = file.relative_to(ROOT)
            if relative not in ALLOWED and IMPORT.search(file.read_text(encoding="utf-8")):
                offenders.append(str(relative))

    assert offenders == []


def test_the_engine_module_does_import_whoosh():
    assert IMPORT.search((ROOT / "exchange/search/engine.py").read_text(encoding="utf-8"))
