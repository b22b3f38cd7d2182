"""Imports with a preview: an edited export comes back changing exactly what was edited, or nothing at all."""
import csv
import io

import openpyxl
import pytest

from backoffice import imports
from backoffice.store.app import get_store
from conftest import csrf_token

IMPORT_URL = "/admin/providers/import/"


@pytest.fixture
def providers(make):
    """Lots L1 and L2; Agora on both lots, Babel on none."""
    make.lot()
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen")
    agora = make.provider(lots=[{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 1}], address={"city": "Bruxelles"})
    babel = make.provider(name="Babel vzw", enterprise_number="0417.497.106", lots=[], languages=["nl"])
    return agora, babel


def csv_table(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def csv_bytes(rows, encoding="utf-8-sig", delimiter=";"):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, content, name="providers.csv", url=IMPORT_URL):
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def confirm(client, page, url="/admin/providers/import/confirm/"):
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    return client.post(url, data={"csrf_token": csrf_token(page), "token": token})


def stored(store, collection="providers"):
    return {doc.get("enterprise_number") or doc.get("code") or doc.get("reference"): doc for doc in store.find(collection, {})}


# Round trip -----------------------------------------------------------------------------


def _edit_csv(client):
    rows = csv_table(client.get("/admin/providers/export/csv/").data)
    header = rows[0]
    email, rank, city = header.index("Contact e-mail"), header.index("Cascade rank"), header.index("City")
    agora_l2 = next(row for row in rows[1:] if row[0] == "Agora Participation scrl" and row[header.index("Lot")].startswith("L2"))
    agora_l2[rank] = "3"
    for row in rows[1:]:
        if row[0] == "Agora Participation scrl":
            row[email] = "contact@agora.example"
            row[city] = "Ixelles"
    return csv_bytes(rows), "providers.csv"


def _edit_xlsx(client):
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/providers/export/xlsx/").data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value != "Agora Participation scrl":
            continue
        row[header.index("Contact e-mail")].value = "contact@agora.example"
        row[header.index("City")].value = "Ixelles"
        if row[header.index("Lot")].value.startswith("L2"):
            row[header.index("Cascade rank")].value = 3
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "providers.xlsx"


@pytest.mark.parametrize("edit", [_edit_csv, _edit_xlsx], ids=["csv", "xlsx"])
def test_an_edited_export_imports_back_changing_exactly_the_edited_cells(client, providers, store, edit):
    before = stored(store)
    content, name = edit(client)

    page = upload(client, content, name)

    assert page.count('<tr class="import-changed') == 1 and page.count('<tr class="import-unchanged') == 1
    assert "Contact e-mail: lea@agora.example → contact@agora.example" in page
    assert "City: Bruxelles → Ixelles" in page
    assert "Lots:" in page and "import-error" not in page
    response = confirm(client, page)
    assert response.status_code == 302
    after = stored(store)
    agora, babel = after["0123456749"], after["0417497106"]
    assert babel == before["0417497106"]
    assert agora["contact"]["email"] == "contact@agora.example"
    assert agora["address"]["city"] == "Ixelles"
    assert agora["lots"] == [{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 3}]
    assert agora["version"] == 2
    # Nothing else moved: every other field is as it was.
    untouched = {name for name in before["0123456749"]} - {"contact", "address", "lots", "version", "updated_at", "updated_by", "search_terms"}
    assert {name: agora.get(name) for name in untouched} == {name: before["0123456749"][name] for name in untouched}
    entries = list(store.find("audit", {"collection": "providers", "action": {"$in": ["update", "import"]}}))
    assert sorted(entry["action"] for entry in entries) == ["import", "update"]
    summary = next(entry for entry in entries if entry["action"] == "import")
    assert summary["details"] == {"file": name, "new": 0, "changed": 1, "unchanged": 1}
    assert summary["actor"] == "staff@perspective.example"


def test_an_unchanged_export_changes_nothing(client, providers, store):
    before = stored(store)

    page = upload(client, client.get("/admin/providers/export/csv/").data)

    assert page.count('<tr class="import-unchanged') == 2
    confirm(client, page)
    assert stored(store) == before


# Refusals ----------------------------------------------------------------------------------


NEW_PROVIDERS = [
    ["Nom", "Numéro d'entreprise (BCE)", "Langues de travail", "Lot", "Rang dans la cascade"],
    ["Civic Lab", "0203.201.340", "Français, Néerlandais", "L1 — Mission globale de A à Z", "3"],
    ["Mauvais Numéro", "0123.456.748", "Français", "L1", "4"],
    ["Participe Plus", "BE 0403.170.701", "Néerlandais", "", ""],
]


