"""Reading an embedded store written by tinymongo 1.3 (SQLite backend) into the new store.

tinymongo keeps a database in one SQLite file (`<data dir>/backoffice.sqlite`): one table
per collection with columns `_id` (its own hash of the id) and `data` (the document as
JSON, the document's real `_id` included). Values JSON cannot hold are written as
`{"__tinymongo_type_v1__": kind, "value": payload}`, a tag its codec documents as a
persisted format that stays readable. This module reads that file as plain SQLite and
JSON (read-only, never through tinymongo's code) and decodes the tags for the kinds the
app stores (ObjectId, dates, Decimal128) and the other BSON kinds tinymongo writes.
"""
import base64
import datetime as dt
import json
import os
import sqlite3
import uuid

from bson import Binary, Code, MaxKey, MinKey, Regex, Timestamp
from bson.decimal128 import Decimal128
from bson.objectid import ObjectId

TAG = "__tinymongo_type_v1__"
VALUE = "value"
DATABASE_FILE = "backoffice.sqlite"
# tinymongo's own tables (index catalogue) and SQLite's: not collections.
NOT_COLLECTIONS = ("__tinymongo", "__tm_", "sqlite_")
BATCH = 500


class ImportRefused(Exception):
    """The source cannot be read whole, or the target is not empty: nothing was written."""


def source_file(path):
    """The tinymongo SQLite file at `path` (the file itself, or `backoffice.sqlite` in a data directory)."""
    candidate = os.path.join(path, DATABASE_FILE) if os.path.isdir(path) else path
    if not os.path.isfile(candidate):
        raise ImportRefused(f"{path} holds no tinymongo store ({DATABASE_FILE} not found).")
    return candidate


def _decode_tag(kind, payload):
    if kind == "objectid":
        return ObjectId(payload)
    if kind == "datetime":
        moment = dt.datetime.fromisoformat(payload)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment
    if kind == "decimal128":
        return Decimal128.from_bid(bytes.fromhex(payload))
    if kind == "binary":
        return Binary(base64.b64decode(payload["base64"]), payload["subtype"])
    if kind == "uuid":
        return Binary.from_uuid(uuid.UUID(payload))
    if kind == "float":
        return {"nan": float("nan"), "infinity": float("inf"), "-infinity": float("-inf")}[payload]
    if kind == "mapping":
        return {str(key): value for key, value in payload}
    if kind == "timestamp":
        return Timestamp(payload["time"], payload["inc"])
    if kind == "regex":
        return Regex(payload["pattern"], payload.get("flags", 0))
    if kind == "code":
        return Code(payload["code"], payload.get("scope"))
    if kind == "minkey":
        return MinKey()
    if kind == "maxkey":
        return MaxKey()
    raise ValueError(f"unknown tinymongo type {kind!r}")


def _object(pairs):
    doc = dict(pairs)
    if set(doc) == {TAG, VALUE}:
        return _decode_tag(doc[TAG], doc[VALUE])
    return doc


def decode(text):
    """One stored tinymongo document as the document it was."""
    return json.loads(text, object_pairs_hook=_object)


def read_collections(path):
    """{collection: generator of document batches} of a tinymongo file, opened read-only."""
    conn = sqlite3.connect(f"file:{source_file(path)}?mode=ro", uri=True)
    try:
        names = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not name.startswith(NOT_COLLECTIONS)
        ]
        columns = {name: {row[1] for row in conn.execute(f'PRAGMA table_info("{_escape(name)}")')} for name in names}
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ImportRefused(f"{path} is not a tinymongo store: {error}") from None
    names = [name for name in names if {"_id", "data"} <= columns[name]]
    return conn, names


def _escape(name):
    return name.replace('"', '""')


def batches(conn, name, size=BATCH):
    """The documents of one collection, `size` at a time, in the file's row order."""
    last = None
    while True:
        rows = conn.execute(
            f'SELECT rowid, data FROM "{_escape(name)}" WHERE rowid > ? ORDER BY rowid LIMIT ?', (last if last is not None else -(2**63), size)
        ).fetchall()
        if not rows:
            return
        batch = []
        for rowid, data in rows:
            try:
                doc = decode(data)
            except (ValueError, KeyError, TypeError) as error:
                raise ImportRefused(f"{name}: row {rowid} cannot be read ({error}).") from None
            if not isinstance(doc, dict) or "_id" not in doc:
                raise ImportRefused(f"{name}: row {rowid} is not a document with an _id.")
            batch.append(doc)
        yield batch
        last = rows[-1][0]


def import_store(path, store):
    """Copy every declared collection of the tinymongo store at `path` into `store`, all or nothing.

    Returns ({collection: documents copied}, [collections skipped because no schema declares them]).
    Refused (ImportRefused, nothing written) when `store` already holds documents, when a
    document cannot be decoded, or when two documents share a unique value.
    """
    from backoffice.store import DuplicateKey

    occupied = store.collection_names()
    if occupied:
        raise ImportRefused(f"The new store already holds documents ({', '.join(occupied)}).")
    conn, names = read_collections(path)
    counts, skipped = {}, []
    try:
        with store.transaction():
            for name in names:
                if name not in store.catalogue:
                    skipped.append(name)
                    continue
                counts[name] = 0
                for batch in batches(conn, name):
                    try:
                        store.insert_many(name, batch)
                    except DuplicateKey as duplicate:
                        raise ImportRefused(f"{name}: two documents share a value of {', '.join(duplicate.fields)}.") from None
                    counts[name] += len(batch)
    finally:
        conn.close()
    return counts, skipped
