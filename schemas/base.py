"""What every collection schema shares: strict input, system fields, reference and uniqueness checks."""
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.fields import Nested, NestedList, RecordId, Ref, RefList, Timestamp


class StrictSchema(Schema):
    """Refuses unknown keys, with translated schema-level messages."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": _l("Unknown field."),
        "type": _l("Invalid input type."),
    }


class StoredSchema(StrictSchema):
    """A document the system writes itself, never from a form (an audit entry, an e-mail of the outbox).

    Our code builds it and `backoffice.system_records` loads it through its schema before it
    reaches the store; a change to some of its fields is loaded with `partial=True`.
    `_id` is given by the store on insert; a backup carries it, so a restore loads it too.
    """

    collection = None
    # What the document is, in a refusal's message ("the e-mail of this action was refused").
    document_label = None

    _id = RecordId(_l("Identifier"))


class CollectionSchema(StrictSchema):
    """A document stored in its own collection.

    `refs` answers questions about other records (does this lot exist? is this number
    taken?); `previous` is the stored document being edited, or None on create;
    `today_rules` is False when loading history (seeds, restores) so rules that depend
    on today's date do not refuse records whose dates have passed.
    """

    collection = None
    natural_key = None
    unique_fields = ()
    search_fields = ()
    # The columns of a CSV export, in order (dotted paths into sub-documents).
    export_columns = ()
    # Fields only workflow actions change (a status, an award): never typed in a form.
    managed_fields = ()

    created_at = Timestamp(_l("Created on"))
    updated_at = Timestamp(_l("Last changed on"))
    created_by = fields.String(dump_only=True, metadata={"label": _l("Created by")})
    updated_by = fields.String(dump_only=True, metadata={"label": _l("Last changed by")})
    version = fields.Integer(dump_only=True, metadata={"label": _l("Version")})

    def __init__(self, *args, refs=None, previous=None, today_rules=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.refs = refs
        self.previous = previous
        self.today_rules = today_rules

    @validates_schema(skip_on_field_errors=False)
    def _check_references(self, data, **kwargs):
        """Every referenced record exists, unique values are free, and the natural key stays put."""
        if self.refs is None:
            return
        errors = {}
        for path, field, value in _references(self, data):
            keys = value if isinstance(value, list) else [value]
            if self.refs.missing(field.collection, keys):
                _put(errors, path, str(_l("This record does not exist (any more).")))
        exclude = self.previous.get("_id") if self.previous else None
        key = self.natural_key
        if self.previous and data.get(key) not in (None, self.previous.get(key)):
            _put(errors, (key,), str(_l("This value cannot be changed once the record exists.")))
        for name in self.unique_fields:
            if data.get(name) is not None and self.refs.taken(self.collection, name, data[name], exclude):
                _put(errors, (name,), str(_l("Another record already has this value.")))
        if errors:
            raise ValidationError(errors)


def _references(schema, data, path=()):
    """Yield (path, field, value) for every reference present in `data`, nested ones included."""
    for name, field in schema.fields.items():
        if field.dump_only or data.get(name) is None:
            continue
        value = data[name]
        if isinstance(field, (Ref, RefList)):
            yield path + (name,), field, value
        elif isinstance(field, Nested):
            yield from _references(field.schema, value, path + (name,))
        elif isinstance(field, NestedList):
            for index, item in enumerate(value):
                yield from _references(field.inner.schema, item, path + (name, index))


def _put(errors, path, message):
    """Place `message` at `path` in a marshmallow-shaped error dict."""
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)
