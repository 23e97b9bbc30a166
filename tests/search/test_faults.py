"""The search index under faults and load: a missing, corrupt or partial index is named by /healthz, search
answers "temporarily unavailable" (503, never "0 results" or a 500), and `flask search reindex` rebuilds it
whatever state it is in; readers never fail while other processes commit and merge segments."""

from __future__ import annotations

import multiprocessing
import random
import shutil
import threading
import time
from pathlib import Path

import pytest

from exchange.search import engine
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.schema import INDEX_NAME


def _files(path: Path, suffix: str) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.name.endswith(suffix))


def _truncate(file: Path, keep: float = 0.5) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: int(len(data) * keep)])


def _damage(path: Path, kind: str) -> None:
    if kind == "missing":
        shutil.rmtree(path)
    elif kind == "emptied":
        for file in path.iterdir():
            shutil.rmtree(file) if file.is_dir() else file.unlink()
    elif kind == "truncated_toc":
        _truncate(_files(path, ".toc")[-1])
    elif kind == "garbage_toc":
        _files(path, ".toc")[-1].write_bytes(random.Random(13).randbytes(300))
    elif kind == "segment_file_missing":
        _files(path, ".trm")[0].unlink()
    elif kind == "segment_file_empty":
        _files(path, ".pst")[0].write_bytes(b"")
    elif kind == "stored_fields_truncated":
        _truncate(_files(path, "._stored.col")[0], keep=0.3)
    else:
        raise AssertionError(kind)


DAMAGE = {
    "missing": "missing",
    "emptied": "missing",
    "truncated_toc": "corrupt",
    "garbage_toc": "corrupt",
    "segment_file_missing": "partial",
    "segment_file_empty": "partial",
    "stored_fields_truncated": "corrupt",
}


@pytest.fixture
def damaged(app, world, make_practice):
    """damaged(kind): a practice indexed, then the index damaged on disk, as a newly started worker finds it
    (this process's open searcher is closed: files it holds open would still read as they were)."""
    make_practice("Thuiszitterstafel", body="Samen met scholen.")
    path = Path(app.config["SEARCH_INDEX_DIR"])

    def damage(kind: str) -> None:
        _damage(path, kind)
        engine.get_index(path).close()

    return damage


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_healthz_names_a_damaged_index(damaged, client, kind):
    damaged(kind)

    response = client.get("/healthz")

    assert response.status_code == 503
    check = response.get_json()["checks"]["search_index"]
    assert check["ok"] is False
    assert check["error"] == DAMAGE[kind]
    assert check["hint"] == "flask search reindex"
    assert response.get_json()["checks"]["database"] == {"ok": True}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_search_page_says_search_is_temporarily_unavailable(damaged, client, kind):
    damaged(kind)

    response = client.get("/zoeken?q=thuiszitters")

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Zoeken is tijdelijk niet beschikbaar" in page
    assert "0 resultaten" not in page


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_search_api_answers_503_as_json(damaged, client, kind):
    damaged(kind)

    response = client.get("/api/v1/search?q=thuiszitters")

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "search_unavailable"
    assert error["details"] == {"index": DAMAGE[kind]}
    assert error["message"]["nl"].startswith("Zoeken is tijdelijk niet beschikbaar")


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_reindex_rebuilds_whatever_state_the_index_is_in(damaged, client, runner, kind):
    damaged(kind)

    built = runner.invoke(args=["search", "reindex", "--procs", "1"])

    assert built.exit_code == 0, built.output
    assert client.get("/healthz").status_code == 200
    found = client.get("/api/v1/search?q=thuiszitters&soort=praktijk").get_json()
    assert [hit["title"] for hit in found["results"]] == ["Thuiszitterstafel"]


def test_a_practice_page_still_works_without_an_index(damaged, client, world, db):
    from sqlalchemy import select

    from exchange.practices.models import Practice

    damaged("garbage_toc")
    practice = db.session.scalar(select(Practice))

    assert client.get(f"/praktijken/{practice.id}").status_code == 200


def test_a_save_with_a_damaged_index_keeps_its_change_in_the_outbox(damaged, make_practice, db, runner):
    from exchange.search import outbox

    damaged("garbage_toc")
    make_practice("Na de schade opgeslagen")

    assert outbox.pending_count(db.session) >= 1  # the index's position did not move
    assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
    assert outbox.pending_count(db.session) == 0


def test_check_on_a_damaged_index_says_to_rebuild(damaged, runner):
    damaged("segment_file_missing")

    outcome = runner.invoke(args=["search", "check"])

    assert outcome.exit_code == 1
    assert "flask search reindex" in outcome.output


# ------------------------------------------------------------------------------------------------ concurrency


def _doc(i: int, version: int = 0) -> dict:
    return {
        "key": f"practice:{i}",
        "type": "practice",
        "title": f"jeugdhulp {i} versie {version}",
        "body": "school thuiszitters samen",
        "status": "published",
        "region": str(i % 5),
        "date": i,
        "updated": version,
    }


def test_a_searcher_reads_stored_fields_of_segments_another_process_merged_away(tmp_path):
    # Found under load: a long-lived searcher opened a segment's stored-fields file only when a page first
    # needed it; by then a merge in another worker had deleted the file, and stored_fields failed.
    path = tmp_path / "index"
    writer = engine.SearchIndex(path)
    writer.rebuild(_doc(i) for i in range(20))
    writer.apply(upserts=[_doc(100)])

    ix = internals.open_index(str(path), INDEX_NAME)
    searcher, readers, _ = internals.open_searcher(ix, {})
    merged = internals.FastWriter(internals.open_index(str(path), INDEX_NAME))
    merged.update_document(
        **__import__("exchange.search.engine.schema", fromlist=["prepare"]).prepare(_doc(101))
    )
    merged.commit(optimize=True)  # one new segment; the files of the old ones are deleted
    assert not any(path.glob(f"*{next(iter(readers))}*"))

    keys = {searcher.stored_fields(d)["key"] for d in range(searcher.doc_count_all())}

    assert "practice:100" in keys and len(keys) == 21
    for reader in readers.values():
        assert reader.has_column("date")
    searcher.close()
    for reader in readers.values():
        reader.close()


def _write_for(path: str, seconds: float) -> None:
    index = engine.SearchIndex(Path(path))
    version = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        version += 1
        try:
            index.apply(upserts=[_doc(i, version) for i in random.sample(range(300), 3)], timeout=5)
        except engine.IndexBusy:
            pass


def test_paging_searches_never_fail_while_other_processes_commit_and_merge(tmp_path):
    path = tmp_path / "index"
    index = engine.SearchIndex(path)
    index.rebuild(_doc(i) for i in range(300))
    seconds = 4.0
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_for, args=(str(path), seconds)) for _ in range(3)]
    for process in writers:
        process.start()
    errors: list[BaseException] = []
    done = [0]

    def read() -> None:
        rng = random.Random()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            spec = engine.SearchSpec(
                clauses=[[("jeugdhulp",)]] if rng.random() < 0.5 else [],
                sort=rng.choice(["relevance", "date"]),
                offset=rng.randrange(0, 290),
                limit=10,
            )
            try:
                result = index.search(spec)
                assert result.total == 300 and len(result.hits) == 10
                done[0] += 1
            except BaseException as exc:  # noqa: BLE001 - collected and reported by the test
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    for process in writers:
        process.join(timeout=30)

    index.close()
    assert errors == []
    assert done[0] > 100
