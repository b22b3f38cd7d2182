"""Sub-documents shared by several collections: a contact person and a postal address."""
from marshmallow import validate

from schemas.translation import lazy_gettext as _l
from schemas.base import StrictSchema
from schemas.choices import LANGUAGES
from schemas.fields import Choice, Email, Phone, Text


class ContactSchema(StrictSchema):
    """A person to reach: name, e-mail and phone."""

    name = Text(_l("Contact name"), max_length=120, required=True)
    email = Email(_l("Contact e-mail"), required=True)
    phone = Phone(_l("Contact phone"))


class RequesterContactSchema(ContactSchema):
    """The requester's contact person, with the language to write to them in."""

    language = Choice(_l("Contact language"), LANGUAGES, load_default="fr")


class AddressSchema(StrictSchema):
    """A Belgian postal address."""

    street = Text(_l("Street and number"), max_length=200)
    postcode = Text(
        _l("Postcode"),
        max_length=4,
        validate=[validate.Regexp(r"^[1-9][0-9]{3}$", error=_l("A Belgian postcode has 4 digits."))],
    )
    city = Text(_l("City"), max_length=100)
