"""The engine calls a page issues, recorded once and replayed alone: the page's "raw" time.

While recording, every public call on an embedded-store collection (find, count,
insert, update, ...) is noted with copies of its arguments, and the cursor methods
chained onto a find (sort, limit, skip) with it. Replaying runs exactly those calls
against the same store, reading every cursor to the end: what the page costs in the
engine, without Flask, forms, templates or formatting.
"""
import copy
import threading
import types

from tinymongo.tinymongo import TinyMongoCollection, TinyMongoCursor

from backoffice import db as database

RECORDED = (
    "find", "find_one", "count_documents", "estimated_document_count", "distinct", "aggregate",
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update",
)
CHAINED = ("sort", "limit", "skip")
# The app's own helpers that read through the embedded store's SQL (recorded as one call each).
HELPERS = ("list_page", "batches", "find_all")


class Call:
    """One recorded engine call and the cursor methods chained onto it."""

    def __init__(self, collection, method, args, kwargs):
        self.collection = collection
        self.method = method
        self.args = args
        self.kwargs = kwargs
        self.chain = []

    def __repr__(self):
        chain = "".join(f".{name}{args!r}" for name, args, _kwargs in self.chain)
        return f"{self.collection}.{self.method}{self.args!r}{self.kwargs or ''}{chain}"

    def replay(self, db):
        """Run the call again on `db` and read its whole result."""
        args, kwargs = copy.deepcopy(self.args), copy.deepcopy(self.kwargs)
        if self.method in HELPERS:
            result = getattr(database, self.method)(db[self.collection], *args, **kwargs)
        else:
            result = getattr(db[self.collection], self.method)(*args, **kwargs)
        for name, chain_args, chain_kwargs in self.chain:
            result = getattr(result, name)(*chain_args, **chain_kwargs)
        if isinstance(result, (TinyMongoCursor, types.GeneratorType)):
            return list(result)
        return result


class RecordingCursor:
    """A cursor that notes the methods chained onto it, for the call that made it."""

    def __init__(self, cursor, call):
        self._cursor = cursor
        self._call = call

    def __getattr__(self, name):
        attribute = getattr(self._cursor, name)
        if name not in CHAINED:
            return attribute

        def chained(*args, **kwargs):
            self._call.chain.append((name, copy.deepcopy(args), copy.deepcopy(kwargs)))
            self._cursor = attribute(*args, **kwargs)
            return self

        return chained

    def __iter__(self):
        return iter(self._cursor)

    def __next__(self):
        return next(self._cursor)


class Recorder:
    """Notes the engine calls made while it is active (only the outermost one of nested calls)."""

    def __init__(self):
        self.calls = []
        self._local = threading.local()
        self._originals = {}

    def __enter__(self):
        for name in RECORDED:
            original = getattr(TinyMongoCollection, name)
            self._originals[name] = original
            setattr(TinyMongoCollection, name, self._wrap(name, original))
        for name in HELPERS:
            original = getattr(database, name, None)
            if original is None:  # an older app without the helper
                continue
            self._originals["db." + name] = original
            setattr(database, name, self._wrap(name, original))
        return self

    def __exit__(self, *exc):
        for name, original in self._originals.items():
            if name.startswith("db."):
                setattr(database, name[3:], original)
            else:
                setattr(TinyMongoCollection, name, original)
        return False

    def _wrap(self, name, original):
        recorder = self

        def recorded(collection, *args, **kwargs):
            depth = getattr(recorder._local, "depth", 0)
            if depth:
                return original(collection, *args, **kwargs)
            call = Call(collection.name, name, copy.deepcopy(args), copy.deepcopy(kwargs))
            recorder._local.depth = 1
            try:
                result = original(collection, *args, **kwargs)
            finally:
                recorder._local.depth = 0
            recorder.calls.append(call)
            if isinstance(result, TinyMongoCursor):
                return RecordingCursor(result, call)
            if isinstance(result, types.GeneratorType):
                return recorder._quietly(result)
            return result

        return recorded

    def _quietly(self, generator):
        """Run a helper's generator without recording the engine calls it makes inside."""
        while True:
            self._local.depth = 1
            try:
                item = next(generator)
            except StopIteration:
                return
            finally:
                self._local.depth = 0
            yield item


def replay(calls, db):
    """Run recorded calls in order on `db`."""
    for call in calls:
        call.replay(db)
