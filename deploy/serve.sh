#!/bin/sh
# `make serve`: the production setup on this machine. gunicorn with deploy/gunicorn.conf.py, config.Config,
# DATABASE_URL from the environment; the schema is migrated and the reference data loaded first, and the search
# index is rebuilt when it is missing or unusable. Run from the repository root with the virtualenv's bin on PATH.
set -eu

if [ -z "${DATABASE_URL:-}" ]; then
    echo "make serve: set DATABASE_URL, e.g. DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/jeugdkennis" >&2
    exit 2
fi
export FLASK_APP=wsgi.py
export EXCHANGE_CONFIG="${EXCHANGE_CONFIG:-config.Config}"
# Production refuses to start without a strong SECRET_KEY. Locally, one is made once and kept in the instance
# folder (a real server sets it in /etc/jeugdkennis/env, the same on every server).
if [ -z "${SECRET_KEY:-}" ]; then
    mkdir -p instance
    if [ ! -s instance/serve-secret-key ]; then
        (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/serve-secret-key)
    fi
    SECRET_KEY=$(cat instance/serve-secret-key)
    export SECRET_KEY
fi

flask db upgrade
flask seed reference
if ! flask search status >/dev/null 2>&1; then
    echo "make serve: the search index is missing or unusable; rebuilding it"
    flask search reindex
fi
exec gunicorn -c deploy/gunicorn.conf.py --bind "${HOST:-127.0.0.1}:${PORT:-8000}" wsgi:app
