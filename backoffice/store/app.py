"""The store of a Flask app: opened once per app, found from anywhere during a request or command.

`init_app(app)` opens the store the configuration names (`backoffice.store.connect`) and
keeps it in `app.extensions`; `get_store()` returns the current app's. Opening before
gunicorn forks is safe: the SQLite store opens new connections in each worker, the
MongoDB client connects lazily (`connect=False`).
"""
import logging
import threading
import time

from flask import current_app
from pymongo.errors import PyMongoError

from backoffice.store import connect
from backoffice.store.mongo import MongoStore

log = logging.getLogger(__name__)
EXTENSION = "backoffice_store"


def init_app(app):
    """Open the app's store (SQLite creates its tables and indexes at once, MongoDB once it answers)."""
    store = app.extensions[EXTENSION] = connect(app.config)
    if isinstance(store, MongoStore) and not store.indexed and app.config.get("CREATE_INDEXES", True):
        pending = PendingIndexes(store)
        pending.try_now()
        app.before_request(pending.try_now)
    return store


class PendingIndexes:
    """MongoDB's indexes, created at start-up or, when the server does not answer then, once it does.

    A worker must start without its database (a restarting one would otherwise crash-loop):
    until the indexes exist, a request tries again, at most every RETRY_SECONDS.
    """

    RETRY_SECONDS = 10

    def __init__(self, store):
        self.store = store
        self.last_try = None
        self.lock = threading.Lock()

    def try_now(self):
        """Create the indexes unless done or tried a moment ago; a server that does not answer leaves them pending."""
        if self.store.indexed or (self.last_try is not None and time.monotonic() - self.last_try < self.RETRY_SECONDS):
            return
        if not self.lock.acquire(blocking=False):
            return  # another thread is at it
        try:
            self.last_try = time.monotonic()
            self.store.ensure_indexes()
        except PyMongoError as error:
            log.warning("indexes not created yet, the database does not answer: %s", error)
        finally:
            self.lock.release()


def get_store(app=None):
    """The store of `app`, or of the current app."""
    return (app or current_app).extensions[EXTENSION]


def close(app):
    """Release the app's connections (tests and commands that open many apps)."""
    store = app.extensions.pop(EXTENSION, None)
    if store is not None:
        store.close()
