"""The database: one client per app, on MongoDB, the embedded store or mongomock.

This is the only module that knows which engine runs (with `backoffice.embedded`, its
shortcuts for the embedded store); everything else speaks the pymongo subset that all
three support.
"""
import logging
import os
import threading
import time

from flask import current_app
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import PyMongoError

from backoffice import embedded, embedded_pool
from backoffice.private_files import make_private, private_file

log = logging.getLogger(__name__)
EXTENSION = "backoffice_db"
DEFAULT_DBNAME = "backoffice"

# Every index is ascending: the embedded store supports no other, and MongoDB reads
# an ascending index backwards for descending sorts. Each list's default sort, each
# filter and the search have one (tests/test_mongodb_explain.py checks): a sort on a
# field that is not unique ends with `_id` (pages stay stable), so its index does too.
INDEXES = {
    "users": [("email", {"unique": True}), ("role", {}), ("search_terms", {})],
    "audit": [
        ([("collection", ASCENDING), ("record", ASCENDING), ("at", ASCENDING)], {}),
        # A record's history (details pages).
        ([("record", ASCENDING), ("at", ASCENDING)], {}),
        ("at", {}),
        ("actor", {}),
        ("action", {}),
        ("key", {}),
    ],
    # E-mails: one per action (its key), the waiting ones found by status, a record's by its key.
    "outbox": [
        ("key", {"unique": True}),
        ([("status", ASCENDING), ("created_at", ASCENDING)], {}),
        ([("collection", ASCENDING), ("record", ASCENDING), ("created_at", ASCENDING)], {}),
        ([("created_at", ASCENDING), ("_id", ASCENDING)], {}),
    ],
    # Files on record: a record's list, and whether a content is still referred to.
    "attachments": [
        ([("collection", ASCENDING), ("record", ASCENDING), ("uploaded_at", ASCENDING)], {}),
        ("sha256", {}),
    ],
    "lots": [("code", {"unique": True}), ("active", {}), ("search_terms", {})],
    "providers": [
        ("enterprise_number", {"unique": True}),
        ([("name", ASCENDING), ("_id", ASCENDING)], {}),
        ("status", {}),
        ("lots.lot", {}),
        ("languages", {}),
        ("search_terms", {}),
    ],
    "requests": [
        ("reference", {"unique": True}),
        ([("received_on", ASCENDING), ("_id", ASCENDING)], {}),
        ([("status", ASCENDING), ("received_on", ASCENDING), ("_id", ASCENDING)], {}),
        ([("municipality", ASCENDING), ("received_on", ASCENDING), ("_id", ASCENDING)], {}),
        ("lots", {}),
        ("organisation.type", {}),
        ("themes", {}),
        ("search_terms", {}),
    ],
    "briefings": [
        ("reference", {"unique": True}),
        ("request", {}),
        ("status", {}),
        ("offer_deadline", {}),
        ("lots", {}),
        ("award_route", {}),
        ("language", {}),
        ("invitations.provider", {}),
        ("awards.provider", {}),
        ("search_terms", {}),
    ],
}


def init_app(app):
    """Open the app's client (lazily for MongoDB) and create the indexes."""
    client, name = _connect(app.config)
    app.extensions[EXTENSION] = client[name]
    app.extensions[EXTENSION + "_client"] = client
    embedded_pool.install(app.extensions[EXTENSION])
    if app.config.get("CREATE_INDEXES", True):
        pending = PendingIndexes(app.extensions[EXTENSION])
        app.extensions[EXTENSION + "_indexes"] = pending
        pending.try_now()
        app.before_request(pending.try_now)


def _connect(config):
    engine = config["DATABASE_ENGINE"]
    if engine == "mongodb":
        from pymongo import MongoClient

        # connect=False: gunicorn forks after create_app, and a client must not cross a fork.
        client = MongoClient(
            config["MONGO_URI"],
            connect=False,
            serverSelectionTimeoutMS=config["MONGO_TIMEOUT_MS"],
            connectTimeoutMS=config["MONGO_TIMEOUT_MS"],
            socketTimeoutMS=config["MONGO_TIMEOUT_MS"] * 5,
        )
        name = config.get("MONGO_DBNAME") or client.get_default_database(DEFAULT_DBNAME).name
        return client, name
    if engine == "tinymongo":
        from tinymongo import TinyMongoClient

        directory = config["BACKOFFICE_DATA_DIR"]
        # Created 0600 before tinymongo opens them (SQLite's journals take the database's mode).
        make_private(directory)
        private_file(os.path.join(directory, f"{DEFAULT_DBNAME}.sqlite"))
        private_file(os.path.join(directory, ".tinymongo.lock"))
        return TinyMongoClient(directory, backend="sqlite"), DEFAULT_DBNAME
    if engine == "mongomock":
        import mongomock
        import mongomock.gridfs

        _mongomock_gridfs(mongomock.gridfs)
        return mongomock.MongoClient(), config.get("MONGO_DBNAME") or DEFAULT_DBNAME
    raise ValueError(f"Unknown DATABASE_ENGINE {engine!r}")


_GRIDFS_ON_MONGOMOCK = []


