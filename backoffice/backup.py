"""Backup and restore: every collection, every document, as canonical Extended JSON.

A backup is one JSON document: `{"format": "backoffice-backup", "version": 1,
"created_at": ..., "collections": {name: [documents...]}}`, written with
`bson.json_util` in canonical mode, so ObjectIds, dates and 64-bit integers come back
as they were on any engine. It is written to a temporary file and renamed at the end:
an interrupted backup leaves no file that looks whole. A restore reads and checks the
whole file before it touches the database, then replaces every collection and
re-creates the indexes. Files on record travel with it: on MongoDB and mongomock their
contents are GridFS collections like any other; on the embedded store they live in a
folder, and the backup carries them as `"files": {sha256: base64}` (checked against their
digest on restore). On MongoDB, `mongodump` / `mongorestore` do the same job for
large databases (see the README).
"""
import base64
import binascii
import hashlib
import json
import os
import tempfile

from bson import json_util

from backoffice import audit, records
from backoffice import db as database
from backoffice.clock import now
from backoffice.references import DatabaseReferences
from backoffice.store.app import get_store
from backoffice.store.mongo import MongoStore
from schemas.registry import ALL_SCHEMAS as SCHEMAS

FORMAT = "backoffice-backup"
VERSION = 1
BATCH = 500
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS


class NotABackup(Exception):
    """The file is not a backup written by this app (or it is cut short)."""


