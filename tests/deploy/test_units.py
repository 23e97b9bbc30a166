"""The shipped systemd units name commands that exist, and every periodic command has its timer."""

from __future__ import annotations

import configparser
import runpy
import shlex

import pytest

from exchange import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"
PERIODIC = {
    ("digests", "send", "--frequency", "daily"),
    ("digests", "send", "--frequency", "weekly"),
    ("digests", "send", "--frequency", "monthly"),
    ("mail", "send-pending"),
    ("search", "sync"),
    ("users", "purge-audit"),
    ("users", "purge-sessions"),
    ("users", "send-resets"),
    ("digests", "purge"),
    ("search", "prune-log"),
}


def unit(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def flask_commands() -> dict[str, tuple[str, ...]]:
    found = {}
    for path in sorted(SYSTEMD.glob("jeugdkennis-*.service")):
        words = shlex.split(unit(path)["Service"]["ExecStart"])
        if words[0].endswith("/flask"):
            found[path.stem] = tuple(words[1:])
    return found


def test_every_periodic_job_has_a_service_and_a_timer():
    commands = flask_commands()
    assert set(commands.values()) == PERIODIC
    for name in commands:
        timer = unit(SYSTEMD / f"{name}.timer")
        assert timer["Timer"]["OnCalendar"], name


@pytest.mark.parametrize("args", sorted(PERIODIC))
def test_each_command_a_unit_runs_exists(app, args):
    group = app.cli.get_command(None, args[0])
    assert group is not None, args
    command = group.get_command(None, args[1])
    assert command is not None, args
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {a for a in args[2:] if a.startswith("--")} <= options


def test_the_units_load_the_shared_environment_file():
    for path in SYSTEMD.glob("jeugdkennis*.service"):
        service = unit(path)["Service"]
        assert service["EnvironmentFile"] == "/etc/jeugdkennis/env", path.name
        assert service["User"] == "jeugdkennis", path.name


def test_the_gunicorn_configuration_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", "11")
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (settings["workers"], settings["graceful_timeout"]) == (7, 11)
    assert settings["preload_app"] is False  # a HUP must load the new code
    assert callable(settings["post_worker_init"])
