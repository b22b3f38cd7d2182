"""Users of the back-office: who signs in, with which role and language."""
import re

from marshmallow import ValidationError, validate, validates_schema
from zxcvbn import zxcvbn

from schemas.translation import lazy_gettext as _l

from schemas.base import CollectionSchema, StrictSchema
from schemas.choices import LANGUAGES
from schemas.fields import Boolean, Choice, Email, Integer, Text

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


class UserAccountSchema(UserSchema):
    """A user as the system changes it outside any form: the password hash, the session version, a language chosen.

    These are loaded with `partial=True` (`backoffice.system_records`), so only the fields set are
    checked; the language keeps the rules of `UserSchema`, declared once there.
    """

    document_label = _l("user account")

    # werkzeug's `method$salt$hash` (scrypt by default, pbkdf2 by configuration): never a password itself.
    password_hash = Text(_l("Password hash"), max_length=500, validate=[validate.Regexp(
        r"^(scrypt|pbkdf2)[:a-z0-9]*\$[^$]+\$[0-9a-f]+$", error=_l("Not a password hash."))])
    # Raised to end every session of the user at once (`backoffice.users.end_sessions`).
    session_version = Integer(_l("Session version"), minimum=0)


# zxcvbn's score out of 4: 3 is "safely unguessable: moderate protection from offline attacks".
MIN_STRENGTH = 3


class PasswordSchema(StrictSchema):
    """A new password: long enough, short enough to hash quickly, and hard to guess.

    zxcvbn refuses common passwords, repetitions, keyboard runs and dates; the user's own
    e-mail address (given as `email`, not stored) counts as known to an attacker.
    """

    password = Text(_l("Password"), min_length=12, max_length=256, required=True)
    email = Email(_l("E-mail"), load_only=True)

    @validates_schema(skip_on_field_errors=True)
    def _hard_to_guess(self, data, **kwargs):
        password, email = data["password"], (data.get("email") or "").lower()
        local, _at, domain = email.partition("@")
        known = [word for word in [email, local, *re.split(r"[^a-z0-9]+", local + "." + domain)] if len(word) >= 3]
        # The address or its part before @ in the password (a shared domain name is only a hint to zxcvbn).
        squeezed = re.sub(r"[^a-z0-9]", "", password.lower())
        own = [re.sub(r"[^a-z0-9]", "", word) for word in (email, local)] + re.split(r"[^a-z0-9]+", local)
        if any(len(word) >= 4 and word in squeezed for word in own):
            raise ValidationError({"password": [str(_l("The password must not contain your e-mail address or a part of it."))]})
        # The estimator's time grows with the length: what is past 100 characters adds no guessability.
        if zxcvbn(password[:100], user_inputs=known)["score"] < MIN_STRENGTH:
            raise ValidationError({"password": [str(_l(
                "This password is too easy to guess (a common word, a repetition or a sequence). "
                "Choose a phrase of several unrelated words."
            ))]})
