"""CSV exports as a manager opens them in Excel: the list's rows, human values, safe cells, streamed."""
import csv
import datetime as dt
import io
import re
from html import unescape

import pytest

from backoffice import exports
from backoffice.reports import Table
from backoffice.store.app import get_store

from conftest import cells

# The same filtered list: requests still "received" whose texts mention "école".
LIST_QUERY = "search=ecole&flt0_0=received"

# What a French- or Dutch-reading manager sees in the header row and the cells.
LANGUAGE = {
    "fr": {
        "headers": {
            "reference": "Référence",
            "received_on": "Date de réception",
            "organisation.name": "Organisation",
            "organisation.type": "Type d'organisation",
            "municipality": "Commune",
            "contact.phone": "Téléphone du contact",
            "project_title": "Titre du projet",
            "lots": "Lots demandés",
            "estimated_budget": "Budget estimé (EUR, hors TVA)",
            "status": "Statut",
            "assigned_to": "Dossier confié à",
        },
        "L1": "L1 — Mission globale de A à Z",
        "L2": "L2 — Conception de processus participatifs",
        "21009": "Ixelles",
        "21004": "Bruxelles",
        "received": "Reçue",
        "municipal_administration": "Administration communale",
    },
    "nl": {
        "headers": {
            "reference": "Referentie",
            "received_on": "Ontvangen op",
            "organisation.name": "Organisatie",
            "organisation.type": "Soort organisatie",
            "municipality": "Gemeente",
            "contact.phone": "Telefoon contactpersoon",
            "project_title": "Projecttitel",
            "lots": "Gevraagde percelen",
            "estimated_budget": "Geraamd budget (EUR, excl. btw)",
            "status": "Status",
            "assigned_to": "Toegewezen aan",
        },
        "L1": "L1 — Globale opdracht van A tot Z",
        "L2": "L2 — Ontwerp van participatieprocessen",
        "21009": "Elsene",
        "21004": "Brussel",
        "received": "Ontvangen",
        "municipal_administration": "Gemeentebestuur",
    },
}
ENGLISH_HEADERS = {
    "organisation.name": "Organisation",
    "municipality": "Municipality",
    "project_title": "Project title",
    "lots": "Lots requested",
    "status": "Status",
    "assigned_to": "Assigned to",
}
# The columns that the requests list shows and the export repeats word for word.
SHARED_COLUMNS = ("organisation.name", "municipality", "project_title", "lots", "status", "assigned_to")


def rows_of(body, delimiter=";"):
    """The CSV as Excel reads it: the BOM dropped, lines split on the separator."""
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def records_of(body, delimiter=";"):
    """Each data line as {header: value}."""
    header, *lines = rows_of(body, delimiter)
    return [dict(zip(header, line, strict=True)) for line in lines]


def export(test_client, query=""):
    """Download the requests export with the given list arguments."""
    response = test_client.get(f"/admin/requests/export/csv/?{query}")
    assert response.status_code == 200, response.status_code
    return response


def list_rows(test_client, query):
    """The requests list page as {reference: {column: text}}."""
    page = test_client.get(f"/admin/requests/?{query}").get_data(as_text=True)
    references = cells(page, "reference")
    # Lots (shown by code) and assignees (by name) read whole in the cell's tooltip, as the export writes them.
    hovers = {column: [unescape(text) for text in re.findall(rf'<td class="col-{column}"(?: title="([^"]*)")?>', page)]
              for column in ("lots", "assigned_to")}
    columns = {column: hovers.get(column) or cells(page, column) for column in SHARED_COLUMNS}
    return {reference: {column: columns[column][index] for column in SHARED_COLUMNS} for index, reference in enumerate(references)}


@pytest.fixture
def lots(make):
    """Lots L1 and L2, named in French and Dutch."""
    return [
        make.lot(),
        make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen"),
    ]


