"""CSV exports that Excel opens right in Belgium: pure generation, plus a thin streaming response.

Rows are read from the store in bounded batches (`store.batches`, in `_id` order, or page
by page in the list's sort and search), so memory does not grow with the number of rows; values are
written as a person reads them, and text cells that a spreadsheet would run as a
formula are neutralised.
"""
import csv
import datetime as dt
from decimal import Decimal

from flask import Response, stream_with_context

from backoffice.formatting import formatter_for
from backoffice.i18n import current_language
from backoffice.paths import value_at
from backoffice.references import LabelCache
from schemas import fields as sf
from schemas.registry import ALL_SCHEMAS

BOM = "\ufeff"
BATCH = 500
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Line:
    """A file-like object whose write() hands the written line back, for csv.writer."""

    def write(self, text):
        return text


def export_fields(collection):
    """The exported columns of a collection as (dotted path, schema field), as its schema declares.

    A path into a list of sub-documents (`lots.rank`) names the field of its items: such
    columns give one line per item (`list_path`).
    """
    schema = ALL_SCHEMAS[collection]()
    flat = {}
    for path in ALL_SCHEMAS[collection].export_columns:
        node = schema
        field = None
        for part in path.split("."):
            field = node.fields[part]
            node = field.inner.schema if isinstance(field, sf.NestedList) else getattr(field, "schema", None)
        flat[path] = field
    return flat


def list_path(collection):
    """The list of sub-documents whose items each get their own line (a provider's lots), or None."""
    schema = ALL_SCHEMAS[collection]()
    for path in ALL_SCHEMAS[collection].export_columns:
        first = path.split(".")[0]
        if "." in path and isinstance(schema.fields[first], sf.NestedList):
            return first
    return None


def export_lines(store, name, filter, sort=None, size=BATCH, search=()):
    """Batches of (document, item) to export, in the list's order; `item` is the sub-document of a per-item line.

    The names the lines show are loaded once per batch into the returned LabelCache.
    """
    labels = LabelCache(store)
    columns = export_fields(name)
    per_item = list_path(name)
    schema_fields = ALL_SCHEMAS[name]().fields
    # The whole list field, so the names its items refer to are loaded with the batch.
    prefetch = {path: field for path, field in columns.items() if not per_item or not path.startswith(per_item + ".")}
    if per_item:
        prefetch[per_item] = schema_fields[per_item]

    def lines():
        for page in sorted_batches(store, name, filter, sort, size, search):
            labels.prefetch_documents(page, prefetch)
            if per_item:
                yield [(doc, item) for doc in page for item in (doc.get(per_item) or [None])]
            else:
                yield [(doc, None) for doc in page]

    return labels, lines()


def sorted_batches(store, name, filter, sort=None, size=BATCH, search=()):
    """Every match of `filter` (and of the search prefixes), `size` at a time: in `_id` order, or in the list's `sort`.

    A sorted or searched export reads page after page as the list does (the store ends
    every sort with a unique field or `_id`, so pages never overlap): memory stays bounded.
    """
    if not search and (not sort or list(sort) == [("_id", 1)]):
        yield from batches(store, name, filter, size)
        return
    skip = 0
    while True:
        page = store.page(name, filter, search=search, sort=sort or [("_id", 1)], skip=skip, limit=size).documents
        if page:
            yield page
        if len(page) < size:
            return
        skip += size


def cell_getter(path, per_item):
    """The value of one column for a line (document, item)."""
    if per_item and path.startswith(per_item + "."):
        rest = path[len(per_item) + 1:]
        return lambda doc, item: value_at(item, rest) if item else None
    value_of = getter(path)
    return lambda doc, item: value_of(doc)


def header(field, path):
    """A column title: the field's label in the current language."""
    return str(field.metadata.get("label", path))


def cell(field, value, labels, language):
    """One value as a person reads it: names for codes, ISO dates, euro amounts with the locale's decimal mark."""
    return column_cell(field, labels, language)(value)


def euro(cents, language):
    """Cents as a plain amount that a Belgian spreadsheet reads as a number: 1234,56 (1234.56 in English)."""
    return decimal_mark(str((Decimal(cents) / 100).quantize(Decimal("0.01"))), language)


def decimal_mark(number_text, language):
    """French and Dutch write a decimal comma."""
    return number_text if language == "en" else number_text.replace(".", ",")


def register_form(number):
    """An enterprise number as the register writes it with its country, `BE 0123.456.749`.

    Spreadsheets read `0123.456.749` as the number 123456749 (the dots as thousands
    separators, the leading zero dropped) in every Belgian locale; with the letters in
    front they keep the cell as text, and the schema reads this form back.
    """
    return f"BE {sf.format_enterprise_number(number)}"


