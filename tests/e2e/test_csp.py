"""The strict style policy (no 'unsafe-inline' in style-src) in Chromium: every page renders, nothing is refused.

The page fixture fails a test on any console message about the Content Security Policy.
"""
import pytest

PAGES = [
    "/admin/", "/admin/requests/", "/admin/requests/new/", "/admin/briefings/", "/admin/providers/",
    "/admin/providers/new/", "/admin/lots/", "/admin/lots/new/", "/admin/reports/",
]


def first_id(store, collection):
    return str(store.find_one(collection, {}, {"_id": 1})["_id"])


def assert_styled(page):
    """Bootstrap's stylesheet applies: the navigation bar has its colour and the body its font."""
    colour = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_no_inline_style_allowed(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")

    assert_styled(page)


@pytest.mark.parametrize("collection", ["requests", "briefings", "providers"])
@pytest.mark.parametrize("kind", ["details", "edit"])
def test_record_pages_render_with_no_inline_style_allowed(page, store, collection, kind):
    page.goto(f"/admin/{collection}/{kind}/?id={first_id(store, collection)}")
    page.wait_for_load_state("networkidle")

    assert_styled(page)
    if kind == "edit":
        # select2 draws its boxes from scripts: they are there and sized.
        box = page.locator(".select2-container").first.bounding_box()
        assert box and box["width"] > 50


def test_the_sign_in_and_the_administration_pages(page, sign_in_as):
    sign_in_as("admin", "csp.admin@perspective.example")
    for url in ("/admin/users/", "/admin/audit/", "/admin/audit/?flt0_0=sign_in"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert_styled(page)


def test_the_printed_briefing_keeps_its_running_header_style(page, store):
    page.goto(f"/admin/briefings/print/?id={first_id(store, 'briefings')}")
    page.wait_for_load_state("networkidle")

    # Its <style> block (page margins, header, footer) carries the nonce: no refusal in the console.
    assert page.locator("style[nonce]").count() == 1
