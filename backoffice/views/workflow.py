"""Status moves and workflow actions on a details page, for the views of requests and briefings."""
from flask import flash, redirect, request
from flask_admin import expose

from backoffice import workflow
from backoffice.auth import current_actor
from backoffice.formatting import moment
from backoffice.i18n import _, labelled, ngettext
from schemas.workflow import NEEDS_COMMENT


class WorkflowMixin:
    """Adds the status buttons, the status history and the POST endpoints of the workflow."""

    def details_extras(self, model):
        """The status moves a writer may make, and the status history."""
        if not self.can_edit:
            return {"moves": [], "status_history": self._status_history(model)}
        labels = workflow.STATUS_LABELS[self.schema.collection]
        return {
            "moves": [
                (to, str(labels[to]), to in NEEDS_COMMENT[self.schema.collection])
                for to in workflow.moves(self.schema.collection, model)
            ],
            "status_history": self._status_history(model),
        }

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
        return self.workflow_action(
            lambda doc, version: workflow.move(
                self.coll.database, self.schema.collection, doc, request.form.get("to", ""), current_actor(),
                comment=request.form.get("comment", ""), version=version,
            ),
            _("The status was changed."),
        )

    def bulk_move(self, ids, to):
        """Move the records selected in a list; say how many moved and why the others did not."""
        moved, refusals = 0, []
        for id in ids:
            doc = self.get_one(id)
            if doc is None:
                continue
            try:
                workflow.move(self.coll.database, self.schema.collection, doc, to, current_actor())
                moved += 1
            except workflow.Refused as refused:
                refusals.append(labelled(doc.get(self.schema.natural_key), refused.message))
        if moved:
            flash(ngettext("%(num)d record moved.", "%(num)d records moved.", moved), "success")
        for message in refusals:
            flash(message, "error")

    def workflow_action(self, act, success):
        """Run a workflow action on the posted record; say what happened; go back to its details page.

        `act(doc, version)` may return the URL to go to instead (a new briefing, say).
        """
        doc = self.get_one(request.form.get("id", ""))
        if doc is None:
            flash(_("This record does not exist (any more)."), "error")
            return redirect(self.get_url(".index_view"))
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            version = -1
        try:
            target = act(doc, version)
        except workflow.Refused as refused:
            flash(refused.message, "error")
        else:
            flash(success, "success")
            if isinstance(target, str):
                return redirect(target)
        return redirect(self.get_url(".details_view", id=str(doc["_id"])))
