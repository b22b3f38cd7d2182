"""The requests list and forms."""
from flask import request, url_for
from flask_admin import expose
from flask_admin.actions import action
from markupsafe import Markup

from backoffice import awards, guards, withdrawal, workflow
from backoffice.auth import current_actor
from backoffice.formatting import moment, money
from backoffice.i18n import _, _l
from backoffice.references import label_cache
from backoffice.store.app import get_store
from backoffice.views.base import CollectionView
from backoffice.views.files import FilesMixin
from backoffice.views.workflow import WorkflowMixin
from backoffice.views.filters import ChoiceEqual, RefEqual, date_filters
from schemas.choices import BRIEFING_STATUSES, MUNICIPALITIES, ORGANISATION_TYPES, REQUEST_STATUSES, THEMES
from schemas.comment import WithdrawalSchema
from schemas.request import RequestSchema


class RequestView(FilesMixin, WorkflowMixin, CollectionView):
    """Requests, newest first, with their workflow: review, eligibility, briefing."""

    allow_import = True

    schema = RequestSchema
    details_template = "admin/request_details.html"
    edit_readonly = ("reference",)
    created_message = _l("Request %(name)s created.")
    saved_message = _l("Request %(name)s saved.")
    deleted_message = _l("Request %(name)s deleted.")
    create_excluded = ("reference",)
    column_list = (
        "reference",
        "received_on",
        "organisation.name",
        "municipality",
        "project_title",
        "lots",
        "status",
        "assigned_to",
    )
    column_sortable_list = ("reference", "received_on", "organisation.name", "municipality", "status", "assigned_to")
    column_default_sort = ("received_on", True)
    column_filters = [
        ChoiceEqual("status", _l("Status"), REQUEST_STATUSES),
        ChoiceEqual("municipality", _l("Municipality"), MUNICIPALITIES),
        RefEqual("lots", _l("Lot"), "lots"),
        ChoiceEqual("organisation.type", _l("Organisation type"), ORGANISATION_TYPES),
        ChoiceEqual("themes", _l("Theme"), THEMES),
        *date_filters("received_on", _l("Received on")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.column_formatters["assigned_to"] = _assignee
        self.shortened_columns = self.shortened_columns | {"assigned_to"}

    def get_list(self, *args, **kwargs):
        """A page of requests; the names of their assignees fetched in one query."""
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True):
            label_cache(self.store).prefetch("users", [row.get("assigned_to") for row in rows])
        return count, rows

    def details_extras(self, model):
        """Besides the status buttons: the eligibility decision and "Write the briefing", as their guards allow."""
        extras = super().details_extras(model)
        extras["can_decide"], _reason = self.guarded(model, guards.can_decide_eligibility)
        extras["case_briefings"] = self._case_briefings(model)
        extras["can_create_briefing"], reason = self.guarded(model, guards.can_create_briefing)
        if reason is not None and model.get("status") == "under_review":
            extras["blocked"].append((_("Write the briefing for this request"), reason))
        extras["withdrawal"] = self._withdrawal(model)
        if extras["withdrawal"] and extras["withdrawal"]["allowed"]:
            # The plain withdrawal's refusal points to the step that does it with the briefings.
            withdrawn = str(workflow.STATUS_LABELS["requests"]["withdrawn"])
            extras["blocked"] = [
                (label, Markup('{} <a href="#withdrawal-title">{}</a>').format(reason, _("Or withdraw it with its open briefings, below.")))
                if label == withdrawn else (label, reason)
                for label, reason in extras["blocked"]
            ]
        return extras

    def _withdrawal(self, model):
        """The combined withdrawal, where a plain withdrawal is blocked by open briefings: the briefings it cancels, or why not.

        None where it has no place: the request cannot be withdrawn at all, has no open
        briefing (its own button withdraws it), or the reader may not change it.
        """
        if not self.can_edit or "withdrawn" not in guards.plain_moves("requests", model):
            return None
        briefings = guards.briefings_to_cancel(self.store, model)
        if not briefings:
            return None
        allowed, reason = self.guarded(model, lambda doc, user: guards.can_withdraw_with_briefings(doc, user, self.store))
        labels = label_cache(self.store)
        return {
            "field": WithdrawalSchema().fields["reason"],
            "allowed": allowed,
            "refusal": reason,
            "briefings": [{
                "reference": briefing["reference"],
                "key": withdrawal.shown_key(briefing),
                "status": str(BRIEFING_STATUSES.get(briefing.get("status"), "")),
                "lots": [labels.get("lots", lot) for lot in briefing.get("lots", [])],
                # Those the briefing was sent to get a notice of its cancellation.
                "notified": sorted({labels.get("providers", item["provider"])
                                    for item in briefing.get("invitations", []) if item.get("sent_on")}),
            } for briefing in briefings],
        }

    def _case_briefings(self, model):
        """The request's briefings (one query): reference, status, lots, deadline and the decision on each lot."""
        labels = label_cache(self.store)
        rows = []
        found = self.store.find("briefings", {"request": model["reference"]},
                                projection={"reference": 1, "status": 1, "lots": 1, "offer_deadline": 1, "awards": 1})
        for briefing in sorted(found, key=lambda doc: doc["reference"]):
            decided = awards.by_lot(briefing)
            rows.append({
                "reference": briefing["reference"],
                "status": str(BRIEFING_STATUSES.get(briefing.get("status"), "")),
                "deadline": moment(briefing.get("offer_deadline")),
                "lots": [{
                    "code": lot, "name": labels.get("lots", lot),
                    "outcome": decided.get(lot, {}).get("outcome"),
                    "provider": decided.get(lot, {}).get("provider"),
                    "provider_name": labels.get("providers", decided[lot]["provider"]) if decided.get(lot, {}).get("provider") else "",
                    "amount": money(decided.get(lot, {}).get("amount")),
                } for lot in briefing.get("lots", [])],
            })
        return rows

    @expose("/eligibility/", methods=("POST",))
    def eligibility_view(self):
        """Record the eligibility decision and its reason (the status follows)."""
        return self.workflow_action(
            lambda doc, version: workflow.decide_eligibility(
                get_store(), doc, request.form.get("decision", ""), request.form.get("reason", "").strip(),
                current_actor(), version,
            ),
            _("The eligibility decision was recorded."),
            guard=guards.can_decide_eligibility,
        )

    @expose("/briefing/", methods=("POST",))
    def create_briefing_view(self):
        """Write a draft briefing prefilled from the request (once, whatever the clicks), and open it."""

        def create(doc, version):
            briefing = workflow.create_briefing(get_store(), doc, current_actor(), version)
            return url_for("briefings.edit_view", id=str(briefing["_id"]))

        return self.workflow_action(create, _("A draft briefing was created from the request."),
                                    guard=guards.can_create_briefing)

    @expose("/withdraw/", methods=("POST",))
    def withdraw_view(self):
        """Withdraw the request and cancel the open briefings the page listed, with one reason."""
        return self.workflow_action(
            lambda doc, version: withdrawal.withdraw_with_briefings(
                get_store(), doc, request.form.get("reason", ""), request.form.getlist("briefing"), current_actor(), version,
            ),
            _("The request was withdrawn and its open briefings cancelled."),
            guard=lambda doc, user: guards.can_withdraw_with_briefings(doc, user, get_store()),
        )

    @action("to_under_review", _l("Start the review"), _l("Start the review of the selected requests?"))
    def action_to_under_review(self, ids):
        """Bulk move: received → under review."""
        self.bulk_move(ids, "under_review")

    @action("to_in_progress", _l("Mark as in progress"), _l("Mark the selected requests as in progress?"))
    def action_to_in_progress(self, ids):
        """Bulk move: awarded → in progress."""
        self.bulk_move(ids, "in_progress")

    @action("to_closed", _l("Close"), _l("Close the selected requests?"))
    def action_to_closed(self, ids):
        """Bulk move: in progress → closed."""
        self.bulk_move(ids, "closed")


def _assignee(view, context, model, name):
    """The staff member in charge by name, the address on hover (an address nobody signs in with stays as it is)."""
    email = model.get("assigned_to")
    if not email:
        return ""
    name = label_cache(view.store).get("users", email)
    # No user with this address: its part before the "@" is shorter to read than the whole address.
    return Markup('<span title="%s">%s</span>') % (email, email.partition("@")[0] if name == email else name)
