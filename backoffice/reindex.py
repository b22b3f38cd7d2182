"""Keeping the stored search terms in step with the search rules of `backoffice.search`.

The store computes a document's `search_terms` on every write, with the rules of the
code running then; a record nobody saved since a change of those rules keeps its old
terms, and a search by the new ones misses it. The store remembers the rules'
version its terms were built with (the `counters` document `search-rules`); when it
differs from `search.SEARCH_RULES_VERSION`, every searchable collection's terms are
rebuilt, a batch per transaction, and the version is written last, so an interrupted
rebuild is taken up again on the next run.
"""
from backoffice import search

KEY = "search-rules"  # {_id: "search-rules", seq: the version the stored terms follow}
BATCH = 500


def stored_version(store):
    """The rules' version the stored terms were built with (None: never recorded)."""
    doc = store.get("counters", KEY)
    return doc.get("seq") if doc else None


def searchable(store):
    """The collections whose documents carry search terms, in name order."""
    return sorted(name for name, coll in store.catalogue.items() if coll.search_fields)


def reindex(store, size=BATCH):
    """Rebuild the search terms of every searchable document, `size` per transaction; return {collection: documents}.

    Rewriting a document (`store.update` with no change) recomputes its terms; its
    version and fields stay as they are.
    """
    counts = {}
    for name in searchable(store):
        counts[name] = 0
        for batch in store.batches(name, {}, size, projection={"_id": 1}):
            with store.transaction():
                counts[name] += sum(1 for doc in batch if store.update(name, doc["_id"]))
    remember(store)
    return counts


def reindex_if_stale(store, size=BATCH):
    """Rebuild the terms when they were built with other rules than today's; return the counts, or None when current."""
    if stored_version(store) == search.SEARCH_RULES_VERSION:
        return None
    return reindex(store, size)


def remember(store, version=None):
    """Record that the stored terms follow the rules of `version` (today's by default): documents just written whole do."""
    version = search.SEARCH_RULES_VERSION if version is None else version
    with store.transaction():
        if not store.update("counters", KEY, {"seq": version}):
            store.insert("counters", {"_id": KEY, "seq": version})
