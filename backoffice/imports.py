"""Imports of providers, requests and lots from CSV or XLSX, previewed before anything is written.

A file is read whole (at most 5 MB and 10,000 lines), its headers matched to the
collection's export columns in French, Dutch or English (so an edited export imports
back), and every line turned into the input its schema loads, with the stored record
of the same natural key as the base: columns the file lacks keep their stored value.
The preview says for each record whether it is new, changed (and how), unchanged or
refused (and why, by line and column). Writing happens only for a file without any
refused line, through `backoffice.records`, one audit entry per record plus one for the
import, all in one store transaction: every record of the file is written, or none.
"""
import csv
import datetime as dt
import hashlib
import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

import openpyxl

from backoffice import audit, exports, records
from backoffice.i18n import LANGUAGES, _, force_locale
from backoffice.paths import flat_fields
from backoffice.references import label_cache
from backoffice.store import Conflict
from backoffice.store.app import get_store
from schemas import fields as sf
from schemas.registry import ALL_SCHEMAS

COLLECTIONS = ("providers", "requests", "lots")
MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 10_000
# A cell starting with one of these would run as a formula when the data goes back to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number written with a sign is no formula: +32 2 515 61 11, -5.
SIGNED_NUMBER = re.compile(r"[+-][\d\s.,/()]+")
DAY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
LOT_CODE = re.compile(r"L\d{1,2}")


class ImportRefused(Exception):
    """The file as a whole cannot be imported (too big, unreadable, unknown columns); the message says why."""


@dataclass
class Line:
    """One record of the file: the lines it came from, what it would do, and why not."""

    lines: list
    key: str
    status: str = "new"  # new, changed, unchanged or error
    changes: list = dataclass_field(default_factory=list)
    # (line number, column title or None, message)
    errors: list = dataclass_field(default_factory=list)
    # {(line number, column title): the cell as written}
    cells: dict = dataclass_field(default_factory=dict)
    previous: dict = None
    doc: dict = None


@dataclass
class Preview:
    """What importing a file would do."""

    collection: str
    file_name: str
    titles: list
    records: list
    ignored: list = dataclass_field(default_factory=list)

    def count(self, status):
        return sum(record.status == status for record in self.records)

    @property
    def counts(self):
        return {status: self.count(status) for status in ("new", "changed", "unchanged", "error")}

    @property
    def ordered(self):
        """The records as the preview lists them: refused first, then changed, new and unchanged, each in file order."""
        rank = {"error": 0, "changed": 1, "new": 2, "unchanged": 3}
        return sorted(self.records, key=lambda record: rank[record.status])

    @property
    def importable(self):
        return bool(self.records) and not self.count("error")


# Reading the file -------------------------------------------------------------------


def read_rows(file_name, content):
    """The file's rows as lists of texts (an XLSX's first sheet, or a CSV in UTF-8 or Windows-1252)."""
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB; split it and import the parts one after the other."))
    if content.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) - 1 > MAX_LINES:
        raise ImportRefused(_("The file has more than 10,000 lines; split it and import the parts one after the other."))
    if not rows:
        raise ImportRefused(_("The file is empty."))
    return rows


