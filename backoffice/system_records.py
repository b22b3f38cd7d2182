"""Writing the system's own documents through their schemas: audit entries, e-mails, file listings,
sign-in counts, and the fields of a user that no form edits (password hash, session version, language).

Business records go through `backoffice.records`; these are built by our code, never typed
in a form, and are loaded by their schema (`schemas/`) all the same before they reach the
store: a document with an unknown action, a malformed address or a negative count raises
`RecordRefused` inside the caller's `store.transaction()`, so nothing of the action is written.
Each schema is built once, here: loading keeps no state on it (marshmallow 4).
"""
from marshmallow import ValidationError

from backoffice.i18n import _, labelled
from schemas.attachment import AttachmentSchema
from schemas.audit import AuditEntrySchema
from schemas.outbox import OutboxMessageSchema
from schemas.throttle import ThrottleSchema
from schemas.user import UserAccountSchema

SCHEMAS = {
    schema.collection: schema()
    for schema in (AuditEntrySchema, OutboxMessageSchema, AttachmentSchema, ThrottleSchema, UserAccountSchema)
}


class RecordRefused(Exception):
    """A document our code built was refused by its schema; `errors` maps its fields to messages."""

    def __init__(self, collection, errors):
        super().__init__(f"{collection} refused by its schema: {errors}")
        self.collection = collection
        self.errors = errors

    def problems(self):
        """Each refused field as `Label: message`, in the current language."""
        fields = SCHEMAS[self.collection].fields
        shown = []
        for name, messages in self.errors.items():
            field = next((field for field in fields.values() if (field.data_key or field.name) == name), None)
            label = str(field.metadata.get("label", name)) if field is not None else name
            shown.append(labelled(label, " ".join(_flat(messages))))
        return "; ".join(shown)

    def text(self):
        """What the user reads: nothing was saved, which field of which document was refused, and what to do."""
        return _("Nothing was saved: the %(document)s of this action was refused (%(problems)s). "
                 "Please tell the team what you were doing.",
                 document=str(SCHEMAS[self.collection].document_label), problems=self.problems())


def _flat(messages):
    """Every message of a (nested) marshmallow error, as plain text."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flat(value)]
    return [str(messages)]


def load(collection, data, partial=False):
    """`data` loaded by the collection's system schema (validated and typed), or RecordRefused.

    `partial=True` loads a change to some fields: those it sets are checked, the others may be absent.
    """
    try:
        return SCHEMAS[collection].load(data, partial=partial)
    except ValidationError as error:
        raise RecordRefused(collection, error.messages) from None


def insert(store, collection, data):
    """Load `data` through its schema and insert what was loaded; return the stored document."""
    return store.insert(collection, load(collection, data))


def update(store, collection, doc_id, changes):
    """Load the `changes` of some fields through the schema (`partial=True`) and set them; True when the document exists."""
    return store.update(collection, doc_id, load(collection, changes, partial=True))
