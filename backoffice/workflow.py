"""The procurement workflow: status moves, briefings from requests, invitations, responses, award.

Every action checks its guards here, then saves through `records.update`, so the schema
validates the result, the version the user saw is respected and the audit trail
records it. A refused action raises `Refused` with a message in the user's language.

Each action is one store transaction: every record it changes (a briefing and the
request that follows it), their audit entries and the e-mails it queues are written
together or not at all. The e-mails are sent once the transaction is written.

The PDFs those e-mails carry (the briefing, the letters on a lot's decision) take WeasyPrint
up to a second each, so they are made before the transaction, from the record as it will
be saved (`_Save.preview`: its new version, issue date, invitations), while other people
keep saving. Inside the transaction the action checks that the record is still at the
version the person was shown and asks its guard again; the documents are then filled
again from what is saved, and each must be exactly one already made (`documents.Renderings`),
or the action is refused as a change made meanwhile, with nothing written.
"""
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field

from backoffice import awards, documents, guards, mailings, outbox, records, system_records
from backoffice.clock import now
from backoffice.i18n import _
from backoffice.references import label_cache
from backoffice.store import Conflict
from schemas.workflow import NEEDS_COMMENT

log = logging.getLogger(__name__)
STATUS_LABELS = guards.STATUS_LABELS
INVITING = guards.INVITING
held_from = guards.held_from


