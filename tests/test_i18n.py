"""The interface speaks French and Dutch (English third): catalogues, pages, messages, amounts and dates.

French is the default; `?lang=` switches and is remembered; Accept-Language decides when
nobody chose. Our strings come from translations/<lang>/LC_MESSAGES/messages.po,
Flask-Admin's own ones ("List", "Save", ...) from the catalogues it ships (domain "admin").
"""
import json
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import flask_admin
import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from backoffice import seeding
from backoffice.views.base import CollectionView
from backoffice.store.app import get_store
from conftest import ENGINES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
SEEDS = ROOT / "seeds"
INTERFACE_LANGUAGES = ("fr", "nl")
OTHER = {"fr": "nl", "nl": "fr"}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")
# Only markup whitespace: the no-break spaces inside "1 234,56 €" are part of what a person reads.
MARKUP_SPACE = re.compile(r"[ \t\r\n\f]+")

# The pages need one engine only: what they say does not depend on where records are stored.
one_engine = pytest.mark.parametrize("engine", ENGINES[:1], indirect=True)

# Flask-Admin strings its own catalogues leave in English; none left since our filter bar says
# "Clear the filters" in our catalogue instead of its "Reset Filters". Any English string fails.
UPSTREAM_GAPS = {"nl": set(), "fr": set()}
# Words Flask-Admin's catalogues rightly leave as they are in one language ("Details" is Dutch too).
SAME_WORD = {"nl": {"Details", "Filter"}, "fr": {"Export"}}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The app reads .mo files: compile any that is missing or older than its .po, as `make translations` does."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


def _catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=lang)


def _forms(value):
    """The singular and plural forms of a msgid or msgstr (one form for most entries)."""
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _first(value):
    return _forms(value)[0]


def _ours(lang):
    """Our translations for `lang`: {msgid: msgstr}, translated entries only."""
    return {_first(m.id): _first(m.string) for m in _catalog(lang) if m.id and _first(m.string) and not m.fuzzy}


def _flask_admin(lang):
    """Flask-Admin's shipped translations for `lang` (domain "admin")."""
    path = Path(flask_admin.__file__).parent / "translations" / lang / "LC_MESSAGES" / "admin.mo"
    with path.open("rb") as source:
        return {_first(m.id): _first(m.string) for m in read_mo(source) if m.id and _first(m.string)}


# Catalogues ----------------------------------------------------------------


