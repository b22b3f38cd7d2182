"""Files on record: documents attached to a request or to one invitation of a briefing.

A file's content is kept once, under its SHA-256: in GridFS on MongoDB (and mongomock),
in a content-addressed folder under BACKOFFICE_DATA_DIR on the embedded store. What the
record lists (name, type, size, who, when) is a document of the `attachments` collection.
An upload is checked before anything is written: not empty, at most 20 MB, and of an
accepted type as read from its content (`filetype`), whatever its name says.
"""
import hashlib
import os
import tempfile
from pathlib import Path

import filetype
import gridfs
from flask import current_app
from pymongo.database import Database
from werkzeug.utils import secure_filename

from backoffice.clock import now
from backoffice.i18n import _

COLLECTION = "attachments"
GRIDFS_BUCKET = "blobs"
MAX_BYTES = 20 * 1024 * 1024
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
ACCEPTED_NAMES = "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG"


class Refused(Exception):
    """The file is not kept; the message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Where the bytes live ---------------------------------------------------------------------


class FolderBlobs:
    """Contents in a folder, one file per SHA-256 (`ab/abcdef…`): the embedded store's files."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, digest):
        return self.root / digest[:2] / digest

    def put(self, digest, content):
        path = self._path(digest)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a file under its digest is always whole.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)

    def get(self, digest):
        return self._path(digest).read_bytes()

    def delete(self, digest):
        self._path(digest).unlink(missing_ok=True)

    def digests(self):
        """Every stored content's digest (for backups)."""
        if not self.root.exists():
            return []
        return sorted(path.name for path in self.root.glob("??/*") if not path.name.startswith("."))


class GridFSBlobs:
    """Contents in GridFS, the SHA-256 as the file's id: MongoDB's (and mongomock's) files."""

    def __init__(self, db):
        self.fs = gridfs.GridFS(db, collection=GRIDFS_BUCKET)

    def put(self, digest, content):
        if not self.fs.exists(digest):
            self.fs.put(content, _id=digest)

    def get(self, digest):
        return self.fs.get(digest).read()

    def delete(self, digest):
        self.fs.delete(digest)


def blobs(db, app=None):
    """Where this database keeps file contents: GridFS on a MongoDB database, else a folder beside the embedded store."""
    if isinstance(db, Database) or type(db).__module__.startswith("mongomock"):
        return GridFSBlobs(db)
    return FolderBlobs(folder(app))


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


def add(db, collection, record_key, name, content, actor, invitation=None):
    """Check and keep a file for a record (and one invitation of it); return its listing entry."""
    filename, content_type = check(name, content)
    digest = hashlib.sha256(content).hexdigest()
    blobs(db).put(digest, content)
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
    db[COLLECTION].insert_one(entry)
    return entry


def listing(db, collection, record_key):
    """The files of a record, oldest first."""
    return list(db[COLLECTION].find({"collection": collection, "record": record_key}, sort=[("uploaded_at", 1), ("_id", 1)]))


def content(db, entry):
    """The bytes of a listed file."""
    return blobs(db).get(entry["sha256"])


def remove(db, entry):
    """Take a file off its record; its content goes when no other listing refers to it."""
    db[COLLECTION].delete_one({"_id": entry["_id"]})
    if db[COLLECTION].count_documents({"sha256": entry["sha256"]}) == 0:
        blobs(db).delete(entry["sha256"])
