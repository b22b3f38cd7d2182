"""The documents the centre sends: the briefing (print view and PDF) and the letters on each lot's decision.

One template per document serves both the browser's print view and the PDF made by
WeasyPrint on the server: `render_document` fills it in the document's own language, and
`pdf_bytes` turns the result into PDF with the stylesheet and the logo read from the
package's own static folder (WeasyPrint is never allowed to fetch anything else).

Filling the template takes milliseconds; WeasyPrint takes up to a second. An action that
mails PDFs makes them before its write transaction (`Renderings`), so other writers never
wait for WeasyPrint.
"""
import datetime as dt
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import format_date, format_datetime, format_decimal
from markupsafe import Markup

from backoffice.formatting import day, moment, money
from backoffice.i18n import _, current_language, force_locale
from backoffice.references import LabelCache
from schemas.choices import AWARD_ROUTES, MUNICIPALITIES

STATIC = Path(__file__).resolve().parent / "static"


def watermark(status):
    """The word printed across a briefing that cannot be sent as it is, in the current language ('' when sendable)."""
    if status == "draft":
        return _("DRAFT")
    if status == "cancelled":
        return _("CANCELLED")
    return ""


def centre(language):
    """The purchasing centre's letterhead and contact, from the settings, for a document in `language`."""
    config = current_app.config
    return {
        "address": config["CENTRE_ADDRESS_NL"] if language == "nl" else config["CENTRE_ADDRESS_FR"],
        "email": config["CENTRE_EMAIL"],
        "phone": config["CENTRE_PHONE"],
        "framework_reference": config["FRAMEWORK_REFERENCE"],
    }


def css_string(text):
    """`text` as a CSS string literal (for the page margins' `content`), safe inside a <style> element."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")
    return Markup(f'"{escaped}"')


def page_numbers():
    """The CSS `content` of "Page 1 of 3" in the current language: one translated sentence around two counters."""
    text = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    head, _sep, rest = text.partition("\x00")
    middle, _sep, tail = rest.partition("\x01")
    parts = [css_string(head), "counter(page)", css_string(middle), "counter(pages)", css_string(tail)]
    return Markup(" ".join(part for part in parts if part != '""'))


def deadline_text(value):
    """An offer deadline in Brussels time, naming the time zone: `15 mars 2027 12:00 (heure de Bruxelles, UTC+01:00)`."""
    if value is None:
        return ""
    offset = format_datetime(value.replace(tzinfo=dt.timezone.utc), "xxx")
    return _("%(moment)s (Brussels time, UTC%(offset)s)", moment=moment(value), offset=offset)


def issued_on(briefing):
    """The briefing's issue date: the day it was sent, or its last change while it is not sent."""
    for entry in reversed(briefing.get("status_history", [])):
        if entry.get("to") == "sent":
            return entry["at"]
    return briefing.get("updated_at") or briefing.get("created_at")


def cancellation(briefing):
    """When and why a cancelled briefing was cancelled ({on, reason}), or None."""
    if briefing.get("status") != "cancelled":
        return None
    entry = next((item for item in reversed(briefing.get("status_history", [])) if item.get("to") == "cancelled"), None)
    if entry is None or not entry.get("comment"):
        return None
    return {"on": format_date(entry["at"].date(), "long"), "reason": entry["comment"]}


def briefing_context(store, briefing):
    """Everything the briefing template shows, read and formatted in the current language."""
    request_doc = store.find_one("requests", {"reference": briefing["request"]}) or {}
    language = briefing.get("language", "fr")
    # A fresh cache: names must be read in the briefing's language, not the page's.
    labels = LabelCache(store)
    lots = []
    for code in briefing.get("lots", []):
        lot = store.find_one("lots", {"code": code}) or {}
        lots.append({
            "label": labels.get("lots", code),
            "scope": lot.get(f"description_{language}") or lot.get("description_fr") or "",
        })
    staff = None
    if request_doc.get("assigned_to"):
        user = store.find_one("users", {"email": request_doc["assigned_to"]}) or {}
        staff = {"name": user.get("name") or request_doc["assigned_to"], "email": request_doc["assigned_to"]}
    issued = issued_on(briefing)
    return {
        "briefing": briefing,
        "request_doc": request_doc,
        "lots": [lot["label"] for lot in lots],
        "lot_details": lots,
        "municipality": str(MUNICIPALITIES.get(request_doc.get("municipality"), "")),
        "route": str(AWARD_ROUTES.get(briefing.get("award_route"), "")),
        "centre": centre(language),
        "staff": staff,
        "watermark": watermark(briefing.get("status")),
        "cancellation": cancellation(briefing),
        "issued": format_date(issued.date(), "long") if issued else "",
        "deadline": deadline_text(briefing.get("offer_deadline")),
        "expected_start": day(request_doc.get("expected_start")),
        "expected_end": day(request_doc.get("expected_end")),
        "page_numbers": page_numbers(),
        "css_string": css_string,
        "money": money,
        "moment": moment,
    }


def render_document(template, language, context_of, pdf=False):
    """Render `template` in `language` with the context `context_of()` builds (under that language).

    `pdf` makes the stylesheet and logo local files for WeasyPrint and leaves out the print button.
    """
    with force_locale(language):
        context = context_of()
        return render_template(template, pdf=pdf, asset=_pdf_asset if pdf else _web_asset, **context)


