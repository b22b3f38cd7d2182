"""What a staff member does in a real browser: find, filter and create requests, switch language.

The app runs on the demo seeds (see conftest.py). Expected rows are worked out from
the database with plain Python, never through the app's own search or filters.
"""
import datetime as dt
import re
import unicodedata

from playwright.sync_api import expect

from schemas.choices import MUNICIPALITY_NAMES
from schemas.request import RequestSchema

PAGE_SIZE = 20
# What a French-speaking staff member reads (the interface follows their profile language, French).
NOT_SAVED_FR = "L'enregistrement n'a pas été sauvegardé. Veuillez corriger les champs indiqués en rouge."
CHECK_DIGITS_WRONG_FR = "Ce numéro d'entreprise n'existe pas\u00a0: ses chiffres de contrôle sont erronés."


# What the page shows ---------------------------------------------------------------


def column(page, name):
    """The texts of one list column, top to bottom, as a person reads them."""
    return [" ".join(text.split()) for text in page.locator(f"table.model-list td.col-{name}").all_inner_texts()]


def html_lang(page):
    return page.locator("html").get_attribute("lang")


def choose_in_select2(page, field, label, typed):
    """Open a Select2 box, type the start of a choice, click the choice whose text is `label`."""
    field.click()
    drop = page.locator("#select2-drop")
    expect(drop).to_be_visible()
    page.keyboard.type(typed)
    drop.locator(".select2-result-selectable .select2-result-label").get_by_text(label, exact=True).click()
    expect(drop).to_be_hidden()


def select2_choices(page, select_id):
    """The choices shown as tags in a multiple Select2 box."""
    return [" ".join(text.split()) for text in page.locator(f"#s2id_{select_id} .select2-search-choice").all_inner_texts()]


# What the data says ----------------------------------------------------------------


def plain(text):
    """Lower case, without accents: how a hurried person types."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def value_at(doc, path):
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def matches(doc, word):
    """True when a word of one of the searchable fields starts with `word` (accents and case ignored)."""
    texts = (value_at(doc, path) for path in RequestSchema.search_fields)
    return any(term.startswith(word) for text in texts if text for term in re.findall(r"[a-z0-9]+", plain(text)))


def newest_first(docs):
    """The list's default order: most recently received first."""
    return sorted(docs, key=lambda doc: (doc["received_on"], doc["_id"]), reverse=True)


def accented_title_word(requests):
    """`ecole` when a seeded title holds "École"; otherwise the accented title word found in most titles."""
    counts = {}
    for doc in requests:
        for word in set(re.findall(r"\w+", doc["project_title"].casefold())):
            if plain(word) != word and len(word) >= 5:
                counts[plain(word)] = counts.get(plain(word), 0) + 1
    assert counts, "no seeded project title has an accented word to search for"
    if "ecole" in counts:
        return "ecole"
    return max(sorted(counts), key=counts.get)


def all_requests(store):
    return list(store.find("requests", {}))


# Journeys ----------------------------------------------------------------------------


def test_search_without_accents_finds_the_accented_titles(page, store, screenshot):
    requests = all_requests(store)
    page.goto("/admin/requests/")

    assert column(page, "reference") == [doc["reference"] for doc in newest_first(requests)][:PAGE_SIZE]
    expect(page.locator(".nav-tabs .nav-link.active")).to_contain_text(f"({len(requests)})")
    screenshot("requests-list", docs=True)

    word = accented_title_word(requests)
    expected = [doc["reference"] for doc in newest_first(requests) if matches(doc, word)]
    assert 0 < len(expected) < len(requests)
    search = page.locator('form[role="search"] input[name="search"]')
    search.fill(word)
    search.press("Enter")
    page.wait_for_url(re.compile(rf"[?&]search={word}"))

    assert column(page, "reference") == expected[:PAGE_SIZE]
    expect(page.locator('form[role="search"] input[name="search"]')).to_have_value(word)
    titles = column(page, "project_title")
    assert any(plain(title) != title.casefold() for title in titles), "the matching titles keep their accents"
    screenshot("requests-search")


def test_status_filter_added_through_the_menu_narrows_the_list(page, store, screenshot):
    expected = [doc["reference"] for doc in newest_first(all_requests(store)) if doc["status"] == "under_review"]
    assert expected, "the seeds hold requests under review"
    page.goto("/admin/requests/")
    assert html_lang(page) == "fr"

    page.locator(".nav-tabs .dropdown-toggle").get_by_text("Ajouter un filtre", exact=True).click()
    page.locator(".field-filters a.filter").get_by_text("Statut", exact=True).click()
    row = page.locator("#filter_form table.filters tr").last
    expect(row).to_contain_text("Statut")
    choose_in_select2(page, row.locator("td").last.locator(".select2-choice"), "En cours d'examen", "exam")
    page.locator("#filter_form button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]flt\d+_\d+=under_review"))

    assert column(page, "reference") == expected[:PAGE_SIZE]
    assert set(column(page, "status")) == {"En cours d'examen"}
    expect(page.locator(".nav-tabs .nav-link.active")).to_contain_text(f"({len(expected)})")
    expect(page.locator("#filter_form table.filters tr")).to_have_count(1)
    screenshot("requests-filtered-by-status")


