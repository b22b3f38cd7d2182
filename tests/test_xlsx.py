"""XLSX exports as a manager opens them: the list's rows in its order, typed cells, a filterable header.

Each workbook is read back with openpyxl (cell types, formats, frozen header, filter,
second sheet) and once with LibreOffice Calc.
"""
import csv
import datetime as dt
import io

import openpyxl
import pytest

from conftest import cells
from libreoffice import calc_read

LIST_QUERY = "search=ecole&flt0_0=received"


@pytest.fixture
def listed(make):
    """Lots L1 and L2, two providers (one on two lots), four requests of which the filtered list keeps three."""
    make.lot(ceiling_amount="1500000")
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen")
    make.provider(lots=[{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 1}], contact={"phone": "0470 12 34 56"})
    make.provider(name="Babel vzw", enterprise_number="0417.497.106", lots=[])
    made = [
        make.request(
            project_title="Jardin de l'École du Parc",
            organisation={"name": "Commune d'Ixelles", "enterprise_number": "0207.373.429"},
            received_on="2026-11-02",
            estimated_budget="25000,50",
            contact={"phone": "02 515 61 11"},
        ),
        make.request(project_title="Cour de l'école Nord", organisation={"name": "Asbl Zèbre"}, received_on="2026-10-15", lots=["L1", "L2"]),
        make.request(project_title="École des devoirs", organisation={"name": "Bruxelles-Ville"}, received_on="2026-09-01"),
        make.request(project_title="Maison de quartier"),
    ]
    return made


def workbook(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.data))


def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_lines(response):
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_workbook_holds_the_rows_of_the_csv_in_the_lists_order(client, listed):
    # Sorted on the organisation's name, the list's third column.
    page = client.get(f"/admin/requests/?{LIST_QUERY}&sort=2").get_data(as_text=True)
    shown = cells(page, "reference")

    book = workbook(client.get(f"/admin/requests/export/xlsx/?{LIST_QUERY}&sort=2"))
    as_csv = csv_lines(client.get(f"/admin/requests/export/csv/?{LIST_QUERY}&sort=2"))

    rows = sheet_rows(book.worksheets[0])
    assert rows[0] == as_csv[0]
    assert [row[0] for row in rows[1:]] == [line[0] for line in as_csv[1:]] == shown
    assert len(shown) == 3
    # The other way round too.
    descending = cells(client.get(f"/admin/requests/?{LIST_QUERY}&sort=2&desc=1").get_data(as_text=True), "reference")
    assert descending == shown[::-1]
    book = workbook(client.get(f"/admin/requests/export/xlsx/?{LIST_QUERY}&sort=2&desc=1"))
    assert [row[0] for row in sheet_rows(book.worksheets[0])[1:]] == descending


def test_cells_are_typed_numbers_dates_and_text(client, listed):
    client.get("/admin/?lang=fr")
    response = client.get("/admin/requests/export/xlsx/?search=jardin")
    sheet = workbook(response).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    line = {title: cell for title, cell in zip(header, sheet[2])}

    budget = line["Budget estimé (EUR, hors TVA)"]
    assert budget.data_type == "n" and budget.value == 25000.5
    assert "€" in budget.number_format and "0.00" in budget.number_format
    received = line["Date de réception"]
    assert received.is_date and received.value == dt.datetime(2026, 11, 2)
    assert received.number_format == "dd/mm/yyyy"
    number = line["Numéro d'entreprise (BCE) de l'organisation"]
    assert (number.value, number.data_type, number.number_format) == ("0207.373.429", "s", "@")
    phone = line["Téléphone du contact"]
    assert (phone.value, phone.data_type) == ("02 515 61 11", "s")
    assert line["Titre du projet"].value == "Jardin de l'École du Parc"
    created = line["Créé le"]
    assert created.is_date and isinstance(created.value, dt.datetime)
    assert response.headers["Content-Disposition"] == f'attachment; filename="demandes-{dt.date.today().isoformat()}.xlsx"'
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_header_is_bold_frozen_and_filterable_with_sensible_widths(client, listed):
    sheet = workbook(client.get("/admin/requests/export/xlsx/")).worksheets[0]

    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    last_column = openpyxl.utils.get_column_letter(sheet.max_column)
    assert sheet.auto_filter.ref == f"A1:{last_column}{sheet.max_row}"
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    header = [cell.value for cell in sheet[1]]
    title_column = openpyxl.utils.get_column_letter(header.index("Project title") + 1)
    # Wide enough for the longest title of the list, never a wall of text.
    assert len("Jardin de l'École du Parc") <= widths[title_column] <= 62
    assert all(8 <= width <= 62 for width in widths.values())


