"""A text longer than its limit is never cut: a counter says so while typing, and the save is refused."""
from playwright.sync_api import expect

from backoffice import records
from backoffice.store.app import get_store

LONG = ("Un texte collé depuis un courriel, bien plus long que la limite. " * 100)[:6000]


def test_a_pasted_text_over_the_limit_is_counted_kept_and_refused(page, live_app, store):
    with live_app.app_context():
        doc = records.create(
            "requests",
            {"received_on": "2024-01-15", "organisation": {"name": "Commune d'Evere", "type": "municipal_administration"},
             "municipality": "21006", "contact": {"name": "Lou Long", "email": "lou@evere.example"},
             "project_title": "Un texte trop long"},
            actor="e2e", store=get_store(live_app),
        )
    page.goto(f"/admin/requests/edit/?id={doc['_id']}&lang=fr")

    description = page.locator("#description")
    description.fill(LONG)
    assert len(description.input_value()) == 6000, "the browser kept every character pasted"
    counter = page.locator("#description-counter")
    expect(counter).to_contain_text("6\u202f000 / 5\u202f000 caractères")
    expect(counter).to_contain_text("trop long")
    with page.expect_navigation():
        page.locator('input[name="_continue_editing"]').click()

    expect(page.locator(".alert-danger").first).to_be_visible()
    expect(page.locator("#description ~ .invalid-feedback").first).to_contain_text("5000")
    assert len(page.locator("#description").input_value()) == 6000, "what was typed is shown again, whole"
    assert "description" not in store.find_one("requests", {"_id": doc["_id"]})
