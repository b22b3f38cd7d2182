"""The providers list and forms."""
from backoffice.i18n import _l
from backoffice.views.base import CollectionView
from backoffice.views.filters import ChoiceEqual, RefEqual
from schemas.choices import LANGUAGES, PROVIDER_STATUSES
from schemas.provider import ProviderSchema


class ProviderView(CollectionView):
    """Providers, by name."""

    allow_import = True

    schema = ProviderSchema
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

    def record_title(self, model):
        """A provider is known by its name."""
        return str(model.get("name") or model.get("enterprise_number") or "")