def neutralise(text):
    """Prefix a text that a spreadsheet would read as a formula with a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def batches(store, name, filter, size=BATCH):
    """Every document matching `filter`, fetched `size` at a time in `_id` order."""
    return store.batches(name, filter, size)


def generate_csv(store, name, filter, delimiter=";", language=None, sort=None, search=()):
    """Yield the CSV text of every record of `name` matching `filter` (and the search prefixes), header first, a batch of lines at a time."""
    columns = export_fields(name)
    per_item = list_path(name)
    language = language or current_language()
    writer = csv.writer(Line(), delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield BOM + writer.writerow([header(field, path) for path, field in columns.items()])
    labels, batches_of_lines = export_lines(store, name, filter, sort, search=search)
    cells = [(cell_getter(path, per_item), column_cell(field, labels, language)) for path, field in columns.items()]
    for page in batches_of_lines:
        yield "".join(
            writer.writerow([to_cell(value_of(doc, item)) for value_of, to_cell in cells]) for doc, item in page
        )


def getter(path):
    """`value_at(doc, path)` for one column, with the path split once, not for every cell."""
    first, _dot, rest = path.partition(".")
    if not rest:
        return lambda doc: doc.get(first)

    def value_of(doc):
        node = doc.get(first)
        return value_at(node, rest) if isinstance(node, dict) else None

    return value_of


def column_cell(field, labels, language):
    """`cell()` for one column: the field's kind is looked at once, not for every row.

    A closed list's labels are translated once per export too (`LabelCache.choice_text`).
    """
    if isinstance(field, sf.LocalDateTime):
        def shown(value):
            return sf.local_time_text(value).replace("T", " ")
    elif isinstance(field, (sf.Date, sf.Timestamp)):
        def shown(value):
            return value.date().isoformat()
    elif isinstance(field, sf.Money):
        def shown(value):
            return euro(value, language)
    elif isinstance(field, sf.Integer):
        def shown(value):
            return value
    elif isinstance(field, (sf.Choice, sf.ChoiceList)):
        def shown(value):
            return neutralise(labels.choice_text(field, value))
    elif isinstance(field, sf.EnterpriseNumber):
        shown = register_form
    else:
        text = formatter_for(field, labels)

        def shown(value):
            return neutralise(text(value))

    def to_cell(value):
        return "" if value is None or value == [] else shown(value)

    return to_cell


def table_csv(table, language=None, delimiter=";"):
    """A report table as CSV text: a title line with the period, the headers, the rows, the totals, the notes.

    Amounts are in euro with the locale's decimal mark, counts are plain numbers.
    """
    language = language or current_language()
    writer = csv.writer(Line(), delimiter=delimiter, lineterminator="\r\n")
    lines = [BOM + writer.writerow([neutralise(str(table.title))] + ([str(table.period)] if table.period else []))]
    lines.append(writer.writerow([str(title) for title in table.headers]))
    for row in list(table.rows) + list(table.totals):
        lines.append(writer.writerow(_table_values(table, row, language)))
    for note in table.notes:
        lines.append(writer.writerow([neutralise(str(note))]))
    return "".join(lines)


def _table_values(table, row, language):
    values = []
    for index, value in enumerate(row):
        if value is None:
            values.append("")
        elif index in table.money_columns:
            values.append(euro(value, language))
        elif index in table.decimal_columns or isinstance(value, (float, Decimal)):
            values.append(decimal_mark(str(value), language))
        elif isinstance(value, str):
            values.append(neutralise(value))
        else:
            values.append(value)
    return values


# What each download is called, in the reader's language (file names stay plain ASCII).
FILE_NAMES = {
    "requests": {"fr": "demandes", "nl": "aanvragen", "en": "requests"},
    "briefings": {"fr": "cahiers-des-charges", "nl": "bestekken", "en": "briefings"},
    "providers": {"fr": "prestataires", "nl": "dienstverleners", "en": "providers"},
    "lots": {"fr": "lots", "nl": "percelen", "en": "lots"},
    "users": {"fr": "utilisateurs", "nl": "gebruikers", "en": "users"},
    "audit": {"fr": "historique", "nl": "historiek", "en": "audit-trail"},
}
REPORT_FILE_NAMES = {
    "by_lot": {"fr": "rapport-demandes-par-lot", "nl": "rapport-aanvragen-per-perceel", "en": "report-requests-per-lot"},
    "by_municipality": {
        "fr": "rapport-demandes-par-commune", "nl": "rapport-aanvragen-per-gemeente", "en": "report-requests-per-municipality",
    },
    "providers": {"fr": "rapport-prestataires", "nl": "rapport-dienstverleners", "en": "report-providers"},
    "ceilings": {"fr": "rapport-plafonds", "nl": "rapport-plafonds", "en": "report-ceilings"},
}


def file_name(collection, today=None, language=None, extension="csv"):
    """A list's download: `demandes-2026-12-01.csv` (fr), `aanvragen-2026-12-01.csv` (nl)."""
    language = language or current_language()
    base = FILE_NAMES.get(collection, {}).get(language, collection)
    return f"{base}-{(today or dt.date.today()).isoformat()}.{extension}"


def report_file_name(report, period, language=None, extension="csv"):
    """A report's download, named with its period: `rapport-prestataires-2025.csv`."""
    language = language or current_language()
    return f"{REPORT_FILE_NAMES[report][language]}-{period}.{extension}"


def csv_response(store, name, filter, delimiter=";", sort=None, search=()):
    """A streamed download of the export."""
    return Response(
        stream_with_context(generate_csv(store, name, filter, delimiter, sort=sort, search=search)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(name)}"',
            "Cache-Control": "no-store",
        },
    )
