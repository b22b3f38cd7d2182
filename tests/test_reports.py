"""Manager reports over the demo data: every figure checked against the seed files, on screen and in CSV.

The expected figures are computed here from seeds/*.json with plain Python, never
through the application's code, so a wrong query or a wrong attribution shows.
"""
import csv
import datetime as dt
import io
import json
import os
import re
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backoffice import seeding
from backoffice.store.app import get_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LANGUAGES = ("fr", "nl")

STATUSES = {
    "fr": {
        "received": "Reçue",
        "under_review": "En cours d'examen",
        "briefing": "Cahier des charges en préparation",
        "sent": "Envoyée aux prestataires",
        "awarded": "Adjugée",
        "in_progress": "En cours d'exécution",
        "closed": "Clôturée",
        "ineligible": "Non éligible",
        "withdrawn": "Retirée",
        "on_hold": "En suspens",
    },
    "nl": {
        "received": "Ontvangen",
        "under_review": "In behandeling",
        "briefing": "Bestek in voorbereiding",
        "sent": "Verstuurd naar de dienstverleners",
        "awarded": "Gegund",
        "in_progress": "In uitvoering",
        "closed": "Afgesloten",
        "ineligible": "Niet ontvankelijk",
        "withdrawn": "Ingetrokken",
        "on_hold": "Opgeschort",
    },
}
# The 19 municipalities (NIS code: French, Dutch) and the whole region.
MUNICIPALITIES = {
    "21001": ("Anderlecht", "Anderlecht"),
    "21002": ("Auderghem", "Oudergem"),
    "21003": ("Berchem-Sainte-Agathe", "Sint-Agatha-Berchem"),
    "21004": ("Bruxelles", "Brussel"),
    "21005": ("Etterbeek", "Etterbeek"),
    "21006": ("Evere", "Evere"),
    "21007": ("Forest", "Vorst"),
    "21008": ("Ganshoren", "Ganshoren"),
    "21009": ("Ixelles", "Elsene"),
    "21010": ("Jette", "Jette"),
    "21011": ("Koekelberg", "Koekelberg"),
    "21012": ("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
    "21013": ("Saint-Gilles", "Sint-Gillis"),
    "21014": ("Saint-Josse-ten-Noode", "Sint-Joost-ten-Node"),
    "21015": ("Schaerbeek", "Schaarbeek"),
    "21016": ("Uccle", "Ukkel"),
    "21017": ("Watermael-Boitsfort", "Watermaal-Bosvoorde"),
    "21018": ("Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"),
    "21019": ("Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe"),
    "region": ("Toute la Région", "Heel het Gewest"),
}
HEADERS = {
    "fr": {
        "lot": "Lot",
        "municipality": "Commune",
        "total": "Total",
        "provider_columns": ["Prestataire", "Lot", "Invitations", "Offres", "Adjudications", "Montant adjugé (EUR, hors TVA)"],
        "ceiling_columns": ["Lot", "Montant adjugé (EUR, hors TVA)", "Plafond (EUR, hors TVA)", "Part du plafond utilisée (%)"],
    },
    "nl": {
        "lot": "Perceel",
        "municipality": "Gemeente",
        "total": "Totaal",
        "provider_columns": ["Dienstverlener", "Perceel", "Uitnodigingen", "Offertes", "Gunningen", "Gegund bedrag (EUR, excl. btw)"],
        "ceiling_columns": ["Perceel", "Gegund bedrag (EUR, excl. btw)", "Plafond (EUR, excl. btw)", "Gebruikt aandeel van het plafond (%)"],
    },
}
PERIODS = [
    ("2025-01-01", "2025-12-31"),
    # Both ends are days on which requests came in: they count.
    ("2025-01-14", "2025-12-09"),
    ("2026-11-02", "2026-11-02"),
    ("2024-01-01", "2026-12-31"),
]
YEARS = [2024, 2025, 2026]


# The seed files, read directly ------------------------------------------------


def seed_file(collection):
    """One seed file as written on disk."""
    return json.loads((SEEDS / f"{collection}.json").read_text(encoding="utf-8"))


def day(text):
    """The day of a seed date or date-time."""
    return dt.date.fromisoformat(text[:10])


def cents(amount):
    """A seed amount ("86500.00") in euro cents."""
    return int(Decimal(amount) * 100)


def lot_names(language):
    """`L1 — <name>` by lot code, in the language."""
    return {lot["code"]: f"{lot['code']} — {lot['name_' + language]}" for lot in seed_file("lots")}


def provider_names():
    """Provider names by enterprise number (digits only)."""
    return {re.sub(r"\D", "", provider["enterprise_number"]): provider["name"] for provider in seed_file("providers")}


def expected_requests_by(dimension, start, end, language):
    """{row name: {status label: count}} of the requests received from `start` to `end`, both included."""
    start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    lots = lot_names(language)
    index = LANGUAGES.index(language)
    counts = defaultdict(Counter)
    for item in seed_file("requests"):
        if not start <= day(item["received_on"]) <= end:
            continue
        if dimension == "lot":
            assert item["lots"], "every demo request names a lot"
            names = [lots[code] for code in item["lots"]]
        else:
            names = [MUNICIPALITIES[item["municipality"]][index]]
        for name in names:
            counts[name][STATUSES[language][item["status"]]] += 1
    return {name: dict(counter) for name, counter in counts.items()}


def awarded_lots(briefing):
    """(provider, lot, cents, day) of each lot awarded in a demo briefing, as its awards list them."""
    return [(award["provider"], award["lot"], cents(award["amount"]), day(award["awarded_on"]))
            for award in briefing.get("awards", []) if award["outcome"] == "awarded"]


def expected_provider_year(year, language):
    """[provider, lot, invitations, offers, awards, cents] for `year`, by provider name then lot code."""
    lots, providers = lot_names(language), provider_names()
    totals = defaultdict(lambda: [0, 0, 0, 0])
    for briefing in seed_file("briefings"):
        for invitation in briefing.get("invitations", []):
            if invitation.get("sent_on") and day(invitation["sent_on"]).year == year:
                line = totals[(invitation["provider"], invitation["lot"])]
                line[0] += 1
                line[1] += invitation.get("response") == "offer"
        for provider, lot, amount, awarded_on in awarded_lots(briefing):
            if awarded_on.year == year:
                line = totals[(provider, lot)]
                line[2] += 1
                line[3] += amount
    ordered = sorted(totals.items(), key=lambda item: (providers[item[0][0]], item[0][1]))
    return [[providers[provider], lots[lot], *line] for (provider, lot), line in ordered]


def expected_ceilings(language):
    """[lot, awarded cents, ceiling cents or None, share or None] for every lot, by code."""
    lots = lot_names(language)
    awarded = Counter()
    for briefing in seed_file("briefings"):
        for _provider, lot, amount, _day in awarded_lots(briefing):
            awarded[lot] += amount
    rows = []
    for lot in sorted(seed_file("lots"), key=lambda lot: lot["code"]):
        ceiling = cents(lot["ceiling_amount"]) if lot.get("ceiling_amount") else None
        used = awarded[lot["code"]]
        share = (Decimal(100 * used) / ceiling).quantize(Decimal("0.1"), ROUND_HALF_UP) if ceiling else None
        rows.append([lots[lot["code"]], used, ceiling, share])
    return rows


# Reading what the manager sees ------------------------------------------------


class ReportTables(HTMLParser):
    """The tables of the reports page by report name: each a list of rows of cell texts, headers first.

    The grand-total rows (the table's footer) are in `totals`, the notes under a table in `notes`.
    """

    def __init__(self, html):
        super().__init__()
        self.tables = {}
        self.totals = {}
        self.notes = {}
        self.section = None
        self.row = None
        self.cell = None
        self.in_footer = False
        self.note = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and (attrs.get("aria-labelledby") or "").startswith("report-"):
            self.section = attrs["aria-labelledby"].removeprefix("report-")
            self.tables[self.section] = []
            self.totals[self.section] = []
            self.notes[self.section] = []
        elif tag == "tfoot":
            self.in_footer = True
        elif tag == "p" and "report-note" in (attrs.get("class") or "") and self.section:
            self.note = []
        elif tag == "tr" and self.section:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            (self.totals if self.in_footer else self.tables)[self.section].append(self.row)
            self.row = None
        elif tag == "tfoot":
            self.in_footer = False
        elif tag == "p" and self.note is not None:
            self.notes[self.section].append(" ".join("".join(self.note).split()))
            self.note = None
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self.note is not None:
            self.note.append(data)


def amount(text):
    """Cents from an amount as shown (`86 500,00 €`, `€ 86.500,00`, `86500,00`); None when empty."""
    return int(re.sub(r"\D", "", text)) if text.strip() else None


TOTAL_LABELS = {"Total", "Totaal", "Requests, each counted once", "Demandes, chacune comptée une fois", "Aanvragen, elk één keer geteld"}


def csv_report(body, delimiter=";"):
    """A report CSV as Excel reads it, in its parts: title line, header, rows, grand totals, notes."""
    title, header, *rest = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter)
    notes = [line[0] for line in rest if len(line) == 1]
    lines = [line for line in rest if len(line) > 1]
    return {
        "title": title,
        "header": header,
        "rows": [line for line in lines if line[0] not in TOTAL_LABELS],
        "totals": [line for line in lines if line[0] in TOTAL_LABELS],
        "notes": notes,
    }


