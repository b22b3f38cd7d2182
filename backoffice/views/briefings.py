"""The briefings list and forms."""
from backoffice.i18n import _l
from backoffice.views.base import CollectionView
from backoffice.views.filters import ChoiceEqual, RefEqual, date_filters
from schemas.briefing import BRIEFING_LANGUAGES, BriefingSchema
from schemas.choices import AWARD_ROUTES, BRIEFING_STATUSES


class BriefingView(CollectionView):
    """Briefings, newest reference first."""

    schema = BriefingSchema
    edit_readonly = ("reference",)
    create_excluded = ("reference",)
    column_list = ("reference", "request", "lots", "language", "offer_deadline", "award_route", "status", "awarded_provider")
    column_sortable_list = ("reference", "request", "offer_deadline", "status")
    column_default_sort = ("reference", True)
    column_filters = [
        ChoiceEqual("status", _l("Status"), BRIEFING_STATUSES),
        RefEqual("lots", _l("Lot"), "lots"),
        ChoiceEqual("award_route", _l("Award route"), AWARD_ROUTES),
        ChoiceEqual("language", _l("Language"), BRIEFING_LANGUAGES),
        RefEqual("awarded_provider", _l("Awarded provider"), "providers"),
        *date_filters("offer_deadline", _l("Offer deadline")),
    ]
