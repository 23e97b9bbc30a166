"""flask search status | synonyms | sync before and after the first reindex."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.search.models import SearchSynonym


def test_before_the_first_reindex_changes_wait_and_nothing_is_indexed(reference, app, runner):
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 1
    assert "niet bruikbaar (missing)" in status.output
    assert "58 wijziging(en) in de wachtrij" in status.output  # 42 regions and 16 themes

    sync = runner.invoke(args=["search", "sync"])
    assert sync.exit_code == 1
    assert "flask search reindex" in sync.output

    built = runner.invoke(args=["search", "reindex", "--procs", "2"])
    assert built.exit_code == 0, built.output
    assert "58 documenten" in built.output

    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0
    assert "Index: 58 documenten; 0 wijziging(en) in de wachtrij." in status.output


def test_synonym_defaults_are_added_once(app, runner, db):
    first = runner.invoke(args=["search", "synonyms", "--defaults"])
    again = runner.invoke(args=["search", "synonyms", "--defaults"])

    assert first.exit_code == again.exit_code == 0
    assert "0 standaardgroep(en) toegevoegd" in again.output
    count = db.session.scalar(select(func.count(SearchSynonym.id)))
    assert count > 10
    assert "jeugdhulp, jeugdzorg" in runner.invoke(args=["search", "synonyms"]).output


def test_check_without_an_index_says_to_build_one(reference, runner):
    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert "flask search reindex" in result.output