def csv_rows(body):
    """A report CSV's header and rows (no title line, totals or notes)."""
    report = csv_report(body)
    return [report["header"]] + report["rows"]


def counts_by_row(rows, language, first_header):
    """{row name: {status label: count}} from a requests report, checking its header and totals."""
    header, *lines = rows
    assert header[0] == first_header
    assert header[-1] == HEADERS[language]["total"]
    assert set(header[1:-1]) == set(STATUSES[language].values())
    found = {}
    for line in lines:
        counts = {title: int(value) for title, value in zip(header[1:-1], line[1:-1], strict=True) if int(value)}
        assert int(line[-1]) == sum(counts.values()), line
        found[line[0]] = counts
    return found


def money_rows(rows, money_columns):
    """Rows with their amount columns read as cents and their counts as integers."""
    read = []
    for line in rows:
        values = []
        for index, value in enumerate(line):
            if index in money_columns:
                values.append(amount(value))
            elif index in (2, 3, 4) and len(line) == 6:
                values.append(int(value))
            else:
                values.append(value)
        read.append(values)
    return read


# Fixtures ---------------------------------------------------------------------


@pytest.fixture(params=["mongodb"] if os.environ.get("MONGO_URI") else ["mongomock"])
def engine(request):
    """Seeding through the schemas takes seconds on the embedded store: one engine is enough here."""
    return request.param


