"""The briefings list and forms, with invitations, responses, award and the printable briefing."""
import io

from flask import abort, request, send_file, session
from flask_admin import expose
from flask_admin.actions import action

from backoffice import awards, documents, guards, outbox, records, workflow
from backoffice.auth import current_actor
from backoffice.formatting import day, money
from backoffice.i18n import _, _l
from backoffice.references import LabelCache, label_cache
from backoffice.store.app import get_store
from backoffice.views import outbox as outbox_view
from backoffice.views.base import CollectionView
from backoffice.views.files import FilesMixin
from backoffice.views.filters import ChoiceEqual, RefEqual, date_filters
from backoffice.views.workflow import WorkflowMixin
from schemas.briefing import BRIEFING_LANGUAGES, BriefingSchema
from schemas.choices import AWARD_OUTCOMES, AWARD_ROUTES, BRIEFING_STATUSES, INVITATION_RESPONSES


class BriefingView(FilesMixin, WorkflowMixin, CollectionView):
    """Briefings, newest reference first."""

    schema = BriefingSchema
    edit_readonly = ("reference",)
    created_message = _l("Briefing %(name)s created.")
    saved_message = _l("Briefing %(name)s saved.")
    deleted_message = _l("Briefing %(name)s deleted.")
    create_excluded = ("reference",)
    details_template = "admin/briefing_details.html"
    column_list = ("reference", "request", "lots", "language", "offer_deadline", "award_route", "status")
    column_sortable_list = ("reference", "request", "offer_deadline", "status")
    column_default_sort = ("reference", True)
    column_filters = [
        ChoiceEqual("status", _l("Status"), BRIEFING_STATUSES),
        RefEqual("lots", _l("Lot"), "lots"),
        ChoiceEqual("award_route", _l("Award route"), AWARD_ROUTES),
        ChoiceEqual("language", _l("Language"), BRIEFING_LANGUAGES),
        RefEqual("awards.provider", _l("Awarded provider"), "providers"),
        *date_filters("offer_deadline", _l("Offer deadline")),
    ]

    def details_extras(self, model):
        """Besides the status buttons: proposals to invite, responses to record, the award form."""
        extras = super().details_extras(model)
        labels = label_cache(self.store)
        # What was recorded, as the response forms show it again (amounts as typed in a form).
        dumped = records.editable_data("briefings", model).get("invitations", [])
        extras["invitations"] = [
            dict(item, index=index, provider_name=labels.get("providers", item["provider"]),
                 lot_name=labels.get("lots", item["lot"]), response_label=str(INVITATION_RESPONSES.get(item.get("response"), "")),
                 amount_text=dumped[index].get("offer_amount") or "",
                 scores={score["criterion"]: score["score"] for score in item.get("criterion_scores") or []})
            for index, item in enumerate(model.get("invitations", []))
        ]
        extras["responses"] = INVITATION_RESPONSES
        can_invite, _reason = self.guarded(model, guards.can_invite)
        extras["proposals"] = workflow.proposals(get_store(), model) if can_invite else {}
        extras["lot_names"] = {lot: labels.get("lots", lot) for lot in model.get("lots", [])}
        extras["can_respond"], _reason = self.guarded(model, guards.can_respond)
        kept = session.pop("response_errors", None) if extras["can_respond"] else None
        extras["response_errors"] = kept if kept and kept.get("id") == str(model["_id"]) else None
        extras["can_award"], extras["award_blocked"] = self.guarded(model, guards.can_award)
        extras["can_close_lot"], _reason = self.guarded(model, guards.can_close_lot)
        extras["mails"] = [outbox_view.shown(message) for message in outbox.for_record(get_store(), "briefings", model["reference"])]
        extras["lots_awards"] = self._lots_awards(model, labels)
        extras.update(money=money, day=day)
        return extras

    def _lots_awards(self, model, labels):
        """For each lot: its decision if any, and the ranking of its offers (best first, ties marked)."""
        store = get_store()
        decided = awards.by_lot(model)
        result = []
        for lot in model.get("lots", []):
            ranks = workflow.cascade_ranks(store, lot) if model.get("award_route") == "cascade" else None
            ranked = awards.ranking(model, lot, ranks)
            best = {offer.provider for offer in awards.best_offers(model, lot, ranks)}
            award = decided.get(lot)
            result.append({
                "lot": lot,
                "lot_name": labels.get("lots", lot),
                "award": award and dict(
                    award, provider_name=labels.get("providers", award["provider"]) if award.get("provider") else "",
                    outcome_label=str(AWARD_OUTCOMES.get(award["outcome"], "")),
                ),
                "ranking": [dict(vars(offer), provider_name=labels.get("providers", offer.provider),
                                 best=offer.provider in best) for offer in ranked],
            })
        return result

    @expose("/invite/", methods=("POST",))
    def invite_view(self):
        """Invite the providers ticked among the proposals."""
        pairs = [tuple(value.split("|", 1)) for value in request.form.getlist("invite") if "|" in value]
        return self.workflow_action(
            lambda doc, version: workflow.invite(get_store(), doc, pairs, current_actor(), version),
            _("The providers were invited."),
            guard=guards.can_invite,
        )

    @expose("/respond/", methods=("POST",))
    def respond_view(self):
        """Record one provider's response: declined, or an offer with its amount and scores."""
        try:
            index = int(request.form.get("index", ""))
        except ValueError:
            index = -1

        def respond(doc, version):
            criteria = [item["name"] for item in doc.get("award_criteria", [])]
            scores = {name: request.form.get(f"score-{position}", "").strip() for position, name in enumerate(criteria)}
            scores = {name: value for name, value in scores.items() if value}
            response = request.form.get("response", "")
            if response not in INVITATION_RESPONSES:
                refused = workflow.Refused(_("Choose a response."))
                refused.errors = {"response": [refused.message]}
                self._keep_response_errors(doc, index, refused, criteria)
            try:
                return workflow.record_response(
                    get_store(), doc, index, response, request.form.get("offer_amount", "").strip() or None,
                    scores, current_actor(), version,
                )
            except workflow.Refused as refused:
                self._keep_response_errors(doc, index, refused, criteria)

        return self.workflow_action(respond, _("The response was recorded."), guard=guards.can_respond)

    def _keep_response_errors(self, doc, index, refused, criteria):
        """Keep a refused response's messages by field, and what was typed, for the form to show them in place; then refuse."""
        line = ((refused.errors.get("invitations") or {}).get(index) or (refused.errors.get("invitations") or {}).get(str(index))
                or refused.errors)
        fields = {}
        for name, messages in line.items() if isinstance(line, dict) else ():
            if name == "criterion_scores" and isinstance(messages, dict):
                for position, sub in messages.items():
                    fields[f"score-{position}"] = " ".join(sum((list(m) for m in sub.values()), []) if isinstance(sub, dict) else sub)
            elif isinstance(messages, list):
                fields["score-0" if name == "score" and criteria else name] = " ".join(map(str, messages))
        session["response_errors"] = {
            "id": str(doc["_id"]), "index": index, "fields": fields,
            "values": {key: value for key, value in request.form.items() if key not in ("csrf_token", "id", "version")},
        }
        name = label_cache(self.store).get("providers", (doc.get("invitations") or [{}])[index]["provider"]) \
            if 0 <= index < len(doc.get("invitations") or []) else ""
        if name and fields:
            raise workflow.Refused(_("The response of %(name)s was not recorded: see the messages next to its fields.", name=name))
        raise refused

    @expose("/award/", methods=("POST",))
    def award_view(self):
        """Award one lot of the briefing to the chosen offer (a reason when it is not the best-ranked one)."""
        return self.workflow_action(
            lambda doc, version: workflow.award_lot(
                get_store(), doc, request.form.get("lot", ""), request.form.get("provider", ""),
                request.form.get("amount", "").strip(), request.form.get("reason", "").strip(), current_actor(), version,
            ),
            _("The lot was awarded."),
            guard=guards.can_award,
        )

    @expose("/close-lot/", methods=("POST",))
    def close_lot_view(self):
        """Close one lot of the briefing without award, with the reason."""
        return self.workflow_action(
            lambda doc, version: workflow.close_lot(
                get_store(), doc, request.form.get("lot", ""), request.form.get("reason", "").strip(),
                current_actor(), version,
            ),
            _("The lot was closed without award."),
            guard=guards.can_close_lot,
        )

    @expose("/print/")
    def print_view(self):
        """The briefing as a printable A4 document, in the briefing's own language."""
        briefing = self._briefing_or_404()
        store = get_store()
        return documents.render_document(
            "briefing_print.html", briefing.get("language", "fr"),
            lambda: documents.briefing_context(store, briefing) | {"awards": self._printed_awards(briefing), "day": day},
        )

    def _printed_awards(self, briefing):
        """The decisions per lot with their reasons, named in the language being rendered (the print view only)."""
        labels = LabelCache(self.store)
        return [
            dict(award, lot_name=labels.get("lots", award["lot"]),
                 provider_name=labels.get("providers", award["provider"]) if award.get("provider") else "",
                 outcome_label=str(AWARD_OUTCOMES.get(award["outcome"], "")))
            for award in briefing.get("awards") or []
        ]

    @expose("/pdf/")
    def pdf_view(self):
        """The briefing as the PDF sent to providers (any signed-in role), downloaded as a file."""
        briefing = self._briefing_or_404()
        return send_file(
            io.BytesIO(documents.briefing_pdf(get_store(), briefing)),
            mimetype="application/pdf", as_attachment=True, download_name=documents.briefing_filename(briefing),
        )

    def _briefing_or_404(self):
        briefing = self.get_one(request.args.get("id", ""))
        if briefing is None:
            abort(404)
        return briefing

    @action("to_closed", _l("Close"), _l("Close the selected briefings?"))
    def action_to_closed(self, ids):
        """Bulk move: awarded → closed."""
        self.bulk_move(ids, "closed")