def test_second_sheet_says_what_the_file_holds(client, listed):
    client.get("/admin/?lang=nl")

    book = workbook(client.get(f"/admin/requests/export/xlsx/?{LIST_QUERY}&sort=2"))

    about = dict(sheet_rows(book.worksheets[1]))
    assert book.sheetnames[1] == "Over dit bestand"
    assert about["Inhoud"] == "Aanvragen"
    assert about["Zoekopdracht"] == "ecole"
    assert about["Toegepaste filters"] == "Status is Ontvangen"
    assert about["Gesorteerd op"] == "Organisatie (oplopend)"
    assert about["Taal"] == "Nederlands"
    assert about["Geëxporteerd door"] == "staff@perspective.example"
    assert about["Regels"] == 3
    assert dt.datetime.strptime(about["Geëxporteerd op"], "%Y-%m-%d %H:%M")


def test_provider_export_has_one_line_per_provider_and_lot_with_the_rank_in_its_own_column(client, listed):
    book = workbook(client.get("/admin/providers/export/xlsx/"))
    as_csv = csv_lines(client.get("/admin/providers/export/csv/"))

    rows = sheet_rows(book.worksheets[0])
    header = rows[0]
    assert header == as_csv[0]
    lot, rank, name = header.index("Lot"), header.index("Cascade rank"), header.index("Name")
    assert [(row[name], row[lot], row[rank]) for row in rows[1:]] == [
        ("Agora Participation scrl", "L1 — Mission globale de A à Z", 2),
        ("Agora Participation scrl", "L2 — Conception de processus participatifs", 1),
        ("Babel vzw", None, None),
    ]
    assert [(line[name], line[lot], line[rank]) for line in as_csv[1:]] == [
        ("Agora Participation scrl", "L1 — Mission globale de A à Z", "2"),
        ("Agora Participation scrl", "L2 — Conception de processus participatifs", "1"),
        ("Babel vzw", "", ""),
    ]
    assert book.worksheets[0].cell(row=2, column=rank + 1).data_type == "n"


def test_every_list_exports_a_workbook(client, listed, make):
    for view in ("requests", "providers", "lots", "briefings"):
        book = workbook(client.get(f"/admin/{view}/export/xlsx/"))
        assert book.worksheets[0].max_row >= 1, view


def test_export_of_another_kind_is_not_found(client):
    assert client.get("/admin/requests/export/json/").status_code == 404


def test_managers_export_workbooks_and_it_is_audited(client_as, listed, store):
    manager = client_as("manager")

    workbook(manager.get("/admin/lots/export/xlsx/"))

    entry = store.find_one("audit", {"action": "export", "actor": "manager@perspective.example"})
    assert entry["collection"] == "lots" and entry["details"]["format"] == "xlsx"


def test_libreoffice_reads_the_workbook_with_its_types(client, listed, tmp_path):
    path = tmp_path / "requests.xlsx"
    path.write_bytes(client.get("/admin/requests/export/xlsx/?search=jardin").data)

    rows = calc_read(path, workdir=tmp_path)

    header = [value for value, _kind in rows[0]]
    line = dict(zip(header, rows[1]))
    assert line["Organisation enterprise number"] == ("0207.373.429", "s")
    assert line["Estimated budget (EUR, excl. VAT)"] == (25000.5, "n")
    assert line["Received on"] == (dt.datetime(2026, 11, 2), "d")
    assert line["Contact phone"] == ("02 515 61 11", "s")
