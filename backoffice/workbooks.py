"""XLSX workbooks of the lists and reports: typed cells, written streamed by XlsxWriter.

XlsxWriter's constant_memory mode writes each row to a temporary file as soon as it is
complete, so a workbook of 100,000 lines costs no more memory than one of 100; the
finished file is then sent from disk. Amounts are numbers with a euro format, days are
dates, enterprise and phone numbers are text cells (a spreadsheet cannot turn them into
numbers), the header is bold, frozen and filterable, and a second sheet says what the
file holds: the list's search, filters and sort or the report's period, the language,
when and by whom it was exported.
"""
import datetime as dt
import tempfile
from decimal import Decimal

import xlsxwriter
from flask import Response

from backoffice import exports
from backoffice.formatting import formatter_for
from backoffice.i18n import _, current_language
from schemas import fields as sf

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EURO = '#,##0.00 "€"'
DAY = "dd/mm/yyyy"
MOMENT = "dd/mm/yyyy hh:mm"
# Column widths in characters: at least the header's, at most this, from the first batch of lines.
MIN_WIDTH, MAX_WIDTH = 8, 60
CHUNK = 64 * 1024
# Characters a sheet name may not hold.
SHEET_NAME_BANNED = str.maketrans({char: " " for char in "[]:*?/\\"})


