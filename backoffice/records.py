"""Writing records: every create, edit and delete goes through here, and so through the schemas.

Each write validates with the collection's schema, stamps who and when, keeps the
search terms up to date, and edits only the version that the user saw (no lost updates).
"""
from marshmallow import ValidationError
from pymongo.errors import DuplicateKeyError

from backoffice import audit
from backoffice import db as database
from backoffice.clock import now
from backoffice import search
from backoffice.i18n import _l
from backoffice.references import DatabaseReferences, referrers
from schemas.comment import StatusCommentSchema
from schemas.registry import ALL_SCHEMAS as SCHEMAS, shared_schema

# Collections whose records get a yearly reference such as REQ-2026-0042.
REFERENCE_PREFIXES = {"requests": "REQ", "briefings": "BRF"}
SYSTEM_FIELDS = ("created_at", "updated_at", "created_by", "updated_by", "version")


class SaveRefused(Exception):
    """The input was refused; `errors` maps field names (nested like marshmallow's) to messages."""

    def __init__(self, errors):
        super().__init__("save refused")
        self.errors = errors


class StaleRecord(Exception):
    """Someone else changed or deleted the record since it was read."""


class DeleteRefused(Exception):
    """Other records refer to this one; `referrers` names them."""

    def __init__(self, referrers):
        super().__init__("delete refused")
        self.referrers = referrers


def validate(collection, data, previous=None, db=None, refs=None, today_rules=True):
    """Load `data` through the collection's schema; raise SaveRefused with every message."""
    db = db if db is not None else database.get_db()
    schema = SCHEMAS[collection](
        refs=refs or DatabaseReferences(db), previous=previous, today_rules=today_rules
    )
    try:
        return schema.load(data)
    except ValidationError as error:
        raise SaveRefused(plain_messages(error.messages)) from None


