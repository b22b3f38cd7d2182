"""The storage layer: the one interface the rest of the code speaks to, on SQLite or MongoDB.

`Store` holds the small vocabulary the app uses, and nothing else:

* reads: `get` (by `_id`), `find_one`, `find` (every match, sorted), `count`,
  `page(filter, search prefixes, sort, skip, limit, projection)` giving the page and
  the count, `batches` (every match in `_id` order, a bounded batch at a time: exports,
  backups);
* writes: `insert`, `insert_many`, `update_if_version`, `delete_if_version` (the edit or
  delete applies only over the version the user saw), `update` (fields no version
  guards: a password hash, a preferred language), `delete_where` (pruning, resets),
  `next_sequence` / `raise_sequence` (named counters);
* `transaction()`: a context manager; every write inside it is applied all together or,
  when an exception leaves the block (or the process dies), not at all. Nested blocks
  join the outermost one. Catch store errors outside the block: on MongoDB an error
  aborts the whole transaction. `Conflict` says a write could not take its turn
  (nothing written: the caller reports it like a record changed meanwhile).

Filters, sorts and projections are checked against the catalogue built from the schemas
(`backoffice.store.catalogue`, vocabulary in `backoffice.store.query`): a path no schema
declares, a sort on a list field such as `lots`, or an operator outside the vocabulary
raises `QueryRefused` before any engine sees it. Unique constraints (`unique_fields`),
natural keys and search fields (`search_fields`) come from the schemas too; the store
keeps each document's `search_terms` itself. docs/storage.md maps every database call of
today's code to the call it becomes.

`connect(config)` opens the store the configuration names: `backoffice.store.sqlite`
(the embedded default, standard library only) or `backoffice.store.mongo` (pymongo, or
mongomock in tests).
"""
import contextlib
import os
import sqlite3
from typing import NamedTuple

from bson import ObjectId
from pymongo.errors import PyMongoError

from backoffice import search
from backoffice.private_files import make_private, private_file
from backoffice.store import query as q
from backoffice.store.catalogue import CATALOGUE
from backoffice.store.query import QueryRefused, prefixes  # noqa: F401  (part of the interface)

DEFAULT_BATCH = 500


class Page(NamedTuple):
    """One page of a sorted list, and how many documents match in all."""

    documents: list
    count: int


class DuplicateKey(Exception):
    """A write would give two documents the same value of a unique field; `fields` names them."""

    def __init__(self, collection, fields):
        super().__init__(f"{collection}: duplicate value of {', '.join(fields)}")
        self.collection = collection
        self.fields = tuple(fields)


class Conflict(Exception):
    """A write or transaction could not take its turn: another one held the data too long
    (SQLite: the file's write lock stayed taken for `timeout` seconds) or changed it meanwhile
    (MongoDB: a write conflict). Nothing of it was written; trying again may succeed."""


# What an engine raises when the database does not answer or fails (a file that cannot be
# opened, a server out of reach): the app says the database cannot be reached.
UNAVAILABLE = (PyMongoError, sqlite3.Error)