@pytest.fixture
def requests_in_list(make, lots):
    """Five requests; the list filtered on "received" and searched for "ecole" keeps the first two."""
    kept = [
        make.request(
            project_title="Jardin de l'École du Parc",
            received_on="2026-11-02",
            estimated_budget="25000,50",
            contact={"phone": "02 515 61 11"},
            assigned_to="a.peeters@perspective.example",
        ),
        make.request(
            project_title="Cour de l'école Nord",
            received_on="2026-10-15",
            municipality="21004",
            lots=["L1", "L2"],
            estimated_budget="12000",
        ),
    ]
    make.request(project_title="École des devoirs", status="under_review")
    make.request(project_title="Maison de quartier")
    make.request(project_title="Ecole de cirque", status="on_hold", municipality="21004")
    return kept


# Round trip -------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_export_holds_exactly_the_rows_of_the_filtered_and_searched_list(client, requests_in_list, language):
    client.get(f"/admin/?lang={language}")

    shown = list_rows(client, LIST_QUERY)
    exported = records_of(export(client, LIST_QUERY).data)

    headers = LANGUAGE[language]["headers"]
    assert sorted(shown) == sorted(record["reference"] for record in requests_in_list)
    assert sorted(line[headers["reference"]] for line in exported) == sorted(shown)
    for line in exported:
        listed = shown[line[headers["reference"]]]
        assert {column: line[headers[column]] for column in SHARED_COLUMNS} == listed


@pytest.mark.parametrize(
    "query, count",
    [
        ("flt0_7=2026-10-01+to+2026-10-31&flt1_1=21004", 1),
        ("flt0_1=21004", 2),
        ("search=ecole", 4),
        # Values that are no valid choice are ignored by the list, and so by the export.
        ("flt0_1=%7B%22%24ne%22%3A1%7D", 5),
    ],
)
def test_export_follows_every_kind_of_list_filter(client, requests_in_list, query, count):
    shown = list_rows(client, query)
    exported = records_of(export(client, query).data)

    assert len(shown) == count
    assert sorted(line["Reference"] for line in exported) == sorted(shown)
    for line in exported:
        listed = shown[line["Reference"]]
        assert {column: line[ENGLISH_HEADERS[column]] for column in SHARED_COLUMNS} == listed


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_exported_values_read_as_a_person_writes_them(client, requests_in_list, language):
    client.get(f"/admin/?lang={language}")
    words = LANGUAGE[language]
    headers = words["headers"]

    exported = {line[headers["reference"]]: line for line in records_of(export(client, LIST_QUERY).data)}

    garden = exported[requests_in_list[0]["reference"]]
    assert garden[headers["project_title"]] == "Jardin de l'École du Parc"
    assert garden[headers["lots"]] == words["L1"]
    assert garden[headers["municipality"]] == words["21009"]
    assert garden[headers["status"]] == words["received"]
    assert garden[headers["organisation.type"]] == words["municipal_administration"]
    assert garden[headers["received_on"]] == "2026-11-02"
    assert garden[headers["estimated_budget"]] == "25000,50"
    assert garden[headers["contact.phone"]] == "02 515 61 11"
    assert garden[headers["assigned_to"]] == "a.peeters@perspective.example"
    courtyard = exported[requests_in_list[1]["reference"]]
    assert courtyard[headers["lots"]] == f"{words['L1']}, {words['L2']}"
    assert courtyard[headers["municipality"]] == words["21004"]
    assert courtyard[headers["received_on"]] == "2026-10-15"
    assert courtyard[headers["estimated_budget"]] == "12000,00"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_header_row_holds_the_translated_field_labels(client, requests_in_list, language):
    client.get(f"/admin/?lang={language}")

    header = rows_of(export(client).data)[0]

    labels = LANGUAGE[language]["headers"]
    assert header[:2] == [labels["reference"], labels["received_on"]]
    assert set(labels.values()) <= set(header)
    # Every column is named for people: no field path or English label leaks into the file.
    assert not {"reference", "project_title", "organisation.name", "estimated_budget", "Project title"} & set(header)
    assert len(header) == len(set(header)) == 22


