"""What a record lists of its files: name, type, size, digest, who and when (by `backoffice.files`, never from a form)."""
from marshmallow import validate

from schemas.translation import lazy_gettext as _l
from schemas.base import StoredSchema, StrictSchema
from schemas.fields import Choice, Integer, Moment, Nested, Ref, Text
from schemas.audit import ACTOR_LENGTH

# The accepted kinds, by the extension `filetype` reads from the content, with the type sent back on download.
ACCEPTED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
MAX_BYTES = 20 * 1024 * 1024
# Files are kept once under their SHA-256, written as 64 lower-case hexadecimal digits.
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error=_l("Not a SHA-256 digest (64 hexadecimal digits)."))
# The records that have files (`backoffice/views/files.py`).
WITH_FILES = ("requests", "briefings")


class InvitationKeySchema(StrictSchema):
    """The invitation of a briefing a file belongs to: its provider and lot."""

    provider = Ref(_l("Provider"), "providers", required=True)
    lot = Ref(_l("Lot"), "lots", required=True)


class AttachmentSchema(StoredSchema):
    """One file listed on a record (its content is kept apart, under its digest)."""

    collection = "attachments"
    document_label = _l("file listing")

    collection_name = Choice(_l("Kind of record"), {name: name for name in WITH_FILES}, data_key="collection",
                             attribute="collection", required=True)
    # The natural key of the record (a reference such as BRF-2026-0007).
    record = Text(_l("Record"), max_length=40, required=True)
    invitation = Nested(_l("Invited provider and lot"), InvitationKeySchema, allow_none=True, load_default=None)
    filename = Text(_l("File name"), max_length=200, required=True)
    content_type = Choice(_l("File type"), {kind: kind for kind in ACCEPTED.values()}, required=True)
    size = Integer(_l("Size"), minimum=1, maximum=MAX_BYTES, required=True)
    sha256 = Text(_l("SHA-256 digest"), max_length=64, validate=[SHA256], required=True)
    uploaded_by = Text(_l("Added by"), max_length=ACTOR_LENGTH, required=True)
    uploaded_at = Moment(_l("Added on"), required=True)
