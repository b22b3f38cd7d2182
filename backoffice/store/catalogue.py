"""What the store knows about each collection, read from the schemas: fields, keys, search, indexes.

The schemas (`schemas/`) are the single source of truth: a collection's fields and their
kinds come from its marshmallow schema, its unique constraints from `unique_fields`, its
natural key from `natural_key`, its searchable fields from `search_fields`. The documents
the system writes itself (audit trail, outbox, file listings, sign-in counts) have their
schemas too (`schemas/audit.py` ...), read the same way. Only what no schema describes is
declared here: the counters, GridFS's collections, the sign-in failures and the indexes
behind the lists' sorts and filters and the system's lookups.

A field is one of these kinds:

* `text`, `number`, `date`, `boolean`, `id` (an ObjectId), `any`: one value, which a
  query may filter and sort on;
* `long_text`: a multi-line text, stored but neither filtered nor sorted on (nobody
  does, and an index copy of 5,000 characters would be waste);

and `many` is true when a document holds several values there (a list such as `lots`,
or a path through a list of sub-documents such as `lots.lot`): such a field may be
filtered on (a document matches when one of its values does, as on MongoDB) but never
sorted on. That is how "a sort on a list field is refused by construction".
"""
from dataclasses import dataclass, field as dataclass_field

from marshmallow import fields as mm

from schemas import fields as sf
from schemas.attachment import AttachmentSchema
from schemas.audit import AuditEntrySchema
from schemas.outbox import OutboxMessageSchema
from schemas.registry import ALL_SCHEMAS
from schemas.throttle import ThrottleSchema


@dataclass(frozen=True)
class Field:
    """One queryable path of a collection's documents."""

    path: str
    kind: str
    many: bool = False

    @property
    def keyed(self):
        """True when queries may filter on it (every kind but long texts)."""
        return self.kind != "long_text"

    @property
    def sortable(self):
        """True when a list may be sorted on it: one value per document, not a long text."""
        return self.keyed and not self.many


@dataclass(frozen=True)
class Index:
    """An index over some fields (ascending; `_id` is appended to keep sorted pages stable)."""

    paths: tuple
    unique: bool = False


@dataclass(frozen=True)
class Collection:
    """A collection as the store sees it."""

    name: str
    fields: dict
    natural_key: str = None
    unique_fields: tuple = ()
    search_fields: tuple = ()
    indexes: tuple = dataclass_field(default=())

    def field(self, path):
        """The declared field at `path` (`_id` included), or None."""
        if path == "_id":
            return ID_FIELD
        return self.fields.get(path)

    @property
    def scalar_fields(self):
        """The filterable fields that hold one value per document, in a stable order."""
        return [f for f in self.fields.values() if f.keyed and not f.many]

    @property
    def many_fields(self):
        """The filterable fields that hold several values per document."""
        return [f for f in self.fields.values() if f.keyed and f.many]


ID_FIELD = Field("_id", "id")

# The kinds of the schema field classes (subclasses first: Timestamp is a DateTime, Money a Field).
_KINDS = (
    (sf.Money, "number"),
    (sf.Integer, "number"),
    (mm.Integer, "number"),
    (sf.Date, "date"),
    (sf.LocalDateTime, "date"),
    (mm.DateTime, "date"),
    (mm.Boolean, "boolean"),
    (mm.String, "text"),
)


def _kind(schema_field):
    if isinstance(schema_field, sf.Text) and schema_field.metadata.get("multiline"):
        return "long_text"
    for cls, kind in _KINDS:
        if isinstance(schema_field, cls):
            return kind
    return "any"


def schema_fields(schema, prefix="", many=False):
    """Every leaf path of a marshmallow schema as a Field, sub-documents and lists walked."""
    found = {}
    for name, schema_field in schema.fields.items():
        path = prefix + (schema_field.data_key or name)  # as stored: an audit entry's `collection`
        if isinstance(schema_field, sf.Nested):
            found.update(schema_fields(schema_field.schema, path + ".", many))
        elif isinstance(schema_field, sf.NestedList):
            found.update(schema_fields(schema_field.inner.schema, path + ".", True))
        elif isinstance(schema_field, mm.List):
            found[path] = Field(path, _kind(schema_field.inner), True)
        else:
            found[path] = Field(path, _kind(schema_field), many)
    return found


