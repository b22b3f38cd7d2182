"""Status moves and workflow actions on a details page, for the views of requests and briefings."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from backoffice import guards, workflow
from backoffice.auth import current_actor
from backoffice.formatting import moment
from backoffice.i18n import _, labelled, ngettext
from backoffice.store.app import get_store
from schemas.workflow import NEEDS_COMMENT


class WorkflowMixin:
    """Adds the status buttons, the status history and the POST endpoints of the workflow."""

    def details_extras(self, model):
        """The current status, the moves the move guard allows this user, the reasons for those it refuses, the status history."""
        collection, store = self.schema.collection, get_store()
        labels = workflow.STATUS_LABELS[collection]
        current = (model.get("status"), str(labels.get(model.get("status"), model.get("status") or "")))
        extras = {"moves": [], "blocked": [], "status_history": self._status_history(model), "current_status": current}
        if not self.can_edit:
            return extras
        for to in guards.plain_moves(collection, model):
            reason = guards.can_move(collection, model, current_user, to, store)
            if reason is None:
                extras["moves"].append((to, str(labels[to]), to in NEEDS_COMMENT[collection]))
            else:
                extras["blocked"].append((str(labels[to]), self.reason_html(reason)))
        return extras

    def guarded(self, model, guard):
        """Ask an action's guard for the page: (show the button?, the reason as HTML when not and the user may write)."""
        reason = guard(model, current_user) if self.can_edit else _("read only")
        return reason is None, (None if reason is None or not self.can_edit else self.reason_html(reason))

    @staticmethod
    def reason_html(reason):
        """A guard's reason as HTML: its text, and the link that fixes it when it has one."""
        fix = getattr(reason, "fix", None)
        if not fix:
            return Markup("{}").format(reason)
        endpoint, args, text = fix
        return Markup('{} <a href="{}">{}</a>').format(reason, url_for(endpoint, **args), text)

    def _status_history(self, model):
        labels = workflow.STATUS_LABELS[self.schema.collection]
        return [
            {
                "when": moment(entry["at"]),
                "by": entry["by"],
                "from": str(labels.get(entry["from"], entry["from"] or "")),
                "to": str(labels.get(entry["to"], entry["to"])),
                "comment": entry.get("comment", ""),
            }
            for entry in reversed(model.get("status_history", []))
        ]

    @expose("/move/", methods=("POST",))
    def move_view(self):
        """Move a record to another status (a button on its details page)."""
        collection, to = self.schema.collection, request.form.get("to", "")
        return self.workflow_action(
            lambda doc, version: workflow.move(
                get_store(), collection, doc, to, current_actor(),
                comment=request.form.get("comment", ""), version=version,
            ),
            _("The status was changed."),
            guard=lambda doc, user: guards.can_move(collection, doc, user, to, get_store()),
        )

    def bulk_move(self, ids, to):
        """Move the records selected in a list; say how many moved and why the others did not."""
        moved, refusals = 0, []
        for id in ids:
            doc = self.get_one(id)
            if doc is None:
                continue
            try:
                workflow.move(get_store(), self.schema.collection, doc, to, current_actor())
                moved += 1
            except workflow.Refused as refused:
                refusals.append(labelled(doc.get(self.schema.natural_key), refused.message))
        if moved:
            flash(ngettext("%(num)d record moved.", "%(num)d records moved.", moved), "success")
        for message in refusals:
            flash(message, "error")

    def workflow_action(self, act, success, guard=None):
        """Run a workflow action on the posted record; say what happened; go back to its details page.

        `guard(doc, user)` is the action's guard, the one the page asked to show the button:
        when it refuses, nothing runs. `act(doc, version)` runs the action on the version the
        page was shown, so a repeated click does nothing twice; it may return the URL to go
        to instead (a new briefing, say).
        """
        doc = self.get_one(request.form.get("id", ""))
        if doc is None:
            flash(_("This record does not exist (any more)."), "error")
            return redirect(self.get_url(".index_view"))
        details = self.get_url(".details_view", id=str(doc["_id"]))
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            version = -1
        try:
            if guard is not None:
                workflow.check(guard(doc, current_user))
            target = act(doc, version)
        except workflow.Refused as refused:
            flash(self.reason_html(refused.message), "error")
        else:
            flash(success, "success")
            if isinstance(target, str):
                return redirect(target)
        return redirect(details)
