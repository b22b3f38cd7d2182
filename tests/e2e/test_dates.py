"""Dates typed and read in the page's language, in an English browser: dd/mm/yyyy, Monday first, never guessed.

The browser's own date input would show mm/dd/yyyy in an English Chromium whatever the
page's language, and the old picker read "15/03/2027" as 3 December 2027. These tests
type days as a staff member does, save, and read back what was stored and shown.
"""
import datetime as dt

import pytest
from playwright.sync_api import expect

from backoffice import records
from backoffice.store.app import get_store

from .conftest import TIMEOUT_MS

# The first day of the week as the picker's header writes it (CLDR's short stand-alone names).
MONDAY = {"fr": "lu", "nl": "ma"}
MARCH = {"fr": "mars", "nl": "mrt"}
REFUSED = {
    "fr": "Date non valable\u00a0: écrivez-la jj/mm/aaaa, par exemple 15/03/2027.",
    "nl": "Geen geldige datum: schrijf dd/mm/jjjj, bijvoorbeeld 15/03/2027.",
}


@pytest.fixture
def english_browser_page(browser, base_url, staff_session):
    """A staff member's page in a browser set to American English, the case that went wrong."""
    context = browser.new_context(locale="en-US", base_url=base_url, viewport={"width": 1366, "height": 900},
                                  storage_state=staff_session)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert not errors, errors


def _request(live_app):
    with live_app.app_context():
        return records.create(
            "requests",
            {
                "received_on": "2024-01-15",
                "organisation": {"name": "Commune de Jette", "type": "municipal_administration"},
                "municipality": "21010",
                "contact": {"name": "Noa Datum", "email": "noa@jette.example"},
                "project_title": "Dates typées à la main",
            },
            actor="e2e",
            store=get_store(live_app),
        )


@pytest.mark.parametrize("lang, typed, expected", [("fr", "15/03/2027", dt.datetime(2027, 3, 15)),
                                                    ("nl", "16/03/2027", dt.datetime(2027, 3, 16))])
def test_a_typed_day_is_stored_as_typed_and_shown_back(english_browser_page, live_app, store, lang, typed, expected):
    page = english_browser_page
    doc = _request(live_app)
    page.goto(f"/admin/requests/edit/?id={doc['_id']}&lang={lang}")

    field = page.locator("#expected_start")
    assert field.get_attribute("type") == "text", "no browser date input: it speaks the browser's language"
    expect(page.locator("#received_on")).to_have_value("15/01/2024")
    field.click()
    # The picker speaks the page's language and starts the week on Monday.
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_be_visible()
    assert picker.locator("thead tr").nth(1).locator("th").first.inner_text().strip().lower() == MONDAY[lang]
    field.fill("")
    field.type(typed)
    # The calendar followed the typed day: March 2027, the month named in the page's language.
    expect(picker.locator("select.monthselect option:checked").first).to_have_text(MARCH[lang])
    expect(picker.locator("select.yearselect option:checked").first).to_have_text("2027")
    page.keyboard.press("Tab")
    expect(field).to_have_value(typed)
    with page.expect_navigation():
        page.locator('input[name="_continue_editing"]').click()

    assert store.find_one("requests", {"_id": doc["_id"]})["expected_start"] == expected
    expect(page.locator("#expected_start")).to_have_value(typed)


@pytest.mark.parametrize("lang", ["fr", "nl"])
@pytest.mark.parametrize("typed", ["03/15/2027", "2027-15-03", "15/3/27"])
def test_a_day_the_picker_cannot_read_is_refused_not_reinterpreted(english_browser_page, live_app, store, lang, typed):
    page = english_browser_page
    doc = _request(live_app)
    page.goto(f"/admin/requests/edit/?id={doc['_id']}&lang={lang}")

    field = page.locator("#expected_start")
    field.click()
    field.fill(typed)
    page.keyboard.press("Tab")
    expect(field).to_have_value(typed)  # left as typed, not rewritten by the picker
    with page.expect_navigation():
        page.locator('input[name="_continue_editing"]').click()

    expect(page.locator("#expected_start ~ .invalid-feedback, #expected_start + .invalid-feedback").first).to_contain_text(REFUSED[lang])
    expect(page.locator("#expected_start")).to_have_value(typed)
    assert "expected_start" not in store.find_one("requests", {"_id": doc["_id"]})


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_the_list_filter_takes_a_typed_day_and_speaks_the_language(english_browser_page, live_app, store, lang):
    page = english_browser_page
    page.goto(f"/admin/requests/?lang={lang}")
    page.locator(".nav-tabs .dropdown-toggle").get_by_text({"fr": "Ajouter un filtre", "nl": "Filter toevoegen"}[lang], exact=True).click()
    page.locator(".field-filters a.filter").get_by_text({"fr": "Date de réception", "nl": "Ontvangen op"}[lang], exact=True).click()
    field = page.locator("#filter_form input.filter-val").last
    field.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_be_visible()
    assert picker.locator("thead tr").nth(1).locator("th").first.inner_text().strip().lower() == MONDAY[lang]
    field.fill("")
    field.type("01/11/2026")
    page.keyboard.press("Tab")
    expect(field).to_have_value("01/11/2026")
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()

    first_of_november = dt.datetime(2026, 11, 1)
    expected = store.count("requests", {"received_on": {"$gte": first_of_november}})
    assert expected, "the demo data has requests received since 1 November 2026"
    assert page.locator("table.model-list tbody tr").count() == min(expected, 20)
    expect(page.locator("#filter_form input.filter-val").last).to_have_value("01/11/2026")


