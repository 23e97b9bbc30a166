"""Two app servers on one database (bench/servers.py, short): each keeps its own search index following the
change log; one is stopped while writing goes on and started again; both converge with nothing lost.

On PostgreSQL (a throwaway `jk_i18_servers_...` database, dropped afterwards) when it answers on 127.0.0.1,
else on a SQLite file; Redis for the rate limiter when it answers. Bound stated here: after the last write both
servers show lag 0 within CONVERGE_SECONDS, and B catches up within CATCH_UP_SECONDS of its process start
(each worker catches up on start and every SEARCH_SYNC_SECONDS = 1 s).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVERGE_SECONDS = 10.0
CATCH_UP_SECONDS = 20.0


def _bench():
    spec = importlib.util.spec_from_file_location("bench_servers", ROOT / "bench" / "servers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_two_servers_converge_after_one_was_offline_with_no_change_lost(worker_id):
    bench = _bench()
    redis_db = 10 if worker_id in ("master", "gw0") else 11

    report = bench.run(before=2, offline=3, after=2, writers=4, redis_db=redis_db, converge_timeout=30)

    assert report.write_errors == []
    assert report.writes > 20
    assert report.b_behind_at_start > 0  # B really missed changes while it was down
    assert report.catch_up_seconds < CATCH_UP_SECONDS
    assert report.converge_seconds < CONVERGE_SECONDS
    assert report.drift == {"A": 0, "B": 0}, report.check_output
    for name in ("A", "B"):
        assert "Ontbrekend: 0, verouderd: 0, overbodig: 0." in report.check_output[name]