class Book:
    """An XlsxWriter workbook in constant-memory mode with the formats every sheet uses."""

    def __init__(self, target):
        self.workbook = xlsxwriter.Workbook(target, {
            "constant_memory": True,
            # Text stays text: never read as a number, a formula or a link.
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        add = self.workbook.add_format
        self.formats = {
            "header": add({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E9ECEF", "bottom": 1}),
            "money": add({"num_format": EURO}),
            "day": add({"num_format": DAY}),
            "moment": add({"num_format": MOMENT}),
            "number": add({}),
            "decimal": add({"num_format": "0.0"}),
            "text": add({"num_format": "@"}),
            "total_label": add({"bold": True, "top": 1}),
            "total": add({"bold": True, "top": 1}),
            "total_money": add({"bold": True, "top": 1, "num_format": EURO}),
            "total_decimal": add({"bold": True, "top": 1, "num_format": "0.0"}),
            "title": add({"bold": True, "font_size": 13}),
            "label": add({"bold": True}),
        }

    def sheet(self, name):
        """A new worksheet named `name` (cut to Excel's 31 characters, without the characters it refuses)."""
        return self.workbook.add_worksheet(str(name).translate(SHEET_NAME_BANNED)[:31] or None)

    def write(self, sheet, row, column, kind, value):
        """One typed cell."""
        if value is None or value == "":
            return
        if kind in ("money", "day", "moment"):
            writer = sheet.write_datetime if kind in ("day", "moment") else sheet.write_number
            writer(row, column, value, self.formats[kind])
        elif kind in ("number", "decimal"):
            sheet.write_number(row, column, value, self.formats[kind])
        else:
            sheet.write_string(row, column, str(value), self.formats["text"] if kind == "text" else None)

    def header(self, sheet, titles, widths):
        """The bold, frozen header row, with the column widths (constant_memory needs them before any row)."""
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        for column, title in enumerate(titles):
            sheet.write_string(0, column, str(title), self.formats["header"])
        sheet.freeze_panes(1, 0)

    def about(self, info):
        """The second sheet: what the file holds, in the reader's language."""
        sheet = self.sheet(_("About this file"))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 80)
        for row, (label, value) in enumerate(info):
            sheet.write_string(row, 0, str(label), self.formats["label"])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, 1, value)
            else:
                sheet.write_string(row, 1, str(value))

    def close(self):
        self.workbook.close()


def cell_kind(field, labels):
    """(kind, function giving the cell's value) for a schema field's non-empty values."""
    if isinstance(field, sf.Money):
        return "money", lambda cents: float(Decimal(cents) / 100)
    if isinstance(field, sf.Date):
        return "day", lambda value: value.date() if isinstance(value, dt.datetime) else value
    if isinstance(field, (sf.LocalDateTime, sf.Timestamp)):
        return "moment", brussels_time
    if isinstance(field, sf.Integer):
        return "number", int
    if isinstance(field, sf.EnterpriseNumber):
        return "text", sf.format_enterprise_number
    if isinstance(field, sf.Phone):
        return "text", sf.format_phone
    if isinstance(field, (sf.Choice, sf.ChoiceList)):
        return "string", lambda value: labels.choice_text(field, value)
    return "string", formatter_for(field, labels)


def brussels_time(value):
    """A stored naive-UTC moment as the Brussels wall-clock time a person reads (Excel has no time zones)."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(sf.BRUSSELS).replace(tzinfo=None)


def _width(title, lengths):
    """A column's width: its header (which wraps, so a little less) or its longest value, within bounds."""
    longest = max([len(str(title)) * 0.9] + list(lengths))
    return max(MIN_WIDTH, min(MAX_WIDTH, round(longest) + 2))


def _shown_length(kind, value):
    """How many characters a typed value takes on screen."""
    if kind == "money":
        return len(f"{value:,.2f} €")
    if kind == "day":
        return 10
    if kind == "moment":
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_list(target, store, name, filter, sort, info, sheet_name, search=()):
    """Write the workbook of a list: one line per record (per item where the schema says so); return the line count."""
    columns = exports.export_fields(name)
    per_item = exports.list_path(name)
    labels, batches_of_lines = exports.export_lines(store, name, filter, sort, search=search)
    cells = [(exports.cell_getter(path, per_item), *cell_kind(field, labels)) for path, field in columns.items()]
    titles = [exports.header(field, path) for path, field in columns.items()]
    book = Book(target)
    sheet = book.sheet(sheet_name)
    first = next(batches_of_lines, [])

    def values(doc, item):
        for value_of, kind, convert in cells:
            value = value_of(doc, item)
            yield kind, (None if value is None or value == [] else convert(value))

    first_rows = [list(values(doc, item)) for doc, item in first]
    widths = [
        _width(title, [_shown_length(*row[index]) for row in first_rows if row[index][1] is not None])
        for index, title in enumerate(titles)
    ]
    book.header(sheet, titles, widths)
    row_number = 0
    for row in first_rows:
        row_number += 1
        for column, (kind, value) in enumerate(row):
            book.write(sheet, row_number, column, kind, value)
    for page in batches_of_lines:
        for doc, item in page:
            row_number += 1
            for column, (kind, value) in enumerate(values(doc, item)):
                book.write(sheet, row_number, column, kind, value)
    sheet.autofilter(0, 0, max(row_number, 1), len(titles) - 1)
    book.about(list(info) + [(_("Lines"), row_number)])
    book.close()
    return row_number


def write_table(target, table, info, sheet_name):
    """Write the workbook of a report: the table with a filter on its rows, its totals in bold, its notes below."""
    book = Book(target)
    sheet = book.sheet(sheet_name)

    def kind_of(index, value):
        if index in table.money_columns:
            return "money"
        if index in table.decimal_columns or isinstance(value, (float, Decimal)):
            return "decimal"
        return "number" if isinstance(value, int) and not isinstance(value, bool) else "string"

    def typed(index, value):
        kind = kind_of(index, value)
        if value is None:
            return kind, None
        if kind == "money":
            return kind, float(Decimal(value) / 100)
        if kind == "decimal":
            return kind, float(value)
        return kind, value

    lines = list(table.rows) + list(table.totals)
    widths = [
        _width(title, [_shown_length(*typed(index, row[index])) for row in lines if row[index] is not None])
        for index, title in enumerate(table.headers)
    ]
    book.header(sheet, table.headers, widths)
    for number, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            book.write(sheet, number, column, *typed(column, value))
    sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.headers) - 1)
    for number, row in enumerate(table.totals, start=len(table.rows) + 1):
        for column, value in enumerate(row):
            kind, shown = typed(column, value)
            style = {"money": "total_money", "decimal": "total_decimal"}.get(kind, "total" if column else "total_label")
            if shown is not None:
                if kind in ("money", "decimal", "number"):
                    sheet.write_number(number, column, shown, book.formats[style])
                else:
                    sheet.write_string(number, column, str(shown), book.formats[style])
    after = len(table.rows) + len(table.totals) + 2
    for offset, note in enumerate(table.notes):
        sheet.write_string(after + offset, 0, str(note))
    book.about(list(info) + [(_("Notes"), " ".join(str(note) for note in table.notes))] if table.notes else info)
    book.close()
    return len(table.rows)


def export_info(what, details, actor):
    """The lines of the second sheet common to lists and reports."""
    return [
        (_("Contents"), what),
        *details,
        (_("Language"), {"fr": "français", "nl": "Nederlands", "en": "English"}[current_language()]),
        (_("Exported on"), brussels_time(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).strftime("%Y-%m-%d %H:%M")),
        (_("Exported by"), actor),
    ]


def xlsx_response(write, file_name):
    """Write the workbook to a temporary file with `write(file)`, then send it from disk in chunks."""
    spool = tempfile.TemporaryFile()
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while block := spool.read(CHUNK):
                yield block
        finally:
            spool.close()

    return Response(
        chunks(),
        mimetype=MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
