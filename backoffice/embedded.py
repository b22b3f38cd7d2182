"""Shortcuts for lists and exports on the embedded store (tinymongo on SQLite).

The embedded store answers a sorted query by decoding every matching document in
Python and sorting them there: a list page of 10,000 requests decoded all 10,000 to
show 20. Its SQLite tables hold each document as JSON, with an index on
`json_extract(data, path)` for every index that `backoffice.db` declares. So:

* an unfiltered page is read in that index's order by SQL, and only its rows are decoded;
* a filtered page reads its matches once (projected), which gives the count too,
  and sorts them here with MongoDB's order of types; a search's prefixes are looked for
  in the stored terms by SQL, and only the candidates decoded;
* an export reads the row ids in `_id` order by SQL, then the rows a batch at a time;
* a write on `_id` and more (a save over the version the user saw) finds the document by
  its key and checks the rest under the store's write lock, then writes by `_id` alone:
  tinymongo answers any other filter by decoding every document (0.75 s at 10,000).

Each shortcut gives the same documents in the same order as the engine's own `find`
(tests/test_embedded.py compares them), and answers None when it does not apply, so
the caller takes the ordinary path. Sorting by SQL relies on what the schemas
guarantee: a sortable field holds one type (text, number or date) in every document.
This leans on tinymongo's storage, so the version is pinned in pyproject.toml.
"""
import datetime as dt
import re
import sqlite3

from backoffice import search
from backoffice.paths import value_at

try:  # The embedded engine is optional where MONGO_URI points at a real MongoDB.
    from bson import ObjectId
    from tinymongo.projection import normalize_projection, project_document
    from tinymongo.results import DeleteResult, UpdateResult
    from tinymongo.table_backends import SQLiteTableBackend, _json_loads, matches_filter
    from tinymongo.tinymongo import TinyMongoCollection
except ImportError:  # pragma: no cover - tinymongo is a dependency of the app
    TinyMongoCollection = None


# Sort fields go into SQL: only plain dotted names (the views' own columns) are let through.
SIMPLE_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _engine(collection):
    """The SQLite engine behind an embedded collection; None for any other collection."""
    if TinyMongoCollection is None or type(collection) is not TinyMongoCollection:
        return None
    engine = getattr(collection.parent, "engine", None)
    return engine if isinstance(engine, SQLiteTableBackend) else None


def page(collection, query, sort, skip, limit, projection):
    """(count, documents) of one sorted page, or None when the shortcut does not apply."""
    engine = _engine(collection)
    if engine is None or not sort or not all(SIMPLE_FIELD.fullmatch(field) for field, _direction in sort):
        return None
    if not query:
        documents = _window(engine, collection, sort, skip, limit, projection)
        return collection.estimated_document_count(), documents
    return _sorted_matches(collection, query, sort, skip, limit, projection)


def everything(collection, sort, projection):
    """Every document, sorted by an indexed field, or None when the shortcut does not apply."""
    engine = _engine(collection)
    if engine is None or not sort or not all(SIMPLE_FIELD.fullmatch(field) for field, _direction in sort):
        return None
    return _window(engine, collection, sort, 0, 0, projection)


def _sql_path(field):
    return "$" + "".join(f'."{part}"' for part in field.split("."))


def _table(name):
    return '"' + name.replace('"', '""') + '"'


