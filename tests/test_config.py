"""Configuration: production refuses to start without a secret; development keeps a generated one."""
from __future__ import annotations

import pytest

from exchange import create_app


def test_production_refuses_without_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("config.Config", INSTANCE_PATH=str(tmp_path), SECRET_KEY=None)


def test_development_generates_and_keeps_a_secret(tmp_path):
    first = create_app("config.DevelopmentConfig", INSTANCE_PATH=str(tmp_path), SECRET_KEY=None)
    second = create_app("config.DevelopmentConfig", INSTANCE_PATH=str(tmp_path), SECRET_KEY=None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_paths_default_into_the_instance_folder(tmp_path):
    app = create_app("config.TestConfig", INSTANCE_PATH=str(tmp_path))
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert app.config["MAIL_FOLDER"] == str(tmp_path / "mail")
