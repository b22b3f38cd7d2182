"""The store calls a page makes, recorded once and replayed alone: the page's "own calls" time.

While recording, every public call on the store (`get`, `find`, `page`, `count`,
`insert`, `update_if_version`, ...) is noted with copies of its arguments; a
`transaction()` block is noted as one entry holding the calls made inside it. Replaying
runs exactly those calls against the same store, in the same transactions, reading every
batch to the end: what the page costs in the store, without Flask, forms, templates or
formatting. A write guarded by a version is replayed over the record's current version
(one `get` more), since the recorded one has been saved over since.
"""
import contextlib
import copy
import threading
import types

from backoffice.store import Store

RECORDED = (
    "get", "find_one", "find", "count", "page", "batches", "insert", "insert_many", "update_if_version", "update",
    "delete_if_version", "delete_where", "next_sequence", "raise_sequence",
)
VERSIONED = ("update_if_version", "delete_if_version")


class Call:
    """One recorded store call."""

    def __init__(self, method, args, kwargs):
        self.method = method
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        return f"{self.method}{self.args!r}{self.kwargs or ''}"

    def replay(self, store):
        """Run the call again on `store` and read its whole result."""
        args, kwargs = copy.deepcopy(self.args), copy.deepcopy(self.kwargs)
        if self.method in ("insert", "insert_many"):
            # The store gives a new document its `_id`: each replay inserts a new one.
            docs = args[1] if self.method == "insert_many" else [args[1]]
            for doc in docs:
                doc.pop("_id", None)
        if self.method in VERSIONED:
            name, doc_id = args[0], args[1]
            current = store.get(name, doc_id, projection=["version"])["version"]
            if len(args) > 2:
                args = (name, doc_id, current, *args[3:])
            else:
                kwargs["version"] = current
        result = getattr(store, self.method)(*args, **kwargs)
        if isinstance(result, types.GeneratorType):
            return list(result)
        return result


class TransactionCall:
    """A recorded `transaction()` block and the calls made inside it."""

    def __init__(self):
        self.calls = []

    def __repr__(self):
        return "transaction[" + "; ".join(repr(call) for call in self.calls) + "]"

    def replay(self, store):
        with store.transaction():
            for call in self.calls:
                call.replay(store)


class Recorder:
    """Notes the store calls made while it is active (only the outermost of nested calls)."""

    def __init__(self):
        self.calls = []
        self._local = threading.local()
        self._originals = {}

    def __enter__(self):
        for name in RECORDED + ("transaction",):
            self._originals[name] = Store.__dict__[name]
        for name in RECORDED:
            setattr(Store, name, self._wrap(name, self._originals[name]))
        setattr(Store, "transaction", self._wrap_transaction(self._originals["transaction"]))
        return self

    def __exit__(self, *exc):
        for name, original in self._originals.items():
            setattr(Store, name, original)
        return False

    def _into(self):
        block = getattr(self._local, "block", None)
        return block.calls if block is not None else self.calls

    def _wrap(self, name, original):
        recorder = self

        def recorded(store, *args, **kwargs):
            if getattr(recorder._local, "depth", 0):
                return original(store, *args, **kwargs)
            call = Call(name, copy.deepcopy(args), copy.deepcopy(kwargs))
            recorder._local.depth = 1
            try:
                result = original(store, *args, **kwargs)
            finally:
                recorder._local.depth = 0
            recorder._into().append(call)
            if isinstance(result, types.GeneratorType):
                return recorder._quietly(result)
            return result

        return recorded

    def _wrap_transaction(self, original):
        recorder = self

        @contextlib.contextmanager
        def transaction(store):
            if getattr(recorder._local, "depth", 0) or getattr(recorder._local, "block", None) is not None:
                with original(store) as inner:
                    yield inner
                return
            block = TransactionCall()
            recorder._local.block = block
            try:
                with original(store) as inner:
                    yield inner
            finally:
                recorder._local.block = None
            recorder.calls.append(block)

        return transaction

    def _quietly(self, generator):
        """Run a generator (batches) without recording the store calls it makes inside."""
        while True:
            self._local.depth = 1
            try:
                item = next(generator)
            except StopIteration:
                return
            finally:
                self._local.depth = 0
            yield item


def replay(calls, store):
    """Run recorded calls in order on `store`."""
    for call in calls:
        call.replay(store)
