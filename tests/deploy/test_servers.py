"""SERVERS > 1: the app refuses to start with state that must be shared but is kept per server."""

from __future__ import annotations

import pytest

from exchange import create_app
from exchange.servers import SharedStateError, problems

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/jk_not_connected"


def make(tmp_path, **overrides):
    overrides.setdefault("DOCUMENTS_DIR", str(tmp_path / "shared-documents"))
    return create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        MAIL_FOLDER=str(tmp_path / "mail"),
        **overrides,
    )


def test_several_servers_with_memory_rate_limits_refuse_to_start_in_english_and_dutch(tmp_path):
    with pytest.raises(SharedStateError) as refused:
        make(tmp_path, SERVERS=2, RATELIMIT_STORAGE_URI="memory://", SQLALCHEMY_DATABASE_URI=PG)
    message = str(refused.value)
    assert "RATELIMIT_STORAGE_URI is 'memory://', but SERVERS=2" in message
    assert "elke server telt dan apart" in message
    assert "SQLite" not in message


def test_several_servers_on_a_sqlite_file_refuse_to_start(tmp_path):
    with pytest.raises(SharedStateError) as refused:
        make(
            tmp_path,
            SERVERS=3,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
        )
    assert "The database is SQLite, but SERVERS=3" in str(refused.value)
    assert "RATELIMIT" not in str(refused.value)


def test_several_servers_with_redis_and_postgresql_start(tmp_path):
    app = make(
        tmp_path, SERVERS=2, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", SQLALCHEMY_DATABASE_URI=PG
    )
    assert app.config["SERVERS"] == 2


def test_one_server_may_keep_everything_local(tmp_path):
    assert (
        problems({"SERVERS": 1, "RATELIMIT_STORAGE_URI": "memory://", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        == []
    )
    app = make(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SERVERS"] == 1


def test_the_setting_comes_from_the_environment_and_a_bad_value_is_a_clear_error(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SERVERS", "twee")
    with pytest.raises(RuntimeError, match="SERVERS must be a whole number"):
        importlib.reload(config)
    monkeypatch.setenv("SERVERS", "2")
    try:
        assert importlib.reload(config).Config.SERVERS == 2
    finally:
        monkeypatch.delenv("SERVERS")
        importlib.reload(config)


def test_several_servers_need_a_documents_folder_they_share(tmp_path):
    with pytest.raises(SharedStateError) as refused:
        make(
            tmp_path,
            SERVERS=2,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            SQLALCHEMY_DATABASE_URI=PG,
            DOCUMENTS_DIR=None,
        )
    assert "DOCUMENTS_DIR is not set, but SERVERS=2" in str(refused.value)
    assert "RATELIMIT" not in str(refused.value) and "SQLite" not in str(refused.value)
