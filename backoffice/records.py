"""Writing records: every create, edit and delete goes through here, and so through the schemas.

Each write validates with the collection's schema, stamps who and when, edits only the
version that the user saw (no lost updates), and writes the record and its audit entry in
one store transaction: both or neither (the store keeps the search terms up to date).
"""
import contextlib

from marshmallow import ValidationError

from backoffice import audit, search
from backoffice.clock import now
from backoffice.i18n import _l
from backoffice.references import DatabaseReferences, referrers
from backoffice.store import Conflict, DuplicateKey
from backoffice.store.app import get_store
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


def validate(collection, data, previous=None, store=None, refs=None, today_rules=True):
    """Load `data` through the collection's schema; raise SaveRefused with every message."""
    store = store if store is not None else get_store()
    schema = SCHEMAS[collection](
        refs=refs or DatabaseReferences(store), previous=previous, today_rules=today_rules
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


@contextlib.contextmanager
def one_transaction(store, collection):
    """Run the block in one store transaction, its refusals in the app's words.

    A taken unique value becomes SaveRefused naming the field; a write that could not take
    its turn (`Conflict`: nothing was written) becomes StaleRecord, shown like a record
    changed meanwhile. Caught outside the transaction, as the store asks: on MongoDB an
    error aborts the whole transaction.
    """
    try:
        with store.transaction():
            yield store
    except DuplicateKey as error:
        raise SaveRefused(_duplicate_messages(collection, error.fields)) from None
    except Conflict:
        raise StaleRecord() from None


def create(collection, data, actor, store=None, refs=None, today_rules=True, allow_managed=False):
    """Validate and insert a new record; return the stored document.

    Fields that only workflow actions set (a status, an award) keep their defaults
    unless the caller is such an action (`allow_managed`).
    """
    store = store if store is not None else get_store()
    if not allow_managed:
        data = {name: value for name, value in data.items() if name not in SCHEMAS[collection].managed_fields}
    # Checked and written in one transaction: a record it refers to cannot be deleted in between.
    with one_transaction(store, collection):
        doc = validate(collection, data, store=store, refs=refs, today_rules=today_rules)
        return insert_valid(collection, doc, actor, store)


def insert_valid(collection, doc, actor, store):
    """Insert a document that its schema already loaded, with its audit entry, in one transaction.

    A collection with yearly references gets the next free one from its counter in the
    same transaction (a reference and its counter are written together or not at all);
    a reference given by the caller raises the counter past it.
    """
    moment = now()
    doc.update(created_at=moment, updated_at=moment, created_by=actor, updated_by=actor, version=1)
    prefix = REFERENCE_PREFIXES.get(collection)
    with one_transaction(store, collection):
        if prefix and not doc.get("reference"):
            doc["reference"] = reserve_reference(collection, store)
        store.insert(collection, doc)
        if prefix:
            year, number = doc["reference"].split("-")[1:]
            store.raise_sequence(f"{collection}-{year}", int(number))
        changes = audit.changes_between({}, doc, shared_schema(collection).load_fields)
        audit.record(store, "create", actor, collection, doc, changes)
    return doc


def reserve_reference(collection, store):
    """The next free yearly reference of the collection (BRF-2026-0042), taken from its counter for a record about to be written.

    Call it inside the transaction that writes the record: the counter then moves only if
    the record is written.
    """
    prefix, year = REFERENCE_PREFIXES[collection], now().year
    # The counter is atomic; the search only skips numbers of records loaded without it (seeds, imports).
    for _attempt in range(50):
        reference = f"{prefix}-{year}-{store.next_sequence(f'{collection}-{year}'):04d}"
        if store.find_one(collection, {"reference": reference}, {"_id": 1}) is None:
            return reference
    raise SaveRefused({"reference": [str(_l("No free reference could be given; try again."))]})


def _duplicate_messages(collection, fields=()):
    unique = SCHEMAS[collection].unique_fields
    named = [name for name in fields if name in unique] or list(unique)
    return {name: [str(_l("Another record already has this value."))] for name in named}


def update(collection, previous, data, actor, expected_version, store=None, allow_managed=False, history=None,
           details=None, moment=None):
    """Validate `data` as the new content of `previous` and save it if nobody changed it meanwhile.

    Workflow-managed fields keep their stored value unless a workflow action saves
    (`allow_managed`); `history` is a status-history entry to append in the same write;
    `details` go into the audit entry (a status move's comment, say); `moment` is the save's
    time (now by default). Returns the saved document.
    """
    store = store if store is not None else get_store()
    data = _content(collection, previous, data, allow_managed)
    system = _system(previous, history)
    with one_transaction(store, collection):  # checked and written together, as `create`
        doc = validate(collection, data, previous=previous, store=store)
        return update_valid(collection, previous, doc, actor, expected_version, store, system, details, moment)


def as_saved(collection, previous, data, actor, expected_version, store=None, allow_managed=False, history=None, moment=None):
    """The record as `update` with the same arguments would save it (its new version, dates, history), written nowhere.

    An action renders the documents it sends from it before its transaction. Raises
    SaveRefused as `update` would; whether the version is still `expected_version` is the
    save's to check.
    """
    store = store if store is not None else get_store()
    doc = validate(collection, _content(collection, previous, data, allow_managed), previous=previous, store=store)
    fields, gone = _written(collection, previous, doc, actor, _system(previous, history), moment)
    return {name: value for name, value in previous.items() if name not in gone} | fields | {"version": expected_version + 1}


def _content(collection, previous, data, allow_managed):
    """The content an update validates: the natural key (and managed fields unless `allow_managed`) as stored."""
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
    return data


def _system(previous, history):
    return {"status_history": previous.get("status_history", []) + [history]} if history else None


# Fields the store keeps itself: an update never sets them.
STORE_FIELDS = ("_id", "version", search.FIELD)


def _written(collection, previous, doc, actor, system, moment):
    """What an update writes over `previous`: (the fields set, the names of those removed)."""
    doc = doc | {"updated_at": moment or now(), "updated_by": actor} | (system or {})
    doc = {name: value for name, value in doc.items() if name not in STORE_FIELDS}
    # Fields the schema knows but the new content lacks are removed, not left behind.
    gone = [name for name in shared_schema(collection).load_fields if name in previous and name not in doc]
    return doc, gone


def update_valid(collection, previous, doc, actor, expected_version, store, system=None, details=None, moment=None):
    """Save a loaded document over `previous` if its version is still `expected_version`, with its audit entry.

    `system` holds fields no schema loads (a status history) to write in the same update.
    Returns the saved document; raises StaleRecord when another version was saved meanwhile.
    """
    doc, gone = _written(collection, previous, doc, actor, system, moment)
    changes = audit.changes_between(previous, doc, shared_schema(collection).load_fields)
    with one_transaction(store, collection):
        saved = store.update_if_version(collection, previous["_id"], expected_version, set=doc, unset=gone)
        if saved is None:
            raise StaleRecord()
        if changes:
            action = "status_change" if any(change["field"] == "status" for change in changes) else "update"
            audit.record(store, action, actor, collection, previous, changes, details=details)
    return saved


def delete(collection, doc, actor, store=None):
    """Delete a record nobody refers to, with its audit entry; raise DeleteRefused naming those who do.

    The check and the delete are one transaction: no record can start referring to it in between.
    """
    store = store if store is not None else get_store()
    with one_transaction(store, collection):
        found = referrers(store, collection, doc)
        if found:
            raise DeleteRefused(found)
        if not store.delete_if_version(collection, doc["_id"], doc.get("version")):
            raise StaleRecord()
        changes = audit.changes_between(doc, {}, shared_schema(collection).load_fields)
        audit.record(store, "delete", actor, collection, doc, changes)


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
