"""The language crawl in a real browser: every menu, list, form and modal as each role sees it, in FR and NL.

tests/test_language_crawl.py reads the HTML the server writes; it cannot open what the
page's scripts build (menus, confirmations, date pickers, select lists, the filter bar).
Here Chromium signs in as admin, staff and manager and, in French then in Dutch, opens
every entry of the main menu, and on each list: the page-size, filter and "with selected"
menus, a filter with its date picker, a row's delete confirmation, the bulk delete with
and without a selection; then a details page (and its delete confirmation), an edit form
(its inline "add" buttons, its first date picker and its first searchable select) and the
create form sent empty. After each opening it reads `document.body.innerText`, and every
dialog's message, and fails on:

* the strings the issue quoted;
* any msgid of Flask-Admin's catalogue (admin.po of the installed package) shown as it is,
  in English, or in Flask-Admin's wording where ours differs;
* any text of our catalogue or Flask-Admin's in the other language (the other language's
  translations are the tell), or an English one.

Nothing is deleted: every confirmation is dismissed. Both languages run in one browser
context per role, to keep the crawl within about two minutes.
"""
import re
from pathlib import Path
from urllib.parse import urlsplit

import flask_admin
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Error as PlaywrightError

from test_i18n import INTERFACE_LANGUAGES, OTHER, SAME_WORD, _offences, _ours, _seeded_strings
from test_language_crawl import MASCULINE_REQUEST_STATUSES, _wrong

from .conftest import TIMEOUT_MS, sign_in, watched_page

ROLES = ("admin", "staff", "manager")
# Quick interactions: a menu opens within a moment or it is not there.
SHORT_MS = 2_000
# Links of the main menu the crawl does not follow: downloads, signing out, the language switch.
SKIPPED = re.compile(r"[?&]lang=|/export/|/print/|/logout|/static/|/download")


def _flask_admin_msgids(lang):
    """Every msgid of Flask-Admin's catalogue for `lang` (admin.po, translated or not), singular forms."""
    path = Path(flask_admin.__file__).parent / "translations" / lang / "LC_MESSAGES" / "admin.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang)
    return {(m.id[0] if isinstance(m.id, (tuple, list)) else m.id) for m in catalog if m.id}


def _wrong_in_browser(lang):
    """What must not show on a `lang` page: the issue's strings, English, Flask-Admin's wording, the other language."""
    wrong = _wrong(lang)
    own = set(_ours(lang).values())
    for msgid in _flask_admin_msgids(lang) | _flask_admin_msgids(OTHER[lang]):
        if msgid not in own and msgid not in SAME_WORD[lang] and "%(" not in msgid and "{" not in msgid:
            wrong.setdefault(msgid, "Flask-Admin's msgid, untranslated")
    return wrong


def _lines(text):
    """The texts of innerText: one per line and per table cell."""
    return [line.strip() for line in re.split(r"[\n\t]", text or "") if line.strip()]


