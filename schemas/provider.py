"""Providers: the firms that are party to one or more lots of the framework agreement."""
from marshmallow import ValidationError, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import CollectionSchema, StrictSchema
from schemas.choices import LANGUAGES, PROVIDER_STATUSES
from schemas.contact import AddressSchema, ContactSchema
from schemas.fields import LONG_TEXT, Choice, ChoiceList, EnterpriseNumber, Integer, Nested, NestedList, Ref, Text, Url


class LotRankSchema(StrictSchema):
    """The provider's place in one lot's cascade (1 is asked first)."""

    lot = Ref(_l("Lot"), "lots", required=True)
    rank = Integer(_l("Cascade rank"), minimum=1, maximum=99, required=True)


class ProviderSchema(CollectionSchema):
    """A pre-qualified provider."""

    collection = "providers"
    natural_key = "enterprise_number"
    unique_fields = ("enterprise_number",)
    search_fields = ("name", "enterprise_number", "address.city", "contact.name", "contact.email")
    # One line per provider and lot, the cascade rank in its own column, so a spreadsheet filters on them.
    export_columns = (
        "name", "enterprise_number", "address.street", "address.postcode", "address.city", "website",
        "contact.name", "contact.email", "contact.phone", "languages", "lots.lot", "lots.rank", "status", "updated_at",
    )

    name = Text(_l("Name"), required=True)
    enterprise_number = EnterpriseNumber(
        _l("Enterprise number"), required=True, help_text=_l("BCE/KBO number, for example 0123.456.749.")
    )
    address = Nested(_l("Address"), AddressSchema)
    website = Url(_l("Website"))
    contact = Nested(_l("Contact"), ContactSchema)
    languages = ChoiceList(_l("Working languages"), LANGUAGES, min_items=1, required=True)
    lots = NestedList(_l("Lots"), LotRankSchema, max_items=20, load_default=list)
    status = Choice(_l("Status"), PROVIDER_STATUSES, load_default="active")
    notes = Text(_l("Notes"), max_length=LONG_TEXT, multiline=True)

    @validates_schema
    def _check_lots(self, data, **kwargs):
        """A provider is party to each lot once."""
        codes = [item["lot"] for item in data.get("lots", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError({"lots": [str(_l("A lot appears twice."))]})
