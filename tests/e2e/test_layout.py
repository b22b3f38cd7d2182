"""Pages that fit the work: a list read at a glance on a laptop, every page usable on a phone.

Measured in Chromium: the requests list at 1280×800 shows at least 15 rows without
scrolling; at 390 px wide the dashboard, a list and a details page scroll only down,
and the collapsed header still names the app.
"""
import pytest
from playwright.sync_api import expect

from .conftest import TIMEOUT_MS

APP_NAME = {"fr": "Centrale de marchés Participation", "nl": "Opdrachtencentrale Participatie"}


def _context_page(browser, base_url, staff_session, width, height):
    context = browser.new_context(locale="fr-BE", base_url=base_url, viewport={"width": width, "height": height},
                                  storage_state=staff_session)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def visible_rows(page):
    """Rows of the list entirely inside the first screen, and their mean height in CSS pixels."""
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll('table.model-list tbody tr')];
        const inside = rows.filter(row => row.getBoundingClientRect().bottom <= window.innerHeight);
        const heights = rows.map(row => row.getBoundingClientRect().height);
        return {inside: inside.length, mean: heights.reduce((a, b) => a + b, 0) / heights.length};
    }""")


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_the_requests_list_shows_fifteen_rows_on_a_laptop_screen(browser, base_url, staff_session, screenshot, lang):
    context, page = _context_page(browser, base_url, staff_session, 1280, 800)
    try:
        page.goto(f"/admin/requests/?lang={lang}")
        measured = visible_rows(page)
        print(f"requests list {lang} at 1280x800: {measured['inside']} rows on screen, {measured['mean']:.0f} px a row")
        assert measured["inside"] >= 15, measured
    finally:
        context.close()


def _first_details_url(page, list_url):
    page.goto(list_url)
    return page.locator("table.model-list a[href*='/details/']").first.get_attribute("href")


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_a_phone_scrolls_only_down_and_the_header_names_the_app(browser, base_url, staff_session, screenshot, lang):
    context, page = _context_page(browser, base_url, staff_session, 390, 844)
    try:
        page.goto(f"/admin/?lang={lang}")
        pages = {
            "dashboard": "/admin/",
            "requests list": "/admin/requests/",
            "request details": _first_details_url(page, "/admin/requests/"),
            "briefing details": _first_details_url(page, "/admin/briefings/"),
        }
        wide = {}
        for name, url in pages.items():
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[name] = width
            brand = page.locator("nav .navbar-brand")
            expect(brand).to_be_visible()
            expect(brand).to_have_text(APP_NAME[lang])
        assert not wide, f"pages wider than the 390 px phone: {wide}"
    finally:
        context.close()
