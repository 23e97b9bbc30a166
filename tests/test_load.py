"""The load and fault run (bench/load.py), short: gunicorn with 2 workers on PostgreSQL and Redis, 4 writers and
4 readers for 5 s. Zero 5xx and zero index drift, or it fails."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (_listening(5432) and _listening(6379)), reason="needs PostgreSQL and Redis on 127.0.0.1"
)
def test_a_short_load_run_has_no_5xx_and_no_index_drift(worker_id):
    bench = _bench()
    # Each pytest-xdist worker its own Redis database for the rate limiter.
    redis_db = 14 if worker_id in ("master", "gw0") else 15

    report = bench.run(workers=2, writers=4, readers=4, duration=5, redis_db=redis_db)

    assert report.errors == []
    assert report.drift is False, report.check_output
    assert "Ontbrekend: 0, verouderd: 0, overbodig: 0." in report.check_output
    for kind in ("page", "search", "api"):
        statuses = report.by_kind[kind]["statuses"]
        assert statuses.get(200, 0) + statuses.get(302, 0) > 0, (kind, statuses)
    written = sum(
        # A kind a short run on a busy machine never reached is simply not in the report.
        report.by_kind.get(k, {}).get("statuses", {}).get(302, 0)
        for k in ("save", "publish", "result", "feedback")
    )
    assert written > 0
    # Functionaries sign in with their second factor and give feedback.
    assert report.by_kind["feedback"]["statuses"].get(302, 0) > 0, report.by_kind["feedback"]