def test_every_string_in_the_code_has_a_french_and_a_dutch_translation(tmp_path):
    template = tmp_path / "messages.pot"
    extracted = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "translations/babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "_lp:1c,2", "-o", str(template), "--no-location", "--project", "backoffice", "."],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert extracted.returncode == 0, extracted.stderr
    with template.open("rb") as source:
        msgids = [(m.id, m.context) for m in read_po(source) if m.id]
    assert len(msgids) > 200, "the extraction found almost nothing: is babel.cfg still right?"

    problems = []
    for lang in INTERFACE_LANGUAGES:
        catalog = _catalog(lang)
        for msgid, context in msgids:
            entry = catalog.get(msgid, context=context)
            if entry is None:
                problems.append(f"{lang}: not in the catalogue: {_first(msgid)!r}")
            elif entry.fuzzy:
                problems.append(f"{lang}: fuzzy: {_first(msgid)!r}")
            elif not all(_forms(entry.string)):
                problems.append(f"{lang}: not translated: {_first(msgid)!r}")
    assert not problems, (
        "Run `make translations-extract`, translate these entries in translations/<lang>/LC_MESSAGES/"
        "messages.po, then `make translations`:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("lang", ("fr", "nl", "en"))
def test_translations_keep_every_placeholder(lang):
    broken = [
        f"{m.id!r} -> {form!r}"
        for m in _catalog(lang) if m.id
        for form in _forms(m.string)
        if form and {found for text in _forms(m.id) for found in PLACEHOLDER.findall(text)} != set(PLACEHOLDER.findall(form))
    ]
    assert not broken, "placeholders such as %(name)s and {max} must stay as they are:\n" + "\n".join(broken)


# Words that really are the same in English and in the language (or in French and Dutch).
# A translation equal to its English msgid, or to the other language's, must be one of these:
# anything else is a copy that nobody translated.
SAME_AS_ENGLISH = {
    "fr": {"Administration", "Cascade", "Code", "Contact", "Culture", "Description", "France", "Invitations",
           "Lot", "Lots", "Luxembourg", "Menu", "Organisation", "Total", "Version"},
    "nl": {"%(label)s: %(value)s", "Cascade", "Code", "Context", "Details", "Filter", "Menu", "Postcode", "Record", "Status", "Website", "score"},
}
SAME_IN_FRENCH_AND_DUTCH = {"Cascade", "Code", "Menu", "(rank %(rank)s)"}  # "rang" is French and Dutch


def test_no_translation_is_a_copy_of_the_english_or_of_the_other_language():
    french, dutch = _ours("fr"), _ours("nl")
    copies = [f"{lang}: {msgid!r} left as {text!r}"
              for lang, texts in (("fr", french), ("nl", dutch))
              for msgid, text in texts.items()
              if text == msgid and msgid not in SAME_AS_ENGLISH[lang]]
    copies += [f"fr and nl both read {text!r} for {msgid!r}"
               for msgid, text in french.items()
               if dutch.get(msgid) == text and msgid not in SAME_IN_FRENCH_AND_DUTCH]
    assert not copies, (
        "translate these entries (or, if the word really is the same, add it to SAME_AS_ENGLISH / "
        "SAME_IN_FRENCH_AND_DUTCH):\n" + "\n".join(copies)
    )


# French typography: a no-break space before ":" (U+00A0) and a narrow one before ";" "?" "!" (U+202F),
# so that the sign never starts a line on its own. "Statut :" not "Statut:" nor "Statut :" with a plain space.
DOUBLE_PUNCTUATION = re.compile(r"(?:^|[^\u00a0\u202f])([:;?!])(?=\s|$)")


def test_french_puts_a_no_break_space_before_double_punctuation():
    wrong = [f"{_first(m.id)!r} -> {form!r}"
             for m in _catalog("fr") if m.id
             for form in _forms(m.string)
             if form and DOUBLE_PUNCTUATION.search(form)]
    assert not wrong, "write a no-break space before : and a narrow no-break space before ; ? !:\n" + "\n".join(wrong)


# What a person reads on a page -----------------------------------------------


class _VisibleText(HTMLParser):
    """The texts a person reads: text nodes outside scripts, styles and text areas, and button labels."""

    HIDDEN = {"script", "style", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.texts.append(_collapse(attrs["value"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if self.hidden:
            return
        if "<" in data and ">" in data:
            # An HTML template escaped into the page (the "new row" of an inline list): read it too.
            self.texts.extend(visible_texts(data))
            return
        text = _collapse(data)
        if text:
            self.texts.append(text)


def _collapse(text):
    return MARKUP_SPACE.sub(" ", text).strip(" ")


def visible_texts(html):
    """Every visible text of a page, whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.texts


# "Label: before → after", "Requests - Participation purchasing centre", "a; b": check the parts too.
_PARTS = re.compile(r"\s*(?:→|:\s|;\s|\s[-—]\s)\s*")


def _parts(text):
    return {part.strip() for part in _PARTS.split(text) if part.strip()}


def _pieces(text):
    return {text} | _parts(text)


def _seeded_strings():
    """Every text of the demo data: content, not interface, whatever its language."""
    found = set()

    def walk(value):
        if isinstance(value, str):
            found.add(_collapse(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in SEEDS.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def _wrong_words():
    """For each language, the texts that must not show on its pages: English ones and the other language's."""
    ours = {lang: _ours(lang) for lang in INTERFACE_LANGUAGES}
    admin = {lang: _flask_admin(lang) for lang in INTERFACE_LANGUAGES}
    wrong = {}
    for lang in INTERFACE_LANGUAGES:
        other = OTHER[lang]
        english = {msgid for msgid, text in ours[lang].items() if text != msgid}
        english |= {msgid for msgid, text in admin[lang].items() if text != msgid}
        # Flask-Admin strings the other language translates but this one leaves in English.
        english |= {msgid for msgid, text in admin[other].items() if text != msgid and admin[lang].get(msgid, msgid) == msgid}
        english -= SAME_WORD[lang] | UPSTREAM_GAPS[lang]
        own = set(ours[lang].values()) | set(admin[lang].values())
        foreign = (set(ours[other].values()) | set(admin[other].values())) - own
        wrong[lang] = {
            text: ("English" if text in english else "other language")
            for text in english | foreign
            if not PLACEHOLDER.search(text)
        }
    return wrong


# Words that are English only (not French, not Dutch): a hard-coded sentence nobody wrapped in _()
# is not in any catalogue, but it rarely gets by without one of these.
ENGLISH_ONLY = {"the", "and", "with", "this", "that", "you", "your", "please", "are", "which", "will",
                "has", "have", "been", "there", "should", "could", "cannot", "not", "yet", "no", "yes"}
WORD = re.compile(r"[a-z]+")


def _offences(texts, wrong, seeded):
    """The wrong words among `texts`, leaving out the demo data (and any part of it)."""
    found = {f"{piece!r} ({wrong[piece]}) in {text!r}"
             for text in texts if text not in seeded
             for piece in _pieces(text)
             if piece in wrong and not any(piece in content for content in seeded)}
    found |= {f"English-looking text {piece!r} in {text!r}"
              for text in texts if text not in seeded
              for piece in _parts(text)
              if ENGLISH_ONLY & set(WORD.findall(piece.lower())) and not any(piece in content for content in seeded)}
    return sorted(found)


INVALID_REQUEST = {
    "received_on": "2026-11-02",
    "organisation-name": "Commune d'Ixelles",
    "organisation-type": "municipal_administration",
    "organisation-enterprise_number": "0123.456.789",
    "municipality": "21009",
    "contact-name": "Marie Exemple",
    "contact-email": "marie@ixelles.example",
    "contact-language": "fr",
    "project_title": "",
    "status": "received",
    "eligibility-decision": "pending",
}


def _admin_pages(app, store):
    """Home, then every view's list; for collections also the create form, an edit form and a details page."""
    admin = app.extensions["admin"][0]
    pages = [admin.index_view.url + "/"]
    for view in admin._views:
        if view is admin.index_view:
            continue
        pages.append(view.url + "/")
        if isinstance(view, CollectionView):
            if view.allow_create:
                pages.append(view.url + "/new/")
            doc = store.find_one(view.schema.collection, {}, sort=[("_id", 1)])
            pages += [f"{view.url}/edit/?id={doc['_id']}", f"{view.url}/details/?id={doc['_id']}"]
    return pages


def _with_lang(url, lang):
    return url + ("&" if "?" in url else "?") + f"lang={lang}"


@one_engine
def test_every_page_speaks_only_the_chosen_language(app, store, client_as):
    with app.app_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors
    admin = client_as("admin")
    signed_out = app.test_client()
    pages = _admin_pages(app, store)
    for needed in ("/admin/", "/admin/requests/", "/admin/briefings/", "/admin/providers/", "/admin/lots/",
                   "/admin/users/", "/admin/audit/", "/admin/requests/new/", "/admin/lots/new/"):
        assert needed in pages
    pages += ["/admin/requests/?flt0_0=received", "/admin/providers/?search=agora"]
    seeded = _seeded_strings() | {"admin", "admin@perspective.example"}
    wrong = _wrong_words()

    offences = []
    for lang in INTERFACE_LANGUAGES:
        responses = [(page, admin.get(_with_lang(page, lang))) for page in pages]
        responses.append(("/admin/no-such-page/", admin.get(_with_lang("/admin/no-such-page/", lang))))
        responses.append(("/login (signed out)", signed_out.get(_with_lang("/login", lang))))
        responses.append(("refused save", admin.form_post(_with_lang("/admin/requests/new/", lang), INVALID_REQUEST)))
        for page, response in responses:
            html = response.get_data(as_text=True)
            expected = 404 if "no-such-page" in page else 200
            assert response.status_code == expected, f"{page} ({lang}) answered {response.status_code}"
            assert f'<html lang="{lang}">' in html, f"{page} does not declare lang={lang}"
            texts = visible_texts(html)
            offences += [f"{lang} {page}: {offence}" for offence in _offences(texts, wrong[lang], seeded)]
            if lang == "nl":
                offences += [f"nl {page}: French {word!r}" for word in ("Demandes", "Enregistrer") if word in texts]
            else:
                offences += [f"fr {page}: Dutch {word!r}" for word in ("Aanvragen", "Opslaan") if word in texts]
        # The crawl did see the words it looks for, so their absence above means something.
        home, form = visible_texts(responses[0][1].get_data(as_text=True)), visible_texts(responses[-1][1].get_data(as_text=True))
        assert {"nl": "Aanvragen", "fr": "Demandes"}[lang] in home
        assert {"nl": "Opslaan", "fr": "Enregistrer"}[lang] in form
    assert not offences, "untranslated or wrong-language text:\n" + "\n".join(offences)


# Messages ------------------------------------------------------------------


def _field_messages(html):
    """{label: [messages]} for every form field that shows an error, as a person reads the form."""
    found = {}
    for group in html.split('<div class="form-group')[1:]:
        label = re.search(r"<label[^>]*>(.*?)</label>", group, re.S)
        messages = re.search(r'<div class="invalid-feedback">(.*?)</div>', group, re.S)
        if label and messages:
            name = " ".join(visible_texts(label.group(1))).replace("*", "").strip()
            found[name] = visible_texts(messages.group(1))
    return found


@one_engine
@pytest.mark.parametrize(
    "lang, expected",
    [
        ("nl", {
            "Ondernemingsnummer (KBO) van de organisatie": "Dit ondernemingsnummer bestaat niet: de controlecijfers kloppen niet.",
            "Projecttitel": "Dit veld is verplicht.",
            "refused": "Het record werd niet opgeslagen. Verbeter de rood gemarkeerde velden.",
        }),
        ("fr", {
            "Numéro d'entreprise (BCE) de l'organisation": "Ce numéro d'entreprise n'existe pas\u00a0: ses chiffres de contrôle sont erronés.",
            "Titre du projet": "Ce champ est obligatoire.",
            "refused": "L'enregistrement n'a pas été sauvegardé. Veuillez corriger les champs indiqués en rouge.",
        }),
    ],
)
def test_a_refused_save_says_why_next_to_each_field_in_the_users_language(client, store, lang, expected):
    response = client.form_post(_with_lang("/admin/requests/new/", lang), INVALID_REQUEST)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = dict(expected)
    assert expected.pop("refused") in visible_texts(html)
    messages = _field_messages(html)
    for label, message in expected.items():
        assert messages.get(label) == [message], messages
    assert store.count("requests", {}) == 0


@one_engine
@pytest.mark.parametrize(
    "lang, message",
    [
        ("nl", "Geen geldig bedrag (bijvoorbeeld 12500 of 12500,50)."),
        ("fr", "Montant non valable (par exemple 12500 ou 12500,50)."),
    ],
)
def test_field_rules_from_the_schemas_speak_the_users_language(client, lang, message):
    response = client.form_post(_with_lang("/admin/lots/new/", lang), {
        "code": "L7", "name_fr": "Essai", "name_nl": "Proef", "ceiling_amount": "beaucoup",
    })

    assert [message] in _field_messages(response.get_data(as_text=True)).values()


# Choosing the language -------------------------------------------------------


def _lang(response):
    match = re.search(r'<html lang="([a-z]+)">', response.get_data(as_text=True))
    return match and match.group(1)


@one_engine
def test_french_is_the_default(app):
    page = app.test_client().get("/login")

    assert _lang(page) == "fr"
    assert "Se connecter" in visible_texts(page.get_data(as_text=True))


@one_engine
def test_accept_language_picks_dutch_when_nobody_chose(app):
    page = app.test_client().get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9,fr;q=0.5"})

    assert _lang(page) == "nl"
    assert "Aanmelden" in visible_texts(page.get_data(as_text=True))


@one_engine
def test_the_chosen_language_is_remembered_over_accept_language(app):
    browser = app.test_client()
    assert _lang(browser.get("/login?lang=nl")) == "nl"

    assert _lang(browser.get("/login")) == "nl"
    assert _lang(browser.get("/login", headers={"Accept-Language": "fr-BE"})) == "nl"
    assert _lang(browser.get("/login?lang=fr")) == "fr"
    assert _lang(browser.get("/login")) == "fr"


@one_engine
def test_the_choice_sticks_across_admin_pages(client):
    assert _lang(client.get("/admin/requests/?lang=nl")) == "nl"

    page = client.get("/admin/lots/")
    assert _lang(page) == "nl"
    assert "Percelen" in visible_texts(page.get_data(as_text=True))


@one_engine
@pytest.mark.parametrize("url", ["/login?lang=xx", "/admin/?lang=xx", "/admin/requests/?lang=../../etc"])
def test_an_unknown_language_is_ignored(app, client, url):
    browser = client if url.startswith("/admin") else app.test_client()
    browser.get("/login?lang=nl")

    page = browser.get(url)

    assert page.status_code == 200
    assert _lang(page) == "nl"


@one_engine
@pytest.mark.parametrize("url", ["/login?lang=de", "/admin/?lang=de"])
def test_an_unoffered_language_keeps_what_accept_language_chose(app, client_as, url):
    """Nobody chose: the page followed the browser (Dutch); `?lang=de` does not fall back to French."""
    browser = client_as("staff") if url.startswith("/admin") else app.test_client()
    if url.startswith("/admin"):
        browser.delete_cookie("lang")
        with browser.session_transaction() as session:
            session.pop("lang")

    page = browser.get(url, headers={"Accept-Language": "nl-BE,nl;q=0.9,de;q=0.5"})

    assert _lang(page) == "nl"


def _sign_in(browser, email, **headers):
    browser.get("/login", headers=headers)
    from conftest import PASSWORD, csrf_token
    token = csrf_token(browser.get("/login", headers=headers).get_data(as_text=True))
    response = browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, headers=headers)
    assert response.status_code == 302


@one_engine
def test_the_sign_in_page_speaks_the_language_this_browser_last_used(app, store, make_user):
    user = make_user("staff", language="nl")
    browser = app.test_client()
    _sign_in(browser, user["email"], **{"Accept-Language": "fr-BE"})
    assert _lang(browser.get("/admin/", headers={"Accept-Language": "fr-BE"})) == "nl"  # the profile's language

    # The next day, a new session in the same browser: the sign-in page already speaks Dutch.
    next_day = app.test_client()
    next_day.set_cookie("lang", browser.get_cookie("lang").value)
    page = next_day.get("/login", headers={"Accept-Language": "fr-BE"})
    assert _lang(page) == "nl"
    assert "Aanmelden" in visible_texts(page.get_data(as_text=True))


@one_engine
def test_a_language_chosen_on_the_sign_in_page_stays_after_sign_in_and_is_saved(app, store, make_user):
    user = make_user("staff", language="fr")
    browser = app.test_client()
    assert _lang(browser.get("/login?lang=nl")) == "nl"

    _sign_in(browser, user["email"])

    assert _lang(browser.get("/admin/")) == "nl"
    assert store.find_one("users", {"email": user["email"]})["language"] == "nl"


# Amounts and dates -----------------------------------------------------------


@one_engine
@pytest.mark.parametrize(
    "lang, amount, day",
    [
        # Babel (CLDR) writes French thousands with a narrow no-break space and puts a no-break
        # space before the euro sign; Dutch puts the euro sign first. CLDR's Dutch short month
        # has no full stop ("nov"), its French one has ("nov.").
        ("fr", "1\u202f234,56\u00a0€", "28 nov. 2026"),
        ("nl", "€\u00a01.234,56", "28 nov 2026"),
    ],
)
def test_amounts_and_dates_follow_the_language(client, make, lang, amount, day):
    make.lot()
    request = make.request(estimated_budget="1234.56", received_on="2026-11-28")

    details = visible_texts(client.get(f"/admin/requests/details/?id={request['_id']}&lang={lang}").get_data(as_text=True))
    listed = visible_texts(client.get(f"/admin/requests/?lang={lang}").get_data(as_text=True))

    assert amount in details
    assert day in details
    assert day in listed


@one_engine
def test_a_language_forced_inside_a_request_translates_and_then_gives_way(app):
    """The request's language is kept, but a forced language (a briefing printed in its own) still wins:
    its words, its amounts and its dates, and the page's own again after it (nested too)."""
    import datetime as dt

    from backoffice.formatting import day, money
    from backoffice.i18n import _, _l, current_language, force_locale
    from schemas.request import RequestSchema

    label = RequestSchema().fields["received_on"].metadata["label"]
    received = dt.datetime(2026, 11, 28)
    french = ("Se déconnecter", "Date de réception", "fr", "1\u202f234,56\xa0€", "28 nov. 2026")
    with app.test_request_context("/login?lang=fr"):
        app.preprocess_request()
        assert (_("Sign out"), str(label), current_language(), money(123456), day(received)) == french
        with force_locale("nl"):
            assert (_("Sign out"), str(label), str(_l("Received on"))) == ("Afmelden", "Ontvangen op", "Ontvangen op")
            assert (current_language(), money(123456), day(received)) == ("nl", "€\xa01.234,56", "28 nov 2026")
            with force_locale("en"):
                assert (_("Sign out"), current_language(), day(received)) == ("Sign out", "en", "28 Nov 2026")
            assert (_("Sign out"), current_language()) == ("Afmelden", "nl")
        assert (_("Sign out"), str(label), current_language(), money(123456), day(received)) == french
    with app.app_context():  # outside a request: flask-babel's default language
        assert _("Sign out") == "Se déconnecter"


def test_no_module_forces_a_language_behind_the_kept_catalogue():
    """flask-babel's own `force_locale` would leave the page's kept catalogue in place: mail in the wrong language."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [str(path.relative_to(root)) for folder in ("backoffice", "schemas") for path in (root / folder).rglob("*.py")
                 if path.name != "translation.py" and re.search(r"flask_babel import[^\n]*\bforce_locale\b|flask_babel\.force_locale",
                                                                path.read_text(encoding="utf-8"))]
    assert offenders == []


@one_engine
@pytest.mark.parametrize("lang, status, equals, between", [("fr", "Statut", "est", "entre"), ("nl", "Status", "is", "tussen")])
def test_list_filters_read_naturally_in_the_users_language(client, lang, status, equals, between):
    """"Statut est Reçue", not Flask-Admin's "Statut vaut Reçue"."""
    page = client.get(f"/admin/requests/?lang={lang}").get_data(as_text=True)
    groups = json.loads(unescape(re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', page, re.S).group(1)))

    assert [flt["operation"] for flt in groups[status]] == [equals]
    assert between in {flt["operation"] for group in groups.values() for flt in group}
