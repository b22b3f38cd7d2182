"""A staff member who works with the keyboard alone creates and edits a request.

Only keys are pressed: Tab to move, typing, Enter, arrow keys in drop-down lists,
Backspace in a Select2 box. The test reads the page to know where the focus is, as a
person sees it, but never clicks or fills a field directly.
"""
import re

from playwright.sync_api import expect

from .test_journeys import select2_choices

TAB_LIMIT = 120
# The list itself, not a form whose return address (?url=) is the list.
LIST_URL = re.compile(r"^[^?]*/admin/requests/(\?.*)?$")


def focus_matches(page, selector):
    return page.evaluate("selector => !!document.activeElement && document.activeElement.matches(selector)", selector)


def tab_to(page, selector, backwards=False):
    """Press Tab (or Shift+Tab) until the focus is on `selector`; fail if the keyboard cannot reach it."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focus_matches(page, selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def arrow_to_option(page, select_id, label):
    """In a focused drop-down list, press the down or up arrow until `label` is chosen."""
    labels = page.locator(f"#{select_id} option").all_inner_texts()
    target = labels.index(label)
    current = page.locator(f"#{select_id}").evaluate("select => select.selectedIndex")
    key = "ArrowDown" if target > current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    expect(page.locator(f"#{select_id} option:checked")).to_have_text(label)


def pick_in_select2(page, typed, label):
    """In a focused Select2 box, type the start of a choice and take the highlighted one with Enter."""
    page.keyboard.type(typed)
    highlighted = page.locator("#select2-drop .select2-highlighted")
    expect(highlighted).to_have_text(label)
    page.keyboard.press("Enter")
    expect(page.locator("#select2-drop")).to_be_hidden()


def test_create_then_edit_a_request_with_the_keyboard_alone(page, store, screenshot):
    title = "Balades exploratoires au clavier"
    page.goto("/admin/requests/")

    # To the "Create" tab, then each field in the order of the form.
    tab_to(page, '.nav-tabs a[href^="/admin/requests/new/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/requests/new/"))

    tab_to(page, "#received_on")
    # Typed as dd/mm/yyyy, whatever the browser's own language (tests/e2e/test_dates.py).
    page.keyboard.type("03/03/2026")
    expect(page.locator("#received_on")).to_have_value("03/03/2026")
    tab_to(page, "#organisation-name")
    page.keyboard.type("Collectif Clavier Solidaire")
    page.keyboard.press("Tab")
    assert focus_matches(page, "#organisation-type")
    arrow_to_option(page, "organisation-type", "Collectif citoyen")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focus_matches(page, "#municipality")
    page.keyboard.type("Schaer")  # a drop-down list jumps to the choice typed
    expect(page.locator("#municipality option:checked")).to_have_text("Schaerbeek")
    tab_to(page, "#contact-name")
    page.keyboard.type("Alex Fictif")
    page.keyboard.press("Tab")
    page.keyboard.type("alex@clavier.example")
    tab_to(page, "#project_title")
    page.keyboard.type(title)

    tab_to(page, "#s2id_themes input.select2-input")
    pick_in_select2(page, "mobi", "Mobilité")
    pick_in_select2(page, "espace", "Espace public")
    assert select2_choices(page, "themes") == ["Mobilité", "Espace public"]
    page.keyboard.press("Tab")
    assert focus_matches(page, "#s2id_lots input.select2-input")
    lot_l5 = next(text for text in page.locator("#lots option").all_inner_texts() if text.startswith("L5 "))
    pick_in_select2(page, "L5", lot_l5)
    page.keyboard.press("Tab")
    assert focus_matches(page, "#estimated_budget")
    page.keyboard.type("8 000")
    screenshot("keyboard-create-form")

    tab_to(page, "form.admin-form input[type=submit].btn-primary")
    page.keyboard.press("Enter")
    page.wait_for_url(LIST_URL)
    saved = store.find_one("requests", {"project_title": title})
    assert saved is not None, "the request should be saved"
    assert saved["organisation"]["type"] == "citizen_collective"
    assert saved["municipality"] == "21015"
    assert sorted(saved["themes"]) == ["mobility", "public_space"]
    assert saved["lots"] == ["L5"]
    assert saved["estimated_budget"] == 800_000

    # Find it again with the search box, open its edit form, change it.
    tab_to(page, 'form[role="search"] input[name="search"]')
    page.keyboard.type("clavier")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]search=clavier"))
    expect(page.locator("table.model-list tbody tr")).to_have_count(1)
    tab_to(page, 'table.model-list a[href*="/edit/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/requests/edit/"))

    tab_to(page, "#municipality")
    page.keyboard.type("Ixe")
    expect(page.locator("#municipality option:checked")).to_have_text("Ixelles")
    tab_to(page, "#s2id_themes input.select2-input")
    themes = select2_choices(page, "themes")  # in the order of the list of themes
    assert sorted(themes) == ["Espace public", "Mobilité"]
    page.keyboard.press("Backspace")  # selects the last theme ...
    page.keyboard.press("Backspace")  # ... and removes it
    assert select2_choices(page, "themes") == themes[:1]
    pick_in_select2(page, "jeu", "Jeunesse")
    assert select2_choices(page, "themes") == [themes[0], "Jeunesse"]
    tab_to(page, "#project_title", backwards=True)  # a text field reached by Tab has its text selected
    page.keyboard.type("Balades exploratoires pour les jeunes")
    page.keyboard.press("Enter")  # Enter in a text field saves the form
    page.wait_for_url(LIST_URL)
    expect(page.locator(".alert-success")).to_be_visible()

    edited = store.find_one("requests", {"_id": saved["_id"]})
    assert edited["project_title"] == "Balades exploratoires pour les jeunes"
    assert edited["municipality"] == "21009"
    assert sorted(edited["themes"]) == sorted([{"Espace public": "public_space", "Mobilité": "mobility"}[themes[0]], "youth"])
    assert edited["version"] == saved["version"] + 1
