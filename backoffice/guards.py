"""One guard per workflow action: `can_<action>(record, user, ...) -> None | Reason`.

The details page asks the guard whether to show an action's button (and shows the reason
when it does not); the POST asks the same guard and refuses with the same reason. So a
rule can never be enforced only by hiding a button. `user` is the signed-in user, or None
for the system (a workflow step following another, a command).

A `Reason` is the message in the user's language, naming the value that blocks, and
optionally where to fix it (`fix`: an endpoint, its arguments and the link's text).
"""
from backoffice import awards
from backoffice.auth import WRITERS
from backoffice.clock import now
from backoffice.formatting import moment
from backoffice.i18n import _
from backoffice.references import label_cache
from schemas.choices import BRIEFING_STATUSES, REQUEST_STATUSES
from schemas.workflow import ACTION_ONLY, FLOWS

STATUS_LABELS = {"requests": REQUEST_STATUSES, "briefings": BRIEFING_STATUSES}
# While a briefing is in one of these, providers can still be invited.
INVITING = {"draft", "ready", "sent", "offers_received"}
# A briefing in one of these is still open: its request cannot be closed or withdrawn under it.
OPEN_BRIEFING = {"draft", "ready", "sent", "offers_received"}
# Request moves that end the case (or park it): refused while one of its briefings is open.
ENDING_MOVES = {"withdrawn", "closed", "ineligible"}


class Reason(str):
    """Why an action is refused, and where to fix it: `fix` = (endpoint, url arguments, link text) or None."""

    fix = None

    @classmethod
    def of(cls, message, fix=None):
        """A reason with its message and, optionally, the link that fixes it."""
        reason = cls(message)
        reason.fix = fix
        return reason


def _label(collection, status):
    return str(STATUS_LABELS[collection].get(status, status))


def _writer(user):
    if user is not None and not user.can(WRITERS):
        return Reason.of(_("Your role lets you read this record, not change it."))
    return None


def _edit(collection, doc, text):
    return (f"{collection}.edit_view", {"id": str(doc["_id"])}, text)


def plain_moves(collection, doc):
    """The statuses the table allows from the record's status with a plain button (not yet checked by the guard)."""
    status = doc.get("status")
    allowed = [to for to in FLOWS[collection].get(status, ()) if to not in ACTION_ONLY[collection]]
    if collection == "requests" and status == "on_hold":
        before = held_from(doc)
        if before:
            allowed.insert(0, before)
    return allowed


def held_from(doc):
    """The status a request had before it was put on hold."""
    for entry in reversed(doc.get("status_history", [])):
        if entry.get("to") == "on_hold":
            return entry.get("from")
    return None


def can_move(collection, doc, user, to, store=None, action=False):
    """May the record move to `to` now? `action` allows the moves only an action makes (awarding, say)."""
    refused = _writer(user)
    if refused:
        return refused
    status = doc.get("status")
    allowed = plain_moves(collection, doc)
    if action:
        allowed += sorted(ACTION_ONLY[collection] & set(FLOWS[collection].get(status, ())))
    if to not in allowed:
        return Reason.of(_("A record that is “%(current)s” cannot become “%(target)s”.",
                           current=_label(collection, status), target=_label(collection, to)))
    if collection == "briefings":
        return _briefing_ready_for(doc, to)
    if collection == "requests" and to in ENDING_MOVES and store is not None:
        return _no_open_briefing(store, doc, to)
    return None


def _briefing_ready_for(doc, to):
    if to == "ready":
        missing = [
            label for name, label in (("budget_max", _("maximum budget")), ("offer_deadline", _("offer deadline")),
                                      ("objectives", _("objectives")), ("deliverables", _("deliverables")))
            if not doc.get(name)
        ]
        if missing:
            return Reason.of(_("The briefing is not complete yet: %(missing)s.", missing=", ".join(missing)),
                             _edit("briefings", doc, _("Complete the briefing")))
    if to == "sent":
        if not doc.get("invitations"):
            return Reason.of(_("Invite at least one provider before sending the briefing."))
        deadline = doc.get("offer_deadline")
        if deadline is not None and deadline <= now():
            return Reason.of(_("The offer deadline is %(deadline)s, already past: set a later one before sending.",
                               deadline=moment(deadline)), _edit("briefings", doc, _("Change the offer deadline")))
    if to == "offers_received" and not any(item.get("response") == "offer" for item in doc.get("invitations", [])):
        return Reason.of(_("No offer has been recorded yet."))
    return None


def open_briefings(store, request):
    """The request's briefings still open (draft to offers received), oldest first."""
    return store.find("briefings", {"request": request["reference"], "status": {"$in": sorted(OPEN_BRIEFING)}},
                      sort=[("reference", 1)], projection={"reference": 1, "status": 1})


def _no_open_briefing(store, request, to):
    briefing = next(iter(open_briefings(store, request)), None)
    if briefing is None:
        return None
    return Reason.of(
        _("The briefing %(reference)s is still “%(status)s”: cancel or close it first, then the request can become “%(target)s”.",
          reference=briefing["reference"], status=_label("briefings", briefing["status"]), target=_label("requests", to)),
        ("briefings.details_view", {"id": str(briefing["_id"])}, _("Open the briefing %(reference)s", reference=briefing["reference"])),
    )


