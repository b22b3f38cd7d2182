"""The outbox: every e-mail is written here first, then sent over SMTP by Flask-Mailman.

A message is queued with the key of the action it belongs to (`briefing:BRF-2026-0007:0123456749`):
queuing the same action twice finds the message already there, so no action ever mails
twice. Sending claims a message (queued or failed → sending) before talking to the server,
so two senders never deliver the same message; a failure is kept on the message (tries,
last error in plain words) and `flask --app app outbox send` tries again. Without
`MAIL_SERVER` (the demo) nothing is sent: messages stay queued for staff to read at
/admin/outbox/.

Like the audit trail, the outbox is written by the system, never from a form: each message
and each change of its status is loaded by its schema (`schemas/outbox.py`, through
`backoffice.system_records`) before it is stored (its collection is declared in
`backoffice/store/catalogue.py`, with the unique `key`).
"""
import base64
import smtplib

from flask import current_app
from flask_mailman import EmailMessage, Mail

from backoffice import system_records
from backoffice.clock import now
from backoffice.i18n import force_locale
from backoffice.store import Conflict, DuplicateKey
from schemas.outbox import DETAIL_LENGTH, ERRORS

COLLECTION = "outbox"

mail = Mail()


def init_app(app):
    """Flask-Mailman over SMTP, configured from MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM."""
    app.config.setdefault("MAIL_BACKEND", "smtp")
    app.config.setdefault("MAIL_DEFAULT_SENDER", app.config.get("MAIL_FROM"))
    mail.init_app(app)


def error_text(message, detail=True):
    """The last error of a message in the current language (empty when there is none).

    The technical detail (server, SMTP answer) is for the record and the command line,
    read by whoever runs the mail server; pages show the words alone (`detail=False`).
    """
    code = message.get("error_code")
    if not code:
        return ""
    words = str(ERRORS.get(code, code))
    technical = message.get("error_detail") if detail else None
    return f"{words} ({technical})" if technical else words


def queue(store, key, to, subject, body, language, record, attachments=()):
    """Write a message to the outbox, once per `key`; return it (the one already there if any).

    `record` is `(collection, natural key)` of the record the message is about; `attachments`
    are `(filename, content_type, bytes)`. The message is loaded by its schema first: one it
    refuses (a malformed address) raises `system_records.RecordRefused` and nothing is queued.
    """
    existing = store.find_one(COLLECTION, {"key": key})
    if existing is not None:
        return existing
    message = {
        "key": key,
        "to": to or "",
        "subject": subject,
        "body": body,
        "language": language,
        "collection": record[0],
        "record": record[1],
        "attachments": [
            {"filename": name, "content_type": kind, "size": len(content), "content": base64.b64encode(content).decode("ascii")}
            for name, kind, content in attachments
        ],
        "status": "queued",
        "tries": 0,
        "created_at": now(),
        "sent_at": None,
        "last_error": "",
    }
    try:
        message = system_records.insert(store, COLLECTION, message)
    except DuplicateKey:  # queued meanwhile by another request for the same action
        return store.find_one(COLLECTION, {"key": key})
    return message


def attachment_content(attachment):
    """The bytes of one stored attachment."""
    return base64.b64decode(attachment["content"])


def configured(app=None):
    """True when a mail server is set: messages are sent; otherwise they stay queued."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def send_pending(store, keys=None):
    """Send the queued and failed messages (only those of `keys` when given); return {status: count}.

    Nothing is sent when no MAIL_SERVER is set.
    """
    counts = {"sent": 0, "failed": 0, "queued": 0}
    query = {"status": {"$in": ["queued", "failed"]}}
    if keys is not None:
        query["key"] = {"$in": list(keys)}
    waiting = store.find(COLLECTION, query, sort=[("created_at", 1), ("_id", 1)], projection={"_id": 1})
    if not configured():
        counts["queued"] = len(waiting)
        return counts
    connection = None
    try:
        for item in waiting:
            message = _claim(store, item["_id"])
            if message is None:
                continue  # another sender took it
            if connection is None:
                connection = _connection()
            outcome = _deliver(connection, message)
            if outcome is None:
                system_records.update(store, COLLECTION, message["_id"], {
                    "status": "sent", "sent_at": now(), "last_error": "", "error_code": None, "error_detail": None,
                })
                counts["sent"] += 1
            else:
                code, detail = outcome
                failure = {"error_code": code, "error_detail": detail[:DETAIL_LENGTH]}
                with force_locale("en"):  # the stored sentence is for logs and the CLI; pages translate the code
                    failure["last_error"] = error_text(failure)
                system_records.update(store, COLLECTION, message["_id"], {"status": "failed", **failure})
                counts["failed"] += 1
                if code in ("unreachable", "login"):
                    connection.close()
                    connection = None  # the next message opens a fresh connection (and likely fails the same way)
    finally:
        if connection is not None:
            connection.close()
    return counts


def _claim(store, message_id):
    """Take a message for sending: only one sender can move it from queued / failed to sending.

    The read and the write are one transaction, so two senders cannot both see it waiting;
    a sender that could not take its turn (`Conflict`) leaves it to the other.
    """
    try:
        with store.transaction():
            message = store.get(COLLECTION, message_id)
            if message is None or message.get("status") not in ("queued", "failed"):
                return None
            claimed = {"status": "sending", "tried_at": now(), "tries": (message.get("tries") or 0) + 1}
            system_records.update(store, COLLECTION, message_id, claimed)
    except Conflict:
        return None
    return message | claimed


def _connection():
    config = current_app.config
    return mail.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME") or None, password=config.get("MAIL_PASSWORD") or None,
        use_tls=bool(config.get("MAIL_USE_TLS")), timeout=config.get("MAIL_TIMEOUT", 10),
    )


def _deliver(connection, message):
    """Send one message; None when the server accepted it, else (error code, technical detail)."""
    if not message.get("to"):
        return "no_address", ""
    email = EmailMessage(
        subject=message["subject"], body=message["body"], from_email=current_app.config["MAIL_FROM"],
        to=[message["to"]], connection=connection,
    )
    for attachment in message.get("attachments", []):
        email.attach(attachment["filename"], attachment_content(attachment), attachment["content_type"])
    server = f"{connection.host}:{connection.port}"
    try:
        email.send()
    except smtplib.SMTPAuthenticationError as error:
        return "login", f"{server}: {error.smtp_code}"
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        return "rejected", f"{server}: {error}"
    except OSError as error:  # refused or timed-out connections, and every other SMTP error
        return "unreachable", f"{server}: {error.strerror or error}"
    return None


def for_record(store, collection, key):
    """The messages about one record, newest first, without their attachments' content."""
    messages = store.find(COLLECTION, {"collection": collection, "record": key}, sort=[("created_at", -1), ("_id", -1)])
    for message in messages:
        for attachment in message.get("attachments", []):
            attachment.pop("content", None)
    return messages