def _mongomock_gridfs(module):
    """Let pymongo's GridFS work over mongomock (files on record in tests), once per process."""
    if not _GRIDFS_ON_MONGOMOCK:
        module.enable_gridfs_integration()
        _GRIDFS_ON_MONGOMOCK.append(True)


def get_db(app=None):
    """The current app's database."""
    return (app or current_app).extensions[EXTENSION]


def create_indexes(db):
    """Create the unique keys and the indexes behind the usual sorts, filters and searches."""
    for collection, specs in INDEXES.items():
        for keys, options in specs:
            db[collection].create_index(keys, **options)


class PendingIndexes:
    """The indexes, created at start-up or, when the database does not answer then, once it does.

    A worker must start without its database (a restarting one would otherwise crash-loop):
    until the indexes exist, a request tries again, at most every RETRY_SECONDS.
    """

    RETRY_SECONDS = 10

    def __init__(self, db):
        self.db = db
        self.done = False
        self.last_try = None
        self.lock = threading.Lock()

    def try_now(self):
        """Create the indexes unless done or tried a moment ago; a database that does not answer leaves them pending."""
        if self.done or (self.last_try is not None and time.monotonic() - self.last_try < self.RETRY_SECONDS):
            return
        if not self.lock.acquire(blocking=False):
            return  # another thread is at it
        try:
            self.last_try = time.monotonic()
            create_indexes(self.db)
            self.done = True
        except PyMongoError as error:
            log.warning("the database does not answer; its indexes will be created when it does (%s)", type(error).__name__)
        finally:
            self.lock.release()


def renames_collections(db):
    """True when the engine renames a collection in one step (MongoDB, mongomock; not the embedded store)."""
    return not type(db).__module__.startswith("tinymongo")


def ping(app=None):
    """True when the database answers."""
    try:
        get_db(app).command("ping")
    except Exception:  # any failure means "not reachable" to the health check
        return False
    return True


_SEQUENCE_LOCK = threading.Lock()
_MOCK_WRITE_LOCK = threading.Lock()


def next_sequence(name, db=None):
    """Atomically take the next number of the named counter (1, 2, 3, ...)."""
    counters = (db if db is not None else get_db())["counters"]
    # MongoDB and the embedded store make this update atomic across processes; mongomock is not
    # thread-safe, so threads of one process also take turns (at no cost to the others).
    with _SEQUENCE_LOCK:
        counter = counters.find_one_and_update(
            {"_id": name}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
    return counter["seq"]


def raise_sequence(name, at_least, db=None):
    """Make sure the named counter is at least `at_least` (after records were loaded with numbers)."""
    counters = (db if db is not None else get_db())["counters"]
    counters.update_one({"_id": name}, {"$max": {"seq": at_least}}, upsert=True)


def close(app):
    """Close the app's client (tests and CLI commands that open many apps)."""
    client = app.extensions.get(EXTENSION + "_client")
    if EXTENSION in app.extensions:
        embedded_pool.close(app.extensions[EXTENSION])
    if client is not None and hasattr(client, "close"):
        client.close()


# Writes conditional on the version --------------------------------------------------


def update_one(collection, query, update):
    """`collection.update_one(query, update)`, through the primary key on the embedded store when `query` names `_id`."""
    fast = embedded.update_by_key(collection, query, update)
    if fast is not None:
        return fast
    if type(collection).__module__.startswith("mongomock"):
        # mongomock matches and writes in two steps: threads of one process take turns, so an
        # update on a version stays atomic (MongoDB and the embedded store are atomic already).
        with _MOCK_WRITE_LOCK:
            return collection.update_one(query, update)
    return collection.update_one(query, update)


def delete_one(collection, query):
    """`collection.delete_one(query)`, through the primary key on the embedded store when `query` names `_id`."""
    fast = embedded.delete_by_key(collection, query)
    return fast if fast is not None else collection.delete_one(query)


# Lists and exports -------------------------------------------------------------------


def list_page(collection, query, sort, skip=0, limit=0, projection=None):
    """One sorted page of the records matching `query`, and how many match: (count, documents).

    An unfiltered list takes MongoDB's estimated count (read from the collection's
    metadata) instead of counting every record. The embedded store gets the shortcuts of
    `backoffice.embedded`: same rows, same order, far fewer documents decoded.
    """
    fast = embedded.page(collection, query, sort, skip, limit, projection)
    if fast is not None:
        return fast
    count = collection.count_documents(query) if query else collection.estimated_document_count()
    return count, list(collection.find(query, projection=projection, sort=sort, skip=skip, limit=limit))


def find_all(collection, sort, projection=None):
    """Every document of a small collection (the lots), sorted: one SQL read on the embedded store."""
    fast = embedded.everything(collection, sort, projection)
    if fast is not None:
        return fast
    return list(collection.find({}, projection=projection, sort=sort))


def batches(collection, query, size):
    """Every document matching `query` in `_id` order, `size` at a time: memory stays bounded on every engine."""
    fast = embedded.batches(collection, query, size)
    if fast is not None:
        yield from fast
        return
    last = None
    while True:
        after = {"_id": {"$gt": last}} if last is not None else {}
        page_query = {"$and": [query, after]} if query and after else query or after
        page = list(collection.find(page_query, sort=[("_id", 1)], limit=size))
        if page:
            yield page
        if len(page) < size:
            return
        last = page[-1]["_id"]
