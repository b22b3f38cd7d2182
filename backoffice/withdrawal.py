"""Withdrawing a request together with its open briefings: one reason, one transaction, a notice to each invited provider.

When a public body abandons its project, staff withdraw the request and cancel each of
its open briefings (draft to offers received) in one step, instead of walking every
briefing to "cancelled" first. The same written reason goes into the status history and
the audit entry of the request and of every briefing, and each provider already sent a
briefing is told, in its language. Closing a request in progress does not take this
path: see `guards.can_withdraw_with_briefings`.
"""
from marshmallow import ValidationError

from backoffice import guards, mailings, records, workflow
from backoffice.i18n import _, labelled
from schemas.comment import WithdrawalSchema


def shown_key(briefing):
    """How the page names a briefing it will cancel, and the POST checks it: its reference and the version shown."""
    return f"{briefing['reference']}@{briefing['version']}"


def reason_refusal(reason):
    """The withdrawal's reason loaded through its schema: (the reason, None), or (None, the message naming the field)."""
    schema = WithdrawalSchema()
    try:
        return schema.load({"reason": reason or ""})["reason"], None
    except ValidationError as error:
        label = schema.fields["reason"].metadata["label"]
        return None, labelled(label, " ".join(records.plain_messages(error.messages)["reason"]))


def withdraw_with_briefings(store, request, reason, shown, actor, version=None):
    """Withdraw the request and cancel each of its open briefings, with the same reason; or raise Refused saying why.

    `shown` are the briefings the page listed (`shown_key`): if the briefings to cancel are
    not exactly those any more, nothing is done. The request's move, each briefing's move,
    every audit entry and the notices to the providers are one transaction; the notices are
    sent once it is written.
    """
    workflow.check(guards.can_withdraw_with_briefings(request, None, store))
    reason, refusal = reason_refusal(reason)
    if refusal:
        refused = workflow.Refused(refusal)
        refused.errors = {"reason": [refusal]}
        raise refused
    keys = []
    with workflow.atomic(store):
        # Read again inside the transaction: what is cancelled is what is open as it is written.
        briefings = guards.briefings_to_cancel(store, request)
        if sorted(shown_key(briefing) for briefing in briefings) != sorted(shown or ()):
            raise workflow.Refused(_("The briefings of this request changed since the page was shown: "
                                     "reload it and check which ones will be cancelled."))
        references = [briefing["reference"] for briefing in briefings]
        for briefing in briefings:
            saved = workflow.move_within(store, "briefings", briefing, "cancelled", actor, comment=reason,
                                         version=briefing["version"], details={"withdrawn_request": request["reference"]})
            keys += mailings.queue_messages(store, mailings.cancellation_messages(store, saved, reason))
        # Last: with its briefings cancelled, the request's own move guard lets it go.
        saved_request = workflow.move_within(store, "requests", request, "withdrawn", actor, comment=reason,
                                             version=version, details={"cancelled_briefings": references})
    workflow.send_queued(store, keys)
    return saved_request
