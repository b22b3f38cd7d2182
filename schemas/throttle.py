"""Sign-in counts: recent failures per account and per address (by `backoffice.throttle`, never from a form)."""
from marshmallow import ValidationError

from schemas.translation import lazy_gettext as _l
from schemas.base import StoredSchema
from schemas.fields import Integer, Moment, Text

# What a count is kept for: an account (`account:<e-mail>`) or an address (`address:<IP>`).
KINDS = ("account", "address")


def _known_kind(key):
    """The key names its kind first: `account:` or `address:`."""
    if key.partition(":")[0] not in KINDS or ":" not in key:
        raise ValidationError(str(_l("Not a valid choice.")))


class ThrottleSchema(StoredSchema):
    """The count of one account or address: failures, when the next attempt is taken, refusals meanwhile."""

    collection = "login_throttle"
    document_label = _l("sign-in count")

    # The key is the document's `_id`: an e-mail address (at most 254 characters) or an IP address, after its kind.
    _id = Text(_l("Account or address"), max_length=300, validate=[_known_kind], required=True)
    failures = Integer(_l("Failures"), minimum=0, required=True)
    until = Moment(_l("Next attempt from"), required=True)
    at = Moment(_l("Last failure"), required=True)
    refused = Integer(_l("Refused meanwhile"), minimum=0, load_default=0)
