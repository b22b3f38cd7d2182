"""A crawl of the whole back-office, as each role, in French and in Dutch: not one word of another language.

The crawler signs in as admin, staff and manager, opens the dashboard and follows every
link of the admin it meets (menus, tabs, sort headers, page sizes, filters, row actions:
details and edit of the first rows), then saves, refuses and deletes records to see the
messages. On each page it reads what a person reads: text, button labels, titles and
tooltips, placeholders, the confirmation texts of the delete buttons, and the texts the
page's scripts show (filter operations, "select at least one record"). It fails on:

* the strings a walk through the app met before our catalogues had them (quoted in the
  issue: "Editer", "Weergave Record", "20 items"…);
* any Flask-Admin string shown in English, in the other language, or in Flask-Admin's own
  wording rather than ours (its catalogue's "Créer Nouvel Enregistrement");
* any of our own strings in English or in the other language.
"""
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from backoffice import seeding
from backoffice.store.app import get_store
from test_i18n import (INTERFACE_LANGUAGES, _collapse, _flask_admin, _offences, _ours, _seeded_strings,
                       _wrong_words, one_engine, visible_texts)

# What the issue saw on French and Dutch pages, verbatim.
SEEN = {
    "fr": [
        "20 items", "50 items", "100 items", "20 articles", "Export", "Editer", "Enregistrer et continuer à éditer",
        "Créer Nouvel Enregistrement", "Afficher L'enregistrement", "Modifier enregistrement",
        "Ajouter Critères d'attribution", "Nouveau Critères d'attribution", "Critères d'attribution #1", "Ajouter Lots",
        "Veuillez choisir au moins un modèle.", "Êtes-vous bien sûr de vouloir  supprimer cet objet?",
        "L'objet a bien été créé.", "L'objet a bien été détruit.", "A été enregistrée avec succès.",
        "Reçu", "Retiré",
    ],
    "nl": [
        "20 items", "50 items", "100 items", "Maken", "Met geselecteerd", "Nieuwe Record Maken", "Een Record Bewerken",
        "Weergave Record", "Record bestaat niet.", "Record is met succes gemaakt.", "Record is met succes opgeslagen.",
        "Weet u zeker dat u wilt verwijderen van deze record?", "Toevoegen Percelen", "Toevoegen Gunningscriteria",
        "Opslaan en nog een item toevoegen",
    ],
}
# Request statuses are feminine (une demande): "Adjugé" and "Clôturé" may only name a briefing's status
# ("Reçu" and "Retiré", which no briefing status reads, are refused everywhere).
MASCULINE_REQUEST_STATUSES = ("Adjugé", "Clôturé")

# Attributes whose text a person reads (as a tooltip, a placeholder, a confirmation, a spoken name).
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "data-confirm", "alt")
# Pages the crawler does not open: other languages, downloads, signing out.
SKIPPED = re.compile(r"[?&]lang=|/export/|/print/|/logout|/static/")


class _Page(HTMLParser):
    """What a crawler needs of a page: its links, the attribute texts a person reads, the data its scripts show."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.attributes, self.script_data = [], [], []
        self._data_div = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href", "").startswith("/admin"):
            self.links.append(attrs["href"])
        if tag == "html":
            self.lang = attrs.get("lang")
        if attrs.get("lang", getattr(self, "lang", None)) != getattr(self, "lang", None):
            return  # the language switcher names each language in that language ("Français")
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.attributes.append(_collapse(attrs[name]))
        if tag == "a" and "inline-remove-field" in (attrs.get("class") or "") and attrs.get("value"):
            self.attributes.append(_collapse(attrs["value"]))  # Flask-Admin's form.js asks this before removing a row
        if tag == "div" and attrs.get("id") in ("filter-groups-data", "message-data", "actions-confirmation-data"):
            self._data_div = []

    def handle_endtag(self, tag):
        if tag == "div" and self._data_div is not None:
            self.script_data.extend(_strings(json.loads("".join(self._data_div) or "null")))
            self._data_div = None

    def handle_data(self, data):
        if self._data_div is not None:
            self._data_div.append(data)


def _strings(value):
    """Every string inside a JSON value (keys included: filter groups are keyed by their label)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *_strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _read(html):
    """(visible texts, attribute texts, script texts, admin links) of a page."""
    page = _Page()
    page.feed(html)
    page.close()
    return visible_texts(html), page.attributes, page.script_data, page.links