def _window(engine, collection, sort, skip, limit, projection):
    # The same expression as the index, so SQLite walks the index instead of sorting.
    order = ", ".join(
        f"json_extract(data, '{_sql_path(field)}') {'DESC' if direction < 0 else 'ASC'}" for field, direction in sort
    )
    fields = _top_level_fields(projection)
    if fields is not None:
        # Only the projected fields leave SQLite (`->` gives each as JSON, NULL when absent): a lot
        # or a request is a kilobyte or two of JSON, the few fields a list shows a tenth of it.
        wanted = ", ".join(f"data -> '{_sql_path(name)}'" for name in fields)
        sql = f"SELECT {wanted} FROM {_table(collection.name)} ORDER BY {order} LIMIT ? OFFSET ?"
        rows = engine._run_collection_read(collection.name, lambda conn: conn.execute(sql, (limit or -1, skip or 0)).fetchall())
        return [
            _fresh(collection, {name: _json_loads(value) for name, value in zip(fields, row) if value is not None})
            for row in rows
        ]
    sql = f"SELECT data FROM {_table(collection.name)} ORDER BY {order} LIMIT ? OFFSET ?"
    rows = engine._run_collection_read(collection.name, lambda conn: conn.execute(sql, (limit or -1, skip or 0)).fetchall())
    spec = normalize_projection(projection)
    return [_fresh(collection, _json_loads(data) if spec is None else project_document(_json_loads(data), spec)) for (data,) in rows]


def _top_level_fields(projection):
    """The fields an inclusion projection of top-level names keeps, `_id` first; None for any other projection."""
    if projection is None or sqlite3.sqlite_version_info < (3, 38):  # SQLite's `->` came with 3.38
        return None
    if isinstance(projection, dict):
        if not all(value in (1, True) for value in projection.values()):
            return None
        names = list(projection)
    elif isinstance(projection, (list, tuple)):
        names = list(projection)
    else:
        return None
    if not all(isinstance(name, str) and SIMPLE_FIELD.fullmatch(name) and "." not in name for name in names):
        return None
    return ["_id"] + [name for name in names if name != "_id"]


def _fresh(collection, doc):
    """A document just decoded, as the engine's own find would hand it out."""
    client = getattr(collection.parent, "_client", None)
    if client is not None and not getattr(client, "_canonical_read_values", True):
        return doc  # the engine would only copy it, and nobody else holds this one
    return collection._materialize_read_value(doc)


def _sorted_matches(collection, query, sort, skip, limit, projection):
    fields = [field for field, _direction in sort]
    wanted = None
    if projection is not None:
        wanted = dict(projection) | {field.split(".")[0]: 1 for field in fields}
    documents = _searched(collection, query, wanted)
    if documents is None:
        documents = list(collection.find(query, projection=wanted))
    keys = {}
    for doc in documents:
        key = tuple(bson_order(value_at(doc, field)) for field in fields)
        if None in key:
            return None  # a value MongoDB orders in ways this module does not: let the engine sort
        keys[id(doc)] = key
    # Sorting by the last key first, stably, gives the order of all keys together.
    for position in reversed(range(len(sort))):
        documents.sort(key=lambda doc: keys[id(doc)][position], reverse=sort[position][1] < 0)
    end = skip + limit if limit else None
    shown = documents[skip:end]
    if projection is not None:
        extra = set(wanted) - set(projection) - {"_id"}
        for doc in shown:
            for name in extra:
                doc.pop(name, None)
    return len(documents), shown


# A search clause as `backoffice.search` writes it: an anchored prefix of letters and digits.
SEARCH_PREFIX = re.compile(r"\^([a-z0-9]+)")


def _searched(collection, query, projection):
    """The matches of a query holding a search, read through SQL; None when it holds none.

    The engine decodes every document to test the search's prefixes against its terms
    (0.6 s at 10,000 requests). SQLite tests them on the stored JSON, without decoding
    it, and returns the few candidates; each is then tested against the whole query by
    the engine's own matcher, so the result is exactly what `find` gives.
    """
    engine = _engine(collection)
    prefixes = _search_prefixes(query)
    if engine is None or not prefixes:
        return None
    has_prefix = f"""EXISTS (SELECT 1 FROM json_each(data, '{_sql_path(search.FIELD)}') WHERE substr(value, 1, ?) = ?)"""
    sql = f"SELECT data FROM {_table(collection.name)} WHERE " + " AND ".join([has_prefix] * len(prefixes))
    parameters = [item for prefix in prefixes for item in (len(prefix), prefix)]
    rows = engine._run_collection_read(collection.name, lambda conn: conn.execute(sql, parameters).fetchall())
    spec = normalize_projection(projection)
    found = []
    for (data,) in rows:
        doc = _json_loads(data)
        if matches_filter(doc, query):
            found.append(_fresh(collection, doc if spec is None else project_document(doc, spec)))
    return found


