"""The store on MongoDB through pymongo (and on mongomock in tests).

Filters arrive checked (`backoffice.store.query`) and are passed on as they are; a
search prefix becomes an anchored, escaped regular expression on `search_terms`
(`^eco`), which MongoDB answers from the index. Indexes are created from the catalogue
(`ensure_indexes`, called by `open`): unique ones from the schemas' `unique_fields`.

`transaction()` runs its block in a client session with a transaction: on the replica
set that docker-compose runs, the writes inside commit together or not at all, and the
other operations of the block read the transaction's snapshot (the store passes the
session to every call made in the block's thread). A standalone server refuses
transactions: use a replica set (a single node is enough).

mongomock has no sessions. There, each write stays atomic on its own document (as on
any MongoDB), and `transaction()` is emulated for the tests: the block holds a lock
that every operation of this store takes (mongomock lives in one process, so nobody
else can see the block half done), and the previous state of each document it writes
is journaled and put back if an exception leaves the block. The same lock makes
mongomock, which is not thread-safe, usable from several threads.
"""
import contextlib
import copy
import re
import threading

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from backoffice import search
from backoffice.store import _ANY, Conflict, DuplicateKey, Page, Store, nothing


class _Local(threading.local):
    session = None
    journal = None
    depth = 0


class MongoStore(Store):
    """The store over one pymongo (or mongomock) database."""

    def __init__(self, database, catalogue=None, create_indexes=True):
        super().__init__(catalogue)
        self.db = database
        self._local = _Local()
        self.sessions = _has_sessions(database.client)
        # mongomock: one lock for every operation (see the module's docstring).
        self._lock = None if self.sessions else threading.RLock()
        self.indexed = False
        if create_indexes:
            self.ensure_indexes()

    def _locked(self):
        return self._lock if self._lock is not None else nothing()

    def _kw(self):
        session = self._local.session
        return {"session": session} if session is not None else {}

    # Layout --------------------------------------------------------------------------

    def ensure_indexes(self):
        """Create the declared indexes (ascending; MongoDB reads them backwards for descending sorts)."""
        with self._locked():
            for coll in self.catalogue.values():
                for index in coll.indexes:
                    many = any(coll.field(path) is not None and coll.field(path).many for path in index.paths)
                    paths = list(index.paths) + ([] if index.unique or many else ["_id"])
                    self.db[coll.name].create_index([(path, ASCENDING) for path in paths], unique=index.unique)
                if coll.search_fields:
                    self.db[coll.name].create_index([(search.FIELD, ASCENDING)])
        self.indexed = True

    def _ping(self):
        self.db.command("ping")

    def close(self):
        """Close the client."""
        close = getattr(self.db.client, "close", None)
        if close is not None:
            close()

    # Transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _outermost_transaction(self):
        """A session and a transaction (emulated on mongomock)."""
        local = self._local
        if self.sessions:
            try:
                with self.db.client.start_session() as session:
                    with session.start_transaction():
                        local.session, local.depth = session, 1
                        try:
                            yield self
                        finally:
                            local.session, local.depth = None, 0
            except PyMongoError as error:
                # A server out of reach is labelled transient too; it is no conflict but a database down.
                if error.has_error_label("TransientTransactionError") and not isinstance(error, ConnectionFailure):
                    raise Conflict(str(error)) from None  # aborted whole: nothing was written
                raise
            return
        with self._lock:
            local.journal, local.depth = [], 1
            try:
                yield self
            except BaseException:
                self._undo(local.journal)
                raise
            finally:
                local.journal, local.depth = None, 0

    def _remember(self, coll, doc_id):
        """Journal a document's state before an emulated transaction writes it."""
        if self._local.journal is not None:
            previous = self.db[coll.name].find_one({"_id": doc_id})
            self._local.journal.append((coll.name, doc_id, copy.deepcopy(previous)))

    def _undo(self, journal):
        for name, doc_id, previous in reversed(journal):
            if previous is None:
                self.db[name].delete_one({"_id": doc_id})
            else:
                self.db[name].replace_one({"_id": doc_id}, previous, upsert=True)

    # Writes ----------------------------------------------------------------------------

    def _insert(self, coll, docs):
        with self._locked():
            for doc in docs:
                self._remember(coll, doc["_id"])
                try:
                    self.db[coll.name].insert_one(doc, **self._kw())
                except DuplicateKeyError as error:
                    if self._local.journal is not None:
                        self._local.journal.pop()  # nothing was written
                    raise DuplicateKey(coll.name, _duplicate_fields(coll, error)) from None

    def _modify(self, coll, doc_id, version, compute):
        guard = {"_id": doc_id} if version is _ANY else {"_id": doc_id, "version": version}
        with self._locked():
            for _attempt in range(100):
                previous = self.db[coll.name].find_one(guard, **self._kw())
                if previous is None:
                    return None
                doc = compute(previous)
                # The whole previous document as the condition when no version guards it: nothing changed in between.
                condition = guard if version is not _ANY else previous
                self._remember(coll, doc_id)
                try:
                    result = self.db[coll.name].replace_one(condition, doc, **self._kw())
                except DuplicateKeyError as error:
                    raise DuplicateKey(coll.name, _duplicate_fields(coll, error)) from None
                if result.matched_count == 1:
                    return doc
                if version is not _ANY:
                    return None  # another version was saved in between
            raise RuntimeError(f"{coll.name} {doc_id}: the document kept changing")

    def _delete(self, coll, doc_id, version):
        with self._locked():
            self._remember(coll, doc_id)
            return self.db[coll.name].delete_one({"_id": doc_id, "version": version}, **self._kw()).deleted_count == 1

    def _delete_where(self, coll, checked):
        query = _mongo_filter(checked)
        with self._locked():
            if self._local.journal is not None:
                for doc in self.db[coll.name].find(query, {"_id": 1}):
                    self._remember(coll, doc["_id"])
            return self.db[coll.name].delete_many(query, **self._kw()).deleted_count

    def _sequence(self, name, step, only_raise=False):
        counters = self.db["counters"]
        coll = self.collection("counters")
        with self._locked():
            self._remember(coll, name)
            if only_raise:
                counters.update_one({"_id": name}, {"$max": {"seq": step(0)}}, upsert=True, **self._kw())
                return None
            counter = counters.find_one_and_update(
                {"_id": name}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER, **self._kw()
            )
            return counter["seq"]

    # Reads -----------------------------------------------------------------------------

    def _get(self, coll, doc_id, spec):
        with self._locked():
            return self.db[coll.name].find_one({"_id": doc_id}, projection=spec, **self._kw())

    def _query(self, checked, prefixes):
        query = _mongo_filter(checked)
        if prefixes:
            clauses = [_word_clause(word) for word in prefixes]
            query = {"$and": ([query] if query else []) + clauses}
        return query

    def _find(self, coll, checked, prefixes, sort, skip, limit, spec):
        with self._locked():
            cursor = self.db[coll.name].find(
                self._query(checked, prefixes), projection=spec, sort=sort, skip=skip, limit=limit, **self._kw()
            )
            return list(cursor)

    def _count(self, coll, checked, prefixes):
        query = self._query(checked, prefixes)
        with self._locked():
            if not query and self._local.session is None:
                return self.db[coll.name].estimated_document_count()
            return self.db[coll.name].count_documents(query, **self._kw())

    def _page(self, coll, checked, prefixes, sort, skip, limit, spec):
        with self._locked():
            return Page(self._find(coll, checked, prefixes, sort, skip, limit, spec), self._count(coll, checked, prefixes))

    def _batch_after(self, coll, checked, last, size, spec):
        query = _mongo_filter(checked)
        if last is not None:
            query = {"$and": [query, {"_id": {"$gt": last}}]} if query else {"_id": {"$gt": last}}
        # The next batch starts after the last `_id`, so it is read even when the projection leaves it out.
        drop_id = spec is not None and spec.get("_id", 1) == 0
        read_spec = {name: wanted for name, wanted in spec.items() if name != "_id"} or None if drop_id else spec
        with self._locked():
            docs = list(self.db[coll.name].find(query, projection=read_spec, sort=[("_id", 1)], limit=size, **self._kw()))
        return [(doc["_id"], {name: value for name, value in doc.items() if name != "_id"} if drop_id else doc) for doc in docs]


def _mongo_filter(node):
    """A checked filter back as a MongoDB filter document."""
    clauses = []
    for clause in node[1]:
        if clause[0] == "leaf":
            _leaf, field, operator, value = clause
            clauses.append({field.path: {operator: value}})
        else:
            clauses.append({clause[0]: [_mongo_filter(sub) or {} for sub in clause[1]]})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _has_sessions(client):
    """False for mongomock, which has no sessions (it says so when asked for one)."""
    try:
        session = client.start_session()
    except NotImplementedError:
        return False
    session.end_session()
    return True


def _duplicate_fields(coll, error):
    pattern = (getattr(error, "details", None) or {}).get("keyPattern") or {}
    fields = [name for name in pattern if name != "_id" or len(pattern) == 1]
    return fields or list(coll.unique_fields)


def _word_clause(word):
    """A searched word as MongoDB reads it from the terms' index: an anchored prefix, or one of some whole terms."""
    prefix = {search.FIELD: {"$regex": "^" + re.escape(word.prefix)}}
    return {"$or": [prefix, {search.FIELD: {"$in": list(word.terms)}}]} if word.terms else prefix
