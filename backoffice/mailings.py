"""What the centre e-mails on each action: the briefing to every invited provider (and, next, the award letters).

Each message is queued in the outbox under the key of its action, in the provider's
language, then sent at once when a mail server is configured (`backoffice.outbox`).
"""
from flask import render_template
from flask_babel import force_locale

from backoffice import documents, outbox
from backoffice.formatting import moment
from backoffice.i18n import _
from backoffice.references import LabelCache
from schemas.choices import MUNICIPALITIES

WRITTEN_LANGUAGES = ("fr", "nl")


def provider_language(provider, preferred):
    """The language to write to a provider in: `preferred` when it works in it, else its first of French and Dutch."""
    languages = [code for code in (provider or {}).get("languages", []) if code in WRITTEN_LANGUAGES]
    if preferred in languages or not languages:
        return preferred if preferred in WRITTEN_LANGUAGES else "fr"
    return languages[0]


def briefing_key(briefing, provider):
    """The outbox key of a briefing sent to one provider: whatever happens, it is mailed to it once."""
    return f"briefing:{briefing['reference']}:{provider}"


def briefing_sent(db, briefing):
    """E-mail the briefing's PDF to every invited provider not mailed yet, each in its language; return the keys."""
    lots_by_provider = {}
    for invitation in briefing.get("invitations", []):
        if invitation.get("sent_on"):
            lots_by_provider.setdefault(invitation["provider"], []).append(invitation["lot"])
    new = [number for number in lots_by_provider if db[outbox.COLLECTION].find_one({"key": briefing_key(briefing, number)}) is None]
    if not new:
        return []
    # One PDF for every provider: it is the briefing's document, in the briefing's language.
    pdf = documents.briefing_pdf(db, briefing)
    request_doc = db["requests"].find_one({"reference": briefing["request"]}) or {}
    keys = []
    for number in new:
        provider = db["providers"].find_one({"enterprise_number": number}) or {}
        language = provider_language(provider, briefing.get("language", "fr"))
        with force_locale(language):
            labels = LabelCache(db)
            subject = _("Invitation to tender: briefing %(reference)s", reference=briefing["reference"])
            body = render_template(
                "mail/briefing_invitation.txt", briefing=briefing, provider=provider, request_doc=request_doc,
                lots=[labels.get("lots", code) for code in lots_by_provider[number]],
                municipality=str(MUNICIPALITIES.get(request_doc.get("municipality"), "")),
                deadline=documents.deadline_text(briefing.get("offer_deadline")),
                centre=documents.centre(language), moment=moment,
            )
        key = briefing_key(briefing, number)
        outbox.queue(
            db, key, (provider.get("contact") or {}).get("email"), subject, body, language, ("briefings", briefing["reference"]),
            [(documents.briefing_filename(briefing), "application/pdf", pdf)],
        )
        keys.append(key)
    outbox.send_pending(db, keys)
    return keys
