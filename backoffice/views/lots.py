"""The lots list and forms."""
from flask_admin.form import rules

from backoffice.i18n import _l
from backoffice.views.base import CollectionView, HiddenFields
from schemas.lot import LotSchema


class LotView(CollectionView):
    """The lots of the framework agreement, by code."""

    allow_import = True

    schema = LotSchema
    edit_readonly = ("code",)
    created_message = _l("Lot %(name)s created.")
    saved_message = _l("Lot %(name)s saved.")
    deleted_message = _l("Lot %(name)s deleted.")
    column_list = ("code", "name_fr", "name_nl", "starts_on", "ends_on", "ceiling_amount", "active")
    column_sortable_list = ("code", "starts_on", "ends_on")
    column_default_sort = ("code", False)
    # French and Dutch side by side, so a missing or diverging translation shows at a glance.
    form_rules = [
        "code",
        rules.Row("name_fr", "name_nl"),
        "name_en",
        rules.Row("description_fr", "description_nl"),
        "framework_reference",
        rules.Row("starts_on", "ends_on"),
        "ceiling_amount",
        "active",
        HiddenFields(),
    ]
