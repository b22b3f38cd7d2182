"""What a staff member does with a whole list: act on the selected rows, export what the list shows.

Flask-Admin writes these controls with inline handlers, which our CSP refuses; the
templates we override carry data attributes that backoffice.js acts on instead. The
page watch of conftest.py fails a test on any CSP refusal in the console.
"""
import csv
import io
import re

from playwright.sync_api import expect

from backoffice import records
from backoffice.store.app import get_store

from .test_journeys import choose_in_select2, column, newest_first

# The French labels a staff member reads.
CLOSED_FR = "Clôturée"
DELETED_ONE_FR = "1 enregistrement a été supprimé."


def create_request(live_app, title):
    """A request nobody refers to, stored through the schema as a form save would."""
    with live_app.app_context():
        return records.create(
            "requests",
            {
                "received_on": "2026-01-05",
                "organisation": {"name": "ASBL Doublon", "type": "private_organisation"},
                "municipality": "21004",
                "contact": {"name": "Camille Doublon", "email": "camille@doublon.example"},
                "project_title": title,
            },
            actor="e2e",
            store=get_store(live_app),
        )


def test_bulk_delete_of_a_selected_request_asks_then_deletes(page, live_app, store, screenshot):
    title = "Demande encodée deux fois par erreur"
    doc = create_request(live_app, title)
    page.goto("/admin/requests/?search=doublon")
    row = page.locator("table.model-list tbody tr", has=page.locator("td.col-project_title", has_text=title))
    expect(row).to_have_count(1)

    # Nothing selected: the action says so and does nothing.
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append((dialog.type, dialog.message)), dialog.accept()))
    page.locator(".nav-tabs .dropdown-toggle").get_by_text("Pour la sélection", exact=True).click()
    page.locator(".dropdown-menu button[data-action=delete]").click()
    assert alerts and alerts[0][0] == "alert", "without a selection the action should say so"
    assert store.count("requests", {"_id": doc["_id"]}) == 1

    row.locator("input.action-checkbox").check()
    page.locator(".nav-tabs .dropdown-toggle").get_by_text("Pour la sélection", exact=True).click()
    screenshot("requests-bulk-actions-menu")
    with page.expect_navigation():
        page.locator(".dropdown-menu button[data-action=delete]").click()

    assert alerts[-1][0] == "confirm", "the deletion should be confirmed first"
    expect(page.locator(".alert-success")).to_contain_text(DELETED_ONE_FR)
    expect(page.locator("td.col-project_title", has_text=title)).to_have_count(0)
    assert store.count("requests", {"_id": doc["_id"]}) == 0


def test_bulk_delete_dismissed_keeps_the_record(page, live_app, store):
    title = "Demande à garder malgré tout"
    doc = create_request(live_app, title)
    page.goto("/admin/requests/?search=garder")
    page.on("dialog", lambda dialog: dialog.dismiss())
    row = page.locator("table.model-list tbody tr", has=page.locator("td.col-project_title", has_text=title))
    row.locator("input.action-checkbox").check()
    page.locator(".nav-tabs .dropdown-toggle").get_by_text("Pour la sélection", exact=True).click()
    page.locator(".dropdown-menu button[data-action=delete]").click()
    page.wait_for_timeout(300)
    expect(row).to_have_count(1)
    assert store.count("requests", {"_id": doc["_id"]}) == 1


def test_csv_export_of_a_filtered_list_holds_its_rows(page, store, tmp_path):
    expected = newest_first(store.find("requests", {"status": "closed"}))
    assert expected, "the seeds hold closed requests"
    page.goto("/admin/requests/")
    page.locator(".nav-tabs .dropdown-toggle").get_by_text("Ajouter un filtre", exact=True).click()
    page.locator(".field-filters a.filter").get_by_text("Statut", exact=True).click()
    row = page.locator("#filter_form table.filters tr").last
    choose_in_select2(page, row.locator("td").last.locator(".select2-choice"), CLOSED_FR, "clô")
    page.locator("#filter_form button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]flt\d+_\d+=closed"))
    assert set(column(page, "status")) == {CLOSED_FR}

    with page.expect_download() as download_info:
        page.locator('.nav-tabs a[href*="/export/csv/"]').click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert "Référence" in rows[0] and "Statut" in rows[0], f"French headers expected, got {list(rows[0])}"
    assert sorted(row["Référence"] for row in rows) == sorted(doc["reference"] for doc in expected)
    assert {row["Statut"] for row in rows} == {CLOSED_FR}
    by_reference = {row["Référence"]: row for row in rows}
    for doc in expected:
        assert by_reference[doc["reference"]]["Titre du projet"] == doc["project_title"]
