"""The lots list and forms."""
from backoffice.views.base import CollectionView
from schemas.lot import LotSchema


class LotView(CollectionView):
    """The lots of the framework agreement, by code."""

    schema = LotSchema
    edit_readonly = ("code",)
    column_list = ("code", "name_fr", "name_nl", "starts_on", "ends_on", "ceiling_amount", "active")
    column_sortable_list = ("code", "starts_on", "ends_on")
    column_default_sort = ("code", False)
