"""Backup and restore: every collection, every document, as canonical Extended JSON.

A backup is one JSON document: `{"format": "backoffice-backup", "version": 1,
"created_at": ..., "collections": {name: [documents...]}}`, written with
`bson.json_util` in canonical mode, so ObjectIds, dates and 64-bit integers come back
as they were on any engine. It is written to a temporary file and renamed at the end:
an interrupted backup leaves no file that looks whole. A restore reads and checks the
whole file before it touches the store, then replaces every collection in one store
transaction (all of them or, if anything fails, none; the store keeps its indexes).
Files on record travel with it: on MongoDB and mongomock their
contents are GridFS collections like any other; on the embedded store they live in a
folder, and the backup carries them as `"files": {sha256: base64}` (checked against their
digest on restore). A backup moves files across engines too: restored on the embedded
store, GridFS's contents go to its folder; restored on MongoDB, the folder's go to GridFS. On MongoDB, `mongodump` / `mongorestore` do the same job for
large databases (see the README).
"""
import base64
import binascii
import hashlib
import json
import os
import tempfile

from bson import json_util

from backoffice import audit, records, system_records
from backoffice.clock import now
from backoffice.store import Conflict, DuplicateKey
from backoffice.store.blobs import GridFSBlobs
from backoffice.store.mongo import MongoStore
from schemas.registry import ALL_SCHEMAS as SCHEMAS, shared_schema

FORMAT = "backoffice-backup"
VERSION = 1
BATCH = 500
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS


class NotABackup(Exception):
    """The file is not a backup written by this app (or it is cut short)."""


def backup(store, path, blobs=None):
    """Write every collection of `store` (and the file contents in the folder `blobs`) to `path`; return {collection: number of documents}."""
    counts = {}
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f'{{"format": {json.dumps(FORMAT)}, "version": {VERSION}, ')
            stream.write(f'"created_at": {json_util.dumps(now(), json_options=JSON_OPTIONS)}, "collections": {{')
            for position, name in enumerate(collection_names(store)):
                stream.write(("," if position else "") + f"\n{json.dumps(name)}: [")
                counts[name] = 0
                # Batches in `_id` order: memory stays bounded however large the collection.
                for batch in store.batches(name, {}, BATCH):
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


def collection_names(store):
    """The app's collections that hold documents, in name order."""
    return store.collection_names()


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


class RestoreFailed(NotABackup):
    """The file is right, but the store could not take it now (nothing was changed)."""


# Collections whose titles other records' search terms include (backoffice.search), restored before those.
REFERENCED_FIRST = ("lots", "providers", "users")


def restore(store, path, blobs=None, actor="cli"):
    """Replace every collection of `store` (and the contents of the folder `blobs`) by those of the backup at `path`.

    Nothing is changed unless the whole file is right: a backup of this app, of known
    collections only, every record valid through its schema against the backup's own
    records (references included) and no unique key taken twice. Then, in one store
    transaction, every collection is emptied and filled again, and the restore is
    recorded in the audit trail: all of it is written, or nothing. Returns {collection: documents}.
    """
    collections, contents = _read(path)
    unknown = sorted(set(collections) - known_collections(store))
    if unknown:
        raise NotABackup(f"{path} holds collections this app does not have: {', '.join(unknown)}.")
    problems = _check_ids(collections) + _check(store, collections)
    if blobs is not None:
        # A MongoDB backup restored on the embedded store: GridFS's contents go to the folder.
        from_gridfs, damaged = _gridfs_contents(collections)
        problems += damaged
        contents = from_gridfs | contents
        collections = {name: docs for name, docs in collections.items() if name not in GRIDFS}
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise NotABackup(f"{path} cannot be restored: {shown}.")
    counts = {name: len(docs) for name, docs in collections.items()}
    try:
        with store.transaction():
            for name in sorted(known_collections(store)):
                store.delete_where(name, {})
            # Referenced records first: a record's search terms include the titles of the lots it names.
            for name in sorted(known_collections(store), key=lambda name: (name not in REFERENCED_FIRST, name)):
                docs = collections.get(name, [])
                for start in range(0, len(docs), BATCH):
                    store.insert_many(name, [dict(doc) for doc in docs[start:start + BATCH]])
            audit.record(store, "restore", actor, details={"file": os.path.basename(path), "counts": counts})
    except DuplicateKey as taken:
        raise NotABackup(f"{path} cannot be restored: {taken.collection}: {', '.join(taken.fields)} "
                         "is taken by more than one record.") from None
    except Conflict:
        raise RestoreFailed(f"{path} could not be restored now: the store stayed busy. Try again.") from None
    if blobs is not None:
        for digest, data in contents.items():
            blobs.put(digest, data)
        for digest in set(blobs.digests()) - set(contents):
            blobs.delete(digest)
    elif contents and isinstance(store, MongoStore):
        # An embedded store's backup restored on MongoDB: the folder's contents go to GridFS.
        gridfs = GridFSBlobs(store)
        for digest, data in contents.items():
            gridfs.put(digest, data)
    return counts


