"""The providers list and forms; a provider's page lists its invitations, offers and awards."""
from markupsafe import Markup

from backoffice.clock import now
from backoffice.formatting import day, money
from backoffice.i18n import _, _l
from backoffice.references import label_cache
from backoffice.views.base import CollectionView
from backoffice.views.filters import ChoiceEqual, RefEqual
from schemas.choices import INVITATION_RESPONSES, LANGUAGES, PROVIDER_STATUSES
from schemas.provider import ProviderSchema


class ProviderView(CollectionView):
    """Providers, by name."""

    allow_import = True

    schema = ProviderSchema
    details_template = "admin/provider_details.html"
    edit_readonly = ("enterprise_number",)
    created_message = _l("Provider %(name)s created.")
    saved_message = _l("Provider %(name)s saved.")
    deleted_message = _l("Provider %(name)s deleted.")
    column_list = ("name", "enterprise_number", "address.city", "languages", "lots", "status")
    column_sortable_list = ("name", "enterprise_number", "address.city", "status")
    column_default_sort = ("name", False)
    column_filters = [
        ChoiceEqual("status", _l("Status"), PROVIDER_STATUSES),
        RefEqual("lots.lot", _l("Lot"), "lots"),
        ChoiceEqual("languages", _l("Working languages"), LANGUAGES),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One line, not a table in each row: "L1 (rank 1), L3 (rank 2)", each lot's title on hover.
        self.column_formatters["lots"] = _lots_and_ranks
        # Working languages may be cut on screen: the whole list is the cell's tooltip.
        self.shortened_columns = self.shortened_columns | {"languages"}

    def record_title(self, model):
        """A provider is known by its name."""
        return str(model.get("name") or model.get("enterprise_number") or "")

    def details_extras(self, model):
        """The provider's invitations, offers and awards, read in one query, with this year's and all years' totals."""
        extras = super().details_extras(model)
        number, year = model["enterprise_number"], now().year
        labels = label_cache(self.store)
        totals = {"year": dict.fromkeys(("invitations", "offers", "awards", "amount"), 0)}
        totals["all"] = dict(totals["year"])
        lines = []
        found = self.store.find("briefings", {"invitations.provider": number},
                                projection={"reference": 1, "invitations": 1, "awards": 1})
        for briefing in sorted(found, key=lambda doc: doc["reference"], reverse=True):
            decided = {award["lot"]: award for award in briefing.get("awards") or []}
            for item in briefing.get("invitations", []):
                if item["provider"] != number:
                    continue
                this_year = bool(item.get("sent_on")) and item["sent_on"].year == year
                for key in ("all", "year") if this_year else ("all",):
                    totals[key]["invitations"] += 1
                    totals[key]["offers"] += item.get("response") == "offer"
                award = decided.get(item["lot"])
                lines.append({
                    "briefing": briefing["reference"], "lot": item["lot"], "lot_name": labels.get("lots", item["lot"]),
                    "sent_on": day(item.get("sent_on")), "response": str(INVITATION_RESPONSES.get(item.get("response"), "")),
                    "amount": money(item.get("offer_amount")), "decision": self._decision(award, number, labels),
                })
            for award in decided.values():
                if award.get("outcome") == "awarded" and award.get("provider") == number:
                    for key in ("all", "year") if award["awarded_on"].year == year else ("all",):
                        totals[key]["awards"] += 1
                        totals[key]["amount"] += award.get("amount") or 0
        extras.update(provider_lines=lines, provider_totals=totals, money=money)
        return extras

    @staticmethod
    def _decision(award, number, labels):
        if award is None:
            return _("not decided yet")
        if award.get("outcome") != "awarded":
            return _("Closed without award")
        if award.get("provider") == number:
            return _("Awarded to this provider on %(day)s, %(amount)s", day=day(award["awarded_on"]), amount=money(award.get("amount")))
        return _("Awarded to %(name)s", name=labels.get("providers", award["provider"]))


def _lots_and_ranks(view, context, model, name):
    """A provider's lots by code with its cascade rank in each, the lot's title on hover."""
    labels = label_cache(view.store)
    return Markup(", ").join(
        Markup('<abbr title="%s">%s</abbr>') % (labels.get("lots", item["lot"]), item["lot"])
        + Markup("\u00a0") + _("(rank %(rank)s)", rank=item.get("rank", "–"))
        for item in model.get("lots") or []
    )
