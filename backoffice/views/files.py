"""Files on a record's details page: listed for every signed-in role, added and deleted by staff and admins."""
import io

from bson import ObjectId
from bson.errors import InvalidId
from flask import abort, flash, redirect, request, send_file
from flask_admin import expose
from babel.units import format_unit

from backoffice import audit, files, system_records
from backoffice.auth import current_actor
from backoffice.formatting import moment
from backoffice.i18n import _, locale
from backoffice.references import label_cache
from backoffice.store import Conflict
from backoffice.store.app import get_store

# A multipart body a little over the limit still carries a file within it (the form's other fields).
BODY_MARGIN = 64 * 1024


def size_text(size):
    """A file size as a person reads it in the current language: `820 ko`, `1,4 MB`."""
    now = locale()
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", length="short", locale=now)
    return format_unit(round(size / 1024 / 1024, 1), "digital-megabyte", length="short", locale=now)


class FilesMixin:
    """Adds the files of a record to its details page, and the upload, download and delete endpoints."""

    def details_extras(self, model):
        extras = super().details_extras(model)
        key = model.get(self.schema.natural_key)
        invitations = self.invitation_choices(model)
        extras["files"] = [
            dict(entry, size_text=size_text(entry["size"]), when=moment(entry["uploaded_at"]),
                 invitation_label=invitations.get(_invitation_value(entry.get("invitation")), ""))
            for entry in files.listing(get_store(), self.schema.collection, key)
        ]
        extras["file_invitations"] = invitations
        extras["file_types"] = files.ACCEPTED_NAMES
        return extras

    def invitation_choices(self, model):
        """The invitations a file may be filed under, {`provider|lot`: label}; none for records without invitations."""
        labels = label_cache(get_store())
        return {
            f"{item['provider']}|{item['lot']}": f"{labels.get('providers', item['provider'])} — {labels.get('lots', item['lot'])}"
            for item in model.get("invitations", [])
        }

    def _back(self, doc):
        return redirect(self.get_url(".details_view", id=str(doc["_id"])))

    @expose("/files/upload/", methods=("POST",))
    def upload_file_view(self):
        """Keep an uploaded file on the record (or one of its invitations); a refused file writes nothing."""
        doc = self.get_one(request.form.get("id", ""))
        if doc is None:
            flash(_("This record does not exist (any more)."), "error")
            return redirect(self.get_url(".index_view"))
        # Uploads have their own limit, checked before the body is read when its length is announced.
        if (request.content_length or 0) > files.MAX_BYTES + BODY_MARGIN:
            flash(_("%(name)s is larger than 20 MB: nothing was added.", name=_("The file")), "error")
            return self._back(doc)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a file to add."), "error")
            return self._back(doc)
        invitation = None
        chosen = request.form.get("invitation", "")
        if chosen:
            if chosen not in self.invitation_choices(doc):
                flash(_("This invitation does not exist (any more)."), "error")
                return self._back(doc)
            provider, lot = chosen.split("|", 1)
            invitation = {"provider": provider, "lot": lot}
        content = upload.stream.read(files.MAX_BYTES + 1)
        store = get_store()
        try:
            # The listing and its audit entry together, or neither.
            with store.transaction():
                entry = files.add(store, self.schema.collection, doc[self.schema.natural_key], upload.filename,
                                  content, current_actor(), invitation)
                audit.record(store, "file_upload", current_actor(), self.schema.collection, doc,
                             details={"file": entry["filename"], "size": entry["size"], "sha256": entry["sha256"]})
        except files.Refused as refused:
            flash(refused.message, "error")
            return self._back(doc)
        except system_records.RecordRefused as refused:
            flash(refused.text(), "error")
            return self._back(doc)
        except Conflict:
            flash(_("Someone else changed this record meanwhile; reload it and try again."), "error")
            return self._back(doc)
        flash(_("%(name)s was added.", name=entry["filename"]), "success")
        return self._back(doc)

    def _entry(self, value):
        try:
            key = ObjectId(value)
        except (InvalidId, TypeError):
            return None
        return files.entry(get_store(), self.schema.collection, key)

    @expose("/files/download/")
    def download_file_view(self):
        """A file of a record, always as a download (never shown in the browser)."""
        entry = self._entry(request.args.get("id", ""))
        if entry is None:
            abort(404)
        store = get_store()
        doc = store.find_one(self.schema.collection, {self.schema.natural_key: entry["record"]})
        audit.record(store, "file_download", current_actor(), self.schema.collection, doc,
                     details={"file": entry["filename"], "sha256": entry["sha256"]})
        return send_file(io.BytesIO(files.content(store, entry)), mimetype=entry["content_type"],
                         as_attachment=True, download_name=entry["filename"])

    @expose("/files/delete/", methods=("POST",))
    def delete_file_view(self):
        """Take a file off its record."""
        entry = self._entry(request.form.get("file", ""))
        doc = self.get_one(request.form.get("id", ""))
        if entry is None or doc is None or entry["record"] != doc.get(self.schema.natural_key):
            flash(_("This file does not exist (any more)."), "error")
            return redirect(self.get_url(".index_view")) if doc is None else self._back(doc)
        store = get_store()
        try:
            with store.transaction():  # off the listing with its audit entry, or neither
                files.unlist(store, entry)
                audit.record(store, "file_delete", current_actor(), self.schema.collection, doc,
                             details={"file": entry["filename"], "sha256": entry["sha256"]})
        except Conflict:
            flash(_("Someone else changed this record meanwhile; reload it and try again."), "error")
            return self._back(doc)
        files.forget_unlisted(store, entry)
        flash(_("%(name)s was deleted.", name=entry["filename"]), "success")
        return self._back(doc)


def _invitation_value(invitation):
    return f"{invitation['provider']}|{invitation['lot']}" if invitation else ""