def _csv_rows(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the Windows code page.
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return [[cell for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise ImportRefused(_("The file could not be read as CSV or XLSX.")) from None


def _xlsx_rows(content):
    try:
        # Formulas are read as written (data_only=False), so they are seen and refused, never computed.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRefused(_("The file could not be read as CSV or XLSX.")) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_LINES + 1:
                break
        return rows
    finally:
        book.close()


def _cell_text(value):
    """A workbook cell as the text a CSV would hold: days in ISO form, numbers with a decimal comma."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value)


# Headers ------------------------------------------------------------------------------


def _key(text):
    return " ".join(str(text).split()).casefold()


def column_titles(collection):
    """{title in any language (case and spaces ignored): dotted path} of the collection's export columns."""
    titles = {}
    for language in LANGUAGES:
        with force_locale(language):
            for path, field in exports.export_fields(collection).items():
                titles.setdefault(_key(exports.header(field, path)), path)
    return titles


def importable(collection, path, field):
    """Whether a column's values are read from the file: not the system's (dates of change, workflow status)."""
    schema = ALL_SCHEMAS[collection]
    return not field.dump_only and path.split(".")[0] not in schema.managed_fields


# Cells to schema input ----------------------------------------------------------------


class Reader:
    """Turns a cell's text into the value its schema field loads, reading labels in any language."""

    def __init__(self):
        self.choices = {}
        self.yes = set()
        self.no = set()
        for language in LANGUAGES:
            with force_locale(language):
                self.yes.add(_key(_("Yes")))
                self.no.add(_key(_("No")))

    def _choice(self, field):
        known = self.choices.get(id(field.choices))
        if known is None:
            known = {}
            for value in field.choices:
                known[_key(value)] = value
                for language in LANGUAGES:
                    with force_locale(language):
                        known.setdefault(_key(str(field.choices[value])), value)
            self.choices[id(field.choices)] = known
        return known

    def value(self, field, text):
        """The schema input for a non-empty cell; ValueError with a message when it cannot be read."""
        if isinstance(field, sf.ChoiceList):
            known = self._choice(field)
            items = [item for item in re.split(r"\s*[,;]\s*", text) if item]
            return [known.get(_key(item), item) for item in items]
        if isinstance(field, sf.Choice):
            return self._choice(field).get(_key(text), text)
        if isinstance(field, sf.RefList):
            return [_ref_key(field, item) for item in re.split(r",\s*(?=L\d)", text) if item.strip()]
        if isinstance(field, sf.Ref):
            return _ref_key(field, text)
        if isinstance(field, sf.Boolean):
            if _key(text) in self.yes or _key(text) in ("true", "1"):
                return True
            if _key(text) in self.no or _key(text) in ("false", "0"):
                return False
            raise ValueError(_("Write yes or no."))
        if isinstance(field, sf.Date):
            day = DAY.fullmatch(text)
            # Belgian spreadsheets show and save days as 02/11/2026.
            return f"{day.group(3)}-{int(day.group(2)):02d}-{int(day.group(1)):02d}" if day else text
        return text


def _ref_key(field, text):
    """A lot shown as `L1 — Mission globale` is the lot L1."""
    text = text.strip()
    if field.collection == "lots":
        code = text.split("—")[0].strip()
        if LOT_CODE.fullmatch(code.upper()):
            return code.upper()
    return text


def _formula_like(text):
    return text.startswith(FORMULA_STARTS) and not SIGNED_NUMBER.fullmatch(text)


def _put(data, path, value):
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _drop(data, path):
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node.pop(parts[-1], None)


def _flat_errors(errors, prefix=""):
    """Marshmallow's nested messages as (dotted path with list positions, message)."""
    for key, value in errors.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat_errors(value, path + ".")
        else:
            for message in value if isinstance(value, list) else [value]:
                if isinstance(message, dict):
                    yield from _flat_errors(message, path + ".")
                else:
                    yield path, str(message)


# The preview ---------------------------------------------------------------------------


def preview(collection, file_name, content, store=None):
    """What importing the file into `collection` would do, record by record; nothing is written."""
    if collection not in COLLECTIONS:
        raise ImportRefused(_("Only providers, requests and lots can be imported."))
    store = store if store is not None else get_store()
    rows = read_rows(file_name, content)
    header, lines = rows[0], rows[1:]
    known = column_titles(collection)
    columns = exports.export_fields(collection)
    paths, unknown = [], []
    for title in header:
        path = known.get(_key(title))
        if path is None and title.strip():
            unknown.append(title.strip())
        paths.append(path)
    if unknown:
        raise ImportRefused(_(
            "These columns are not fields of this list: %(columns)s. Use the column titles of an export "
            "(in French, Dutch or English), or remove these columns.", columns=", ".join(f"« {title} »" for title in unknown),
        ))
    schema = ALL_SCHEMAS[collection]
    key_path = schema.natural_key
    if key_path not in paths and collection != "requests":
        title = exports.header(columns[key_path], key_path)
        raise ImportRefused(_("The file has no column « %(column)s »: it identifies each record.", column=title))
    read = [(index, path) for index, path in enumerate(paths) if path and importable(collection, path, columns[path])]
    ignored = [header[index] for index, path in enumerate(paths) if path and (index, path) not in read]
    per_item = exports.list_path(collection)
    reader = Reader()
    groups = _group(lines, paths, key_path, per_item)
    result = Preview(collection, file_name, header, [], ignored)
    stored = _stored(store, collection, key_path, [key for key, _lines in groups if key])
    for key, numbered in groups:
        result.records.append(_one(collection, store, reader, columns, read, header, per_item, key, numbered, stored.get(key)))
    return result


def _group(lines, paths, key_path, per_item):
    """[(natural key, [(line number, cells)])]: the lines of one record together (a provider's lots)."""
    key_index = paths.index(key_path) if key_path in paths else None
    groups = {}
    order = []
    for number, cells in enumerate(lines, start=2):
        cells = list(cells) + [""] * (len(paths) - len(cells))
        key = cells[key_index].strip() if key_index is not None else ""
        if key and per_item:
            key = _canonical_key(key)
        group_key = key if key and per_item else (key or f"#{number}")
        if group_key not in groups:
            groups[group_key] = (key, [])
            order.append(group_key)
        groups[group_key][1].append((number, cells))
    return [groups[group_key] for group_key in order]


def _canonical_key(text):
    """Enterprise numbers written differently (BE 0123.456.749, 0123456749) are one provider."""
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == 10 else text


def _stored(store, collection, key_path, keys):
    """The stored records with these natural keys (enterprise numbers as stored: ten digits)."""
    if not keys:
        return {}
    wanted = {_canonical_key(key) if collection == "providers" else key: key for key in keys}
    found = store.find(collection, {key_path: {"$in": list(wanted)}})
    return {wanted[doc[key_path]]: doc for doc in found}


def _one(collection, store, reader, columns, read, header, per_item, key, numbered, previous):
    if collection == "providers" and re.fullmatch(r"\d{10}", key or ""):
        key = sf.format_enterprise_number(key)  # shown as people write it
    line = Line(lines=[number for number, _cells in numbered], key=key, previous=previous)
    line.cells = {(number, header[index]): cells[index] for number, cells in numbered for index, _path in read}
    data = records.editable_data(collection, previous) if previous else {}
    items = []
    for position, (number, cells) in enumerate(numbered):
        item = {}
        for index, path in read:
            text = cells[index].strip()
            if text.startswith("'") and _formula_like(text[1:]):
                text = text[1:]  # an export's neutralised cell, still a formula once the quote goes
            if _formula_like(text):
                line.errors.append((number, header[index], _(
                    "This cell starts like a spreadsheet formula (=, +, -, @): it is not imported. Write the value itself."
                )))
                continue
            try:
                value = reader.value(columns[path], text) if text else None
            except ValueError as refused:
                line.errors.append((number, header[index], str(refused)))
                continue
            if per_item and path.startswith(per_item + "."):
                if value is not None:
                    item[path[len(per_item) + 1:]] = value
            elif position == 0:
                if value is None:
                    _drop(data, path)
                else:
                    _put(data, path, value)
            elif text and text != numbered[0][1][index].strip():
                line.errors.append((number, header[index], _(
                    "This differs from line %(line)s of the same record; write the same value on each of its lines.",
                    line=numbered[0][0],
                )))
        if item:
            items.append((number, item))
    if per_item and any(path.startswith(per_item + ".") for _index, path in read):
        data[per_item] = [item for _number, item in items]
    data.pop("version", None)
    if line.errors:
        line.status = "error"
        return line
    try:
        line.doc = records.validate(collection, data, previous=previous, store=store)
    except records.SaveRefused as refused:
        line.status = "error"
        titles = {path: header[index] for index, path in read}
        for path, message in _flat_errors(refused.errors):
            parts = path.split(".")
            number = line.lines[0]
            if per_item and parts[0] == per_item and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(items):
                number = items[int(parts[1])][0]
                parts = [per_item] + parts[2:]
            column_path = ".".join(part for part in parts if not part.isdigit())
            title = titles.get(column_path) or _label(collection, column_path)
            line.errors.append((number, title, message))
        return line
    if previous is None:
        line.status = "new"
        return line
    changes = audit.changes_between(previous, line.doc, ALL_SCHEMAS[collection]().load_fields)
    if not changes:
        line.status = "unchanged"
        return line
    line.status = "changed"
    fields = flat_fields(ALL_SCHEMAS[collection]())
    labels = label_cache(store)
    line.changes = [audit.describe_change(change, fields, labels) for change in changes]
    return line


def _label(collection, path):
    label = audit.field_label(collection, path)
    return None if label in ("_schema", path) and path == "_schema" else label


# Writing ------------------------------------------------------------------------------


def apply(result, actor, store=None):
    """Write a preview without refused lines: the new records, then the changed ones; return the counts.

    Every line was validated before the first write; the records, their audit entries and
    the import's own entry are one transaction, so a write that still fails (a record
    changed meanwhile) leaves nothing of the file written.
    """
    if not result.importable:
        raise ImportRefused(_("Nothing was imported: correct the lines marked in red first."))
    store = store if store is not None else get_store()
    collection = result.collection
    counts = result.counts
    try:
        with store.transaction():
            for line in result.records:
                if line.status == "new":
                    records.insert_valid(collection, dict(line.doc), actor, store)
                elif line.status == "changed":
                    previous = line.previous
                    records.update_valid(collection, previous, dict(line.doc), actor, previous.get("version"), store)
            audit.record(store, "import", actor, collection, details={
                "file": result.file_name, "new": counts["new"], "changed": counts["changed"], "unchanged": counts["unchanged"],
            })
    except (records.SaveRefused, records.StaleRecord, Conflict):
        raise ImportRefused(_(
            "Someone changed these records while the file was being imported; nothing was imported. Preview the file again."
        )) from None
    return counts


# Files waiting for confirmation -------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
KEPT_FOR = dt.timedelta(hours=2)


def pending_dir(app):
    """Where uploaded files wait between their preview and the confirmation (the data directory's `imports`)."""
    return Path(app.config.get("IMPORT_DIR") or Path(app.config["BACKOFFICE_DATA_DIR"]) / "imports")


def keep(app, collection, file_name, content, actor):
    """Keep an uploaded file for its confirmation; return the token that names it."""
    folder = pending_dir(app)
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(content)
    meta = {"collection": collection, "file_name": file_name, "actor": actor, "sha256": hashlib.sha256(content).hexdigest()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def take(app, token, collection, actor):
    """(file name, content) kept under `token` for this user and collection, or None."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    folder = pending_dir(app)
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        content = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("collection") != collection or meta.get("actor") != actor:
        return None
    if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
        return None
    return meta["file_name"], content


def forget(app, token):
    """Remove a kept file once imported."""
    if isinstance(token, str) and TOKEN.fullmatch(token):
        for suffix in (".bin", ".json"):
            (pending_dir(app) / f"{token}{suffix}").unlink(missing_ok=True)


def _forget_old(folder):
    limit = dt.datetime.now().timestamp() - KEPT_FOR.total_seconds()
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