@pytest.fixture
def manager(app, store, client_as):
    """A manager signed in on a store filled with the demo data."""
    with app.test_request_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors, report.errors
    return client_as("manager")


def page_tables(manager, language, **args):
    manager.get(f"/admin/?lang={language}")
    query = "&".join(f"{name}={value}" for name, value in args.items())
    response = manager.get(f"/admin/reports/?{query}")
    assert response.status_code == 200
    return ReportTables(response.get_data(as_text=True)).tables


def download(manager, language, report, **args):
    manager.get(f"/admin/?lang={language}")
    query = "&".join(f"{name}={value}" for name, value in args.items())
    response = manager.get(f"/admin/reports/{report}.csv?{query}")
    assert response.status_code == 200
    return response


# Requests per lot and per municipality ----------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("start, end", PERIODS)
def test_requests_per_lot_and_status_match_the_demo_data(manager, language, start, end):
    expected = expected_requests_by("lot", start, end, language)

    on_page = page_tables(manager, language, **{"from": start, "to": end})["by_lot"]
    in_csv = csv_rows(download(manager, language, "by_lot", **{"from": start, "to": end}).data)

    assert counts_by_row(on_page, language, HEADERS[language]["lot"]) == expected
    assert counts_by_row(in_csv, language, HEADERS[language]["lot"]) == expected
    # Lots come in their order, L1 to L6.
    assert [line[0] for line in in_csv[1:]] == sorted(expected)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("start, end", PERIODS)
def test_requests_per_municipality_and_status_match_the_demo_data(manager, language, start, end):
    expected = expected_requests_by("municipality", start, end, language)

    on_page = page_tables(manager, language, **{"from": start, "to": end})["by_municipality"]
    in_csv = csv_rows(download(manager, language, "by_municipality", **{"from": start, "to": end}).data)

    assert counts_by_row(on_page, language, HEADERS[language]["municipality"]) == expected
    assert counts_by_row(in_csv, language, HEADERS[language]["municipality"]) == expected