# GridFS's collections on MongoDB (bucket `blobs`): a file's `_id` is its SHA-256.
GRIDFS = ("blobs.files", "blobs.chunks")


def _gridfs_contents(collections):
    """The file contents a MongoDB backup holds in GridFS's collections: ({sha256: bytes}, problems)."""
    chunks = {}
    for chunk in collections.get("blobs.chunks", []):
        chunks.setdefault(chunk.get("files_id"), []).append(chunk)
    found, problems = {}, []
    for entry in collections.get("blobs.files", []):
        parts = sorted(chunks.get(entry["_id"], []), key=lambda chunk: chunk.get("n", 0))
        data = b"".join(bytes(chunk.get("data", b"")) for chunk in parts)
        if hashlib.sha256(data).hexdigest() != entry["_id"]:
            problems.append(f"blobs.files: the file {entry['_id']} does not match its digest")
            continue
        found[entry["_id"]] = data
    return found, problems


def known_collections(store):
    """Every collection name a backup of this app may hold: those the store declares."""
    return set(store.catalogue)


class BackupReferences:
    """The schemas' questions about other records, answered from the backup's own records.

    A restore replaces everything, so a reference is right when the backup holds what it
    points to, whatever the store holds today.
    """

    def __init__(self, collections):
        self.collections = collections
        self.keys = {}
        self.values = {}

    def _by_key(self, collection):
        if collection not in self.keys:
            key = SCHEMAS[collection].natural_key
            self.keys[collection] = {doc.get(key): doc for doc in self.collections.get(collection, [])}
        return self.keys[collection]

    def missing(self, collection, keys):
        """The keys among `keys` that name no record of the backup."""
        return set(keys) - set(self._by_key(collection))

    def taken(self, collection, field, value, exclude_id=None):
        """True when another record of the backup has `value` in `field`."""
        if (collection, field) not in self.values:
            found = self.values[(collection, field)] = {}
            for doc in self.collections.get(collection, []):
                found.setdefault(doc.get(field), []).append(doc["_id"])
        return any(other != exclude_id for other in self.values[(collection, field)].get(value, []))

    def party_to(self, provider, lot):
        """True when the backup's provider (by enterprise number) is party to the lot."""
        doc = self._by_key("providers").get(provider)
        return doc is not None and any(item.get("lot") == lot for item in doc.get("lots", []))


def _check_ids(collections):
    """The collections in which two documents share an `_id`."""
    problems = []
    for name, docs in collections.items():
        ids = [repr(doc["_id"]) for doc in docs]
        if len(set(ids)) != len(ids):
            problems.append(f"{name}: two documents share an _id")
    return problems


def _check(store, collections):
    """Every record through its schema, against the backup's records (unique keys, references); the problems found.

    The system's own documents (audit entries, e-mails, file listings, sign-in counts) go
    through the schemas their writes use (`backoffice.system_records`), and so do the
    fields of a user that no form edits (password hash, session version).
    """
    problems = []
    refs = BackupReferences(collections)
    for name, docs in collections.items():
        if name in system_records.SCHEMAS and name not in SCHEMAS:
            problems += _check_system(name, [(doc["_id"], doc) for doc in docs])
            continue
        schema = SCHEMAS.get(name)
        if schema is None:
            continue
        if name in system_records.SCHEMAS:  # users: what the account holds beside the form's fields
            problems += _check_system(name, [(doc.get(schema.natural_key), _account_fields(name, doc)) for doc in docs], partial=True)
        for field in (schema.natural_key, *schema.unique_fields):
            values = [doc.get(field) for doc in docs if doc.get(field) is not None]
            for value in sorted({value for value in values if values.count(value) > 1}, key=str):
                problems.append(f"{name}: {field} {value} is taken by more than one record")
        for doc in docs:
            try:
                records.validate(name, records.editable_data(name, doc), previous=doc, refs=refs, store=store, today_rules=False)
            except records.SaveRefused as refused:
                fields = ", ".join(f"{field} ({' '.join(map(str, messages)) if isinstance(messages, list) else messages})"
                                   for field, messages in refused.errors.items())
                problems.append(f"{name} {doc.get(schema.natural_key) or doc['_id']}: {fields}")
    return problems


def _check_system(name, docs, partial=False):
    """The problems of documents the system writes, `(what names it, document)` each loaded by the schema its writes go through."""
    problems = []
    for named, doc in docs:
        try:
            system_records.load(name, doc, partial=partial)
        except system_records.RecordRefused as refused:
            problems.append(f"{name} {named}: {refused.problems()}")
    return problems


def _account_fields(name, doc):
    """The fields of a stored record outside its collection's form schema (a user's password hash)."""
    declared = shared_schema(name).fields
    return {field: value for field, value in doc.items() if field not in declared and field not in records.STORE_FIELDS}
