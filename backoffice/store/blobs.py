"""Where file contents live, by engine: GridFS in the store's MongoDB database, a folder beside the SQLite file.

A content is kept once, under its SHA-256 (the caller computes it). GridFS is reached
through the store's own database, so files follow the store wherever it points; the
embedded store keeps them as plain files (`ab/abcdef…`) in a folder, written aside and
renamed so that a file under its digest is always whole.
"""
import os
import tempfile
from pathlib import Path

import gridfs

from backoffice.store.mongo import MongoStore

BUCKET = "blobs"  # GridFS's collections are `blobs.files` and `blobs.chunks` (declared in the catalogue)


class FolderBlobs:
    """Contents in a folder, one file per SHA-256 (`ab/abcdef…`): the embedded store's files."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, digest):
        return self.root / digest[:2] / digest

    def put(self, digest, content):
        """Keep `content` under `digest` (nothing to do when it is there already)."""
        path = self._path(digest)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)

    def get(self, digest):
        """The bytes kept under `digest`."""
        return self._path(digest).read_bytes()

    def delete(self, digest):
        """Forget the content kept under `digest`."""
        self._path(digest).unlink(missing_ok=True)

    def digests(self):
        """Every stored content's digest (for backups)."""
        if not self.root.exists():
            return []
        return sorted(path.name for path in self.root.glob("??/*") if not path.name.startswith("."))


class GridFSBlobs:
    """Contents in GridFS, the SHA-256 as the file's id: MongoDB's (and mongomock's) files."""

    def __init__(self, store):
        self.fs = gridfs.GridFS(store.db, collection=BUCKET)

    def put(self, digest, content):
        """Keep `content` under `digest` (nothing to do when it is there already)."""
        if not self.fs.exists(digest):
            self.fs.put(content, _id=digest)

    def get(self, digest):
        """The bytes kept under `digest`."""
        return self.fs.get(digest).read()

    def delete(self, digest):
        """Forget the content kept under `digest`."""
        self.fs.delete(digest)


def for_store(store, folder):
    """The blobs of `store`: GridFS on MongoDB (and mongomock), else the folder `folder`."""
    if isinstance(store, MongoStore):
        return GridFSBlobs(store)
    return FolderBlobs(folder)
