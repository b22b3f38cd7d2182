"""The procurement workflow: status moves, briefings from requests, invitations, responses, award.

Every action checks its guards here, then saves through `records.update`, so the schema
validates the result, the version the user saw is respected and the audit trail
records it. A refused action raises `Refused` with a message in the user's language.
"""
import datetime as dt

from backoffice import awards, mailings, records
from backoffice.clock import now
from backoffice.formatting import moment
from backoffice.i18n import _
from backoffice.references import label_cache
from schemas.choices import BRIEFING_STATUSES, REQUEST_STATUSES
from schemas.workflow import ACTION_ONLY, FLOWS, NEEDS_COMMENT

STATUS_LABELS = {"requests": REQUEST_STATUSES, "briefings": BRIEFING_STATUSES}
# While a briefing is in one of these, providers can still be invited.
INVITING = {"draft", "ready", "sent", "offers_received"}


class Refused(Exception):
    """The action is not allowed now; the message says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _label(collection, status):
    return str(STATUS_LABELS[collection].get(status, status))


def _today():
    today = now()
    return dt.datetime(today.year, today.month, today.day)


def moves(collection, doc):
    """The statuses a person may move the record to with a plain button."""
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


def move(db, collection, doc, to, actor, comment="", version=None, changes=None, action=False):
    """Move a record to status `to` (with optional other `changes`), or raise Refused saying why."""
    status = doc.get("status")
    allowed = moves(collection, doc) + (list(ACTION_ONLY[collection] & set(FLOWS[collection].get(status, ()))) if action else [])
    if to not in allowed:
        raise Refused(
            _("A record that is “%(current)s” cannot become “%(target)s”.",
              current=_label(collection, status), target=_label(collection, to))
        )
    comment = (comment or "").strip()
    refusal = records.comment_refusal(comment)
    if refusal:
        raise Refused(refusal)
    if to in NEEDS_COMMENT[collection] and not comment:
        raise Refused(_("Say why in the comment: it is kept in the record's history."))
    data = records.editable_data(collection, doc) | (changes or {}) | {"status": to}
    _guard(db, collection, doc, to, data, comment)
    entry = {"at": now(), "by": actor, "from": status, "to": to, "comment": comment}
    saved = save(db, collection, doc, data, actor, version, entry)
    if collection == "briefings" and to in ("sent", "awarded"):
        follow_request(db, saved, to, actor)
    if collection == "briefings" and to == "sent":
        mailings.briefing_sent(db, saved)  # e-mail: the PDF to each invited provider, through the outbox
    return saved


def save(db, collection, doc, data, actor, version=None, history=None):
    """Save an action's result through the schema; a refused or stale save becomes Refused."""
    try:
        return records.update(
            collection, doc, data, actor, doc.get("version") if version is None else version,
            db=db, allow_managed=True, history=history,
        )
    except records.SaveRefused as refused:
        raise Refused(" ".join(_messages(refused.errors))) from None
    except records.StaleRecord:
        raise Refused(_("Someone else changed this record meanwhile; reload it and try again.")) from None


def _messages(errors):
    for value in errors.values():
        if isinstance(value, dict):
            yield from _messages(value)
        else:
            yield from (str(message) for message in value)


def _guard(db, collection, doc, to, data, comment):
    if collection == "requests" and to == "ineligible":
        data["eligibility"] = {"decision": "ineligible", "reason": comment}
    if collection == "briefings" and to == "ready":
        missing = [
            label for name, label in (("budget_max", _("maximum budget")), ("offer_deadline", _("offer deadline")),
                                      ("objectives", _("objectives")), ("deliverables", _("deliverables")))
            if not data.get(name)
        ]
        if missing:
            raise Refused(_("The briefing is not complete yet: %(missing)s.", missing=", ".join(missing)))
    if collection == "briefings" and to == "sent":
        if not data.get("invitations"):
            raise Refused(_("Invite at least one provider before sending the briefing."))
        for invitation in data["invitations"]:
            invitation.setdefault("sent_on", _today().date().isoformat())
    if collection == "briefings" and to == "offers_received":
        if not any(item.get("response") == "offer" for item in data.get("invitations", [])):
            raise Refused(_("No offer has been recorded yet."))


def follow_request(db, briefing, to, actor):
    """Carry the briefing's progress over to its request (sent, awarded), when the request is at the step before."""
    request = db["requests"].find_one({"reference": briefing["request"]})
    before = {"sent": "briefing", "awarded": "sent"}[to]
    if request is not None and request.get("status") == before:
        move(db, "requests", request, to, actor, comment=briefing["reference"], action=True)


