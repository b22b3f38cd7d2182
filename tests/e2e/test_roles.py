"""A manager follows the pipeline and exports, but changes nothing; anyone can sign out.

The manager is a user of the live server's store, created with
`backoffice.users.create_user` (the `make_user` fixture) and signed in through the form.
"""
import re

from playwright.sync_api import expect

REFUSED_FR = "Vous n'avez pas le droit de consulter cette page ni d'effectuer cette action."
SIGNED_OUT_FR = "Votre session a été fermée."


def test_a_manager_reads_and_exports_but_sees_no_button_that_changes_anything(page, sign_in_as, store, screenshot):
    sign_in_as("manager", "morgane.manager@perspective.example", name="Morgane Manager")

    for view in ("requests", "briefings", "providers", "lots"):
        page.goto(f"/admin/{view}/")
        expect(page.locator("table.model-list tbody tr").first).to_be_visible()
        expect(page.locator('.nav-tabs a[href*="/new/"]')).to_have_count(0)
        expect(page.locator('table.model-list a[href*="/edit/"]')).to_have_count(0)
        expect(page.locator('table.model-list form[action$="/delete/"]')).to_have_count(0)
        # No bulk action either: they all change records.
        expect(page.locator("input.action-checkbox")).to_have_count(0)
        expect(page.locator("[data-action]")).to_have_count(0)
        expect(page.locator('.nav-tabs a[href*="/export/csv/"]')).to_have_count(1)
    screenshot("manager-briefings-list")

    request = store.find_one("requests", {"status": "under_review"})
    page.goto(f"/admin/requests/details/?id={request['_id']}")
    expect(page.locator("main h1")).to_have_text("Demandes")
    expect(page.locator('.nav-tabs a[href*="/edit/"]')).to_have_count(0)
    expect(page.locator("#workflow-title")).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)

    response = page.goto("/admin/requests/new/")
    assert response.status == 403
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("main h1")).to_have_text(REFUSED_FR)
    screenshot("manager-refused")


def test_signing_out_ends_the_session(page, sign_in_as):
    sign_in_as("staff", "sacha.staff@perspective.example", name="Sacha Staff")
    page.goto("/admin/requests/")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/login"))
    expect(page.locator(".alert")).to_contain_text(SIGNED_OUT_FR)
    assert page.locator("html").get_attribute("lang") == "fr"

    # The pages are closed now: the next visit asks to sign in again, and comes back after.
    page.goto("/admin/requests/")
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.locator('input[name="email"]')).to_be_visible()
