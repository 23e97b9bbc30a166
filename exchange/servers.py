"""What running on more than one app server requires, checked when the app starts (docs/deploy.md).

Shared by all servers, as files: DOCUMENTS_DIR (a mount every server sees; the default, the instance folder, is
per server and so refused). Per server: the search index (each keeps its own and follows the database), the visitor cache (per worker, keyed
by the data version in the database) and the compiled templates. Shared by all servers: the database (accounts,
sign-ins in `user_session`, the mail outbox, digest deliveries, job leases), SECRET_KEY (sessions and CSRF tokens
are signed with it, so any server accepts another's), and the rate-limit counters, which must live in Redis:
with `memory://` every worker of every server counts on its own and a limit of 5 becomes 5 per process.
"""

from __future__ import annotations

from flask import Flask


class SharedStateError(RuntimeError):
    """The configuration says several servers but keeps something per server that must be shared."""


def problems(config) -> list[str]:
    """Why this configuration cannot run on SERVERS servers (English, then Dutch), or [] when it can."""
    servers = int(config.get("SERVERS") or 1)
    if servers <= 1:
        return []
    found = []
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory"):
        found.append(
            f"RATELIMIT_STORAGE_URI is {storage!r}, but SERVERS={servers}: rate limits would count per process. "
            "Set it to the shared Redis, e.g. redis://127.0.0.1:6379/0. / "
            f"RATELIMIT_STORAGE_URI is {storage!r} terwijl SERVERS={servers}: elke server telt dan apart. "
            "Gebruik de gedeelde Redis, bijvoorbeeld redis://127.0.0.1:6379/0."
        )
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if database.startswith("sqlite"):
        found.append(
            f"The database is SQLite, but SERVERS={servers}: every server would have its own file. "
            "Set DATABASE_URL to the shared PostgreSQL. / "
            f"De database is SQLite terwijl SERVERS={servers}: elke server heeft dan een eigen bestand. "
            "Zet DATABASE_URL op de gedeelde PostgreSQL."
        )
    if not config.get("DOCUMENTS_DIR"):
        found.append(
            f"DOCUMENTS_DIR is not set, but SERVERS={servers}: uploaded documents would stay in this server's "
            "instance folder. Point it at storage every server mounts. / "
            f"DOCUMENTS_DIR is niet gezet terwijl SERVERS={servers}: documenten blijven dan op de server die ze "
            "ontving. Wijs een map aan die elke server deelt."
        )
    return found


def check_shared_state(app: Flask) -> None:
    """Refuse to start when SERVERS > 1 and something that must be shared is kept per server."""
    found = problems(app.config)
    if found:
        raise SharedStateError("Cannot start / Kan niet starten:\n- " + "\n- ".join(found))