class Refused(Exception):
    """The action is not allowed now; the message says why (and `fix`, where to fix it)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
        self.fix = getattr(message, "fix", None)
        self.errors = {}


def stale():
    """The refusal of an action on a record someone else changed since the page showed it."""
    return Refused(_("Someone else changed this record meanwhile; reload it and try again."))


@contextlib.contextmanager
def atomic(store):
    """One transaction around an action's writes; a write that could not take its turn is refused like a stale save.

    So is a document whose content changed between its PDF's making and the transaction.
    A document the action builds that its schema refuses (a provider's e-mail, an audit entry)
    refuses the whole action, saying which and why: nothing of it is written.
    """
    try:
        with store.transaction():
            yield store
    except (Conflict, documents.Outdated):
        raise stale() from None
    except mailings.MailRefused as refused:
        raise Refused(refused.reason) from None
    except system_records.RecordRefused as refused:
        log.error("%s", refused)
        raise Refused(refused.text()) from None


def send_queued(store, keys):
    """Send the e-mails an action queued, once its transaction is written (never from inside it).

    The action is done by then: a message the store could not mark meanwhile (`Conflict`)
    stays queued for `flask --app app outbox send`, and the action is not reported as failed.
    """
    if not keys:
        return
    try:
        outbox.send_pending(store, keys)
    except Conflict:
        log.warning("the e-mails %s stay queued: the store was busy", ", ".join(keys))


def check(reason):
    """Raise Refused with the guard's reason, if any."""
    if reason is not None:
        raise Refused(reason)


def _today():
    today = now()
    return dt.datetime(today.year, today.month, today.day)


def moves(collection, doc, user=None, store=None):
    """The statuses a person may move the record to with a plain button: those the move guard allows."""
    return [to for to in guards.plain_moves(collection, doc) if guards.can_move(collection, doc, user, to, store) is None]


@dataclass
class _Save:
    """One record's save that an action checked and prepared before its transaction.

    `version` is the one the person was shown (the record's own when None): a record read
    at another version is refused at once. `guard(record)` is the action's guard, asked
    again on the record as stored inside the transaction. `moment` dates the save and its
    history entry, so the record previewed before the transaction is the one written;
    `details` go into its audit entry.
    """

    collection: str
    doc: dict
    version: int | None
    data: dict
    actor: str
    guard: object
    history: dict | None = None
    moment: dt.datetime = field(default_factory=now)
    details: dict | None = None  # for the audit entry, besides the changes

    def __post_init__(self):
        if self.version is None:
            self.version = self.doc.get("version")
        if self.doc.get("version") != self.version:
            raise stale()

    def preview(self, store):
        """The record as `write` will save it (its new version, dates, history entry), written nowhere."""
        try:
            return records.as_saved(self.collection, self.doc, self.data, self.actor, self.version, store=store,
                                    allow_managed=True, history=self.history, moment=self.moment)
        except records.SaveRefused as refused:
            raise _refusal(refused) from None

    def write(self, store):
        """Inside the transaction: save, unless the record changed meanwhile or its guard now refuses.

        A briefing sent or awarded carries its request along (`follow_request`).
        """
        current = store.get(self.collection, self.doc["_id"])
        if current is None or current.get("version") != self.version:
            raise stale()
        check(self.guard(current))
        saved = save(store, self.collection, self.doc, self.data, self.actor, self.version, self.history, self.details,
                     self.moment)
        to = (self.history or {}).get("to")
        if self.collection == "briefings" and to in ("sent", "awarded"):
            follow_request(store, saved, to, self.actor)
        return saved


def _carry_out(store, plan, mails=None):
    """Write `plan` and queue the e-mails `mails` lists in one transaction, their PDFs made before it; send them after.

    `mails(store, briefing, renderings)` lists the messages about a briefing
    (`mailings.briefing_messages`, `mailings.letter_messages`). It runs first on the record
    as it will be saved, outside any transaction: that is when WeasyPrint makes the PDFs.
    Inside the transaction it runs again on the record as saved, and each of its documents
    must be one made then (else `documents.Outdated`: refused as changed meanwhile).
    """
    renderings = documents.Renderings()
    if mails is not None:
        mails(store, plan.preview(store), renderings)
    renderings.freeze()
    with atomic(store):
        saved = plan.write(store)
        keys = mailings.queue_messages(store, mails(store, saved, renderings)) if mails is not None else []
    send_queued(store, keys)
    return saved


def move(store, collection, doc, to, actor, comment="", version=None, changes=None, action=False):
    """Move a record to status `to` (with optional other `changes`), or raise Refused saying why.

    A briefing's move and its request's follow-up are one transaction, with the e-mails it
    queues (a briefing sent: its PDF to each invited provider, made before the transaction).
    """
    plan = _plan_move(store, collection, doc, to, actor, comment, version, changes, action)
    mails = mailings.briefing_messages if collection == "briefings" and to == "sent" else None
    return _carry_out(store, plan, mails)


def _move(store, collection, doc, to, actor, comment="", version=None, changes=None, action=False, details=None):
    """`move` inside the caller's transaction, without its e-mails (a request following its briefing): the saved record."""
    return _plan_move(store, collection, doc, to, actor, comment, version, changes, action, details=details).write(store)


def move_within(store, collection, doc, to, actor, **options):
    """`move` for an action that holds its own transaction and queues its own e-mails: the saved record.

    Not for a briefing sent: its PDF is made before the transaction, by `move`.
    """
    if collection == "briefings" and to == "sent":
        raise ValueError("a briefing is sent by `move`, which makes its PDF before the transaction")
    return _move(store, collection, doc, to, actor, **options)


def _plan_move(store, collection, doc, to, actor, comment="", version=None, changes=None, action=False, guard=None,
               details=None):
    """Check a move and prepare its save, or raise Refused saying why; `guard` is the action's own, asked first.

    The comment goes into the status history and into the move's audit entry, with `details`.
    """
    status = doc.get("status")

    def allowed(record):
        return (guard(record) if guard is not None else None) or guards.can_move(collection, record, None, to, store, action=action)

    check(allowed(doc))
    comment = (comment or "").strip()
    refusal = records.comment_refusal(comment)
    if refusal:
        raise Refused(refusal)
    if to in NEEDS_COMMENT[collection] and not comment:
        raise Refused(_("Say why in the comment: it is kept in the record's history."))
    data = records.editable_data(collection, doc) | (changes or {}) | {"status": to}
    _guard(store, collection, doc, to, data, comment)
    moment = now()
    entry = {"at": moment, "by": actor, "from": status, "to": to, "comment": comment}
    details = ({"comment": comment} if comment else {}) | (details or {})
    return _Save(collection, doc, version, data, actor, allowed, entry, moment, details or None)


def save(store, collection, doc, data, actor, version=None, history=None, details=None, moment=None):
    """Save an action's result through the schema; a refused or stale save becomes Refused."""
    try:
        return records.update(
            collection, doc, data, actor, doc.get("version") if version is None else version,
            store=store, allow_managed=True, history=history, details=details, moment=moment,
        )
    except records.SaveRefused as refused:
        raise _refusal(refused) from None
    except records.StaleRecord:
        raise stale() from None


def _refusal(refused):
    """A schema's refusal as Refused, its messages kept by field for a form that shows each next to its field."""
    error = Refused(" ".join(_messages(refused.errors)))
    error.errors = refused.errors
    return error


def _messages(errors):
    for value in errors.values():
        if isinstance(value, dict):
            yield from _messages(value)
        else:
            yield from (str(message) for message in value)


def _guard(store, collection, doc, to, data, comment):
    """What a move writes besides the status (the guard already allowed it)."""
    if collection == "requests" and to == "ineligible":
        data["eligibility"] = {"decision": "ineligible", "reason": comment}
    if collection == "briefings" and to == "sent":
        for invitation in data["invitations"]:
            invitation.setdefault("sent_on", _today().date().isoformat())


def follow_request(store, briefing, to, actor):
    """Carry the briefing's progress over to its request (sent, awarded), when the request is at the step before.

    Call it inside the briefing move's transaction: both moves are written or neither.
    """
    request = store.find_one("requests", {"reference": briefing["request"]})
    before = {"sent": "briefing", "awarded": "sent"}[to]
    if request is not None and request.get("status") == before:
        _move(store, "requests", request, to, actor, comment=briefing["reference"], action=True)


def decide_eligibility(store, request, decision, reason, actor, version=None):
    """Record whether the requester may use the purchasing centre, and move the request accordingly.

    Eligible: a received request goes under review (one under review stays there).
    Not eligible: the request closes as ineligible. Either way the reason is kept.
    """
    check(guards.can_decide_eligibility(request, None))
    reason = (reason or "").strip()
    if decision not in ("eligible", "ineligible"):
        raise Refused(_("Choose whether the request is eligible."))
    if decision == "ineligible" and not reason:
        raise Refused(_("Say why the request is not eligible."))
    if decision == "ineligible":
        return move(store, "requests", request, "ineligible", actor, comment=reason, version=version, action=True)
    eligibility = {"eligibility": {"decision": "eligible", "reason": reason}}
    if request.get("status") == "received":
        return move(store, "requests", request, "under_review", actor, comment=reason, version=version,
                    changes=records.editable_data("requests", request) | eligibility)
    return save(store, "requests", request, records.editable_data("requests", request) | eligibility, actor, version)


def create_briefing(store, request, actor, version=None):
    """A draft briefing prefilled from an eligible request under review; the request moves to `briefing`.

    The briefing, its reference's counter, the request's move and both audit entries are
    one transaction: all written or none. The request is moved on the version the user was
    shown: of several clicks (or several people) on the same page, only one gets past that
    write, so one briefing is written.
    """
    check(guards.can_create_briefing(request, None))
    language = request["contact"].get("language", "fr")
    context = "\n\n".join(part for part in (request.get("project_title"), request.get("description")) if part)
    data = {
        "request": request["reference"],
        "lots": request.get("lots") or [],
        "language": language if language in ("fr", "nl") else "fr",
        "context": context[:5000],
    }
    if request.get("estimated_budget") is not None:
        data["budget_max"] = records.editable_data("requests", request)["estimated_budget"]
    try:
        records.validate("briefings", data, store=store)  # refuse before anything is written
        with atomic(store):
            reference = records.reserve_reference("briefings", store)
            _move(store, "requests", request, "briefing", actor, comment=reference, version=version, action=True)
            return records.create("briefings", data | {"reference": reference}, actor, store=store)
    except records.SaveRefused as refused:
        raise Refused(" ".join(_messages(refused.errors))) from None
    except Refused:
        existing = store.find_one("briefings", {"request": request["reference"]}, {"reference": 1}, sort=[("reference", -1)])
        current = store.get("requests", request["_id"], {"status": 1}) or {}
        if existing is not None and current.get("status") == "briefing":
            raise Refused(_("The briefing %(reference)s was already written for this request.",
                            reference=existing["reference"])) from None
        raise


def year_counts(store, year=None):
    """Invitations and lots awarded per provider this year: {enterprise number: (invitations, awards)}."""
    year = year or now().year
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    counts = {}
    for briefing in store.find("briefings", {"invitations.sent_on": {"$gte": start, "$lt": end}}, projection={"invitations": 1}):
        for invitation in briefing.get("invitations", []):
            if invitation.get("sent_on") and start <= invitation["sent_on"] < end:
                invited, awarded = counts.get(invitation["provider"], (0, 0))
                counts[invitation["provider"]] = (invited + 1, awarded)
    for provider, awarded in awards.awards_per_provider(store, year).items():
        invited, _none = counts.get(provider, (0, 0))
        counts[provider] = (invited, awarded)
    return counts


def proposals(store, briefing):
    """For each lot: the active providers party to it in cascade order, with this year's counts.

    Cascade: the first provider not yet asked is proposed. Mini-competition: all are proposed.
    """
    counts = year_counts(store)
    invited = {(item["provider"], item["lot"]): item for item in briefing.get("invitations", [])}
    result = {}
    for lot in briefing.get("lots", []):
        providers = store.find("providers", {"lots.lot": lot, "status": "active"},
                               projection={"name": 1, "enterprise_number": 1, "lots": 1})
        ranked = sorted(providers, key=lambda doc: (_rank(doc, lot), doc["name"]))
        lines, proposed_one = [], False
        for provider in ranked:
            number = provider["enterprise_number"]
            invitation = invited.get((number, lot))
            if briefing.get("award_route") == "mini_competition":
                proposed = invitation is None
            else:
                proposed = invitation is None and not proposed_one
                proposed_one = proposed_one or invitation is None or invitation.get("response") != "declined"
            lines.append({
                "provider": number,
                "name": provider["name"],
                "rank": _rank(provider, lot),
                "invitation": invitation,
                "proposed": proposed,
                "invitations_this_year": counts.get(number, (0, 0))[0],
                "awards_this_year": counts.get(number, (0, 0))[1],
            })
        result[lot] = lines
    return result


def _rank(provider, lot):
    return next((item["rank"] for item in provider.get("lots", []) if item["lot"] == lot), 999)


def invite(store, briefing, pairs, actor, version=None):
    """Invite providers (pairs of enterprise number and lot); once the briefing is out, they are sent today."""
    check(guards.can_invite(briefing, None))
    if not pairs:
        raise Refused(_("Choose at least one provider to invite."))
    active = {doc["enterprise_number"] for doc in store.find("providers", {"status": "active"}, projection={"enterprise_number": 1})}
    data = records.editable_data("briefings", briefing)
    invitations = data.get("invitations", [])
    sent = briefing.get("status") in ("sent", "offers_received")
    for provider, lot in pairs:
        if provider not in active:
            raise Refused(_("Only an active provider can be invited."))
        line = {"provider": provider, "lot": lot, "response": "pending"}
        if sent:
            line["sent_on"] = _today().date().isoformat()
        invitations.append(line)
    data["invitations"] = invitations
    plan = _Save("briefings", briefing, version, data, actor, lambda record: guards.can_invite(record, None))
    # e-mail: the PDF to the providers invited after the briefing went out, queued with the invitations
    return _carry_out(store, plan, mailings.briefing_messages if sent else None)


def record_response(store, briefing, index, response, amount, scores, actor, version=None):
    """Record a provider's answer: declined, or an offer with its amount and per-criterion scores (0 to 100)."""
    check(guards.can_respond(briefing, None))
    data = records.editable_data("briefings", briefing)
    invitations = data.get("invitations", [])
    if not 0 <= index < len(invitations):
        raise Refused(_("This invitation does not exist (any more)."))
    line = {key: value for key, value in invitations[index].items() if key not in ("offer_amount", "score", "criterion_scores")}
    line["response"] = response
    if response == "offer" and amount:
        line["offer_amount"] = amount
    if response == "offer":
        if scores:
            line["criterion_scores"] = [{"criterion": name, "score": score} for name, score in scores.items()]
            weights = {item["name"]: item["weight"] for item in briefing.get("award_criteria", [])}
            try:
                line["score"] = round(sum(weights.get(name, 0) * int(score) for name, score in scores.items()) / 100)
            except ValueError:
                pass  # a score that is no number: the schema refuses it below, naming the field
    invitations[index] = line
    data["invitations"] = invitations
    return save(store, "briefings", briefing, data, actor, version)


def _lot_name(store, lot):
    return label_cache(store).get("lots", lot)


def _provider_name(store, provider):
    return label_cache(store).get("providers", provider)


def cascade_ranks(store, lot):
    """The framework rank of each provider on `lot`: {enterprise number: rank}."""
    return {doc["enterprise_number"]: _rank(doc, lot)
            for doc in store.find("providers", {"lots.lot": lot}, projection={"enterprise_number": 1, "lots": 1})}


def _check_lot_open(store, briefing, lot):
    if lot not in briefing.get("lots", []):
        raise Refused(_("Choose one of the briefing's lots."))
    if lot in awards.by_lot(briefing):
        raise Refused(_("The lot %(lot)s is already decided.", lot=_lot_name(store, lot)))


def award_lot(store, briefing, lot, provider, amount, reason, actor, version=None):
    """Award one lot of the briefing to a provider's offer, or raise Refused saying why not.

    The proposal is the best-ranked offer; another choice needs a written reason, kept with
    the award and in the audit trail. The briefing becomes `awarded` once every lot is decided.
    """
    check(guards.can_award(briefing, None))
    _check_lot_open(store, briefing, lot)
    reason = (reason or "").strip()
    data = records.editable_data("briefings", briefing)
    offer = next((index for index, item in enumerate(briefing.get("invitations", []))
                  if item["lot"] == lot and item["provider"] == provider and item.get("response") == "offer"), None)
    names = {"name": _provider_name(store, provider), "lot": _lot_name(store, lot)}
    if not any(item["lot"] == lot and item["provider"] == provider for item in briefing.get("invitations", [])):
        raise Refused(_("%(name)s was not invited for the lot %(lot)s.", **names))
    if offer is None:
        raise Refused(_("%(name)s made no offer on the lot %(lot)s.", **names))
    if store.find_one("providers", {"enterprise_number": provider, "lots.lot": lot}, {"_id": 1}) is None:
        raise Refused(_("%(name)s is no longer party to the lot %(lot)s.", **names))
    ranks = cascade_ranks(store, lot)
    if briefing.get("award_route") == "cascade":
        _check_cascade(store, briefing, provider, lot)
    else:
        best = awards.best_offers(briefing, lot, ranks)
        if best and provider not in {item.provider for item in best} and not reason:
            raise Refused(_(
                "%(name)s has the best score on the lot %(lot)s (%(score)s): give the reason for choosing another offer.",
                name=_provider_name(store, best[0].provider), lot=_lot_name(store, lot), score=best[0].total,
            ))
    entry = {
        "lot": lot, "outcome": "awarded", "provider": provider,
        "amount": amount or data["invitations"][offer]["offer_amount"],
        "awarded_on": _today().date().isoformat(), "route": briefing.get("award_route", "cascade"),
    }
    score = awards.weighted_score(briefing, briefing["invitations"][offer])
    if score is not None:
        entry["score"] = round(score)
    if reason:
        entry["reason"] = reason
    return _decide(store, briefing, data, entry, actor, version, lambda record: guards.can_award(record, None))


def close_lot(store, briefing, lot, reason, actor, version=None):
    """Close one lot of the briefing without award, with the reason; the briefing follows once every lot is decided."""
    check(guards.can_close_lot(briefing, None))
    _check_lot_open(store, briefing, lot)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why the lot %(lot)s is closed without award.", lot=_lot_name(store, lot)))
    data = records.editable_data("briefings", briefing)
    entry = {"lot": lot, "outcome": "no_award", "awarded_on": _today().date().isoformat(),
             "route": briefing.get("award_route", "cascade"), "reason": reason}
    return _decide(store, briefing, data, entry, actor, version, lambda record: guards.can_close_lot(record, None))


def _decide(store, briefing, data, entry, actor, version, guard):
    """Add a lot's decision; when every lot is decided, the briefing is awarded (or cancelled if nothing was).

    The decision, the briefing's move, its request's and the letters queued are one
    transaction; the letters' PDFs are made before it. `guard` is the action's guard.
    """
    data["awards"] = data.get("awards", []) + [entry]
    if not awards.fully_decided(briefing, data["awards"]):
        plan = _Save("briefings", briefing, version, data, actor, guard)
    elif any(item["outcome"] == "awarded" for item in data["awards"]):
        plan = _plan_move(store, "briefings", briefing, "awarded", actor, comment=entry.get("reason", ""), version=version,
                          changes=data, action=True, guard=guard)
    else:
        plan = _plan_move(store, "briefings", briefing, "cancelled", actor, comment=entry["reason"], version=version,
                          changes=data, guard=guard)

    def letters(store, saved, renderings):
        # e-mail: the letters on this lot's decision, queued with it
        return mailings.letter_messages(store, saved, entry["lot"], renderings)

    return _carry_out(store, plan, letters)


def _check_cascade(store, briefing, provider, lot):
    """In a cascade, every provider ranked before the chosen one must have declined."""
    answers = {item["provider"]: item.get("response") for item in briefing.get("invitations", []) if item["lot"] == lot}
    for other in store.find("providers", {"lots.lot": lot, "status": "active"}, projection={"enterprise_number": 1, "lots": 1, "name": 1}):
        number = other["enterprise_number"]
        if number != provider and _rank(other, lot) < _rank_of(store, provider, lot) and answers.get(number) != "declined":
            raise Refused(
                _("In the cascade, %(name)s comes first: it must decline before the next provider is chosen.", name=other["name"])
            )


def _rank_of(store, provider, lot):
    doc = store.find_one("providers", {"enterprise_number": provider}, {"lots": 1})
    return _rank(doc or {}, lot)
