"""E-mails of the outbox: written before they are sent, once per action (by `backoffice.outbox`, never from a form)."""
from schemas.translation import lazy_gettext as _l
from schemas.base import StoredSchema, StrictSchema
from schemas.choices import LANGUAGES
from schemas.fields import Choice, Email, Integer, Moment, NestedList, Text
from schemas.registry import ALL_SCHEMAS

STATUSES = {
    "queued": _l("Queued"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
# What a failure was, in words staff understand (the message keeps the technical detail after them).
ERRORS = {
    "unreachable": _l("The mail server could not be reached"),
    "rejected": _l("The mail server refused the message"),
    "login": _l("The mail server refused the user name or password"),
    "no_address": _l("There is no e-mail address to send to"),
}
# A server's answer is kept for whoever runs it; past this length it says nothing more.
DETAIL_LENGTH = 1000
# An attachment is a PDF the app wrote (a briefing, a letter), kept base64-encoded in the message.
ATTACHMENT_BYTES = 20 * 1024 * 1024


class MailAttachmentSchema(StrictSchema):
    """One attached file: its name, type, size and content (base64)."""

    filename = Text(_l("File name"), max_length=200, required=True)
    content_type = Text(_l("File type"), max_length=100, required=True)
    size = Integer(_l("Size"), minimum=0, maximum=ATTACHMENT_BYTES, required=True)
    content = Text(_l("Content"), max_length=ATTACHMENT_BYTES * 4 // 3 + 4, strip=False, required=True)


class OutboxMessageSchema(StoredSchema):
    """One e-mail: to whom, what, about which record, and how its sending went."""

    collection = "outbox"
    document_label = _l("e-mail")

    key = Text(_l("Action key"), max_length=300, required=True)
    # "" when the provider has no address: the message is kept, and its sending fails saying so.
    to = Email(_l("Recipient"), blank=True, required=True)
    subject = Text(_l("Subject"), max_length=500, strip=False, required=True)
    body = Text(_l("Message text"), max_length=50_000, multiline=True, strip=False, required=True)
    language = Choice(_l("Language"), LANGUAGES, required=True)
    collection_name = Choice(_l("Kind of record"), {name: name for name in ALL_SCHEMAS}, data_key="collection",
                             attribute="collection", required=True)
    # The natural key of the record (a reference such as BRF-2026-0007).
    record = Text(_l("Record"), max_length=40, required=True)
    attachments = NestedList(_l("Attachments"), MailAttachmentSchema, max_items=20, load_default=list)
    status = Choice(_l("Status"), STATUSES, required=True)
    tries = Integer(_l("Tries"), minimum=0, required=True)
    created_at = Moment(_l("Queued on"), required=True)
    sent_at = Moment(_l("Sent on"), allow_none=True)
    tried_at = Moment(_l("Last try"), allow_none=True)
    last_error = Text(_l("Last error"), max_length=DETAIL_LENGTH + 200, strip=False)
    error_code = Choice(_l("Error"), ERRORS, allow_none=True)
    error_detail = Text(_l("Error detail"), max_length=DETAIL_LENGTH, strip=False, allow_none=True)
