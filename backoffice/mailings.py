"""What the centre e-mails on each action: the briefing to every invited provider, the letters on each lot's decision.

Each message is queued in the outbox under the key of its action, in the provider's
language, then sent at once when a mail server is configured (`backoffice.outbox`).
`briefing_messages` and `letter_messages` list the messages without writing anything, so
an action makes their PDFs before its transaction and queues them inside it.
"""
from dataclasses import dataclass, field

from flask import render_template

from backoffice import awards, documents, outbox, system_records
from backoffice.formatting import moment
from backoffice.guards import Reason
from backoffice.i18n import _, force_locale
from backoffice.references import LabelCache
from schemas.choices import MUNICIPALITIES

WRITTEN_LANGUAGES = ("fr", "nl")


class MailRefused(Exception):
    """A provider's e-mail was refused by the outbox's schema: `reason` names the provider and the field, with a link to fix it."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _queue(store, provider, key, to, *args):
    """Queue one provider's message (`outbox.queue`); MailRefused naming the provider when its schema refuses it.

    Raised inside the action's transaction: nothing of the action is written, nothing is sent.
    """
    try:
        return outbox.queue(store, key, to, *args)
    except system_records.RecordRefused as refused:
        name = provider.get("name") or provider.get("enterprise_number") or ""
        message = _("The e-mail to %(provider)s could not be written (%(problems)s): nothing was saved or sent. "
                    "Correct the provider's record, then try again.", provider=name, problems=refused.problems())
        fix = ("providers.edit_view", {"id": str(provider["_id"])}, _("Edit the provider")) if provider.get("_id") else None
        raise MailRefused(Reason.of(message, fix)) from None


def provider_language(provider, preferred):
    """The language to write to a provider in: `preferred` when it works in it, else its first of French and Dutch."""
    languages = [code for code in (provider or {}).get("languages", []) if code in WRITTEN_LANGUAGES]
    if preferred in languages or not languages:
        return preferred if preferred in WRITTEN_LANGUAGES else "fr"
    return languages[0]


def _sent_lots(briefing):
    """{provider: [lots]} of the invitations the briefing went out with."""
    lots_by_provider = {}
    for invitation in briefing.get("invitations", []):
        if invitation.get("sent_on"):
            lots_by_provider.setdefault(invitation["provider"], []).append(invitation["lot"])
    return lots_by_provider


def _provider(store, number):
    """The provider with this enterprise number (its number for a name when it is gone)."""
    return store.find_one("providers", {"enterprise_number": number}) or {"enterprise_number": number, "name": number}


def _address(provider):
    return (provider.get("contact") or {}).get("email")


def _queued(store, key):
    return store.find_one(outbox.COLLECTION, {"key": key}) is not None


def briefing_key(briefing, provider):
    """The outbox key of a briefing sent to one provider: whatever happens, it is mailed to it once."""
    return f"briefing:{briefing['reference']}:{provider}"


@dataclass
class Message:
    """One e-mail an action is about to queue to a provider: `outbox.queue`'s arguments, its PDFs already made."""

    provider: dict
    key: str
    to: str
    subject: str
    body: str
    language: str
    record: tuple
    attachments: list = field(default_factory=list)


def queue_messages(store, messages):
    """Queue the messages in the outbox (inside the action's transaction); return their keys.

    A message the outbox's schema refuses raises MailRefused naming its provider.
    """
    for message in messages:
        _queue(store, message.provider, message.key, message.to, message.subject, message.body, message.language,
               message.record, message.attachments)
    return [message.key for message in messages]