def test_one_bad_line_imports_nothing_and_names_its_line_and_column(client_as, providers, store):
    client = client_as("staff")
    client.get("/admin/?lang=fr")
    before = stored(store)

    page = upload(client, csv_bytes(NEW_PROVIDERS))

    assert 'name="token"' not in page
    assert "Ligne 3, <strong>Numéro d&#39;entreprise (BCE)</strong> « <code>0123.456.748</code> »" in page
    assert "Ce numéro d&#39;entreprise n&#39;existe pas" in page
    assert page.count('<tr class="import-new') == 2 and page.count('<tr class="import-error') == 1
    assert stored(store) == before
    # Confirming without a kept file does nothing either.
    response = client.post("/admin/providers/import/confirm/", data={"csrf_token": csrf_token(page), "token": "x" * 32})
    assert response.status_code == 302
    assert stored(store) == before


def test_without_the_bad_line_the_new_records_are_created_through_the_schema(client, providers, store):
    page = upload(client, csv_bytes([NEW_PROVIDERS[0], NEW_PROVIDERS[1], NEW_PROVIDERS[3]]))

    assert page.count('<tr class="import-new') == 2
    assert confirm(client, page).status_code == 302
    after = stored(store)
    assert after["0203201340"]["lots"] == [{"lot": "L1", "rank": 3}]
    assert after["0203201340"]["languages"] == ["fr", "nl"]
    assert after["0403170701"]["lots"] == []
    assert after["0403170701"]["created_by"] == "staff@perspective.example"
    assert store.count("audit", {"action": "create", "collection": "providers", "actor": "staff@perspective.example"}) == 2


def test_windows_1252_and_utf8_with_bom_give_the_same_preview(app, providers, store):
    rows = [NEW_PROVIDERS[0], ["Société Générale d'Études", "0203.201.340", "Français", "L2 — Conception", "2"]]
    with app.test_request_context():
        results = [imports.preview("providers", "f.csv", csv_bytes(rows, encoding)) for encoding in ("cp1252", "utf-8-sig")]

    seen = [[(line.status, line.key, line.errors, line.cells, line.doc) for line in result.records] for result in results]
    assert seen[0] == seen[1]
    assert results[0].records[0].doc["name"] == "Société Générale d'Études"
    assert results[0].records[0].status == "new"


def test_comma_separated_files_read_the_same(app, providers):
    with app.test_request_context():
        semicolons = imports.preview("providers", "f.csv", csv_bytes(NEW_PROVIDERS))
        commas = imports.preview("providers", "f.csv", csv_bytes(NEW_PROVIDERS, delimiter=","))

    assert [(line.status, line.errors) for line in semicolons.records] == [(line.status, line.errors) for line in commas.records]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "@SUM(A1)", "+A1", "-A1*2", "'=1+1"])
def test_formula_like_cells_are_refused(client, providers, store, cell):
    rows = [NEW_PROVIDERS[0], [cell, "0203.201.340", "Français", "L1", "3"]]

    page = upload(client, csv_bytes(rows))

    assert "starts like a spreadsheet formula" in page
    assert 'name="token"' not in page
    assert "0203201340" not in stored(store)


def test_a_formula_in_a_workbook_is_refused_not_computed(client, providers, store):
    book = openpyxl.Workbook()
    book.active.append(["Name", "Enterprise number", "Working languages"])
    book.active.append(["=CONCAT(\"A\",\"B\")", "0203.201.340", "French"])
    out = io.BytesIO()
    book.save(out)

    page = upload(client, out.getvalue(), "providers.xlsx")

    assert "starts like a spreadsheet formula" in page
    assert "0203201340" not in stored(store)