class Store:
    """The storage interface. Engines implement the `_`-prefixed methods; callers use the others."""

    def __init__(self, catalogue=None):
        self.catalogue = catalogue or CATALOGUE

    # Reads -------------------------------------------------------------------------

    def collection(self, name):
        """The catalogue entry of a collection; QueryRefused for a collection nobody declared."""
        try:
            return self.catalogue[name]
        except KeyError:
            raise QueryRefused(f"Unknown collection {name!r}") from None

    def get(self, name, doc_id, projection=None):
        """The document with this `_id`, or None."""
        return self._get(self.collection(name), doc_id, q.check_projection(projection))

    def find_one(self, name, filter=None, projection=None, sort=None):
        """The first match of `filter` (in `sort` order, else `_id` order), or None."""
        found = self.find(name, filter, sort=sort, limit=1, projection=projection)
        return found[0] if found else None

    def find(self, name, filter=None, sort=None, limit=0, projection=None, search=()):
        """Every match of `filter` (and of the search prefixes), sorted (ties by `_id`), at most `limit`."""
        coll = self.collection(name)
        return self._find(
            coll, q.check_filter(coll, filter), self._prefixes(coll, search), q.stable_sort(coll, sort),
            0, limit or 0, q.check_projection(projection),
        )

    def count(self, name, filter=None, search=()):
        """How many documents match."""
        coll = self.collection(name)
        return self._count(coll, q.check_filter(coll, filter), self._prefixes(coll, search))

    def page(self, name, filter=None, search=(), sort=(), skip=0, limit=0, projection=None):
        """One page of the matches, sorted (ties by `_id`), and their count: a `Page`.

        `search` is a list of prefixes (see `prefixes(text)`): a document matches when
        each one starts one of its search terms, matched literally (no pattern).
        """
        coll = self.collection(name)
        if skip < 0 or limit < 0:
            raise QueryRefused("skip and limit are not negative")
        return self._page(
            coll, q.check_filter(coll, filter), self._prefixes(coll, search), q.stable_sort(coll, sort),
            int(skip), int(limit), q.check_projection(projection),
        )

    def batches(self, name, filter=None, size=DEFAULT_BATCH, projection=None):
        """Every match in `_id` order, `size` documents at a time (a generator of lists).

        Each batch is read on its own, so memory stays bounded and no read stays open
        between batches: a document changed meanwhile is read as it is when its batch is.
        """
        coll = self.collection(name)
        checked = q.check_filter(coll, filter)
        spec = q.check_projection(projection)
        last = None
        while True:
            batch = self._batch_after(coll, checked, last, size, spec)
            if batch:
                yield [doc for _key, doc in batch]
            if len(batch) < size:
                return
            last = batch[-1][0]

    def collection_names(self):
        """The declared collections that hold documents, in name order."""
        return sorted(name for name in self.catalogue if self._count(self.catalogue[name], ("$and", []), []))

    # Writes ------------------------------------------------------------------------

    def insert(self, name, doc):
        """Insert `doc` (given an ObjectId `_id` when it has none, as pymongo does); return it.

        Raises DuplicateKey when a unique field's value is taken.
        """
        coll = self.collection(name)
        self._prepare_document(coll, doc)
        self._insert(coll, [doc])
        return doc

    def insert_many(self, name, docs):
        """Insert several documents, all or none (one transaction)."""
        coll = self.collection(name)
        docs = list(docs)
        for doc in docs:
            self._prepare_document(coll, doc)
        if docs:
            with self.transaction():
                self._insert(coll, docs)
        return docs

    def update_if_version(self, name, doc_id, version, set=None, unset=()):
        """Set and unset top-level fields of a document if its `version` is still `version`.

        The version goes up by one. Returns the new document, or None when the document
        is gone or someone saved another version meanwhile (nothing is written then).
        Raises DuplicateKey when a unique field's new value is taken.
        """
        coll = self.collection(name)
        changes = _changes(set, unset)
        return self._modify(coll, doc_id, version, lambda previous: _apply(coll, previous, *changes, bump=True))

    def update(self, name, doc_id, set=None, unset=()):
        """Set and unset fields that no version guards and no search covers (a password hash, a language).

        Returns True when the document exists.
        """
        coll = self.collection(name)
        changes = _changes(set, unset)
        touched = {*changes[0], *changes[1]}
        guarded = {path.split(".")[0] for path in (*coll.search_fields, *coll.unique_fields)}
        if touched & guarded:
            raise QueryRefused("update() leaves searched and unique fields alone: use update_if_version")
        return self._modify(coll, doc_id, _ANY, lambda previous: _apply(coll, previous, *changes, bump=False)) is not None

    def delete_if_version(self, name, doc_id, version):
        """Delete a document if its `version` is still `version`; True when it was deleted."""
        return self._delete(self.collection(name), doc_id, version)

    def delete_where(self, name, filter):
        """Delete every match of `filter` (`{}` empties the collection); return how many went."""
        coll = self.collection(name)
        return self._delete_where(coll, q.check_filter(coll, filter))

    def next_sequence(self, name):
        """Take the next number of the named counter (1, 2, 3, ...), atomically across processes."""
        return self._sequence(name, lambda seq: seq + 1)

    def raise_sequence(self, name, at_least):
        """Make the named counter at least `at_least` (after records were loaded with numbers)."""
        self._sequence(name, lambda seq: max(seq, at_least), only_raise=True)

    @contextlib.contextmanager
    def transaction(self):
        """The writes inside the block happen all together or not at all; a nested block joins the outer one."""
        local = self._local
        if local.depth:
            local.depth += 1
            try:
                yield self
            finally:
                local.depth -= 1
            return
        with self._outermost_transaction():
            yield self

    def _outermost_transaction(self):
        """The engine's own transaction around the outermost block (sets `self._local.depth` to 1 inside it)."""
        raise NotImplementedError

    # Shared helpers ----------------------------------------------------------------

    def _prefixes(self, coll, search):
        checked = q.check_prefixes(search)
        if checked and not coll.search_fields:
            raise QueryRefused(f"{coll.name} has no search fields")
        return checked

    @staticmethod
    def _prepare_document(coll, doc):
        if not isinstance(doc, dict):
            raise QueryRefused("A document is a dict")
        if "_id" not in doc:
            doc["_id"] = ObjectId()
        if coll.search_fields:
            doc[search.FIELD] = search.document_terms(doc, coll.search_fields)

    def ping(self):
        """True when the database answers."""
        try:
            self._ping()
        except Exception:  # any failure means "not reachable" to the health check
            return False
        return True

    def close(self):
        """Release the connections (tests and commands that open many stores)."""


