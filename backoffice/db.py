"""The database: one client per app, on MongoDB, the embedded store or mongomock.

This is the only module that knows which engine runs; everything else speaks the
pymongo subset that all three support.
"""
import os

from flask import current_app
from pymongo import ASCENDING, ReturnDocument

EXTENSION = "backoffice_db"
DEFAULT_DBNAME = "backoffice"

# Every index is ascending: the embedded store supports no other, and MongoDB reads
# an ascending index backwards for descending sorts.
INDEXES = {
    "users": [("email", {"unique": True}), ("role", {}), ("search_terms", {})],
    "audit": [([("collection", ASCENDING), ("record", ASCENDING), ("at", ASCENDING)], {}), ("at", {}), ("actor", {}), ("action", {})],
    "login_failures": [([("key", ASCENDING), ("at", ASCENDING)], {})],
    "lots": [("code", {"unique": True}), ("active", {})],
    "providers": [
        ("enterprise_number", {"unique": True}),
        ("name", {}),
        ("status", {}),
        ("lots.lot", {}),
        ("search_terms", {}),
    ],
    "requests": [
        ("reference", {"unique": True}),
        ("received_on", {}),
        ([("status", ASCENDING), ("received_on", ASCENDING)], {}),
        ([("municipality", ASCENDING), ("received_on", ASCENDING)], {}),
        ("lots", {}),
        ("organisation.type", {}),
        ("search_terms", {}),
    ],
    "briefings": [
        ("reference", {"unique": True}),
        ("request", {}),
        ("status", {}),
        ("offer_deadline", {}),
        ("lots", {}),
        ("invitations.provider", {}),
        ("awarded_provider", {}),
        ("search_terms", {}),
    ],
}


def init_app(app):
    """Open the app's client (lazily for MongoDB) and create the indexes."""
    client, name = _connect(app.config)
    app.extensions[EXTENSION] = client[name]
    app.extensions[EXTENSION + "_client"] = client
    if app.config.get("CREATE_INDEXES", True):
        create_indexes(app.extensions[EXTENSION])


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

        os.makedirs(config["BACKOFFICE_DATA_DIR"], exist_ok=True)
        return TinyMongoClient(config["BACKOFFICE_DATA_DIR"], backend="sqlite"), DEFAULT_DBNAME
    if engine == "mongomock":
        import mongomock

        return mongomock.MongoClient(), config.get("MONGO_DBNAME") or DEFAULT_DBNAME
    raise ValueError(f"Unknown DATABASE_ENGINE {engine!r}")


def get_db(app=None):
    """The current app's database."""
    return (app or current_app).extensions[EXTENSION]


def create_indexes(db):
    """Create the unique keys and the indexes behind the usual sorts, filters and searches."""
    for collection, specs in INDEXES.items():
        for keys, options in specs:
            db[collection].create_index(keys, **options)


def ping(app=None):
    """True when the database answers."""
    try:
        get_db(app).command("ping")
    except Exception:  # any failure means "not reachable" to the health check
        return False
    return True


def next_sequence(name, db=None):
    """Atomically take the next number of the named counter (1, 2, 3, ...)."""
    counters = (db if db is not None else get_db())["counters"]
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
    if client is not None and hasattr(client, "close"):
        client.close()
