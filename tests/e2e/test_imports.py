"""A staff member loads the provider list received from the framework agreement, with a preview first."""
import csv
import io

from playwright.sync_api import expect


def test_provider_list_edited_in_a_spreadsheet_shows_its_preview_before_anything_is_written(page, store, screenshot, tmp_path):
    before = {doc["enterprise_number"]: doc["version"] for doc in store.find("providers", {})}
    exported = page.request.get("/admin/providers/export/csv/")
    assert exported.ok
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    email = header.index("E-mail du contact")
    number = header.index("Numéro d'entreprise (BCE)")
    for row in rows[1:]:
        if row[number] == rows[1][number]:  # every line (lot) of the first provider
            row[email] = "nouvelle.adresse@exemple.be"
    rows.append(["Civic Lab", "0203.201.340"] + [""] * (len(header) - 2))
    rows.append(["Numéro Faux", "0123.456.748"] + [""] * (len(header) - 2))
    languages = header.index("Langues de travail")
    rows[-2][languages] = rows[-1][languages] = "Français"
    path = tmp_path / "prestataires-accord-cadre.csv"
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8-sig")

    page.goto("/admin/providers/")
    page.locator(".nav-tabs a", has_text="Importer").click()
    page.locator("#import-file").set_input_files(str(path))
    page.get_by_role("button", name="Aperçu").click()

    preview = page.locator("table.import-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("tr.import-changed")).to_have_count(1)
    expect(preview.locator("tr.import-new")).to_have_count(1)
    expect(preview.locator("tr.import-error")).to_have_count(1)
    expect(preview.locator("tr.import-changed")).to_contain_text("nouvelle.adresse@exemple.be")
    expect(preview.locator("tr.import-error")).to_contain_text("Numéro d'entreprise (BCE)")
    expect(preview.locator("tr.import-error")).to_contain_text("0123.456.748")
    # The counts in French typography: a no-break space before the colon.
    expect(page.locator(".badge-success")).to_have_text("Nouveau\u00a0: 1")
    expect(page.locator(".badge-danger")).to_have_text("Refusé\u00a0: 1")
    # A refused line means nothing can be confirmed.
    expect(page.locator('form[action$="/import/confirm/"]')).to_have_count(0)
    screenshot("import-preview", docs=True)
    assert {doc["enterprise_number"]: doc["version"] for doc in store.find("providers", {})} == before