def decide_eligibility(db, request, decision, reason, actor, version=None):
    """Record whether the requester may use the purchasing centre; a refusal closes the request as ineligible."""
    if request.get("status") not in ("received", "under_review"):
        raise Refused(_("Eligibility is decided while the request is received or under review."))
    if decision == "ineligible" and not (reason or "").strip():
        raise Refused(_("Say why the request is not eligible."))
    if decision == "ineligible":
        return move(db, "requests", request, "ineligible", actor, comment=reason, version=version)
    if decision != "eligible":
        raise Refused(_("Choose whether the request is eligible."))
    data = records.editable_data("requests", request) | {"eligibility": {"decision": "eligible", "reason": reason}}
    return save(db, "requests", request, data, actor, version)


def create_briefing(db, request, actor):
    """A draft briefing prefilled from an eligible request under review; the request moves to `briefing`."""
    if request.get("status") != "under_review":
        raise Refused(_("A briefing is written for a request under review."))
    if (request.get("eligibility") or {}).get("decision") != "eligible":
        raise Refused(_("Only an eligible request goes on to a briefing: record the eligibility decision first."))
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
        briefing = records.create("briefings", data, actor, db=db)
    except records.SaveRefused as refused:
        raise Refused(" ".join(_messages(refused.errors))) from None
    move(db, "requests", request, "briefing", actor, comment=briefing["reference"], action=True)
    return briefing


def year_counts(db, year=None):
    """Invitations and lots awarded per provider this year: {enterprise number: (invitations, awards)}."""
    year = year or now().year
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    counts = {}
    for briefing in db["briefings"].find({"invitations.sent_on": {"$gte": start, "$lt": end}}, {"invitations": 1}):
        for invitation in briefing.get("invitations", []):
            if invitation.get("sent_on") and start <= invitation["sent_on"] < end:
                invited, awarded = counts.get(invitation["provider"], (0, 0))
                counts[invitation["provider"]] = (invited + 1, awarded)
    for provider, awarded in awards.awards_per_provider(db, year).items():
        invited, _none = counts.get(provider, (0, 0))
        counts[provider] = (invited, awarded)
    return counts


def proposals(db, briefing):
    """For each lot: the active providers party to it in cascade order, with this year's counts.

    Cascade: the first provider not yet asked is proposed. Mini-competition: all are proposed.
    """
    counts = year_counts(db)
    invited = {(item["provider"], item["lot"]): item for item in briefing.get("invitations", [])}
    result = {}
    for lot in briefing.get("lots", []):
        providers = db["providers"].find({"lots.lot": lot, "status": "active"}, {"name": 1, "enterprise_number": 1, "lots": 1})
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


def invite(db, briefing, pairs, actor, version=None):
    """Invite providers (pairs of enterprise number and lot); once the briefing is out, they are sent today."""
    if briefing.get("status") not in INVITING:
        raise Refused(_("Providers can no longer be invited for this briefing."))
    if not pairs:
        raise Refused(_("Choose at least one provider to invite."))
    active = {doc["enterprise_number"] for doc in db["providers"].find({"status": "active"}, {"enterprise_number": 1})}
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
    saved = save(db, "briefings", briefing, data, actor, version)
    if sent:
        mailings.briefing_sent(db, saved)  # e-mail: the PDF to the providers invited after the briefing went out
    return saved


def record_response(db, briefing, index, response, amount, scores, actor, version=None):
    """Record a provider's answer: declined, or an offer with its amount and per-criterion scores (0 to 100)."""
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
    return save(db, "briefings", briefing, data, actor, version)


def _lot_name(db, lot):
    return label_cache(db).get("lots", lot)


def _provider_name(db, provider):
    return label_cache(db).get("providers", provider)


def cascade_ranks(db, lot):
    """The framework rank of each provider on `lot`: {enterprise number: rank}."""
    return {doc["enterprise_number"]: _rank(doc, lot)
            for doc in db["providers"].find({"lots.lot": lot}, {"enterprise_number": 1, "lots": 1})}


def _check_lot_open(db, briefing, lot):
    if lot not in briefing.get("lots", []):
        raise Refused(_("Choose one of the briefing's lots."))
    if lot in awards.by_lot(briefing):
        raise Refused(_("The lot %(lot)s is already decided.", lot=_lot_name(db, lot)))


