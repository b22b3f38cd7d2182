"""The store of a Flask app: opened once per app, found from anywhere during a request or command.

`init_app(app)` opens the store the configuration names (`backoffice.store.connect`) and
keeps it in `app.extensions`; `get_store()` returns the current app's. Opening before
gunicorn forks is safe: the SQLite store opens new connections in each worker, the
MongoDB client connects lazily (`connect=False`).
"""
from flask import current_app

from backoffice.store import connect

EXTENSION = "backoffice_store"


def init_app(app):
    """Open the app's store (creating tables and indexes when missing)."""
    app.extensions[EXTENSION] = connect(app.config)
    return app.extensions[EXTENSION]


def get_store(app=None):
    """The store of `app`, or of the current app."""
    return (app or current_app).extensions[EXTENSION]


def close(app):
    """Release the app's connections (tests and commands that open many apps)."""
    store = app.extensions.pop(EXTENSION, None)
    if store is not None:
        store.close()