def test_an_empty_selection_gives_the_header_row_only(client, requests_in_list):
    rows = rows_of(export(client, "search=nothing-like-this").data)

    assert len(rows) == 1
    assert rows[0][0] == "Reference"


def test_export_without_arguments_holds_every_request(client, requests_in_list, store):
    exported = records_of(export(client).data)

    assert sorted(line["Reference"] for line in exported) == sorted(doc["reference"] for doc in store.find("requests", {}))


# The file itself ----------------------------------------------------------------


def test_file_opens_in_excel_with_accents_and_semicolons(client, requests_in_list):
    response = export(client, LIST_QUERY)

    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\xef\xbb\xbf") == 1
    first_line = body.decode("utf-8-sig").split("\r\n")[0]
    assert first_line.startswith("Reference;Received on;")
    assert len(first_line.split(";")) == 22
    assert "École" in body.decode("utf-8-sig")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="requests-{dt.date.today().isoformat()}.csv"'
    assert response.headers["Cache-Control"] == "no-store"


def test_comma_separator_on_request_gives_the_same_rows(client, requests_in_list):
    client.get("/admin/?lang=fr")
    semicolons = rows_of(export(client, LIST_QUERY).data)

    response = export(client, LIST_QUERY + "&sep=,")

    text = response.data.decode("utf-8-sig")
    assert text.startswith("Référence,Date de réception,")
    assert rows_of(response.data, delimiter=",") == semicolons
    # The decimal comma of an amount must not split it in two.
    assert '"25000,50"' in text


def test_a_value_holding_the_separator_a_quote_and_a_line_break_stays_in_one_cell(client, make, lots):
    reason = 'Hors "Région"; voir la note\nde la direction'
    created = make.request(
        project_title='Parc "Nord"; phase 2',
        status="ineligible",
        eligibility={"decision": "ineligible", "reason": reason},
    )

    response = export(client)

    text = response.data.decode("utf-8-sig")
    assert '"Parc ""Nord""; phase 2"' in text
    assert '"Hors ""Région""; voir la note\nde la direction"' in text
    (line,) = records_of(response.data)
    assert line["Reference"] == created["reference"]
    assert line["Project title"] == 'Parc "Nord"; phase 2'
    assert line["Eligibility reason"] == reason


def test_export_is_written_in_the_audit_trail(client, store, requests_in_list):
    export(client, LIST_QUERY)

    entries = list(store.find("audit", {"action": "export"}))
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor"] == "staff@perspective.example"
    assert entry["collection"] == "requests"
    assert entry["details"]["search"] == "ecole"
    assert entry["details"]["filters"] == ["received"]


# Formulas ---------------------------------------------------------------------


FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(client, make, lots, store):
    created = {title: make.request(project_title=title, estimated_budget="12,50") for title in FORMULAS}
    # Text typed through the schema is trimmed; a tab can only come from another tool writing the store.
    tabbed = make.request(project_title="Tab")
    store.update_if_version("requests", tabbed["_id"], tabbed["version"], {"project_title": "\t=1+1"})
    created["\t=1+1"] = tabbed
    make.request(project_title="Mairie", organisation={"name": "=cmd|' /C calc'!A0"})

    response = export(client)

    by_reference = {line["Reference"]: line for line in records_of(response.data)}
    for title, record in created.items():
        shown = by_reference[record["reference"]]["Project title"]
        assert shown == "'" + title
        # Still readable: the original text follows the quote.
        assert shown[1:] == title
    assert "'=cmd|' /C calc'!A0" in {line["Organisation"] for line in by_reference.values()}
    text = response.data.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"")"' in text
    for line in text.split("\r\n")[1:]:
        for value in line.split(";"):
            assert not value.startswith(("=", "+", "@", "\t")), value