def award_lot(db, briefing, lot, provider, amount, reason, actor, version=None):
    """Award one lot of the briefing to a provider's offer, or raise Refused saying why not.

    The proposal is the best-ranked offer; another choice needs a written reason, kept with
    the award and in the audit trail. The briefing becomes `awarded` once every lot is decided.
    """
    if briefing.get("status") != "offers_received":
        raise Refused(_("A briefing is awarded once its offers are received."))
    deadline = briefing.get("offer_deadline")
    if deadline is None or now() < deadline:
        raise Refused(_("The offer deadline is %(deadline)s; awards open after it.", deadline=moment(deadline)))
    _check_lot_open(db, briefing, lot)
    reason = (reason or "").strip()
    data = records.editable_data("briefings", briefing)
    offer = next((index for index, item in enumerate(briefing.get("invitations", []))
                  if item["lot"] == lot and item["provider"] == provider and item.get("response") == "offer"), None)
    names = {"name": _provider_name(db, provider), "lot": _lot_name(db, lot)}
    if not any(item["lot"] == lot and item["provider"] == provider for item in briefing.get("invitations", [])):
        raise Refused(_("%(name)s was not invited for the lot %(lot)s.", **names))
    if offer is None:
        raise Refused(_("%(name)s made no offer on the lot %(lot)s.", **names))
    if db["providers"].find_one({"enterprise_number": provider, "lots.lot": lot}, {"_id": 1}) is None:
        raise Refused(_("%(name)s is no longer party to the lot %(lot)s.", **names))
    ranks = cascade_ranks(db, lot)
    if briefing.get("award_route") == "cascade":
        _check_cascade(db, briefing, provider, lot)
    else:
        best = awards.best_offers(briefing, lot, ranks)
        if best and provider not in {item.provider for item in best} and not reason:
            raise Refused(_(
                "%(name)s has the best score on the lot %(lot)s (%(score)s): give the reason for choosing another offer.",
                name=_provider_name(db, best[0].provider), lot=_lot_name(db, lot), score=best[0].total,
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
    return _decide(db, briefing, data, entry, actor, version)


def close_lot(db, briefing, lot, reason, actor, version=None):
    """Close one lot of the briefing without award, with the reason; the briefing follows once every lot is decided."""
    if briefing.get("status") not in ("sent", "offers_received"):
        raise Refused(_("A lot is closed without award once the briefing is sent."))
    _check_lot_open(db, briefing, lot)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why the lot %(lot)s is closed without award.", lot=_lot_name(db, lot)))
    data = records.editable_data("briefings", briefing)
    entry = {"lot": lot, "outcome": "no_award", "awarded_on": _today().date().isoformat(),
             "route": briefing.get("award_route", "cascade"), "reason": reason}
    return _decide(db, briefing, data, entry, actor, version)


def _decide(db, briefing, data, entry, actor, version):
    """Add a lot's decision; when every lot is decided, the briefing is awarded (or cancelled if nothing was)."""
    data["awards"] = data.get("awards", []) + [entry]
    if not awards.fully_decided(briefing, data["awards"]):
        saved = save(db, "briefings", briefing, data, actor, version)
    elif any(item["outcome"] == "awarded" for item in data["awards"]):
        saved = move(db, "briefings", briefing, "awarded", actor, comment=entry.get("reason", ""), version=version,
                     changes=data, action=True)
    else:
        saved = move(db, "briefings", briefing, "cancelled", actor, comment=entry["reason"], version=version, changes=data)
    mailings.lot_decided(db, saved, entry["lot"])  # e-mail: the letters on this lot's decision, through the outbox
    return saved


def _check_cascade(db, briefing, provider, lot):
    """In a cascade, every provider ranked before the chosen one must have declined."""
    answers = {item["provider"]: item.get("response") for item in briefing.get("invitations", []) if item["lot"] == lot}
    for other in db["providers"].find({"lots.lot": lot, "status": "active"}, {"enterprise_number": 1, "lots": 1, "name": 1}):
        number = other["enterprise_number"]
        if number != provider and _rank(other, lot) < _rank_of(db, provider, lot) and answers.get(number) != "declined":
            raise Refused(
                _("In the cascade, %(name)s comes first: it must decline before the next provider is chosen.", name=other["name"])
            )


def _rank_of(db, provider, lot):
    doc = db["providers"].find_one({"enterprise_number": provider}, {"lots": 1})
    return _rank(doc or {}, lot)