class Reader:
    """Reads what the page shows after each opening, and what its dialogs say."""

    def __init__(self, page, lang):
        self.page, self.lang = page, lang
        self.read = []  # (where, lines)
        self.briefing_lines = set()
        self.last_where = "the page"
        self.dialogs = []
        page.on("dialog", self._dialog)

    def stop(self):
        """No longer answer the page's dialogs (the next language's reader does)."""
        self.page.remove_listener("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append((f"{self.last_where}, then a dialog", dialog.message))
        dialog.dismiss() if dialog.type == "confirm" else dialog.accept()

    def __call__(self, where):
        self.last_where = where
        texts, briefings = self.page.evaluate(
            """() => [[document.body.innerText,
                       ...Array.from(document.querySelectorAll('select option'), option => option.textContent)],
                      Array.from(document.querySelectorAll('.case-briefings'), table => table.innerText)]"""
        )
        self.read.append((f"{where} [{urlsplit(self.page.url).path}]", [line for text in texts for line in _lines(text)]))
        # A request's page lists its briefings, whose statuses are masculine (un cahier des charges).
        self.briefing_lines.update(line for text in briefings for line in _lines(text))

    def offences(self, wrong, seeded):
        found = []
        for where, lines in self.read + [(where, _lines(message)) for where, message in self.dialogs]:
            found += [f"{self.lang} {where}: {offence}" for offence in _offences(lines, wrong, seeded)]
            if self.lang == "fr" and "/admin/requests/" in where:
                found += [f"fr {where}: masculine request status {word!r}" for word in MASCULINE_REQUEST_STATUSES
                          if word in set(lines) - self.briefing_lines]
        return found


def _goto(page, url):
    response = page.goto(url)
    assert response is not None and response.status in (200, 403), f"{url} answered {response and response.status}"
    return response.status == 200


def _try_click(locator):
    """Click when the control is there (a role may not have it); True if clicked."""
    try:
        if locator.count() == 0 or not locator.first.is_visible():
            return False
        locator.first.click(timeout=SHORT_MS)
        return True
    except PlaywrightError:
        return False


def _close_menus(page):
    page.keyboard.press("Escape")
    page.mouse.click(2, 2)


def _href(page, selector):
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def _menus(page, read, where):
    """Open each dropdown of the main menu, read it, close it; return the admin links of the menu."""
    for index in range(page.locator("nav .dropdown-toggle").count()):
        toggle = page.locator("nav .dropdown-toggle").nth(index)
        if toggle.is_visible() and _try_click(toggle):
            read(f"{where}: menu {index + 1}")
            _close_menus(page)
    hrefs = page.eval_on_selector_all("nav a[href^='/admin']", "links => links.map(link => link.getAttribute('href'))")
    return [href for href in dict.fromkeys(hrefs) if not SKIPPED.search(href)]


def _list_modals(page, read, where):
    """The list's menus, a filter with its picker, a row's delete confirmation, the bulk delete with and without a selection."""
    tabs = page.locator(".nav-tabs .dropdown-toggle")
    for index in range(tabs.count()):
        if _try_click(tabs.nth(index)):
            read(f"{where}: tab menu {index + 1}")
            _close_menus(page)
    # A filter whose value is picked in a calendar, else the first filter.
    groups = page.evaluate(
        """() => { const data = document.getElementById('filter-groups-data');
                   if (!data) return [];
                   const groups = JSON.parse(data.textContent);
                   return Object.keys(groups).sort((a, b) =>
                       groups[b].some(f => /picker/.test(f.type || '')) - groups[a].some(f => /picker/.test(f.type || ''))); }"""
    )
    if groups and _try_click(page.locator(".nav-tabs .dropdown-toggle", has=page.locator("xpath=..//a[contains(@class,'filter')]"))):
        if _try_click(page.locator(".field-filters a.filter").get_by_text(groups[0], exact=True)):
            read(f"{where}: filter {groups[0]!r}")
            value = page.locator("#filter_form .filter-val").last
            if value.count() and _try_click(value):
                read(f"{where}: filter {groups[0]!r} opened")
                _close_menus(page)
    # The bulk delete without a selection (an alert), then with one (a confirmation, dismissed).
    actions = page.locator(".nav-tabs .dropdown-toggle", has=page.locator("xpath=..//button[@data-action]"))
    if actions.count():
        if _try_click(actions) and _try_click(page.locator(".dropdown-menu button[data-action]")):
            page.wait_for_timeout(100)
        _close_menus(page)
        checkbox = page.locator("input.action-checkbox").first
        if checkbox.count():
            checkbox.check()
            if _try_click(actions):
                read(f"{where}: with selected")
                _try_click(page.locator(".dropdown-menu button[data-action]"))
                page.wait_for_timeout(100)
            _close_menus(page)
    # A row's delete button asks first.
    if _try_click(page.locator("table.model-list tbody tr form[action*='/delete/'] button")):
        page.wait_for_timeout(100)


def _form_modals(page, read, where):
    """An edit or create form's inline "add" buttons, its first date picker and its first searchable select."""
    for index in range(page.locator("[data-inline-add], .inline-field-list + a, a.btn[id$='-button']").count()):
        _try_click(page.locator("[data-inline-add], .inline-field-list + a, a.btn[id$='-button']").nth(index))
    read(f"{where}: rows added")
    # Removing a row asks first (dismissed: the row stays).
    if _try_click(page.locator(".inline-remove-field")):
        page.wait_for_timeout(100)
    for role in ("datepicker", "datetimepicker"):
        if _try_click(page.locator(f"form.admin-form input[data-role={role}]")):
            read(f"{where}: {role}")
            page.keyboard.press("Tab")
            _close_menus(page)
    select2 = page.locator("form.admin-form .select2-container").first
    if select2.count() and _try_click(select2):
        page.keyboard.type("zzzz")
        page.wait_for_timeout(200)
        read(f"{where}: select list, nothing found")
        page.keyboard.press("Escape")


def crawl(page, lang):
    """Open what a person opens in `lang`; return the Reader holding what was read."""
    read = Reader(page, lang)
    assert _goto(page, f"/admin/?lang={lang}")
    read("dashboard")
    entries = _menus(page, read, "dashboard")
    assert entries, "the main menu has no entry"
    for url in entries:
        if not _goto(page, url):
            read(f"refused {url}")
            continue
        read(url)
        if not page.locator("table.model-list").count():
            continue
        _list_modals(page, read, url)
        details, edit = _href(page, "table.model-list a[href*='/details/']"), _href(page, "table.model-list a[href*='/edit/']")
        create = _href(page, ".nav-tabs a[href*='/new/']")
        # The list's other tabs that open a page of their own (the import), not a download.
        tabs = page.eval_on_selector_all(".nav-tabs a.nav-link[href^='/admin']", "links => links.map(link => link.getAttribute('href'))")
        for tab in [tab for tab in tabs if not SKIPPED.search(tab) and "/new/" not in tab and urlsplit(tab).path != urlsplit(url).path]:
            if _goto(page, tab):
                read(f"{url} tab {urlsplit(tab).path}")
        if details and _goto(page, details):
            read(f"{url} details")
            if _try_click(page.locator("main form[action*='/delete/'] button, main form[action*='/delete/'] input[type=submit]")):
                page.wait_for_timeout(100)
        if edit and _goto(page, edit):
            read(f"{url} edit")
            _form_modals(page, read, f"{url} edit")
        if create and _goto(page, create):
            read(f"{url} new")
            _form_modals(page, read, f"{url} new")
            submit = page.locator("form.admin-form input[type=submit].btn-primary, form.admin-form button[type=submit].btn-primary")
            if submit.count():
                # The server's refusal, not the browser's bubble for a `required` field (in the browser's language).
                page.eval_on_selector("form.admin-form", "form => { form.noValidate = true; }")
                with page.expect_navigation():
                    submit.first.click()
                read(f"{url} new, sent empty")
    page.goto("/admin/requests/details/?id=" + "0" * 24)
    read("a record that does not exist")
    read.stop()
    return read


@pytest.fixture(scope="module")
def crawler_users(make_user):
    """One user per role, who prefers the language the crawl starts with."""
    emails = {}
    for role in ROLES:
        emails[role] = f"crawl.{role}@perspective.example"
        make_user(role, emails[role], name=f"Crawl {role.capitalize()}", language="fr")
    return emails


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_list_form_and_modal_reads_only_the_page_language(browser, base_url, crawler_users, role):
    context, page, watch = watched_page(browser, base_url, viewport=(1280, 800))
    try:
        sign_in(page, crawler_users[role])
        seeded = _seeded_strings() | {crawler_users[role], f"Crawl {role.capitalize()}"}
        offences, opened, dialogs = [], {}, {}
        for lang in INTERFACE_LANGUAGES:
            read = crawl(page, lang)
            offences += read.offences(_wrong_in_browser(lang), seeded)
            opened[lang] = {where for where, _lines in read.read}
            dialogs[lang] = read.dialogs
    finally:
        context.close()
    assert not watch.problems(), "\n".join(watch.problems())
    assert not offences, "untranslated, Flask-Admin-worded or wrong-language text:\n" + "\n".join(sorted(set(offences)))
    # The crawl did open what it claims: lists with their menus, details, and for writers the forms.
    for lang in INTERFACE_LANGUAGES:
        text = "\n".join(sorted(opened[lang]))
        for needed in ("/admin/requests/ details", "/admin/briefings/ details", "/admin/providers/ details",
                       "/admin/lots/ details", "/admin/requests/: filter"):
            assert needed in text, f"{role} ({lang}) never opened {needed}:\n{text}"
        for needed in ("/admin/requests/ tab /admin/requests/import/",) if role != "manager" else ():
            assert needed in text, f"{role} ({lang}) never opened {needed}:\n{text}"
        assert ("/admin/requests/ edit: datepicker" in text) == (role != "manager"), text
        assert ("/admin/briefings/ edit: datetimepicker" in text) == (role != "manager"), text
        assert ("with selected" in text) == (role != "manager"), text
        # Writers met the questions: nothing selected, delete the selection, delete this record, remove a form's row.
        questions = {message for _where, message in dialogs[lang]}
        assert len(questions) == (3 if role != "manager" else 0), questions
        assert any(" edit: " in where for where, _message in dialogs[lang]) == (role != "manager"), dialogs[lang]


@pytest.mark.parametrize("lang, choose, none", [("fr", "Choisir un fichier", "Aucun fichier choisi"),
                                                ("nl", "Kies een bestand", "Geen bestand gekozen")])
def test_a_file_field_speaks_the_page_language_not_the_browser(browser, base_url, staff_session, store, tmp_path,
                                                                lang, choose, none):
    """The browser's own file button reads "Choose File" / "No file chosen" in an English browser."""
    context = browser.new_context(locale="en-US", base_url=base_url, storage_state=staff_session)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        for url, field in ((f"/admin/requests/details/?id={store.find_one('requests', {})['_id']}", "upload-file"),
                           ("/admin/requests/import/", "import-file")):
            page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            native = page.locator(f"#{field}")
            box = native.bounding_box()
            assert box is None or (box["width"] <= 1 and box["height"] <= 1), "the browser's own button shows"
            assert page.locator(f"label[for={field}].btn").inner_text() == choose
            assert page.locator(f"#{field}-name").inner_text() == none
            picked = tmp_path / "note de synthèse.pdf"
            picked.write_bytes(b"%PDF-1.4\n")
            native.set_input_files(str(picked))
            assert page.locator(f"#{field}-name").inner_text() == "note de synthèse.pdf"
            # Its name for a screen reader is the field's own label, not the button's words twice.
            assert native.evaluate("input => input.labels.length") == 2
    finally:
        context.close()