# Compound indexes behind the lists' default sorts and filters (each list sorts on one of these,
# then `_id`), and the single-field ones behind lookups no schema declares.
EXTRA_INDEXES = {
    "users": [("role",)],
    "lots": [("active",)],
    "providers": [("name",), ("status",), ("lots.lot",), ("languages",)],
    "requests": [
        ("received_on",),
        ("status", "received_on"),
        ("municipality", "received_on"),
        ("lots",),
        ("organisation.type",),
        ("themes",),
    ],
    "briefings": [
        ("request",),
        ("status",),
        ("offer_deadline",),
        ("lots",),
        ("award_route",),
        ("language",),
        ("invitations.provider",),
        ("awards.provider",),
    ],
}


def _from_schema(schema_class):
    schema = schema_class()
    fields = schema_fields(schema)
    unique = tuple(schema_class.unique_fields)
    indexes = [Index((name,), unique=True) for name in unique]
    if schema_class.natural_key and schema_class.natural_key not in unique:
        indexes.append(Index((schema_class.natural_key,)))
    indexes += [Index(paths) for paths in EXTRA_INDEXES.get(schema_class.collection, [])]
    return Collection(
        name=schema_class.collection,
        fields=fields,
        natural_key=schema_class.natural_key,
        unique_fields=unique,
        search_fields=tuple(schema_class.search_fields),
        indexes=tuple(indexes),
    )


def _system_from_schema(schema_class, queried, indexes, unique=()):
    """A collection the system writes: the paths its code queries, with their kinds read from its schema.

    Only those: every declared field is a key column (or list rows) beside each document, and
    an audit entry's changes or an e-mail's attachments are never looked for.
    """
    declared = schema_fields(schema_class())
    fields = {path: declared[path] for path in queried}  # a KeyError names a path the schema lacks
    return Collection(
        name=schema_class.collection,
        fields=fields,
        unique_fields=tuple(paths[0] for paths in unique if len(paths) == 1),
        indexes=tuple(Index(paths, unique=True) for paths in unique) + tuple(Index(paths) for paths in indexes),
    )


def _system(name, fields, indexes, unique=()):
    return Collection(
        name=name,
        fields={path: Field(path, kind, many) for path, kind, many in fields},
        unique_fields=tuple(paths[0] for paths in unique if len(paths) == 1),
        indexes=tuple(Index(paths, unique=True) for paths in unique) + tuple(Index(paths) for paths in indexes),
    )


SYSTEM = {
    # The audit trail (backoffice/audit.py): `record` holds the ObjectId of the record concerned.
    "audit": _system_from_schema(
        AuditEntrySchema, ("at", "actor", "action", "collection", "record", "key"),
        [("collection", "record", "at"), ("record", "at"), ("at",), ("actor",), ("action",), ("key",)],
    ),
    # Failed sign-ins of the last minutes (backoffice/auth.py).
    "login_failures": _system("login_failures", [("key", "text", False), ("at", "date", False)], [("key", "at")]),
    # Sign-in throttling per account and per address, {_id: key, failures, until, at} (backoffice/throttle.py).
    "login_throttle": _system_from_schema(ThrottleSchema, ("failures", "until", "at"), []),
    # Named counters {_id: name, seq: n} (references REQ-2026-0042, the search rules' version).
    "counters": _system("counters", [("seq", "number", False)], []),
    # E-mails, written before they are sent, once per action `key` (backoffice/outbox.py).
    "outbox": _system_from_schema(
        OutboxMessageSchema, ("key", "status", "collection", "record", "created_at", "sent_at", "tried_at", "tries", "to"),
        [("status", "created_at"), ("collection", "record", "created_at"), ("created_at",)], unique=[("key",)],
    ),
    # What a record lists of its files: name, type, size, digest, who and when (backoffice/files.py).
    "attachments": _system_from_schema(
        AttachmentSchema, ("collection", "record", "sha256", "uploaded_at", "filename"), [("collection", "record", "uploaded_at"), ("sha256",)],
    ),
    # File contents on MongoDB: GridFS's two collections under the `blobs` bucket, the SHA-256 as the
    # file's `_id` (backups carry them like any collection). The embedded store keeps contents in a
    # folder instead, so on SQLite these stay empty.
    "blobs.files": _system("blobs.files", [("length", "number", False), ("uploadDate", "date", False)], []),
    "blobs.chunks": _system("blobs.chunks", [("files_id", "any", False), ("n", "number", False)], [],
                            unique=[("files_id", "n")]),
}


def build():
    """The catalogue of every collection the app stores: {name: Collection}."""
    catalogue = {name: _from_schema(schema_class) for name, schema_class in ALL_SCHEMAS.items()}
    catalogue.update(SYSTEM)
    return catalogue


CATALOGUE = build()
