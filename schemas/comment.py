"""The comment of a status move, kept in the record's status history: bounded like every other text."""
from schemas.translation import lazy_gettext as _l

from schemas.base import StrictSchema
from schemas.fields import Text

COMMENT_LENGTH = 1000


class StatusCommentSchema(StrictSchema):
    """Why a record changed status (required for some moves: the workflow says which)."""

    comment = Text(_l("Comment"), max_length=COMMENT_LENGTH, multiline=True)