_ANY = object()  # update(): whatever the version


def _changes(set_fields, unset):
    set_fields = dict(set_fields or {})
    unset = [name for name in unset or ()]
    for name in [*set_fields, *unset]:
        if not isinstance(name, str) or not q.NAME.fullmatch(name) or name in ("_id", "version", search.FIELD):
            raise QueryRefused(f"{name!r} cannot be set or unset here (top-level fields, not _id, version or search terms)")
    return set_fields, unset


def _apply(coll, previous, set_fields, unset, bump):
    doc = {name: value for name, value in previous.items() if name not in unset}
    doc.update(set_fields)
    if bump:
        doc["version"] = (previous.get("version") or 0) + 1
    if coll.search_fields:
        doc[search.FIELD] = search.document_terms(doc, coll.search_fields)
    return doc


def connect(config):
    """The store the configuration names: MONGO_URI set means MongoDB, else the embedded SQLite store.

    `STORE_ENGINE` (`sqlite`, `mongodb`, `mongomock`) overrides the choice; the SQLite
    file is `store.sqlite3` in `BACKOFFICE_DATA_DIR`.
    """
    engine = config.get("STORE_ENGINE") or ("mongodb" if config.get("MONGO_URI") else "sqlite")
    if engine == "sqlite":
        from backoffice.store.sqlite import SQLiteStore

        directory = config.get("BACKOFFICE_DATA_DIR") or "instance/data"
        # Every personal record is in there: 0600 in a 0700 folder, the file created so before
        # SQLite opens it (its -wal and -shm files take its mode).
        make_private(directory)
        return SQLiteStore(private_file(os.path.join(directory, SQLITE_FILE)))
    from backoffice.store.mongo import MongoStore

    if engine == "mongomock":
        import mongomock
        import mongomock.gridfs

        # Files on record are kept in GridFS on MongoDB: pymongo's GridFS over mongomock in tests.
        mongomock.gridfs.enable_gridfs_integration()
        # Indexes as on MongoDB: by the app (backoffice.store.app), once the database answers.
        return MongoStore(mongomock.MongoClient()[config.get("MONGO_DBNAME") or "backoffice"], create_indexes=False)
    if engine == "mongodb":
        from pymongo import MongoClient

        timeout = config.get("MONGO_TIMEOUT_MS", 3000)
        # connect=False: gunicorn forks after create_app, and a client must not cross a fork.
        client = MongoClient(config["MONGO_URI"], connect=False, serverSelectionTimeoutMS=timeout,
                             connectTimeoutMS=timeout, socketTimeoutMS=timeout * 5)
        name = config.get("MONGO_DBNAME") or client.get_default_database("backoffice").name
        # Indexes once the server answers (backoffice.store.app): the app starts without its database.
        return MongoStore(client[name], create_indexes=False)
    raise ValueError(f"Unknown STORE_ENGINE {engine!r}")


SQLITE_FILE = "store.sqlite3"


@contextlib.contextmanager
def nothing():
    """A context manager that does nothing (engines without a lock to take)."""
    yield
