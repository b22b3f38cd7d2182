"""The store call each page needs, asked directly: the "raw query" baseline.

Each is the data a page cannot do without, asked of our store (`backoffice.store`, SQLite)
in its own vocabulary, without Flask, forms or templates: a list page reads one sorted,
projected page of the matches and their count (`page`); a details page or an edit form
reads one record (`get`); a save reads the record and writes it back over its version
(`update_if_version`); an export reads every match (`batches`). What our page adds around
it (the signed-in user, the lots' names, the history, the audit entry) is ours to pay for.
"""
from bson import ObjectId

from backoffice.store import prefixes

PAGE_SIZE = 20
LIST_COLUMNS = [
    "reference", "received_on", "organisation", "municipality", "project_title", "lots", "status", "assigned_to", "version",
]
NEWEST_FIRST = [("received_on", -1)]
OLDEST_FIRST = [("received_on", 1)]
FILTERED = {"status": "received", "municipality": "21004"}


def _page(store, query, sort, search=()):
    found = store.page("requests", query, search=search, sort=sort, limit=PAGE_SIZE, projection=LIST_COLUMNS)
    return found.count, found.documents


def raw_query(operation, store, record_id, save_id, search_words):
    """A callable that runs the store call `operation` needs and reads its whole answer."""
    if operation == "list":
        return lambda: _page(store, {}, NEWEST_FIRST)
    if operation == "sorted_filtered":
        return lambda: _page(store, FILTERED, OLDEST_FIRST)
    if operation == "search":
        # The search ours runs: the prefixes of the normalised words, in the stored terms.
        return lambda: _page(store, {}, NEWEST_FIRST, prefixes(search_words))
    if operation in ("details", "edit_form"):
        return lambda: store.get("requests", ObjectId(record_id))
    if operation == "save":

        def save():
            doc = store.get("requests", ObjectId(save_id))
            notes = f"{doc.get('notes') or ''}."[-200:]
            return store.update_if_version("requests", doc["_id"], doc["version"], set={"notes": notes})

        return save
    if operation == "export":
        return lambda: [doc for batch in store.batches("requests") for doc in batch]
    raise LookupError(operation)