def test_amounts_phone_numbers_and_dates_are_not_prefixed(client, make, lots):
    make.request(project_title="Petit budget", estimated_budget="12,50", contact={"phone": "02 515 61 11"}, received_on="2026-11-02")
    client.get("/admin/?lang=fr")

    text = export(client).data.decode("utf-8-sig")

    data_line = text.split("\r\n")[1]
    values = data_line.split(";")
    assert "12,50" in values
    assert "02 515 61 11" in values
    assert "2026-11-02" in values
    assert not [value for value in values if value.startswith(("'", '"'))]
    assert '"12,50"' not in text


def test_negative_numbers_in_report_tables_stay_numbers(app):
    table = Table("Balance", ["Lot", "Difference (EUR)", "Count", "Share (%)"], [["L1", -1250, -3, -2.5], ["-L2", 1250, 3, 2.5]], money_columns=(1,))

    with app.test_request_context():
        text = exports.table_csv(table, language="fr")

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Balance"]
    assert rows[2] == ["L1", "-12,50", "-3", "-2,5"]
    assert rows[3] == ["'-L2", "12,50", "3", "2,5"]


# Streaming ----------------------------------------------------------------------


class CountingStore:
    """A store whose batch reads are recorded (the size of each), to see when the export reads it."""

    def __init__(self, store):
        self.store = store
        self.reads = []

    def batches(self, name, filter=None, size=500, projection=None):
        for batch in self.store.batches(name, filter, size, projection):
            self.reads.append(len(batch))
            yield batch

    def __getattr__(self, name):
        return getattr(self.store, name)


def _stored_requests(count):
    """Requests shaped as the schema stores them, written in one go."""
    moment = dt.datetime(2026, 11, 2, 9, 30)
    return [
        {
            "reference": f"REQ-2026-{number:04d}",
            "received_on": dt.datetime(2026, 11, 2),
            "organisation": {"name": f"Asbl Quartier {number}", "type": "private_organisation"},
            "municipality": "21009",
            "contact": {"name": "Marie Exemple", "email": f"m{number}@example.org", "language": "fr"},
            "project_title": f"Projet {number}",
            "themes": [],
            "lots": ["L1"],
            "estimated_budget": 100 * number,
            "status": "received",
            "created_at": moment,
            "updated_at": moment,
            "created_by": "factory",
            "updated_by": "factory",
            "version": 1,
            "search_terms": ["projet", str(number)],
        }
        for number in range(1, count + 1)
    ]


def test_rows_are_sent_before_the_last_batch_is_read(app, store, lots):
    size = exports.BATCH
    get_store(app).insert_many("requests", _stored_requests(2 * size + 1))
    store = CountingStore(get_store(app))

    with app.test_request_context():
        chunks = exports.generate_csv(store, "requests", {}, language="fr")
        header = next(chunks)
        assert header.startswith("\ufeffRéférence;")
        first = next(chunks)
        assert store.reads == [size]
        assert first.count("\r\n") == size
        rest = list(chunks)

    assert store.reads == [size, size, 1]
    lines = (first + "".join(rest)).split("\r\n")[:-1]
    assert [line.split(";")[0] for line in lines] == [f"REQ-2026-{number:04d}" for number in range(1, 2 * size + 2)]


def test_batches_read_a_bounded_page_at_a_time_within_the_filter(app, store, lots):
    requests = _stored_requests(7)
    for doc in requests:
        if doc["reference"] in ("REQ-2026-0002", "REQ-2026-0005"):
            doc["status"] = "on_hold"
    get_store(app).insert_many("requests", requests)
    store = CountingStore(get_store(app))

    pages = list(exports.batches(store, "requests", {"status": "received"}, size=2))

    assert [[doc["reference"] for doc in page] for page in pages] == [
        ["REQ-2026-0001", "REQ-2026-0003"],
        ["REQ-2026-0004", "REQ-2026-0006"],
        ["REQ-2026-0007"],
    ]
    assert store.reads == [2, 2, 1]


def test_download_is_streamed_not_built_in_memory(client, requests_in_list):
    response = client.get("/admin/requests/export/csv/", buffered=False)

    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    body = b"".join(response.response)
    response.close()
    assert len(rows_of(body)) == 1 + 5


