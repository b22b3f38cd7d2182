"""The lots of the framework agreement."""
from marshmallow import ValidationError, validate, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import CollectionSchema
from schemas.fields import LONG_TEXT, Boolean, Date, Money, Text


class LotSchema(CollectionSchema):
    """A lot (L1 to L6) with its bilingual title and the framework's dates and ceiling."""

    collection = "lots"
    natural_key = "code"
    unique_fields = ("code",)
    search_fields = ("code", "name_fr", "name_nl", "name_en")
    export_columns = (
        "code", "name_fr", "name_nl", "framework_reference", "starts_on", "ends_on", "ceiling_amount", "active",
    )

    code = Text(
        _l("Code"),
        max_length=3,
        required=True,
        validate=[validate.Regexp(r"^L[1-9][0-9]?$", error=_l("A lot code reads L1, L2, … L6."))],
        help_text=_l("L1 to L6, as in the framework agreement."),
    )
    name_fr = Text(_l("Title (French)"), required=True)
    name_nl = Text(_l("Title (Dutch)"), required=True)
    # English pages show it; without it they read the French title.
    name_en = Text(_l("Title (English)"))
    description_fr = Text(_l("Description (French)"), max_length=LONG_TEXT, multiline=True)
    description_nl = Text(_l("Description (Dutch)"), max_length=LONG_TEXT, multiline=True)
    framework_reference = Text(_l("Framework agreement reference"), max_length=80)
    starts_on = Date(_l("Starts on"))
    ends_on = Date(_l("Ends on"))
    ceiling_amount = Money(_l("Ceiling (EUR, excl. VAT)"), help_text=_l("Leave empty when the lot has no ceiling."))
    active = Boolean(_l("Active"), load_default=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_dates(self, data, **kwargs):
        """The lot cannot end before it starts."""
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError({"ends_on": [str(_l("The end date comes before the start date."))]})
