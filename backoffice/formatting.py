"""Values as a person reads them, in the current language: amounts, dates, choices, references."""
import datetime as dt
import functools
from decimal import Decimal

from babel import Locale, dates, numbers

from flask_babel import get_timezone
from markupsafe import Markup, escape

from backoffice.i18n import _, current_language
from schemas.translation import locale as page_locale
from schemas import fields as sf


def money(cents):
    """Integer cents as euro in the locale's way: `1 234,56 €` (fr), `€ 1.234,56` (nl)."""
    if cents is None:
        return ""
    return _money(cents, page_locale())


@functools.lru_cache(maxsize=4096)
def _money(cents, locale):
    # Babel's formatting is a tenth of a details page's cells; an amount reads the same in a locale every time.
    return numbers.format_currency(Decimal(cents) / 100, "EUR", locale=locale)


def day(value):
    """A stored day (midnight UTC) in the locale's medium form: `28 nov. 2026`."""
    if value is None:
        return ""
    return _day(value.date() if isinstance(value, dt.datetime) else value, dated(page_locale()))


# English pages write days and times as English is written in Brussels (and as their forms are typed):
# 1 Feb 2027, 14:30, not Feb 1, 2027, 2:30 PM.
BRITISH = Locale("en", "GB")


def dated(locale):
    """The locale whose date and time patterns a page in `locale` shows (British ones for English)."""
    return BRITISH if locale is not None and locale.language == "en" else locale


@functools.lru_cache(maxsize=4096)
def _day(date, locale):
    # As moments: Babel's pattern formatting, kept per locale for the days a page shows again.
    return dates.format_date(date, "medium", locale=locale)


def moment(value):
    """A stored naive-UTC moment in Brussels time: the medium date and the short time, `28 nov. 2026 14:05`."""
    if value is None:
        return ""
    return _moment(value, dated(page_locale()), get_timezone())


@functools.lru_cache(maxsize=4096)
def _moment(value, locale, tzinfo):
    # Babel takes some 45 µs a moment, and a details page shows half a dozen (its history, its
    # timestamps), the same ones each time the record is opened again: kept per locale and zone.
    # One formatting with both patterns, rather than a date and a time each converted to Brussels time.
    pattern = f"{locale.date_formats['medium'].pattern} {locale.time_formats['short'].pattern}"
    return dates.format_datetime(value.replace(tzinfo=dt.timezone.utc), pattern, locale=locale, tzinfo=tzinfo)


def bilingual(doc, base):
    """The French or Dutch text of a field pair (`name_fr` / `name_nl`) in the current language.

    When that language's text is missing, the other one is shown with a visible marker;
    English pages read the English text (`name_en`) when there is one, else the French.
    """
    language = current_language()
    if language == "en" and doc.get(f"{base}_en"):
        return doc[f"{base}_en"]
    own, other = ("nl", "fr") if language == "nl" else ("fr", "nl")
    if doc.get(f"{base}_{own}"):
        return doc[f"{base}_{own}"]
    if doc.get(f"{base}_{other}"):
        return f"{doc[f'{base}_{other}']} {_('[translation missing]')}"
    return ""


def choice(field, value):
    """The translated label of a closed-list value (the raw value if unknown)."""
    if value is None:
        return ""
    return str(field.choices.get(value, value))


def value_text(field, value, labels):
    """Any stored value of a schema field as text; `labels` names referenced records."""
    if value is None or value == []:
        return ""
    return formatter_for(field, labels)(value)


def formatter_for(field, labels):
    """The function that writes a schema field's (non-empty) values as text: the field's kind looked at once.

    An export calls it once per column, not once per cell.
    """
    if isinstance(field, sf.RefList):
        return lambda value: ", ".join(labels.get(field.collection, key) for key in value)
    if isinstance(field, sf.Ref):
        return lambda value: labels.get(field.collection, value)
    if isinstance(field, sf.ChoiceList):
        return lambda value: ", ".join(choice(field, item) for item in value)
    if isinstance(field, sf.Choice):
        return lambda value: choice(field, value)
    if isinstance(field, sf.Money):
        return money
    if isinstance(field, sf.Date):
        return day
    if isinstance(field, sf.LocalDateTime):
        return moment
    if isinstance(field, sf.EnterpriseNumber):
        return sf.format_enterprise_number
    if isinstance(field, sf.Phone):
        return sf.format_phone
    if isinstance(field, sf.Boolean):
        return lambda value: _("Yes") if value else _("No")
    if isinstance(field, sf.NestedList):
        inner = field.inner.schema.fields
        return lambda value: " | ".join(
            ", ".join(text for name, sub in inner.items() if (text := value_text(sub, row.get(name), labels)))
            for row in value
        )
    if isinstance(field, sf.Nested):
        return lambda value: "; ".join(
            text for name, sub in field.schema.fields.items() if (text := value_text(sub, value.get(name), labels))
        )
    return str


def table_html(field, rows, labels, link=None):
    """A list of sub-documents (lots and ranks, invitations) as a small escaped HTML table.

    `link(collection, key, text)`, when given, makes each reference a link to its record.
    """
    if not rows:
        return ""
    columns = [(name, sub) for name, sub in field.inner.schema.fields.items() if not sub.dump_only]
    head = "".join(f"<th scope=\"col\">{escape(sub.metadata['label'])}</th>" for _name, sub in columns)

    def cell(sub, value):
        text = value_text(sub, value, labels)
        if link is not None and value and isinstance(sub, sf.Ref):
            return str(link(sub.collection, value, text))
        return str(escape(text))

    body = "".join(
        "<tr>" + "".join(f"<td>{cell(sub, row.get(name))}</td>" for name, sub in columns) + "</tr>"
        for row in rows
    )
    return Markup(f'<table class="table table-sm table-bordered mb-0"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
