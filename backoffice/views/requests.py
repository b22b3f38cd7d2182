"""The requests list and forms."""
from backoffice.i18n import _l
from backoffice.views.base import CollectionView
from backoffice.views.filters import ChoiceEqual, RefEqual, date_filters
from schemas.choices import MUNICIPALITIES, ORGANISATION_TYPES, REQUEST_STATUSES, THEMES
from schemas.request import RequestSchema


class RequestView(CollectionView):
    """Requests, newest first."""

    schema = RequestSchema
    edit_readonly = ("reference",)
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
