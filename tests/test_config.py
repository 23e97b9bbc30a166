"""Configuration: production refuses to start without a strong secret; development keeps a generated one."""

from __future__ import annotations

import pytest

from exchange import create_app


def test_production_refuses_without_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("config.Config", INSTANCE_PATH=str(tmp_path), SECRET_KEY=None)


STRONG_KEY = "k3J9vQx2Lm8ZpR4tW7yB1nC6dF0gH5sA"  # 32 characters, many different ones


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me", "published example"),
        ("CHANGE-ME", "published example"),
        ("dev", "published example"),
        ("secret", "published example"),
        ("jeugdkennis", "published example"),
        ("test-secret-key-not-for-production", "published example"),  # TestConfig's, from the repository
        ("please-change-this-secret-key-in-production", "published example"),
        ("k3J9vQx2Lm8ZpR4tW7yB1nC6dF0gH5s", "shorter than 32"),
        ("ab" * 20, "too few different characters"),
    ],
)
def test_production_refuses_a_weak_secret_key(tmp_path, key, reason):
    with pytest.raises(RuntimeError, match=f"SECRET_KEY is too weak for production: .*{reason}"):
        create_app("config.Config", INSTANCE_PATH=str(tmp_path), SECRET_KEY=key)


def test_production_refuses_a_weak_fallback_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY_FALLBACKS is too weak"):
        create_app(
            "config.Config", INSTANCE_PATH=str(tmp_path), SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=["dev"]
        )


def test_production_starts_with_a_strong_secret_key(tmp_path):
    app = create_app("config.Config", INSTANCE_PATH=str(tmp_path), SECRET_KEY=STRONG_KEY)
    assert app.config["SECRET_KEY"] == STRONG_KEY


@pytest.mark.parametrize("config", ["config.DevelopmentConfig", "config.TestConfig"])
def test_development_and_tests_accept_a_weak_secret_key(tmp_path, config):
    app = create_app(config, INSTANCE_PATH=str(tmp_path), SECRET_KEY="dev")
    assert app.config["SECRET_KEY"] == "dev"


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


def _whoami_app(tmp_path, **overrides):
    from flask import request

    app = create_app("config.TestConfig", INSTANCE_PATH=str(tmp_path), **overrides)
    app.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme} {request.host}")
    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "jeugdkennis.nl",
}


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted(tmp_path):
    client = _whoami_app(tmp_path).test_client()
    answer = client.get("/_whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).text
    assert answer == "10.0.0.2 http localhost"  # a client cannot choose its own address (rate limits)


def test_behind_one_trusted_proxy_the_client_address_scheme_and_host_come_from_it(tmp_path):
    client = _whoami_app(tmp_path, TRUSTED_PROXIES=1).test_client()
    answer = client.get("/_whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).text
    assert answer == "203.0.113.7 https jeugdkennis.nl"
    # Only the last hop is believed: an address the client put in front of the proxy's is not.
    spoofed = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert client.get("/_whoami", headers=spoofed).text.startswith("203.0.113.7 ")


@pytest.mark.parametrize("name", ["SIGN_IN_CACHE_ENTRIES", "SIGN_IN_CACHE_SECONDS", "SIMILAR_CACHE_SECONDS"])
def test_a_setting_that_is_no_whole_number_stops_the_start_and_names_itself(name):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, name: "zestig"}
    done = subprocess.run(
        [sys.executable, "-c", "import config"],
        check=False,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"Environment variable {name} must be a whole number, got 'zestig'" in done.stderr