def plain_messages(messages):
    """Marshmallow messages with every (lazy) string made plain text."""
    if isinstance(messages, dict):
        return {key: plain_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [plain_messages(value) for value in messages]
    return str(messages)


def create(collection, data, actor, db=None, refs=None, today_rules=True, allow_managed=False):
    """Validate and insert a new record; return the stored document.

    Fields that only workflow actions set (a status, an award) keep their defaults
    unless the caller is such an action (`allow_managed`).
    """
    db = db if db is not None else database.get_db()
    if not allow_managed:
        data = {name: value for name, value in data.items() if name not in SCHEMAS[collection].managed_fields}
    doc = validate(collection, data, db=db, refs=refs, today_rules=today_rules)
    return insert_valid(collection, doc, actor, db)


def insert_valid(collection, doc, actor, db):
    """Insert a document that its schema already loaded, giving it a reference when it needs one."""
    moment = now()
    doc.update(created_at=moment, updated_at=moment, created_by=actor, updated_by=actor, version=1)
    doc[search.FIELD] = search.document_terms(doc, SCHEMAS[collection].search_fields)
    prefix = REFERENCE_PREFIXES.get(collection)
    if prefix and not doc.get("reference"):
        return _insert_with_new_reference(collection, prefix, doc, actor, db)
    try:
        db[collection].insert_one(doc)
    except DuplicateKeyError:
        raise SaveRefused(_duplicate_messages(collection)) from None
    if prefix:
        year, number = doc["reference"].split("-")[1:]
        database.raise_sequence(f"{collection}-{year}", int(number), db)
    _audit_create(collection, doc, actor, db)
    return doc


def _audit_create(collection, doc, actor, db):
    changes = audit.changes_between({}, doc, SCHEMAS[collection]().load_fields)
    _audit_or_undo(db, lambda: db[collection].delete_one({"_id": doc["_id"]}), "create", actor, collection, doc, changes)


def _audit_or_undo(db, undo, *entry):
    """Write the audit entry; if it cannot be written, undo the change it describes and fail.

    Without a transaction this keeps the rule that no change exists that the trail does not know.
    """
    try:
        audit.record(db, *entry)
    except Exception:
        undo()
        raise


def _insert_with_new_reference(collection, prefix, doc, actor, db):
    year = now().year
    # The counter is atomic; the retry only covers records loaded with numbers the counter never gave.
    for _attempt in range(50):
        number = database.next_sequence(f"{collection}-{year}", db)
        doc["reference"] = f"{prefix}-{year}-{number:04d}"
        doc[search.FIELD] = search.document_terms(doc, SCHEMAS[collection].search_fields)
        try:
            db[collection].insert_one(doc)
        except DuplicateKeyError:
            doc.pop("_id", None)
            if db[collection].find_one({"reference": doc["reference"]}, {"_id": 1}) is None:
                raise SaveRefused(_duplicate_messages(collection)) from None
            continue
        _audit_create(collection, doc, actor, db)
        return doc
    raise SaveRefused({"reference": [str(_l("No free reference could be given; try again."))]})


def reserve_reference(collection, db):
    """The next free yearly reference of the collection (BRF-2026-0042), taken from its counter for a record about to be written."""
    prefix, year = REFERENCE_PREFIXES[collection], now().year
    for _attempt in range(50):
        reference = f"{prefix}-{year}-{database.next_sequence(f'{collection}-{year}', db):04d}"
        if db[collection].find_one({"reference": reference}, {"_id": 1}) is None:
            return reference
    raise SaveRefused({"reference": [str(_l("No free reference could be given; try again."))]})


def _duplicate_messages(collection):
    return {name: [str(_l("Another record already has this value."))] for name in SCHEMAS[collection].unique_fields}


def update(collection, previous, data, actor, expected_version, db=None, allow_managed=False, history=None):
    """Validate `data` as the new content of `previous` and save it if nobody changed it meanwhile.

    Workflow-managed fields keep their stored value unless a workflow action saves
    (`allow_managed`); `history` is a status-history entry to append in the same write.
    """
    db = db if db is not None else database.get_db()
    schema = SCHEMAS[collection]
    data = dict(data)
    stored = editable_data(collection, previous)
    # The natural key is set once (generated references included): edits keep it.
    kept = [schema.natural_key] + ([] if allow_managed else list(schema.managed_fields))
    for name in kept:
        if name in stored and (name in schema.managed_fields or data.get(name) is None):
            data[name] = stored[name]
        elif name in schema.managed_fields:
            data.pop(name, None)
    doc = validate(collection, data, previous=previous, db=db)
    system = {"status_history": previous.get("status_history", []) + [history]} if history else None
    update_valid(collection, previous, doc, actor, expected_version, db, system)
    return db[collection].find_one({"_id": previous["_id"]})


def update_valid(collection, previous, doc, actor, expected_version, db, system=None):
    """Save a loaded document over `previous` if its version is still `expected_version`.

    `system` holds fields no schema loads (a status history) to write in the same update.
    """
    doc = doc | {"updated_at": now(), "updated_by": actor} | (system or {})
    doc[search.FIELD] = search.document_terms(doc, SCHEMAS[collection].search_fields)
    # Fields the schema knows but the new content lacks are removed, not left behind.
    gone = {name: "" for name in SCHEMAS[collection]().load_fields if name in previous and name not in doc}
    update_spec = {"$set": doc, "$inc": {"version": 1}}
    if gone:
        update_spec["$unset"] = gone
    try:
        result = database.update_one(db[collection], {"_id": previous["_id"], "version": expected_version}, update_spec)
    except DuplicateKeyError:
        raise SaveRefused(_duplicate_messages(collection)) from None
    if result.matched_count != 1:
        raise StaleRecord()
    changes = audit.changes_between(previous, doc, SCHEMAS[collection]().load_fields)
    if changes:
        action = "status_change" if any(change["field"] == "status" for change in changes) else "update"
        _audit_or_undo(db, lambda: _restore(db[collection], previous, doc), action, actor, collection, previous, changes)


def _restore(collection, previous, doc):
    """Put a document back as it was before an update."""
    restore = {"$set": {name: value for name, value in previous.items() if name != "_id"}}
    added = {name: "" for name in doc if name not in previous}
    if added:
        restore["$unset"] = added
    collection.update_one({"_id": previous["_id"]}, restore)


def delete(collection, doc, actor, db=None):
    """Delete a record nobody refers to; raise DeleteRefused naming those who do."""
    db = db if db is not None else database.get_db()
    found = referrers(db, collection, doc)
    if found:
        raise DeleteRefused(found)
    result = database.delete_one(db[collection], {"_id": doc["_id"], "version": doc.get("version")})
    if result.deleted_count != 1:
        raise StaleRecord()
    changes = audit.changes_between(doc, {}, SCHEMAS[collection]().load_fields)
    _audit_or_undo(db, lambda: db[collection].insert_one(doc), "delete", actor, collection, doc, changes)


def editable_data(collection, doc):
    """A stored document as its schema presents it for editing (amounts in euro, dates as text)."""
    schema = shared_schema(collection)
    return schema.dump({name: value for name, value in doc.items() if name in schema.load_fields})


def comment_refusal(comment):
    """The message refusing a status comment (too long), or None; through its schema like every saved text."""
    schema = StatusCommentSchema()
    try:
        schema.load({"comment": comment})
    except ValidationError as error:
        label = schema.fields["comment"].metadata["label"]
        return f"{label}: {' '.join(plain_messages(error.messages)['comment'])}"
    return None
