"""The audit trail: an append-only record of who did what, when, to which record.

Entries are only ever inserted. A failed audit write is never swallowed: it raises,
so the action is reported as failed to the user and logged.
"""
import logging

from backoffice import system_records
from backoffice.clock import now
from backoffice.formatting import value_text
from backoffice.i18n import _, labelled
from schemas import fields as sf
from schemas.audit import ACTIONS
from schemas.registry import ALL_SCHEMAS, shared_schema

log = logging.getLogger(__name__)
COLLECTION = "audit"


def record(store, action, actor, collection=None, doc=None, changes=None, details=None, moment=None):
    """Append one entry, loaded by its schema (`schemas/audit.py`); raise if it is refused or cannot be written.

    Inside the caller's `store.transaction()` the entry is written with the change it
    describes, or neither is.
    """
    entry = {
        "at": moment or now(),
        "actor": actor,
        "action": action,
        "collection": collection,
        "record": doc.get("_id") if doc else None,
        "key": _natural_key(collection, doc),
        "changes": changes or [],
    }
    if details:
        entry["details"] = details
    try:
        return system_records.insert(store, COLLECTION, entry)
    except Exception:
        log.critical("audit entry could not be written: %s %s %s", action, collection, entry["key"])
        raise


def _natural_key(collection, doc):
    if not doc or not collection:
        return None
    schema = ALL_SCHEMAS.get(collection)
    return doc.get(schema.natural_key) if schema else None


def changes_between(before, after, fields):
    """Field-level changes [{field, before, after}] between two versions, over the schema's fields."""
    changes = []
    for name in fields:
        unordered = isinstance(fields[name], (sf.ChoiceList, sf.RefList)) if isinstance(fields, dict) else False
        old, new = _flat(before or {}, name), _flat(after or {}, name)
        for path in sorted(set(old) | set(new)):
            if _comparable(old.get(path), unordered) != _comparable(new.get(path), unordered):
                changes.append({"field": path, "before": old.get(path), "after": new.get(path)})
    return changes


def _comparable(value, unordered):
    """A value as a person compares it: line endings alike, and a set of choices in any order."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if unordered and isinstance(value, list) and all(isinstance(item, str) for item in value):
        return sorted(value)
    return value


# An empty list or text is no value at all: going from nothing to [] is not a change.
EMPTY = (None, [], "")


def _flat(doc, name):
    """Sub-documents as dotted paths (contact.email); lists compared whole."""
    value = doc.get(name)
    if isinstance(value, dict):
        return {f"{name}.{key}": item for key, item in value.items() if item not in EMPTY}
    return {name: value} if value not in EMPTY else {}


def history(store, collection, record_id, limit=200):
    """The entries about one record, newest first."""
    return store.find(COLLECTION, {"record": record_id, "collection": collection},
                      sort=[("at", -1), ("_id", -1)], limit=limit)


def field_label(collection, path):
    """The translated label of a field named by its dotted path (`contact.email`), or the path itself."""
    node = shared_schema(collection) if collection in ALL_SCHEMAS else None
    field = None
    for part in path.split("."):
        field = node.fields.get(part) if node is not None else None
        if field is None:
            return path
        node = getattr(field, "schema", None)
    return str(field.metadata.get("label", path))


def action_label(action):
    """The translated name of an action."""
    return str(ACTIONS.get(action, action))


def describe_change(change, fields, labels):
    """One change as `Label: before → after`, values as a person reads them."""
    field = fields.get(change["field"])
    label = field.metadata.get("label", change["field"]) if field is not None else change["field"]
    show = (lambda value: value_text(field, value, labels)) if field is not None else (lambda value: "" if value is None else str(value))
    # Outside the f-string, so that pybabel extracts it (Python 3.11 reads an f-string as one token).
    empty = _("(empty)")
    return labelled(label, f"{show(change['before']) or empty} → {show(change['after']) or empty}")


def detail_lines(details):
    """What an entry's details tell a reader besides its changes: a file's name, a move's comment, what a withdrawal cancelled."""
    if not isinstance(details, dict):
        return []
    lines = [details["file"]] if details.get("file") else []
    if details.get("comment"):
        lines.append(labelled(_("Comment"), details["comment"]))
    if details.get("cancelled_briefings"):
        lines.append(labelled(_("Briefings cancelled with it"), ", ".join(details["cancelled_briefings"])))
    if details.get("withdrawn_request"):
        lines.append(_("Cancelled with the withdrawal of the request %(reference)s.", reference=details["withdrawn_request"]))
    return lines