# Who may export --------------------------------------------------------------------


def test_manager_can_export(client_as, requests_in_list):
    manager = client_as("manager")

    response = manager.get(f"/admin/requests/export/csv/?{LIST_QUERY}")

    assert response.status_code == 200
    assert len(records_of(response.data)) == 2


def test_anonymous_is_sent_to_sign_in_and_nothing_is_exported(anonymous, requests_in_list, store):
    response = anonymous.get(f"/admin/requests/export/csv/?{LIST_QUERY}")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert b"REQ-" not in response.data
    assert store.count("audit", {"action": "export"}) == 0


# Command line --------------------------------------------------------------------


def test_cli_writes_the_same_rows_as_the_admin_export(runner, client_as, requests_in_list, tmp_path, store):
    path = tmp_path / "received.csv"

    result = runner.invoke(args=["export", "requests", "--lang", "nl", "--filter", "status=received", "--out", str(path)])

    assert result.exit_code == 0, result.output
    manager = client_as("manager")
    manager.get("/admin/?lang=nl")
    admin_rows = rows_of(export(manager, "flt0_0=received").data)
    cli_bytes = path.read_bytes()
    assert cli_bytes.startswith(b"\xef\xbb\xbf")
    cli_rows = rows_of(cli_bytes)
    assert cli_rows == admin_rows
    assert cli_rows[0][:3] == ["Referentie", "Ontvangen op", "Organisatie"]
    assert len(cli_rows) == 1 + 3
    assert {row[cli_rows[0].index("Status")] for row in cli_rows[1:]} == {"Ontvangen"}
    assert store.count("audit", {"action": "export", "actor": "cli"}) == 1


def test_cli_filters_on_a_nested_field(runner, requests_in_list, tmp_path):
    path = tmp_path / "brussels.csv"
    filters = ["organisation.type=municipal_administration", "municipality=21004", "status=received"]

    result = runner.invoke(args=["export", "requests", *[arg for item in filters for arg in ("--filter", item)], "--out", str(path)])

    assert result.exit_code == 0, result.output
    (line,) = records_of(path.read_bytes())
    assert line["Titre du projet"] == "Cour de l'école Nord"


def test_cli_refuses_a_filter_on_an_unknown_field(runner, requests_in_list, tmp_path):
    path = tmp_path / "out.csv"

    result = runner.invoke(args=["export", "requests", "--filter", "colour=red", "--out", str(path)])

    assert result.exit_code != 0
    assert "--filter" in result.output
    assert not path.exists()


def test_cli_filter_value_is_a_plain_string_never_an_operator(runner, requests_in_list, tmp_path):
    path = tmp_path / "out.csv"

    result = runner.invoke(args=["export", "requests", "--filter", 'status={"$ne":1}', "--out", str(path)])

    assert result.exit_code == 0, result.output
    assert len(rows_of(path.read_bytes())) == 1


@pytest.mark.parametrize("language, view, name", [
    ("fr", "requests", "demandes"), ("nl", "requests", "aanvragen"),
    ("fr", "providers", "prestataires"), ("nl", "providers", "dienstverleners"),
    ("fr", "lots", "lots"), ("nl", "lots", "percelen"),
    ("fr", "briefings", "cahiers-des-charges"), ("nl", "briefings", "bestekken"),
])
def test_file_name_is_in_the_readers_language_with_the_day(client, language, view, name):
    client.get(f"/admin/?lang={language}")

    response = client.get(f"/admin/{view}/export/csv/")

    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}-{dt.date.today().isoformat()}.csv"'


def test_enterprise_numbers_are_written_in_the_registers_form_that_spreadsheets_keep_as_text(client, make, lots):
    make.provider(enterprise_number="0123.456.749")

    (line,) = records_of(client.get("/admin/providers/export/csv/").data)

    assert line["Enterprise number"] == "BE 0123.456.749"
