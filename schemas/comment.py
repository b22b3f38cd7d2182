"""The comment of a status move, kept in the record's status history: bounded like every other text."""
from schemas.translation import lazy_gettext as _l

from schemas.base import StrictSchema
from schemas.fields import Text

COMMENT_LENGTH = 1000


class StatusCommentSchema(StrictSchema):
    """Why a record changed status (required for some moves: the workflow says which)."""

    comment = Text(_l("Comment"), max_length=COMMENT_LENGTH, multiline=True)


class WithdrawalSchema(StrictSchema):
    """Why a request is withdrawn together with its open briefings: kept on each of them and told to the invited providers.

    Bounded like the other reasons (eligibility, award): it becomes each record's status comment.
    """

    reason = Text(
        _l("Reason for the withdrawal"), max_length=COMMENT_LENGTH, multiline=True, required=True,
        help_text=_l("Kept in the history of the request and of each cancelled briefing, and sent to the invited providers."),
        error_messages={"required": _l("Say why the request is withdrawn.")},
    )