def briefing_messages(store, briefing, renderings=None):
    """The e-mails carrying the briefing's PDF to every invited provider not mailed yet, each in its language.

    Nothing is written; the PDF is made, or taken from `renderings` (`documents.Renderings`).
    """
    lots_by_provider = _sent_lots(briefing)
    new = [number for number in lots_by_provider if not _queued(store, briefing_key(briefing, number))]
    if not new:
        return []
    # One PDF for every provider: it is the briefing's document, in the briefing's language.
    pdf = documents.briefing_pdf(store, briefing, renderings)
    request_doc = store.find_one("requests", {"reference": briefing["request"]}) or {}
    messages = []
    for number in new:
        provider = _provider(store, number)
        language = provider_language(provider, briefing.get("language", "fr"))
        with force_locale(language):
            labels = LabelCache(store)
            subject = _("Invitation to tender: briefing %(reference)s", reference=briefing["reference"])
            body = render_template(
                "mail/briefing_invitation.txt", briefing=briefing, provider=provider, request_doc=request_doc,
                lots=[labels.get("lots", code) for code in lots_by_provider[number]],
                municipality=str(MUNICIPALITIES.get(request_doc.get("municipality"), "")),
                deadline=documents.deadline_text(briefing.get("offer_deadline")),
                centre=documents.centre(language), moment=moment,
            )
        messages.append(Message(
            provider, briefing_key(briefing, number), _address(provider), subject, body, language,
            ("briefings", briefing["reference"]), [(documents.briefing_filename(briefing), "application/pdf", pdf)],
        ))
    return messages


def letter_key(briefing, lot, provider):
    """The outbox key of the letter on one lot's decision to one provider: sent once per lot and provider."""
    return f"lot-decision:{briefing['reference']}:{lot}:{provider}"


def letter_messages(store, briefing, lot, renderings=None):
    """The letters on a lot's decision: the award letter to the chosen provider, a letter to every other tenderer.

    Each letter is a PDF in the provider's language, with its score and rank; a lot closed
    without award tells every tenderer why. Only those not queued yet; nothing is written,
    the PDFs are made or taken from `renderings` (see `briefing_messages`).
    """
    from backoffice import workflow  # the workflow calls this module: imported here, not at load time

    award = awards.by_lot(briefing).get(lot)
    if award is None:
        return []
    ranks = workflow.cascade_ranks(store, lot) if briefing.get("award_route") == "cascade" else None
    ranking = awards.ranking(briefing, lot, ranks)
    recipients = [(offer.provider, "award" if offer.provider == award.get("provider") else "regret") for offer in ranking]
    if award.get("outcome") != "awarded":
        recipients = [(provider, "no_award") for provider, _kind in recipients]
    elif award.get("provider") not in {offer.provider for offer in ranking}:
        recipients.insert(0, (award["provider"], "award"))
    messages = []
    for number, kind in recipients:
        key = letter_key(briefing, lot, number)
        if _queued(store, key):
            continue
        provider = _provider(store, number)
        language = provider_language(provider, briefing.get("language", "fr"))
        subject, pdf = documents.letter_pdf(store, briefing, award, provider, kind, ranking, language, renderings)
        with force_locale(language):
            body = render_template("mail/lot_decision.txt", subject=subject, kind=kind, centre=documents.centre(language))
        messages.append(Message(
            provider, key, _address(provider), subject, body, language,
            ("briefings", briefing["reference"]), [(documents.letter_filename(briefing, lot, kind, number), "application/pdf", pdf)],
        ))
    return messages


def cancellation_key(briefing, provider):
    """The outbox key of the notice that a briefing is cancelled, to one provider: sent once."""
    return f"briefing-cancelled:{briefing['reference']}:{provider}"


def cancellation_messages(store, briefing, reason):
    """The notices that the briefing is cancelled, and why, to every provider it was sent to, each in its language.

    Plain text (no PDF). Providers invited but never sent the briefing (a draft) were told
    nothing, so they are told nothing now. Nothing is written.
    """
    messages = []
    for number, lots in _sent_lots(briefing).items():
        key = cancellation_key(briefing, number)
        if _queued(store, key):
            continue
        provider = _provider(store, number)
        language = provider_language(provider, briefing.get("language", "fr"))
        with force_locale(language):
            labels = LabelCache(store)
            subject = _("Briefing %(reference)s cancelled", reference=briefing["reference"])
            body = render_template(
                "mail/briefing_cancelled.txt", briefing=briefing, provider=provider, reason=reason,
                lots=[labels.get("lots", code) for code in lots], centre=documents.centre(language),
            )
        messages.append(Message(provider, key, _address(provider), subject, body, language, ("briefings", briefing["reference"])))
    return messages
