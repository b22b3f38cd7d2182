"""The outbox for staff: every e-mail the centre sent or will send, its status, a preview and its attachments."""
import io

from bson import ObjectId
from bson.errors import InvalidId
from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose

from backoffice import outbox
from backoffice.auth import READERS, WRITERS, allowed
from backoffice.formatting import moment
from backoffice.i18n import _, ngettext
from backoffice.store.app import get_store
from backoffice.views.access import RoleGuard
from schemas.outbox import STATUSES

PAGE = 50


def shown(message):
    """A message as a page shows it: its status and error in the reader's language, moments in Brussels time."""
    return dict(
        message,
        status_label=str(STATUSES.get(message.get("status"), message.get("status"))),
        error=outbox.error_text(message, detail=False),
        created=moment(message.get("created_at")),
        sent=moment(message.get("sent_at")),
    )


class OutboxView(RoleGuard, BaseView):
    """The outbox: every signed-in role reads it (with no MAIL_SERVER, this is where messages wait); staff and admins send."""

    read_roles = READERS
    write_roles = WRITERS
    write_views = frozenset({"send_view"})

    @expose("/")
    def index(self):
        try:
            page = max(int(request.args.get("page", "0")), 0)
        except ValueError:
            page = 0
        store = get_store()
        messages = store.page(outbox.COLLECTION, {}, sort=[("created_at", -1), ("_id", -1)], skip=page * PAGE, limit=PAGE).documents
        return self.render(
            "admin/outbox.html", messages=[shown(message) for message in messages], page=page,
            more=len(messages) == PAGE, configured=outbox.configured(), can_send=allowed(WRITERS),
            waiting=store.count(outbox.COLLECTION, {"status": {"$in": ["queued", "failed"]}}),
        )

    def _message(self):
        try:
            key = ObjectId(request.args.get("id", ""))
        except (InvalidId, TypeError):
            abort(404)
        message = get_store().get(outbox.COLLECTION, key)
        if message is None:
            abort(404)
        return message

    @expose("/message/")
    def message_view(self):
        """One message as the recipient reads it: headers, text, attachments."""
        return self.render("admin/outbox_message.html", message=shown(self._message()))

    @expose("/attachment/")
    def attachment_view(self):
        """One attachment of a message, downloaded as a file (never shown inline)."""
        message = self._message()
        try:
            attachment = message.get("attachments", [])[int(request.args.get("n", ""))]
        except (ValueError, IndexError):
            abort(404)
        return send_file(
            io.BytesIO(outbox.attachment_content(attachment)), mimetype=attachment["content_type"],
            as_attachment=True, download_name=attachment["filename"],
        )

    @expose("/send/", methods=("POST",))
    def send_view(self):
        """Send the queued and failed messages now (what `flask --app app outbox send` does)."""
        if not outbox.configured():
            flash(_("No mail server is set (MAIL_SERVER): the messages stay in the outbox."), "error")
        else:
            counts = outbox.send_pending(get_store())
            flash(ngettext("%(num)d message sent.", "%(num)d messages sent.", counts["sent"]), "success")
            if counts["failed"]:
                flash(ngettext("%(num)d message could not be sent.", "%(num)d messages could not be sent.", counts["failed"]), "error")
        return redirect(url_for(".index"))
