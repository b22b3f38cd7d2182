"""Audit entries: who did what, when, to which record (written by `backoffice.audit`, never from a form)."""
from marshmallow import fields

from schemas.translation import lazy_gettext as _l
from schemas.base import StoredSchema
from schemas.fields import Choice, Moment, RecordId, Text, Translated
from schemas.registry import ALL_SCHEMAS

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "status_change": _l("Status changed"),
    "delete": _l("Deleted"),
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "export": _l("Exported"),
    "import": _l("Imported"),
    "password": _l("Password set"),
    "restore": _l("Restored from a backup"),
    "file_upload": _l("File added"),
    "file_download": _l("File downloaded"),
    "file_delete": _l("File deleted"),
}
# Who acts: a user's e-mail address, or what typed it at a failed sign-in (at most an address's
# length, `auth.MAX_EMAIL_LENGTH`), or a command ("cli", "migrate-awards").
ACTOR_LENGTH = 254
# A record changes field by field: its create lists every field it has, nested lists whole.
MAX_CHANGES = 1000
CHANGE_KEYS = {"field", "before", "after"}
FIELD_PATH_LENGTH = 200


class Changes(Translated, fields.Field):
    """What an action changed: a list of `{field, before, after}`, the field a dotted path (`contact.email`).

    Checked in one pass, not through a nested schema per change: a created record lists every
    field it has, and a nested load costs some 45 µs a change on every create, import and seed.
    The values before and after are copied as the record held them (any type the store holds).
    """

    default_error_messages = {
        "invalid": _l("Each change names its field (at most 200 characters) and its values before and after."),
        "too_many": _l("At most {max} lines."),
    }

    def __init__(self, label, **kwargs):
        super().__init__(metadata={"label": label}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if len(value) > MAX_CHANGES:
            raise self.make_error("too_many", max=MAX_CHANGES)
        for change in value:
            if not isinstance(change, dict) or change.keys() != CHANGE_KEYS or not isinstance(change["field"], str) \
                    or not 0 < len(change["field"]) <= FIELD_PATH_LENGTH:
                raise self.make_error("invalid")
        return [dict(change) for change in value]


class AuditEntrySchema(StoredSchema):
    """One entry of the append-only audit trail."""

    collection = "audit"
    document_label = _l("audit entry")

    at = Moment(_l("When"), required=True)
    actor = Text(_l("Who"), max_length=ACTOR_LENGTH, required=True)
    action = Choice(_l("What"), ACTIONS, required=True)
    # The record concerned, when there is one (a sign-in failure or an export concerns none).
    collection_name = Choice(_l("Kind of record"), {name: name for name in ALL_SCHEMAS}, data_key="collection",
                             attribute="collection", allow_none=True, load_default=None)
    record = RecordId(_l("Record"), allow_none=True, load_default=None)
    key = Text(_l("Reference"), max_length=ACTOR_LENGTH, allow_none=True, load_default=None)
    changes = Changes(_l("Changes"), load_default=list)
    # What else the action needs told (a file's name and digest, an export's filters): plain values by name.
    details = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={"label": _l("Details")})