def _web_asset(name):
    return url_for("static", filename=name)


def _pdf_asset(name):
    return (STATIC / name).as_uri()


def pdf_bytes(html):
    """The PDF of an HTML document rendered with `pdf=True`."""
    from weasyprint import HTML  # imported when needed: loading pango takes a moment

    return HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=_static_fetcher()).write_pdf()


def _static_fetcher():
    """WeasyPrint's fetcher, limited to the package's static files: a document never reaches the network."""
    from weasyprint.urls import URLFetcher

    root = STATIC.as_uri() + "/"

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(root) or ".." in url:
                raise ValueError(f"not one of the app's static files: {url}")
            return super().fetch(url, headers)

    return StaticFetcher(allowed_protocols=("file",))


class Outdated(Exception):
    """A document rendered inside a transaction is not one made before it: what it shows changed meanwhile."""


class Renderings:
    """PDFs made before an action's transaction, each kept under the exact HTML it was made from.

    Before the transaction, the action lists its messages from the record as it will be
    saved: `pdf(html)` makes each PDF (WeasyPrint, the slow part). Then `freeze()`; inside
    the transaction the same documents are filled again from the records as they are then
    (milliseconds) and `pdf(html)` only hands back a PDF already made from that very HTML.
    So the PDF written is the PDF of what was saved, and one whose content changed meanwhile
    (someone edited the request, a provider, a lot it shows) raises `Outdated`: the action is
    refused and nothing is written.
    """

    def __init__(self):
        self._made = {}
        self._frozen = False

    def freeze(self):
        """From now on, make no PDF: a document not made yet raises Outdated."""
        self._frozen = True

    def pdf(self, html):
        """The PDF of `html` (made now unless frozen, or found among those made)."""
        if html not in self._made:
            if self._frozen:
                raise Outdated()
            self._made[html] = pdf_bytes(html)
        return self._made[html]


def _pdf_of(html, renderings):
    return renderings.pdf(html) if renderings is not None else pdf_bytes(html)


def briefing_pdf(store, briefing, renderings=None):
    """The briefing as the PDF sent to providers, in the briefing's language (made now, or taken from `renderings`)."""
    language = briefing.get("language", "fr")
    html = render_document("briefing_print.html", language, lambda: briefing_context(store, briefing), pdf=True)
    return _pdf_of(html, renderings)


def briefing_filename(briefing):
    """The name a briefing's PDF is downloaded and attached under."""
    return f"{briefing['reference']}.pdf"


def letter_context(store, briefing, award, provider, kind, ranking):
    """What a letter about one lot's decision shows to one provider, in the current language.

    `ranking` is the lot's ranked offers (`awards.ranking`); the provider's own offer gives
    its score and rank, the chosen offer the winner's name and score.
    """
    labels = LabelCache(store)
    request_doc = store.find_one("requests", {"reference": briefing["request"]}) or {}
    lot_name = labels.get("lots", award["lot"])
    offer = next((item for item in ranking if item.provider == provider.get("enterprise_number")), None)
    winner = next((item for item in ranking if item.provider == award.get("provider")), None)
    subjects = {
        "award": _("Award of the lot %(lot)s — briefing %(reference)s", lot=lot_name, reference=briefing["reference"]),
        "regret": _("Your offer for the lot %(lot)s — briefing %(reference)s", lot=lot_name, reference=briefing["reference"]),
        "no_award": _("Lot %(lot)s closed without award — briefing %(reference)s", lot=lot_name, reference=briefing["reference"]),
    }
    return {
        "kind": kind,
        "subject": subjects[kind],
        "briefing": briefing,
        "award": award,
        "provider": provider,
        "request_doc": request_doc,
        "lot_name": lot_name,
        "offer": offer,
        "offers": len([item for item in ranking if item.rank is not None]) or len(ranking),
        "winner_name": labels.get("providers", award["provider"]) if award.get("provider") else "",
        "winner_total": winner.total if winner else None,
        "centre": centre(current_language()),
        "date": format_date(award["awarded_on"].date() if isinstance(award["awarded_on"], dt.datetime) else award["awarded_on"], "long"),
        "language": current_language(),
        "page_numbers": page_numbers(),
        "css_string": css_string,
        "money": money,
        "number": format_decimal,
    }


def letter_pdf(store, briefing, award, provider, kind, ranking, language, renderings=None):
    """A letter about one lot's decision as PDF, in `language`; returns (subject, PDF bytes) (see `briefing_pdf`)."""
    with force_locale(language):
        context = letter_context(store, briefing, award, provider, kind, ranking)
    html = render_document("letter.html", language, lambda: letter_context(store, briefing, award, provider, kind, ranking), pdf=True)
    return context["subject"], _pdf_of(html, renderings)


def letter_filename(briefing, lot, kind, provider):
    """The name a letter is attached under: `BRF-2026-0007-L2-award-0123456749.pdf`."""
    return f"{briefing['reference']}-{lot}-{kind.replace('_', '-')}-{provider}.pdf"
