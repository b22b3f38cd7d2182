"""Manager reports: pure computations over the database, each returned as a table.

A table is (headers, rows) with grand-total rows and notes; the reports page shows it
and exports it as CSV and XLSX.
Awards are booked under the lot they were decided for (backoffice/awards.py).
"""
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from backoffice import awards
from backoffice.i18n import _, _l
from backoffice.references import LabelCache
from schemas.choices import MUNICIPALITIES, REQUEST_STATUSES


NO_LOT = ""


@dataclass
class Table:
    """A report: column titles and rows of values (amounts in cents, counts as integers)."""

    title: str
    headers: list
    rows: list
    money_columns: tuple = ()
    decimal_columns: tuple = ()
    # Grand-total rows under the rows (label first), and sentences that explain how to read the table.
    totals: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    # The period or year the figures cover, as a person reads it.
    period: str = ""


def column_sums(table):
    """The Total row: each column whose values are all whole numbers (amounts in cents, counts) added up."""
    sums = [_("Total")]
    for index in range(1, len(table.headers)):
        values = [row[index] for row in table.rows]
        summable = index not in table.decimal_columns and all(
            value is None or (isinstance(value, int) and not isinstance(value, bool)) for value in values
        )
        sums.append(sum(value for value in values if value is not None) if summable and table.rows else None)
    return sums


def with_totals(table):
    """The table with its Total row, unless its report already wrote its own."""
    if table.rows and not table.totals:
        table.totals = [column_sums(table)]
    return table


def _day_range(start, end):
    query = {}
    if start:
        query["$gte"] = dt.datetime(start.year, start.month, start.day)
    # The last day Python knows (9999-12-31) has no next day: the period then has no end.
    if end and (end.year, end.month, end.day) < (dt.MAXYEAR, 12, 31):
        query["$lt"] = dt.datetime(end.year, end.month, end.day) + dt.timedelta(days=1)
    return query


def requests_by(store, dimension, start=None, end=None):
    """Requests received in the period, counted by lot or municipality (rows) and status (columns)."""
    query = {"received_on": _day_range(start, end)} if start or end else {}
    counts = Counter()
    once = Counter()  # each request counted once, by status
    several = 0  # requests that count under more than one row
    for doc in store.find("requests", query, projection={"lots": 1, "municipality": 1, "status": 1}):
        keys = (doc.get("lots") or [NO_LOT]) if dimension == "lot" else [doc.get("municipality")]
        for key in keys:
            counts[(key, doc.get("status"))] += 1
        once[doc.get("status")] += 1
        several += len(keys) > 1
    labels = LabelCache(store)
    if dimension == "lot":
        row_keys = [code for code, _name in labels.choices("lots", everything=True)] + [NO_LOT]

        def name(key):
            return labels.get("lots", key) if key != NO_LOT else _("No lot chosen yet")

        title = _("Requests per lot and status")
    else:
        row_keys = list(MUNICIPALITIES)

        def name(key):
            return str(MUNICIPALITIES.get(key, key))

        title = _("Requests per municipality and status")
    statuses = list(REQUEST_STATUSES)
    rows = [
        [name(key)] + [counts[(key, status)] for status in statuses] + [sum(counts[(key, s)] for s in statuses)]
        for key in row_keys
        if any(counts[(key, status)] for status in statuses)
    ]
    headers = [_("Lot") if dimension == "lot" else _("Municipality")] + [str(REQUEST_STATUSES[s]) for s in statuses] + [_("Total")]
    table = with_totals(Table(title, headers, rows))
    if dimension == "lot" and rows:
        distinct = sum(once.values())
        table.totals.append([_("Requests, each counted once")] + [once[status] for status in statuses] + [distinct])
        if several:
            table.notes.append(_(
                "A request for several lots counts under each of them: %(several)s of the %(requests)s requests "
                "count more than once, so the rows add up to %(rows)s.",
                several=several, requests=distinct, rows=sum(row[-1] for row in rows),
            ))
    return table


def provider_year(store, year):
    """For each provider and lot: invitations sent, offers made, awards won and amount awarded in `year`."""
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    totals = defaultdict(lambda: {"invitations": 0, "offers": 0, "awards": 0, "amount": 0})
    for briefing in store.find("briefings", {"invitations.sent_on": {"$gte": start, "$lt": end}}, projection={"invitations": 1}):
        for invitation in briefing.get("invitations", []):
            sent = invitation.get("sent_on")
            if sent and start <= sent < end:
                line = totals[(invitation["provider"], invitation["lot"])]
                line["invitations"] += 1
                line["offers"] += invitation.get("response") == "offer"
    for (provider, lot), (count, amount) in awards.amounts_by_provider_lot(store, year).items():
        line = totals[(provider, lot)]
        line["awards"] += count
        line["amount"] += amount
    labels = LabelCache(store)
    labels.prefetch("providers", [provider for provider, _lot in totals])
    labels.prefetch("lots", [lot for _provider, lot in totals])
    rows = [
        [labels.get("providers", provider), labels.get("lots", lot), line["invitations"], line["offers"], line["awards"], line["amount"]]
        for (provider, lot), line in sorted(totals.items(), key=lambda item: (labels.get("providers", item[0][0]), item[0][1] or ""))
    ]
    headers = [_("Provider"), _("Lot"), _("Invitations"), _("Offers"), _("Awards"), _("Amount awarded (EUR, excl. VAT)")]
    return Table(_("Yearly totals per provider, %(year)s", year=year), headers, rows, money_columns=(5,))


NOTES = {
    "providers": _l(
        "Each lot is its own contract: a briefing awarded on several lots counts one award under each lot, "
        "with the amount awarded for that lot."
    ),
}


def finish(name, table, period=""):
    """A report as the page and the downloads show it: its Total row, its notes and its period."""
    table = with_totals(table)
    if name in NOTES and table.rows:
        table.notes.append(str(NOTES[name]))
    table.period = period
    return table


def lot_ceilings(store):
    """For each lot: the amount awarded so far against its ceiling."""
    awarded = Counter(awards.amounts_by_lot(store))
    labels = LabelCache(store)
    rows = []
    lots = store.find("lots", {}, sort=[("code", 1)], projection={"code": 1, "name_fr": 1, "name_nl": 1, "name_en": 1, "ceiling_amount": 1})
    for lot in lots:
        ceiling = lot.get("ceiling_amount")
        used = awarded[lot["code"]]
        share = (Decimal(100 * used) / ceiling).quantize(Decimal("0.1"), ROUND_HALF_UP) if ceiling else None
        rows.append([labels.get("lots", lot["code"]), used, ceiling, share])
    headers = [_("Lot"), _("Amount awarded (EUR, excl. VAT)"), _("Ceiling (EUR, excl. VAT)"), _("Share of the ceiling used (%)")]
    return Table(_("Awarded amounts per lot against the ceiling"), headers, rows, money_columns=(1, 2), decimal_columns=(3,))