def briefings_to_cancel(store, request):
    """The open briefings a withdrawal would cancel with the request (draft to offers received), oldest first, whole."""
    return store.find("briefings", {"request": request["reference"], "status": {"$in": sorted(OPEN_BRIEFING)}},
                      sort=[("reference", 1)])


def can_withdraw_with_briefings(request, user, store):
    """May the request be withdrawn together with its open briefings, each cancelled with the same reason?

    Only where a plain withdrawal exists but its open briefings block it. A briefing with a
    lot already awarded is a contract concluded: it is never cancelled along with the request.
    """
    refused = _writer(user)
    if refused:
        return refused
    if "withdrawn" not in plain_moves("requests", request):
        return Reason.of(_("A record that is “%(current)s” cannot become “%(target)s”.",
                           current=_label("requests", request.get("status")), target=_label("requests", "withdrawn")))
    found = store.find("briefings", {"request": request["reference"]}, sort=[("reference", 1)],
                       projection={"reference": 1, "status": 1, "awards": 1})
    for briefing in found:
        lot = next((item["lot"] for item in briefing.get("awards", []) if item.get("outcome") == "awarded"), None)
        if lot is not None:
            return Reason.of(
                _("The briefing %(reference)s has a lot awarded (%(lot)s): an award is a contract and is not cancelled "
                  "with the request. Close its other lots without award on the briefing; the request then follows its award.",
                  reference=briefing["reference"], lot=lot_name(store, lot)),
                ("briefings.details_view", {"id": str(briefing["_id"])},
                 _("Open the briefing %(reference)s", reference=briefing["reference"])),
            )
    if not any(briefing.get("status") in OPEN_BRIEFING for briefing in found):
        return Reason.of(_("The request has no open briefing to cancel: withdraw it with its own button."))
    return None


def can_decide_eligibility(request, user):
    """May the eligibility be decided now (received or under review)?"""
    refused = _writer(user)
    if refused:
        return refused
    if request.get("status") not in ("received", "under_review"):
        return Reason.of(_("Eligibility is decided while the request is received or under review; it is “%(status)s”.",
                           status=_label("requests", request.get("status"))))
    return None


def can_create_briefing(request, user):
    """May a briefing be written from this request now (under review, eligible, with its lots)?"""
    refused = _writer(user)
    if refused:
        return refused
    if request.get("status") != "under_review":
        return Reason.of(_("A briefing is written for a request under review; this one is “%(status)s”.",
                           status=_label("requests", request.get("status"))))
    if (request.get("eligibility") or {}).get("decision") != "eligible":
        return Reason.of(_("Only an eligible request goes on to a briefing: record the eligibility decision first."))
    if not request.get("lots"):
        return Reason.of(_("The request names no lot yet: add the lots to the request first."),
                         _edit("requests", request, _("Add the lots")))
    return None


def can_invite(briefing, user):
    """May providers be invited now (draft to offers received)?"""
    refused = _writer(user)
    if refused:
        return refused
    if briefing.get("status") not in INVITING:
        return Reason.of(_("Providers can no longer be invited: the briefing is “%(status)s”.",
                           status=_label("briefings", briefing.get("status"))))
    return None


def can_respond(briefing, user):
    """May providers' responses be recorded now (sent or offers received, with invitations)?"""
    refused = _writer(user)
    if refused:
        return refused
    if briefing.get("status") not in ("sent", "offers_received"):
        return Reason.of(_("Responses are recorded once the briefing is sent; it is “%(status)s”.",
                           status=_label("briefings", briefing.get("status"))))
    if not briefing.get("invitations"):
        return Reason.of(_("No provider is invited yet."))
    return None


def can_award(briefing, user):
    """May a lot be awarded now (offers received, the deadline past, a lot still open)?"""
    refused = _writer(user)
    if refused:
        return refused
    if briefing.get("status") != "offers_received":
        return Reason.of(_("A lot is awarded once the offers are received; the briefing is “%(status)s”.",
                           status=_label("briefings", briefing.get("status"))))
    deadline = briefing.get("offer_deadline")
    if deadline is None or now() < deadline:
        return Reason.of(_("The offer deadline is %(deadline)s; awards open after it.", deadline=moment(deadline)))
    if not awards.open_lots(briefing):
        return Reason.of(_("Every lot of the briefing is already decided."))
    return None


def can_close_lot(briefing, user):
    """May a lot be closed without award now (sent or offers received, a lot still open)?"""
    refused = _writer(user)
    if refused:
        return refused
    if briefing.get("status") not in ("sent", "offers_received"):
        return Reason.of(_("A lot is closed without award once the briefing is sent; it is “%(status)s”.",
                           status=_label("briefings", briefing.get("status"))))
    if not awards.open_lots(briefing):
        return Reason.of(_("Every lot of the briefing is already decided."))
    return None


def lot_name(store, lot):
    """A lot's label, as this request reads it."""
    return label_cache(store).get("lots", lot)
