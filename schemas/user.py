"""Users of the back-office: who signs in, with which role and language."""
from schemas.translation import lazy_gettext as _l

from schemas.base import CollectionSchema, StrictSchema
from schemas.choices import LANGUAGES
from schemas.fields import Boolean, Choice, Email, Text

ROLES = {
    "admin": _l("Administrator"),
    "staff": _l("Staff"),
    "manager": _l("Manager"),
}


class UserSchema(CollectionSchema):
    """A person who may sign in; the password hash is kept outside the schema, never shown."""

    collection = "users"
    natural_key = "email"
    unique_fields = ("email",)
    search_fields = ("email", "name")
    export_columns = ("email", "name", "role", "language", "active")

    email = Email(_l("E-mail"), required=True)
    name = Text(_l("Name"), max_length=120, required=True)
    role = Choice(_l("Role"), ROLES, required=True)
    language = Choice(_l("Preferred language"), LANGUAGES, load_default="fr")
    active = Boolean(_l("Active"), load_default=True, help_text=_l("Inactive users cannot sign in."))


class PasswordSchema(StrictSchema):
    """A new password: long enough to resist guessing, short enough to hash quickly."""

    password = Text(_l("Password"), min_length=12, max_length=256, required=True)
