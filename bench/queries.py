"""The raw engine query each page needs, written the plain pymongo way: the "raw query" baseline.

Each is the data a page cannot do without, asked of the engine through its driver as
anyone would write it, on a plain client (no shortcut of ours): a list page counts the
matches and reads one sorted, projected page of them; a details page or an edit form
reads one record by `_id`; a save reads the record and writes it back; an export reads
every match. What our page adds around it (the signed-in user, the lots' names, the
history, the audit entry) is ours to pay for.
"""
from bson import ObjectId

from backoffice import search

PAGE_SIZE = 20
LIST_COLUMNS = {
    "reference": 1, "received_on": 1, "organisation": 1, "municipality": 1, "project_title": 1,
    "lots": 1, "status": 1, "assigned_to": 1, "version": 1,
}
NEWEST_FIRST = [("received_on", -1), ("_id", -1)]
OLDEST_FIRST = [("received_on", 1), ("_id", 1)]
FILTERED = {"$and": [{"status": "received"}, {"municipality": "21004"}]}


def _page(requests, query, sort):
    return requests.count_documents(query), list(
        requests.find(query, projection=LIST_COLUMNS, sort=sort, limit=PAGE_SIZE)
    )


def raw_query(operation, db, record_id, save_id, search_words):
    """A callable that runs the plain query `operation` needs on `db` and reads its whole answer."""
    requests = db["requests"]
    if operation == "list":
        return lambda: _page(requests, {}, NEWEST_FIRST)
    if operation == "sorted_filtered":
        return lambda: _page(requests, FILTERED, OLDEST_FIRST)
    if operation == "search":
        # The search ours runs (prefixes of the stored, normalised words), asked plainly.
        return lambda: _page(requests, search.query(search_words), NEWEST_FIRST)
    if operation in ("details", "edit_form"):
        return lambda: requests.find_one({"_id": ObjectId(record_id)})
    if operation == "save":

        def save():
            doc = requests.find_one({"_id": ObjectId(save_id)})
            doc["notes"] = f"{doc.get('notes') or ''}."[-200:]
            return requests.replace_one({"_id": doc["_id"]}, doc)

        return save
    if operation == "export":
        return lambda: list(requests.find({}))
    raise LookupError(operation)
