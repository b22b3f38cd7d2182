"""Sub-documents shared by several collections: a contact person and a postal address."""
import re

from marshmallow import ValidationError, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import StrictSchema
from schemas.choices import COUNTRIES, LANGUAGES
from schemas.fields import Choice, Email, Phone, Text


class ContactSchema(StrictSchema):
    """A person to reach: name, e-mail and phone."""

    name = Text(_l("Contact name"), max_length=120, required=True)
    email = Email(_l("Contact e-mail"), required=True)
    phone = Phone(_l("Contact phone"))


class RequesterContactSchema(ContactSchema):
    """The requester's contact person, with the language to write to them in."""

    language = Choice(_l("Contact language"), LANGUAGES, load_default="fr")


# Postcodes by country: the countries providers of the framework come from, the rest by its own form.
POSTCODES = {
    "BE": (r"[1-9][0-9]{3}", _l("A Belgian postcode has 4 digits (1000).")),
    "FR": (r"[0-9]{5}", _l("A French postcode has 5 digits (75001).")),
    "NL": (r"[1-9][0-9]{3} ?[A-Z]{2}", _l("A Dutch postcode has 4 digits and 2 letters (1012 AB).")),
    "LU": (r"(?:L-)?[0-9]{4}", _l("A Luxembourg postcode has 4 digits (1009).")),
    "DE": (r"[0-9]{5}", _l("A German postcode has 5 digits (10115).")),
}


class AddressSchema(StrictSchema):
    """A postal address in Belgium (by default) or a neighbouring country, its postcode checked by country."""

    street = Text(_l("Street and number"), max_length=200)
    postcode = Text(_l("Postcode"), max_length=10)
    city = Text(_l("City"), max_length=100)
    country = Choice(_l("Country"), COUNTRIES, load_default="BE")

    @validates_schema(skip_on_field_errors=True)
    def _check_postcode(self, data, **kwargs):
        """The postcode reads as its country writes them: 99999 is no Belgian postcode."""
        postcode = data.get("postcode")
        pattern, message = POSTCODES[data.get("country") or "BE"]
        if postcode and not re.fullmatch(pattern, postcode.upper()):
            raise ValidationError({"postcode": [str(message)]})