# --- the offer deadline: a day and a time ------------------------------------------------------

DEADLINE_REFUSED = {
    "fr": "Date limite de remise des offres\u00a0: date et heure non valables\u202f; écrivez-les jj/mm/aaaa hh:mm, "
          "par exemple 15/03/2027 14:30.",
    "nl": "Uiterste indieningsdatum offertes: geen geldige datum en tijd; schrijf dd/mm/jjjj uu:mm, "
          "bijvoorbeeld 15/03/2027 14:30.",
}
# The details page writes the moment in the page's language (CLDR's medium date, 24-hour time).
DEADLINE_SHOWN = {"fr": "15 mars 2027 14:30", "nl": "15 mrt 2027 14:30"}


def _draft_briefing(live_app):
    """A draft briefing with no deadline yet, for a seeded request."""
    with live_app.app_context():
        return records.create(
            "briefings",
            {"request": "REQ-2026-0010", "lots": ["L2"], "language": "fr", "status": "draft",
             "objectives": "Un délai tapé à la main."},
            actor="e2e",
            store=get_store(live_app),
        )


def _open_deadline(page, live_app, lang):
    """A new draft briefing's edit form in `lang`, its deadline picker open: (briefing, field, picker)."""
    doc = _draft_briefing(live_app)
    page.goto(f"/admin/briefings/edit/?id={doc['_id']}&lang={lang}")
    return (doc, *_deadline_picker(page))


def _deadline_picker(page):
    field = page.locator("#offer_deadline")
    assert field.get_attribute("type") == "text", "no browser datetime input: it speaks the browser's language"
    field.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_be_visible()
    return field, picker


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_a_typed_deadline_is_stored_as_typed_and_read_back(english_browser_page, live_app, store, lang):
    page = english_browser_page
    doc, field, picker = _open_deadline(page, live_app, lang)
    # The picker speaks the page's language, starts the week on Monday and shows 24-hour time.
    assert picker.locator("thead tr").nth(1).locator("th").first.inner_text().strip().lower() == MONDAY[lang]
    expect(picker.locator("select.hourselect").first.locator("option")).to_have_count(24)
    expect(picker.locator("select.ampmselect")).to_have_count(0)
    field.fill("")
    field.type("15/03/2027 14:30")
    expect(picker.locator("select.monthselect option:checked").first).to_have_text(MARCH[lang])
    expect(picker.locator("select.hourselect option:checked").first).to_have_text("14")
    page.keyboard.press("Tab")
    expect(field).to_have_value("15/03/2027 14:30")
    with page.expect_navigation():
        page.locator('input[name="_continue_editing"]').click()

    # 14:30 in Brussels in March (UTC+1) is 13:30 UTC.
    assert store.find_one("briefings", {"_id": doc["_id"]})["offer_deadline"] == dt.datetime(2027, 3, 15, 13, 30)
    expect(page.locator("#offer_deadline")).to_have_value("15/03/2027 14:30")
    page.goto(f"/admin/briefings/details/?id={doc['_id']}&lang={lang}")
    expect(page.locator("main, body").first).to_contain_text(DEADLINE_SHOWN[lang])


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_a_deadline_the_picker_cannot_read_is_refused_not_reinterpreted(english_browser_page, live_app, store, lang):
    page = english_browser_page
    doc, field, _picker = _open_deadline(page, live_app, lang)
    field.fill("")
    field.type("03/15/2027 14:30")
    page.keyboard.press("Tab")
    expect(field).to_have_value("03/15/2027 14:30")  # left as typed, not rewritten by the picker
    with page.expect_navigation():
        page.locator('input[name="_continue_editing"]').click()

    expect(page.locator("#offer_deadline ~ .invalid-feedback, #offer_deadline + .invalid-feedback").first).to_contain_text(
        DEADLINE_REFUSED[lang])
    expect(page.locator("#offer_deadline")).to_have_value("03/15/2027 14:30")
    assert "offer_deadline" not in store.find_one("briefings", {"_id": doc["_id"]})


def test_leaving_an_empty_deadline_keeps_it_empty(english_browser_page, live_app):
    """Flask-Admin's picker fills in the current time when the field is only visited; ours does not."""
    page = english_browser_page
    doc = _draft_briefing(live_app)
    page.goto(f"/admin/briefings/edit/?id={doc['_id']}&lang=fr")
    field, _picker = _deadline_picker(page)
    page.keyboard.press("Tab")
    expect(field).to_have_value("")
