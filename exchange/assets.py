"""Static files under URLs that change with their content: `url_for('static', filename=...)` gets `?v=<hash>`.

The reverse proxy may then cache a versioned URL for a year ("immutable", deploy/nginx/jeugdkennis.conf): a
deploy that changes a file changes its URL, so no visitor keeps an old stylesheet. The hash is the first 12 hex
digits of the file's SHA-256, computed once per file and modification time in each worker.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask

HASH_LENGTH = 12


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()[:HASH_LENGTH]


def content_hash(static_folder: str, filename: str) -> str | None:
    """The version of `filename` in `static_folder`, or None when it is not a file there."""
    root = os.path.realpath(static_folder)
    path = os.path.realpath(os.path.join(root, filename))
    if not path.startswith(root + os.sep):
        return None
    try:
        return _digest(path, os.stat(path).st_mtime_ns)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def register_asset_versions(app: Flask) -> None:
    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or not app.static_folder:
            return
        version = content_hash(app.static_folder, str(values.get("filename", "")))
        if version:
            values["v"] = version