def _search_prefixes(query):
    """The search prefixes every match must have, from the query and the `$and`s within it."""
    if not isinstance(query, dict):
        return []
    prefixes = []
    condition = query.get(search.FIELD)
    if isinstance(condition, dict) and set(condition) == {"$regex"} and isinstance(condition["$regex"], str):
        literal = SEARCH_PREFIX.fullmatch(condition["$regex"])
        if literal:
            prefixes.append(literal.group(1))
    for clause in query.get("$and", []) if isinstance(query.get("$and"), list) else []:
        prefixes.extend(_search_prefixes(clause))
    return prefixes


# MongoDB's order between types: null (and missing), numbers, text, ..., ObjectId, booleans, dates.
_RANKS = ((type(None), 1), (bool, 8), (int, 2), (float, 2), (str, 3), (dt.datetime, 9))


def bson_order(value):
    """A key that sorts scalar values as MongoDB does; None for values it does not cover (lists, documents)."""
    if TinyMongoCollection is not None and isinstance(value, ObjectId):
        return (7, value)
    for kind, rank in _RANKS:
        if isinstance(value, kind):
            return (rank, 0 if value is None else value)
    return None


def batches(collection, query, size):
    """Every match of `query` in `_id` order, `size` documents at a time; None when the shortcut does not apply."""
    engine = _engine(collection)
    if engine is None:
        return None
    return _batches(engine, collection, query, size)


def _batches(engine, collection, query, size):
    table = _table(collection.name)
    # Row ids only: sorting them costs SQLite a few bytes per row, not the whole documents.
    order = f"SELECT rowid FROM {table} ORDER BY json_extract(data, '$.\"_id\"')"
    rowids = engine._run_collection_read(collection.name, lambda conn: [row for (row,) in conn.execute(order)])
    pending = []
    for start in range(0, len(rowids), size):
        chunk = rowids[start:start + size]
        sql = f"SELECT rowid, data FROM {table} WHERE rowid IN ({', '.join('?' * len(chunk))})"
        rows = dict(engine._run_collection_read(collection.name, lambda conn: conn.execute(sql, chunk).fetchall()))
        for rowid in chunk:
            # A row deleted since the ids were read is simply gone; an updated one is read as it is now.
            if rowid in rows:
                doc = _json_loads(rows[rowid])
                if matches_filter(doc, query):
                    pending.append(_fresh(collection, doc))
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def update_by_key(collection, query, update):
    """`update_one(query, update)` for a query on `_id` and more; None when the shortcut does not apply."""
    engine = _engine(collection)
    if engine is None or "_id" not in query or len(query) < 2:
        return None
    # The store's write lock is held by every writer of every process: nothing can change the
    # document between the check and the write (tinymongo's own update takes the lock again).
    with engine._write_lock():
        if not _key_matches(collection, query):
            return UpdateResult(None, matched_count=0, modified_count=0)
        return collection.update_one({"_id": query["_id"]}, update)


def delete_by_key(collection, query):
    """`delete_one(query)` for a query on `_id` and more; None when the shortcut does not apply."""
    engine = _engine(collection)
    if engine is None or "_id" not in query or len(query) < 2:
        return None
    with engine._write_lock():
        if not _key_matches(collection, query):
            return DeleteResult({"n": 0})
        return collection.delete_one({"_id": query["_id"]})


def _key_matches(collection, query):
    # tinymongo reads by primary key only a find on `_id` alone (with more, or with a projection,
    # it scans until a match): read by key, then check the rest as the engine itself would.
    doc = collection.find_one({"_id": query["_id"]})
    return doc is not None and matches_filter(doc, query)
