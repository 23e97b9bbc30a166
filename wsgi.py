"""WSGI entry point: `flask` and gunicorn find the app here."""

import os

from exchange import create_app

app = create_app(os.environ.get("EXCHANGE_CONFIG", "config.Config"))