def test_a_period_without_requests_says_so(manager):
    tables = page_tables(manager, "fr", **{"from": "2023-01-01", "to": "2023-12-31"})

    assert tables["by_lot"] == []
    assert tables["by_municipality"] == []
    rows = csv_rows(download(manager, "fr", "by_lot", **{"from": "2023-01-01", "to": "2023-12-31"}).data)
    assert len(rows) == 1


# Yearly totals per provider ---------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("year", YEARS)
def test_yearly_provider_totals_match_the_demo_data(manager, language, year):
    expected = expected_provider_year(year, language)

    on_page = page_tables(manager, language, year=year)["providers"]
    in_csv = csv_rows(download(manager, language, "providers", year=year).data)

    for rows in (on_page, in_csv):
        assert rows[0] == HEADERS[language]["provider_columns"]
        assert money_rows(rows[1:], money_columns=(5,)) == expected


def test_yearly_totals_add_up_to_the_awards_of_the_year(manager):
    for year in YEARS:
        awarded = sum(
            amount
            for briefing in seed_file("briefings")
            for _provider, _lot, amount, awarded_on in awarded_lots(briefing)
            if awarded_on.year == year
        )
        rows = csv_rows(download(manager, "fr", "providers", year=year).data)[1:]
        assert sum(amount(line[5]) for line in rows) == awarded, year
        # Amounts in the CSV are plain numbers with a decimal comma.
        assert all(re.fullmatch(r"\d+,\d\d", line[5]) for line in rows)


# Awarded amounts against the ceiling ---------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_awarded_amounts_per_lot_against_the_ceiling_match_the_demo_data(manager, language):
    expected = expected_ceilings(language)

    on_page = page_tables(manager, language)["ceilings"]
    in_csv = csv_rows(download(manager, language, "ceilings").data)

    for rows in (on_page, in_csv):
        assert rows[0] == HEADERS[language]["ceiling_columns"]
        read = [line[:3] + [share(line[3])] for line in money_rows(rows[1:], money_columns=(1, 2))]
        assert read == expected


def share(text):
    """A percentage as shown, whichever decimal mark it uses; None when empty."""
    return Decimal(text.replace(",", ".")) if text else None


@pytest.mark.parametrize("language", LANGUAGES)
def test_share_of_the_ceiling_reads_with_a_decimal_comma(manager, language):
    on_page = page_tables(manager, language)["ceilings"]
    in_csv = csv_rows(download(manager, language, "ceilings").data)

    for rows in (on_page, in_csv):
        l1 = rows[1]
        assert l1[0].startswith("L1 ")
        assert re.fullmatch(r"\d+,\d", l1[3]), l1[3]


def test_ceiling_csv_writes_euro_with_a_decimal_comma(manager):
    rows = csv_rows(download(manager, "fr", "ceilings").data)

    l1 = rows[1]
    assert l1[0] == "L1 — Mission globale de A à Z"
    assert l1[2] == "1500000,00"
    assert re.fullmatch(r"\d+,\d\d", l1[1])
    # A lot without a ceiling shows neither a ceiling nor a share.
    l5 = next(line for line in rows if line[0].startswith("L5 "))
    assert l5[2:] == ["", ""]


# The downloads themselves ------------------------------------------------------------