def _shape(url):
    """Pages of one shape are opened once: the path and the names of its arguments (one details page per view, one sorted list)."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({name for name, _value in parse_qsl(parts.query)} - {"url"}))


def _wrong(lang):
    """Every text that must not show on a `lang` page, with why."""
    wrong = dict(_wrong_words()[lang])
    ours = _ours(lang)
    for msgid, theirs in _flask_admin(lang).items():
        if ours.get(msgid) and theirs != ours[msgid]:
            wrong.setdefault(theirs, "Flask-Admin's wording, not ours")
    for text in SEEN[lang]:
        wrong[text] = "seen in the issue"
    return wrong


def crawl(client, lang, limit=400):
    """Open every admin page reachable from the dashboard (one of each shape); yield (url, html)."""
    assert client.get(f"/admin/?lang={lang}").status_code == 200
    queue, seen = ["/admin/"], set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if _shape(url) in seen or SKIPPED.search(url):
            continue
        seen.add(_shape(url))
        response = client.get(url, follow_redirects=True)
        assert response.status_code in (200, 403), f"{url} answered {response.status_code}"
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # a refused page (403, its own test) or a download
        html = response.get_data(as_text=True)
        yield url, html
        queue.extend(_read(html)[3])
    assert len(seen) < limit, "the crawl did not end: too many page shapes"


def _offences_on(url, html, lang, wrong, seeded):
    texts, attributes, script_data, _links = _read(html)
    assert f'<html lang="{lang}">' in html, f"{url} does not declare lang={lang}"
    offences = [f"{lang} {url}: {offence}" for offence in _offences(texts + attributes + script_data, wrong, seeded)]
    if lang == "fr" and "/admin/requests/" in url:
        offences += [f"fr {url}: masculine request status {word!r}" for word in MASCULINE_REQUEST_STATUSES if word in texts]
    return offences


@pytest.fixture
def seeded(app, store):
    with app.app_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors
    return store


@one_engine
@pytest.mark.parametrize("role", ["admin", "staff", "manager"])
def test_every_page_each_role_opens_reads_only_its_language(app, seeded, client_as, role):
    client = client_as(role)
    seeded_texts = _seeded_strings() | {f"{role}@perspective.example", role}
    offences, opened = [], {}
    for lang in INTERFACE_LANGUAGES:
        wrong = _wrong(lang)
        pages = list(crawl(client, lang))
        opened[lang] = [url for url, _html in pages]
        for url, html in pages:
            offences += _offences_on(url, html, lang, wrong, seeded_texts)
    assert not offences, "untranslated, Flask-Admin-worded or wrong-language text:\n" + "\n".join(sorted(set(offences)))
    # The crawl reached what each role may see: lists, details, and for writers the forms.
    for lang in INTERFACE_LANGUAGES:
        paths = {urlsplit(url).path for url in opened[lang]}
        for needed in ("/admin/", "/admin/requests/", "/admin/requests/details/", "/admin/briefings/details/",
                       "/admin/providers/details/", "/admin/lots/details/", "/admin/reports/"):
            assert needed in paths, f"{role} ({lang}) never opened {needed}"
        writer_pages = {"/admin/requests/new/", "/admin/requests/edit/", "/admin/briefings/edit/", "/admin/lots/new/"}
        assert (writer_pages <= paths) == (role != "manager"), f"{role} ({lang}) opened {sorted(paths)}"
        assert ("/admin/users/" in paths) == (role == "admin")


INVALID_LOT = {"code": "L9", "name_fr": "", "name_nl": "Proef"}


@one_engine
@pytest.mark.parametrize("lang", INTERFACE_LANGUAGES)
def test_messages_after_saving_refusing_and_deleting_read_only_the_language(app, seeded, client_as, lang):
    """A save, a refused save, a refused delete and a bulk delete: every message in the page's language."""
    client = client_as("staff")
    client.get(f"/admin/?lang={lang}")
    wrong, seeded_texts = _wrong(lang), _seeded_strings()
    pages = []

    pages.append(("refused save", client.form_post("/admin/lots/new/", INVALID_LOT)))
    created = client.form_post("/admin/lots/new/", dict(INVALID_LOT, name_fr="Essai"), follow_redirects=True)
    pages.append(("created", created))
    lot = seeded.find_one("lots", {"code": "L9"})
    pages.append(("saved", client.form_post(
        f"/admin/lots/edit/?id={lot['_id']}", {"code": "L9", "name_fr": "Essai 2", "name_nl": "Proef", "version": str(lot["version"])},
        follow_redirects=True)))
    referenced = seeded.find_one("lots", {"code": "L1"})
    pages.append(("refused delete", client.form_post(
        "/admin/lots/delete/", {"id": str(referenced["_id"]), "url": "/admin/lots/"}, form_url="/admin/lots/", follow_redirects=True)))
    pages.append(("missing record", client.get(f"/admin/lots/edit/?id={'0' * 24}", follow_redirects=True)))

    offences = []
    for name, response in pages:
        assert response.status_code == (404 if name == "missing record" else 200), name
        offences += _offences_on(name, response.get_data(as_text=True), lang, wrong, seeded_texts)
    assert not offences, "\n".join(offences)

    # The success message names the record and opens it.
    html = created.get_data(as_text=True)
    expected = {"fr": "Lot L9 créé.", "nl": "Perceel L9 aangemaakt."}[lang]
    assert expected in " ".join(visible_texts(html))
    assert re.search(rf'<a href="/admin/lots/details/\?id={lot["_id"]}">L9</a>', html)