def test_new_request_with_a_wrong_enterprise_number_is_refused_then_saved(page, store, screenshot):
    seeded = {doc["reference"] for doc in all_requests(store)}
    year = dt.datetime.now(dt.timezone.utc).year
    title = "Atelier vélo partagé du quartier Nord-Est"
    page.goto("/admin/requests/")
    assert html_lang(page) == "fr"
    page.locator('.nav-tabs a[href^="/admin/requests/new/"]').click()
    page.wait_for_url(re.compile(r"/admin/requests/new/"))

    page.locator("#received_on").fill(dt.date.today().isoformat())
    page.locator("#organisation-name").fill("ASBL Vélo Solidaire")
    page.locator("#organisation-type").select_option(label="Organisation privée")
    page.locator("#organisation-enterprise_number").fill("0123.456.748")
    page.locator("#municipality").select_option(label="Schaerbeek")
    page.locator("#contact-name").fill("Camille Fictive")
    page.locator("#contact-email").fill("camille@velo-solidaire.example")
    page.locator("#project_title").fill(title)
    choose_in_select2(page, page.locator("#s2id_themes"), "Mobilité", "mobi")
    choose_in_select2(page, page.locator("#s2id_themes"), "Jeunesse", "jeu")
    lot_l3 = next(text for text in page.locator("#lots option").all_inner_texts() if text.startswith("L3 "))
    choose_in_select2(page, page.locator("#s2id_lots"), lot_l3, "L3")
    page.locator("#estimated_budget").fill("12 500")
    assert select2_choices(page, "themes") == ["Mobilité", "Jeunesse"]
    screenshot("request-create-form")

    page.locator("form.admin-form input[type=submit].btn-primary").click()

    expect(page.locator(".alert-danger")).to_contain_text(NOT_SAVED_FR)
    number_group = page.locator(".form-group:has(> #organisation-enterprise_number)")
    expect(number_group.locator(".invalid-feedback")).to_have_text(CHECK_DIGITS_WRONG_FR)
    expect(page.locator("#organisation-enterprise_number")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#organisation-enterprise_number")).to_have_value("0123.456.748")
    # What the user typed and picked is still there: only the wrong number needs fixing.
    expect(page.locator("#project_title")).to_have_value(title)
    # Select2 draws its tags once the page's scripts have run: wait for them, then read them.
    expect(page.locator("#s2id_themes .select2-search-choice")).to_have_count(2)
    assert select2_choices(page, "themes") == ["Mobilité", "Jeunesse"]
    assert select2_choices(page, "lots") == [lot_l3]
    assert store.count("requests", {"project_title": title}) == 0
    screenshot("request-form-error", docs=True)

    page.locator("#organisation-enterprise_number").fill("0123.456.749")
    page.locator("form.admin-form input[type=submit].btn-primary").click()
    page.wait_for_url(re.compile(r"^[^?]*/admin/requests/(\?.*)?$"))  # the list, not the form's ?url=

    row = page.locator("table.model-list tbody tr", has=page.locator("td.col-project_title", has_text=title))
    expect(row).to_have_count(1)
    reference = " ".join(row.locator("td.col-reference").inner_text().split())
    assert re.fullmatch(rf"REQ-{year}-\d{{4}}", reference)
    assert reference not in seeded
    same_year = [int(ref.rsplit("-", 1)[1]) for ref in seeded if ref.startswith(f"REQ-{year}-")]
    assert int(reference.rsplit("-", 1)[1]) == max(same_year, default=0) + 1
    expect(row.locator("td.col-municipality")).to_have_text("Schaerbeek")
    # The list shows the lot's code, its title on hover.
    expect(row.locator("td.col-lots")).to_have_text("L3")
    expect(row.locator("td.col-lots")).to_have_attribute("title", lot_l3)
    screenshot("requests-list-after-create")


def test_language_links_switch_between_french_and_dutch(page, sign_in_as, store, screenshot):
    # Their own account: the language picked is remembered in the profile of whoever picks it.
    sign_in_as("staff", "jan.staff@perspective.example", name="Jan Staff", language="fr")
    first_page = newest_first(all_requests(store))[:PAGE_SIZE]
    french = [MUNICIPALITY_NAMES[doc["municipality"]][0] for doc in first_page]
    dutch = [MUNICIPALITY_NAMES[doc["municipality"]][1] for doc in first_page]
    assert french != dutch, "the first page should show a municipality whose name differs in Dutch"
    switcher = page.locator("nav ul.navbar-nav[aria-label]").last
    page.goto("/admin/requests/")
    assert html_lang(page) == "fr"
    expect(page.locator("h1")).to_have_text("Demandes")
    assert column(page, "municipality") == french

    switcher.locator('a[hreflang="nl"]').click()
    page.wait_for_url(re.compile(r"[?&]lang=nl"))
    assert html_lang(page) == "nl"
    expect(page.locator("h1")).to_have_text("Aanvragen")
    expect(switcher.locator('[aria-current="true"]')).to_have_text("NL")
    assert column(page, "municipality") == dutch
    screenshot("requests-list-nl")

    # The choice sticks: another page, without ?lang=, stays in Dutch.
    page.goto("/admin/providers/")
    assert html_lang(page) == "nl"

    switcher.locator('a[hreflang="fr"]').click()
    page.wait_for_url(re.compile(r"[?&]lang=fr"))
    assert html_lang(page) == "fr"
    expect(switcher.locator('[aria-current="true"]')).to_have_text("FR")
    page.goto("/admin/requests/")
    expect(page.locator("h1")).to_have_text("Demandes")
    assert column(page, "municipality") == french