FILE_NAMES = {
    "fr": {
        "by_lot": "rapport-demandes-par-lot-2025-01-01_2025-12-31.csv",
        "by_municipality": "rapport-demandes-par-commune-2025-01-01_2025-12-31.csv",
        "providers": "rapport-prestataires-2025.csv",
        "ceilings": f"rapport-plafonds-{dt.date.today().isoformat()}.csv",
    },
    "nl": {
        "by_lot": "rapport-aanvragen-per-perceel-2025-01-01_2025-12-31.csv",
        "by_municipality": "rapport-aanvragen-per-gemeente-2025-01-01_2025-12-31.csv",
        "providers": "rapport-dienstverleners-2025.csv",
        "ceilings": f"rapport-plafonds-{dt.date.today().isoformat()}.csv",
    },
}
PERIOD_LINES = {
    "fr": {"by_lot": "Reçues du 2025-01-01 au 2025-12-31", "providers": "Année 2025"},
    "nl": {"by_lot": "Ontvangen van 2025-01-01 tot 2025-12-31", "providers": "Jaar 2025"},
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("report", ["by_lot", "by_municipality", "providers", "ceilings"])
def test_each_report_downloads_as_an_excel_ready_file_named_with_its_period_and_is_audited(manager, store, report, language):
    response = download(manager, language, report, **{"from": "2025-01-01", "to": "2025-12-31", "year": 2025})

    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{FILE_NAMES[language][report]}"'
    assert response.headers["Cache-Control"] == "no-store"
    entry = store.find_one("audit", {"action": "export", "actor": "manager@perspective.example"})
    assert entry is not None and entry["details"]["report"] == report
    # The file says what it covers on its first line.
    title = csv_report(response.data)["title"]
    if report in PERIOD_LINES[language]:
        assert title[1] == PERIOD_LINES[language][report]


@pytest.mark.parametrize("report", ["by_lot", "by_municipality", "providers", "ceilings"])
def test_report_csv_honours_the_comma_separator(manager, report):
    semicolons = download(manager, "fr", report, year=2025).data
    commas = download(manager, "fr", report, year=2025, sep=",").data

    assert csv_report(commas, delimiter=",") == csv_report(semicolons)
    assert commas.decode("utf-8-sig").splitlines()[1].count(",") >= 2


# Grand totals --------------------------------------------------------------------------


def _number(text):
    """A count or an amount as shown on the page or in the CSV, as an integer (cents for amounts)."""
    return int(re.sub(r"\D", "", text)) if re.search(r"\d", text) else None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("report", ["by_lot", "by_municipality", "providers", "ceilings"])
def test_every_table_ends_with_a_total_row_equal_to_the_sum_of_its_rows(manager, language, report):
    args = {"from": "2024-01-01", "to": "2026-12-31", "year": 2025}
    manager.get(f"/admin/?lang={language}")
    page = ReportTables(manager.get("/admin/reports/?from=2024-01-01&to=2026-12-31&year=2025").get_data(as_text=True))
    in_csv = csv_report(download(manager, language, report, **args).data)

    for rows, totals in ((page.tables[report][1:], page.totals[report]), (in_csv["rows"], in_csv["totals"])):
        assert rows, report
        total = totals[0]
        assert total[0] == HEADERS[language]["total"]
        summed_columns = [index for index in range(1, len(total)) if total[index]]
        assert summed_columns, total
        for index in summed_columns:
            assert _number(total[index]) == sum(_number(row[index]) or 0 for row in rows), (report, index)
    # The awards of the year add up to the seeds' awards, recounted independently.
    if report == "providers":
        awarded = sum(amount for b in seed_file("briefings") for _p, _l, amount, on in awarded_lots(b) if on.year == 2025)
        assert _number(in_csv["totals"][0][5]) == awarded


DISTINCT = {"fr": "Demandes, chacune comptée une fois", "nl": "Aanvragen, elk één keer geteld"}
SEVERAL = {
    "fr": "Une demande portant sur plusieurs lots compte sous chacun d'eux\u00a0: {several} des {requests} demandes comptent plusieurs fois, les lignes totalisent donc {rows}.",
    "nl": "Een aanvraag voor meerdere percelen telt onder elk ervan: {several} van de {requests} aanvragen tellen meer dan eens, zodat de rijen samen {rows} geven.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_per_lot_table_says_that_a_request_for_several_lots_counts_under_each(manager, language):
    requests = seed_file("requests")
    several = sum(len(item["lots"]) > 1 for item in requests)
    assert several, "the demo data has requests for several lots"
    by_status = Counter(STATUSES[language][item["status"]] for item in requests)

    manager.get(f"/admin/?lang={language}")
    page = ReportTables(manager.get("/admin/reports/").get_data(as_text=True))
    in_csv = csv_report(download(manager, language, "by_lot").data)

    note = SEVERAL[language].format(several=several, requests=len(requests), rows=sum(len(item["lots"]) for item in requests))
    header = page.tables["by_lot"][0]
    for totals, notes in ((page.totals["by_lot"], page.notes["by_lot"]), (in_csv["totals"], in_csv["notes"])):
        total, distinct = totals
        assert _number(total[-1]) == sum(len(item["lots"]) for item in requests)
        assert distinct[0] == DISTINCT[language]
        assert _number(distinct[-1]) == len(requests)
        assert {title: _number(value) for title, value in zip(header[1:-1], distinct[1:-1]) if _number(value)} == dict(by_status)
        # The page's parser reads the French no-break space before ":" as a space; the CSV keeps it.
        assert [" ".join(text.split()) for text in notes] == [" ".join(note.split())]


# Wrong arguments -----------------------------------------------------------------------


BAD_ARGUMENTS = [
    ({"year": "abc"}, "year", "Not a valid whole number."),
    ({"year": "0"}, "year", "Must be between 2000 and 2100."),
    ({"from": "2025-13-45"}, "from", "Not a valid date: write it as dd/mm/yyyy, for example 15/03/2027."),
    ({"from": "2025-12-31", "to": "2025-01-01"}, "to", "The end date comes before the start date."),
]


@pytest.mark.parametrize("args, field, message", BAD_ARGUMENTS)
def test_a_wrong_argument_gets_a_message_next_to_its_field_and_no_figures(manager, args, field, message):
    query = "&".join(f"{name}={value}" for name, value in args.items())

    response = manager.get(f"/admin/reports/?{query}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    feedback = re.search(rf'<input[^>]*id="{field}"[^>]*aria-describedby="{field}-error"[^>]*>\s*<div[^>]*id="{field}-error">([^<]*)</div>', page)
    assert feedback, page
    assert feedback.group(1) == message
    # The field keeps what was typed, so it can be corrected.
    assert re.search(rf'id="{field}" name="{field}"\s+value="{re.escape(args[field])}"', page)
    tables = ReportTables(page)
    affected = ["providers"] if field == "year" else ["by_lot", "by_municipality"]
    for report in affected:
        assert tables.tables[report] == []
        # Neither a default year nor every date stands in for what was typed.
        assert manager.get(f"/admin/reports/{report}.csv?{query}").status_code == 302
    assert tables.tables["ceilings"], "a report the argument does not concern still shows"


def test_a_wrong_argument_reads_in_french_and_dutch(manager):
    for language, message in (("fr", "Nombre entier non valable."), ("nl", "Geen geldig geheel getal.")):
        manager.get(f"/admin/?lang={language}")
        page = manager.get("/admin/reports/?year=abc").get_data(as_text=True)
        assert f'id="year-error">{message}</div>' in page


def test_page_links_each_download_with_the_chosen_period(manager):
    manager.get("/admin/?lang=fr")

    page = manager.get("/admin/reports/?from=2025-01-01&to=2025-12-31&year=2025").get_data(as_text=True)

    for report in ("by_lot", "by_municipality", "providers", "ceilings"):
        link = re.search(rf'href="(/admin/reports/{report}\.csv\?[^"]*)"', page)
        assert link, report
        assert "from=2025-01-01" in link.group(1) and "to=2025-12-31" in link.group(1) and "year=2025" in link.group(1)


def test_unknown_report_is_not_found(manager):
    assert manager.get("/admin/reports/everything.csv").status_code == 404


def test_anonymous_is_sent_to_sign_in(anonymous):
    response = anonymous.get("/admin/reports/ceilings.csv")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# Workbooks --------------------------------------------------------------------------------


@pytest.mark.parametrize("report", ["by_lot", "by_municipality", "providers", "ceilings"])
def test_each_report_downloads_as_a_workbook_with_typed_cells_and_a_total_row(manager, report):
    import openpyxl

    response = manager.get(f"/admin/reports/{report}.xlsx?from=2024-01-01&to=2026-12-31&year=2025")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    in_csv = csv_report(download(manager, "en", report, **{"from": "2024-01-01", "to": "2026-12-31", "year": 2025}).data)

    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header, body = [cell.value for cell in rows[0]], rows[1:1 + len(in_csv["rows"])]
    assert header == in_csv["header"]
    assert [row[0].value for row in body] == [line[0] for line in in_csv["rows"]]
    total = rows[1 + len(in_csv["rows"])]
    assert total[0].value == "Total" and total[0].font.bold
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{1 + len(body)}"
    assert sheet.freeze_panes == "A2"
    for index, cell in enumerate(total[1:], start=1):
        if cell.value is None:
            continue
        assert cell.data_type == "n"
        assert cell.value == pytest.approx(sum(row[index].value or 0 for row in body)), (report, header[index])
    money = {"providers": 5, "ceilings": 1}.get(report)
    if money is not None:
        assert "€" in body[0][money].number_format and body[0][money].data_type == "n"
    about = dict((row[0].value, row[1].value) for row in book.worksheets[1].iter_rows())
    assert about["Period"] == in_csv["title"][1]
    assert about["Exported by"] == "manager@perspective.example"