def backup(db, path, blobs=None):
    """Write every collection of `db` (and the file contents in the folder `blobs`) to `path`; return {collection: number of documents}."""
    counts = {}
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f'{{"format": {json.dumps(FORMAT)}, "version": {VERSION}, ')
            stream.write(f'"created_at": {json_util.dumps(now(), json_options=JSON_OPTIONS)}, "collections": {{')
            for position, name in enumerate(collection_names(db)):
                stream.write(("," if position else "") + f"\n{json.dumps(name)}: [")
                counts[name] = 0
                # Batches in `_id` order: memory stays bounded however large the collection.
                for batch in database.batches(db[name], {}, BATCH):
                    for doc in batch:
                        stream.write(("," if counts[name] else "") + "\n" + json_util.dumps(doc, json_options=JSON_OPTIONS))
                        counts[name] += 1
                stream.write("]")
            stream.write("\n}")
            if blobs is not None:
                _write_files(stream, blobs)
            stream.write("}\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return counts


def _write_files(stream, blobs):
    """The folder's file contents, one at a time: `"files": {sha256: base64}`."""
    stream.write(', "files": {')
    for position, digest in enumerate(blobs.digests()):
        content = base64.b64encode(blobs.get(digest)).decode("ascii")
        stream.write(("," if position else "") + f"\n{json.dumps(digest)}: \"{content}\"")
    stream.write("\n}")


def collection_names(db):
    """The app's collections (MongoDB's own `system.` ones and a restore's staging aside), in name order."""
    return sorted(name for name in db.list_collection_names() if not name.startswith(("system.", STAGING)))


def read(path):
    """The collections of a backup file, checked whole: {collection: [documents]}; NotABackup otherwise."""
    return _read(path)[0]


def _read(path):
    """The collections and the folder's file contents ({sha256: bytes}) of a backup file, checked whole."""
    try:
        with open(path, encoding="utf-8") as stream:
            content = json_util.loads(stream.read(), json_options=JSON_OPTIONS)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise NotABackup(f"{path} cannot be read as a backup: {error}") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise NotABackup(f"{path} is not a backup of this back-office.")
    if content.get("version") != VERSION:
        raise NotABackup(f"{path} is a backup of version {content.get('version')!r}; this app reads version {VERSION}.")
    collections = content.get("collections")
    if not isinstance(collections, dict) or not all(
        isinstance(name, str) and name and isinstance(docs, list) and all(isinstance(doc, dict) and "_id" in doc for doc in docs)
        for name, docs in collections.items()
    ):
        raise NotABackup(f"{path} is damaged: its collections are not lists of documents.")
    contents = {}
    for digest, encoded in (content.get("files") or {}).items():
        try:
            data = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except (binascii.Error, ValueError):
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            raise NotABackup(f"{path} is damaged: the file {digest} does not match its digest.")
        contents[digest] = data
    return collections, contents


def restore(db, path, blobs=None, actor="cli"):
    """Replace every collection of `db` (and the contents of the folder `blobs`) by those of the backup at `path`.

    Nothing is changed unless the whole file is right: a backup of this app, of known
    collections only, every record valid through its schema and no unique key taken
    twice. The documents are first written to staging collections beside the live ones
    and checked there (references included), then swapped in; the restore is recorded
    in the audit trail. Returns {collection: documents}.
    """
    collections, contents = _read(path)
    unknown = sorted(set(collections) - known_collections())
    if unknown:
        raise NotABackup(f"{path} holds collections this app does not have: {', '.join(unknown)}.")
    _drop_staging(db)
    try:
        problems = _stage(db, collections)
        problems += _check(db, collections)
    except BaseException:
        _drop_staging(db)
        raise
    if problems:
        _drop_staging(db)
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise NotABackup(f"{path} cannot be restored: {shown}.")
    _swap(db, collections)
    database.create_indexes(db)
    if blobs is not None:
        for digest, data in contents.items():
            blobs.put(digest, data)
        for digest in set(blobs.digests()) - set(contents):
            blobs.delete(digest)
    counts = {name: len(docs) for name, docs in collections.items()}
    audit.record(get_store(), "restore", actor, details={"file": os.path.basename(path), "counts": counts})
    return counts


# Restored documents are first written beside the live collections, under this prefix.
STAGING = "restore_staging_"
# Collections of the app that no schema describes (GridFS keeps file contents in `blobs.*`).
SYSTEM_COLLECTIONS = {"audit", "counters", "login_throttle", "login_failures", "outbox", "attachments", "blobs.files", "blobs.chunks"}


def known_collections():
    """Every collection name a backup of this app may hold."""
    return set(SCHEMAS) | set(database.INDEXES) | SYSTEM_COLLECTIONS


class StagedDatabase:
    """The staging collections seen under their live names, for the schemas' reference checks."""

    def __init__(self, db):
        self.db = db
        self.client = db.client

    def __getitem__(self, name):
        return self.db[STAGING + name]


def _stage(db, collections):
    """Write the backup's documents to the staging collections; the problems found (a duplicate _id)."""
    problems = []
    for name, docs in collections.items():
        ids = [doc["_id"] for doc in docs]
        if len(set(map(repr, ids))) != len(ids):
            problems.append(f"{name}: two documents share an _id")
            continue
        for start in range(0, len(docs), BATCH):
            db[STAGING + name].insert_many(docs[start:start + BATCH])
    return problems


def _check(db, collections):
    """Every record through its schema, against the staged records (unique keys, references); the problems found."""
    problems = []
    staged = StagedDatabase(db)
    refs = DatabaseReferences(MongoStore(staged, create_indexes=False))
    for name, docs in collections.items():
        schema = SCHEMAS.get(name)
        if schema is None:
            continue
        for field in (schema.natural_key, *schema.unique_fields):
            values = [doc.get(field) for doc in docs if doc.get(field) is not None]
            for value in sorted({value for value in values if values.count(value) > 1}, key=str):
                problems.append(f"{name}: {field} {value} is taken by more than one record")
        for doc in docs:
            try:
                records.validate(name, records.editable_data(name, doc), previous=doc, refs=refs, today_rules=False)
            except records.SaveRefused as refused:
                fields = ", ".join(f"{field} ({' '.join(map(str, messages)) if isinstance(messages, list) else messages})"
                                   for field, messages in refused.errors.items())
                problems.append(f"{name} {doc.get(schema.natural_key) or doc['_id']}: {fields}")
    return problems


def _swap(db, collections):
    """Put the staged collections in place of the live ones; drop the app's collections the backup does not have."""
    for name in collection_names(db):
        if not name.startswith(STAGING) and name not in collections:
            db[name].drop()
    for name in collections:
        staging = db[STAGING + name]
        if hasattr(staging, "rename") and database.renames_collections(db):
            # One step per collection on MongoDB: readers see the old or the new collection, never half of one.
            if collections[name]:
                staging.rename(name, dropTarget=True)
            else:
                db[name].drop()
        else:
            docs = list(staging.find({}))
            db[name].drop()
            for start in range(0, len(docs), BATCH):
                db[name].insert_many(docs[start:start + BATCH])
    _drop_staging(db)


def _drop_staging(db):
    for name in db.list_collection_names():
        if name.startswith(STAGING):
            db[name].drop()