def test_files_too_large_or_too_long_are_refused_with_a_message(client, providers, monkeypatch):
    line = csv_bytes([["Nom", "0203.201.340", "x" * 600]])
    big = csv_bytes([["Nom", "Numéro d'entreprise (BCE)", "Notes"]]) + line * (5 * 1024 * 1024 // len(line) + 1)
    with pytest.raises(imports.ImportRefused, match="larger than 5 MB"):
        imports.read_rows("big.csv", big)
    just = big[:5 * 1024 * 1024 - len(line)]
    assert len(imports.read_rows("just.csv", just[:just.rindex(b"\r\n") + 2])) > 8000
    # Through the page (a smaller limit: werkzeug's test client leaves its temporary file of a large upload open).
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    assert "larger than 5 MB" in upload(client, csv_bytes([NEW_PROVIDERS[0]]) + b"x" * 1000)
    monkeypatch.undo()
    long = csv_bytes([NEW_PROVIDERS[0]] + [["Nom", "0203.201.340", "Français", "", ""]] * 10_001)
    assert "more than 10,000 lines" in upload(client, long)


def test_an_unknown_column_is_named(client, providers):
    page = upload(client, csv_bytes([["Name", "Enterprise number", "Shoe size"], ["A", "0203.201.340", "42"]]))

    assert "These columns are not fields of this list: « Shoe size »" in page


def test_headers_in_dutch_import_while_reading_french(client, providers, store):
    client.get("/admin/?lang=nl")
    dutch = client.get("/admin/providers/export/csv/").data
    client.get("/admin/?lang=fr")

    page = upload(client, dutch)

    assert page.count('<tr class="import-unchanged') == 2


def test_managers_cannot_import(client_as, providers):
    manager = client_as("manager")

    assert manager.get(IMPORT_URL).status_code == 403
    assert manager.post(IMPORT_URL, data={}).status_code in (400, 403)
    assert 'href="/admin/providers/import/"' not in manager.get("/admin/providers/").get_data(as_text=True)


def test_staff_see_the_import_tab(client, providers):
    assert 'href="/admin/providers/import/"' in client.get("/admin/providers/").get_data(as_text=True)
    assert client.get("/admin/briefings/import/").status_code == 404


# Requests and lots --------------------------------------------------------------------------


def test_requests_gathered_in_a_spreadsheet_become_new_requests(client, providers, store):
    rows = [
        ["Date de réception", "Organisation", "Type d'organisation", "Commune", "Nom du contact", "E-mail du contact",
         "Langue du contact", "Titre du projet", "Lots demandés", "Budget estimé (EUR, hors TVA)"],
        ["02/11/2026", "Commune de Jette", "Administration communale", "Jette", "Jean Test", "jean@jette.example",
         "Français", "Plaine de jeux", "L1 — Mission globale de A à Z, L2 — Conception de processus participatifs", "12.500,50"],
    ]
    client.get("/admin/?lang=fr")

    page = upload(client, csv_bytes(rows), url="/admin/requests/import/")

    assert page.count('<tr class="import-new') == 1, page
    confirm(client, page, url="/admin/requests/import/confirm/")
    (request,) = store.find("requests", {"project_title": "Plaine de jeux"})
    assert request["reference"].startswith("REQ-")
    assert request["lots"] == ["L1", "L2"]
    assert request["estimated_budget"] == 1250050
    assert request["municipality"] == "21010"
    assert request["received_on"].date().isoformat() == "2026-11-02"
    assert request["status"] == "received"


def test_a_lots_ceiling_changed_in_the_workbook(client, providers, store):
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/lots/export/xlsx/").data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("Ceiling (EUR, excl. VAT)") + 1).value = 1750000.25
    out = io.BytesIO()
    book.save(out)

    page = upload(client, out.getvalue(), "lots.xlsx", url="/admin/lots/import/")

    assert page.count('<tr class="import-changed') == 1 and page.count('<tr class="import-unchanged') == 1
    confirm(client, page, url="/admin/lots/import/confirm/")
    assert store.find_one("lots", {"code": "L1"})["ceiling_amount"] == 175000025


# Command line ---------------------------------------------------------------------------------


def test_command_line_dry_run_writes_nothing_then_the_import_writes(runner, providers, store, tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(csv_bytes([NEW_PROVIDERS[0], NEW_PROVIDERS[1]]))

    dry = runner.invoke(args=["import", "providers", str(path), "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "1 new, 0 changed, 0 unchanged, 0 refused (dry run" in dry.output
    assert "0203201340" not in stored(store)
    done = runner.invoke(args=["import", "providers", str(path)])
    assert done.exit_code == 0, done.output
    assert "0203201340" in stored(store)
    assert store.find_one("audit", {"action": "import", "actor": "cli"})["details"]["new"] == 1


def test_command_line_refuses_a_file_with_a_bad_line(runner, providers, store, tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(csv_bytes(NEW_PROVIDERS))

    result = runner.invoke(args=["import", "providers", str(path)])

    assert result.exit_code != 0
    assert "line 3, Numéro d'entreprise (BCE)" in result.output
    assert "nothing was imported" in result.output
    assert "0203201340" not in stored(store)


def test_a_write_that_fails_midway_undoes_the_writes_before_it(app, providers, store, monkeypatch):
    rows = [
        ["Name", "Enterprise number", "Working languages", "City"],
        ["Civic Lab", "0203.201.340", "French", ""],
        ["Agora Participation scrl", "0123.456.749", "French, Dutch", "Ixelles"],
        ["Babel vzw", "0417.497.106", "Dutch", "Gent"],
    ]
    before = stored(store)
    real_update = imports.records.update_valid
    calls = []

    def update_then_fail(collection, previous, doc, *args, **kwargs):
        calls.append(previous["enterprise_number"])
        if len(calls) == 2:  # someone saved Babel between the check and the write
            raise imports.records.StaleRecord()
        return real_update(collection, previous, doc, *args, **kwargs)

    monkeypatch.setattr(imports.records, "update_valid", update_then_fail)
    with app.test_request_context():
        result = imports.preview("providers", "f.csv", csv_bytes(rows, delimiter=","), store=get_store(app))
        assert result.counts == {"new": 1, "changed": 2, "unchanged": 0, "error": 0}
        with pytest.raises(imports.ImportRefused, match="rien n.a été importé"):
            imports.apply(result, "staff@perspective.example", store=get_store(app))

    after = stored(store)
    assert set(after) == set(before)
    for key, doc in before.items():
        assert {name: value for name, value in after[key].items()} == doc
    assert store.count("audit", {"action": "import"}) == 0
