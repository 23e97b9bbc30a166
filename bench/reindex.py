"""Reindex benchmark: documents per second of the real `flask search reindex` on a database of N practices.

    .venv/bin/python bench/reindex.py --practices 10000                 # fresh SQLite file in a temp folder
    .venv/bin/python bench/reindex.py --practices 10000 --busy 2        # with two busy-loop processes (load ~3)
    .venv/bin/python bench/reindex.py --db /tmp/reindex.db --keep       # build the database once, reuse it

The database is loaded with bench/pages.py's generator and bulk loader (practices with themes, action lines,
cycle steps and result series; 85% published, 10% draft, 5% archived). The command is invoked as `flask search
reindex` is (the click command through Flask's CLI runner, in this process, with its progress bar on stderr),
and every document it writes counts: practices, results, themes and regions (the number it prints). Printed:
documents, wall seconds, documents/s, CPU seconds of this process and its indexing processes, and the load
average before and after. `--busy K` starts K processes that spin in a loop during the run (stopped after).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _spin(stop) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


def load(url: str, n: int) -> None:
    import pages  # bench/pages.py: the same generator and bulk loader as the page benchmark
    from sqlalchemy import func, select

    from exchange import create_app
    from exchange.extensions import db
    from exchange.practices.models import Practice
    from exchange.reference.seeding import load_reference, read_reference_file

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_urlsafe(32))
    with app.app_context():
        db.create_all()
        if db.session.scalar(select(func.count(Practice.id))):
            return
        load_reference(read_reference_file())
        db.session.commit()
        started = time.perf_counter()
        pages.load_core(db, pages.generate(n))
        print(f"loaded {n} practices in {time.perf_counter() - started:.1f} s", flush=True)


def reindex(url: str, index_dir: str, procs: int | None) -> tuple[int, float, float]:
    from exchange import create_app

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        SEARCH_INDEX_DIR=index_dir,
    )
    args = ["search", "reindex"] + (["--procs", str(procs)] if procs else [])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = time.process_time() + usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=args)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() + usage.ru_utime + usage.ru_stime - cpu0
    if result.exit_code != 0:
        raise SystemExit(f"flask search reindex failed: {result.output}\n{result.exception!r}")
    found = re.findall(r"opgebouwd: (\d+) documenten", result.output)
    if not found:
        raise SystemExit(f"unexpected output: {result.output}")
    return int(found[-1]), wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--practices", type=int, default=10_000)
    parser.add_argument("--db", help="SQLite file to build once and reuse (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the --db file")
    parser.add_argument("--procs", type=int, default=None, help="indexing processes (default: the command's)")
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes running meanwhile")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as tmp:
        db_path = Path(args.db) if args.db else Path(tmp) / "bench.db"
        url = f"sqlite:///{db_path}"
        load(url, args.practices)
        stop = get_context("fork").Event()
        spinners = [get_context("fork").Process(target=_spin, args=(stop,)) for _ in range(args.busy)]
        for p in spinners:
            p.start()
        try:
            if spinners:
                time.sleep(20)  # let the load average climb
            for run in range(args.runs):
                before = os.getloadavg()
                count, wall, cpu = reindex(url, str(Path(tmp) / f"index-{run}"), args.procs)
                after = os.getloadavg()
                print(
                    f"reindex: {count} documents in {wall:.1f} s = {count / wall:.0f} documents/s "
                    f"({cpu:.1f} CPU-s, {count / cpu:.0f} documents per CPU-second); busy loops: {args.busy}; "
                    f"load average 1 min before {before[0]:.2f}, after {after[0]:.2f}; CPUs: {os.cpu_count()}",
                    flush=True,
                )
        finally:
            stop.set()
            for p in spinners:
                p.join(timeout=5)
                if p.is_alive():
                    p.terminate()
        if args.db and not args.keep:
            db_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
