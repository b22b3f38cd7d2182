"""Files on record: documents attached to a request or to one invitation of a briefing.

A file's content is kept once, under its SHA-256: in GridFS on MongoDB (and mongomock),
in a content-addressed folder under BACKOFFICE_DATA_DIR on the embedded store. What the
record lists (name, type, size, who, when) is a document of the `attachments` collection
(declared in `backoffice/store/catalogue.py`), loaded by its schema (`schemas/attachment.py`).
An upload is checked before anything is written: not empty, at most 20 MB, and of an
accepted type as read from its content (`filetype`), whatever its name says.
"""
import hashlib
import os
from pathlib import Path

import filetype
from flask import current_app
from werkzeug.utils import secure_filename

from backoffice import system_records
from backoffice.clock import now
from backoffice.i18n import _
from backoffice.store import blobs as store_blobs
from backoffice.store.blobs import FolderBlobs, GridFSBlobs  # noqa: F401  (where the bytes live)
from schemas.attachment import ACCEPTED, MAX_BYTES

COLLECTION = "attachments"
GRIDFS_BUCKET = store_blobs.BUCKET
ACCEPTED_NAMES = "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG"


class Refused(Exception):
    """The file is not kept; the message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Where the bytes live ---------------------------------------------------------------------


def blobs(store, app=None):
    """Where this store keeps file contents: GridFS on MongoDB, else a folder beside the embedded store."""
    return store_blobs.for_store(store, folder(app))


def folder(app=None):
    """The embedded store's folder of file contents."""
    return Path((app or current_app).config["BACKOFFICE_DATA_DIR"]) / "files"


# Checks -----------------------------------------------------------------------------------


def clean_name(name, extension):
    """A file name safe on every system and in a header, ending with the extension of its real type."""
    stem = secure_filename(os.path.splitext(name or "")[0]) or "document"
    return f"{stem[:100]}.{extension}"


def check(name, content):
    """The (clean name, content type) of an acceptable upload, or Refused saying why."""
    shown = name or _("The file")
    if not content:
        raise Refused(_("%(name)s is empty: nothing was added.", name=shown))
    if len(content) > MAX_BYTES:
        raise Refused(_("%(name)s is larger than 20 MB: nothing was added.", name=shown))
    kind = filetype.guess(content)
    extension = kind.extension if kind is not None else None
    if extension not in ACCEPTED:
        raise Refused(_(
            "%(name)s was not added: its content is not a %(kinds)s file, whatever its name says.",
            name=shown, kinds=ACCEPTED_NAMES,
        ))
    return clean_name(name, extension), ACCEPTED[extension]


# Operations -------------------------------------------------------------------------------


def add(store, collection, record_key, name, content, actor, invitation=None):
    """Check and keep a file for a record (and one invitation of it); return its listing entry.

    The content is kept first (under its digest, so keeping it twice is harmless), then
    listed, through its schema: call it in the transaction that also writes the upload's audit entry.
    """
    filename, content_type = check(name, content)
    digest = hashlib.sha256(content).hexdigest()
    entry = {
        "collection": collection,
        "record": record_key,
        "invitation": invitation,
        "filename": filename,
        "content_type": content_type,
        "size": len(content),
        "sha256": digest,
        "uploaded_by": actor,
        "uploaded_at": now(),
    }
    # Checked by its schema before the content is kept, so a refused listing leaves no stray content.
    system_records.load(COLLECTION, entry)
    blobs(store).put(digest, content)
    return system_records.insert(store, COLLECTION, entry)


def listing(store, collection, record_key):
    """The files of a record, oldest first."""
    return store.find(COLLECTION, {"collection": collection, "record": record_key}, sort=[("uploaded_at", 1), ("_id", 1)])


def entry(store, collection, entry_id):
    """One listed file of a record of `collection`, or None."""
    return store.find_one(COLLECTION, {"_id": entry_id, "collection": collection})


def content(store, entry):
    """The bytes of a listed file."""
    return blobs(store).get(entry["sha256"])


def unlist(store, entry):
    """Take a file off its record's listing (in the transaction that writes its audit entry)."""
    store.delete_where(COLLECTION, {"_id": entry["_id"]})


def forget_unlisted(store, entry):
    """Once a file is off its listing for good: its content goes when no other listing refers to it."""
    if store.count(COLLECTION, {"sha256": entry["sha256"]}) == 0:
        blobs(store).delete(entry["sha256"])


def remove(store, entry):
    """Take a file off its record; its content goes when no other listing refers to it."""
    unlist(store, entry)
    forget_unlisted(store, entry)
