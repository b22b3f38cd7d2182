"""Providers through the admin: create, edit, delete, list, search and filters."""
import datetime as dt
import re

import pytest

from conftest import cells

YEAR = dt.datetime.now(dt.timezone.utc).year

FORM = {
    "name": "Agora Participation scrl",
    "enterprise_number": "0123.456.749",
    "address-street": "Rue de la Loi 16",
    "address-postcode": "1000",
    "address-city": "Bruxelles",
    "website": "https://agora.example",
    "contact-name": "Léa Fictive",
    "contact-email": "Lea@Agora.example",
    "contact-phone": "02 512 34 56",
    "languages": ["fr", "nl"],
    "lots-0-lot": "L1",
    "lots-0-rank": "1",
    "status": "active",
    "notes": "",
}


@pytest.fixture(autouse=True)
def english(client):
    """Messages are read in English, so the checks do not depend on the French and Dutch catalogues."""
    client.get("/admin/?lang=en")


@pytest.fixture
def lot(make):
    return make.lot()


def test_create_stores_the_validated_document(client, store, lot):
    response = client.form_post("/admin/providers/new/", FORM)

    assert response.status_code == 302
    stored = store.find_one("providers", {})
    assert stored["name"] == "Agora Participation scrl"
    assert stored["enterprise_number"] == "0123456749"
    assert stored["address"] == {"street": "Rue de la Loi 16", "postcode": "1000", "city": "Bruxelles", "country": "BE"}
    assert stored["website"] == "https://agora.example"
    assert stored["contact"] == {"name": "Léa Fictive", "email": "lea@agora.example", "phone": "+3225123456"}
    assert stored["languages"] == ["fr", "nl"]
    assert stored["lots"] == [{"lot": "L1", "rank": 1}]
    assert stored["status"] == "active"
    assert stored["version"] == 1
    assert stored["created_by"] == stored["updated_by"]
    assert "csrf_token" not in stored
    assert "notes" not in stored


def test_duplicate_enterprise_number_is_refused(client, store, make, lot):
    make.provider(name="Premier prestataire")

    response = client.form_post("/admin/providers/new/", dict(FORM, name="Second prestataire"))

    assert response.status_code == 200
    assert "Another record already has this value." in response.get_data(as_text=True)
    assert [doc["name"] for doc in store.find("providers", {})] == ["Premier prestataire"]


def test_wrong_check_digits_are_refused_next_to_the_field(client, store, lot):
    response = client.form_post("/admin/providers/new/", dict(FORM, enterprise_number="0123.456.748"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This enterprise number does not exist: its check digits are wrong." in page
    assert page.index("check digits are wrong") > page.index('name="enterprise_number"')
    assert store.count("providers", {}) == 0


def test_unknown_lot_and_missing_language_are_refused(client, store, lot):
    form = {key: value for key, value in FORM.items() if key != "languages"}

    page = client.form_post("/admin/providers/new/", dict(form, **{"lots-0-lot": "L9"})).get_data(as_text=True)

    assert "This record does not exist (any more)." in page
    assert "Choose at least one." in page
    assert store.count("providers", {}) == 0


def test_edit_keeps_the_enterprise_number_and_bumps_the_version(client, store, make, lot):
    created = make.provider()
    url = f"/admin/providers/edit/?id={created['_id']}"
    page = client.get(url).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="enterprise_number"[^>]*>', page).group(0)
    assert "readonly" in field and 'value="0123.456.749"' in field

    response = client.form_post(url, dict(FORM, name="Agora Nouvelle", status="suspended", version="1"))

    assert response.status_code == 302
    stored = store.find_one("providers", {"_id": created["_id"]})
    assert stored["name"] == "Agora Nouvelle"
    assert stored["status"] == "suspended"
    assert stored["enterprise_number"] == "0123456749"
    assert stored["version"] == 2


def test_edit_cannot_change_the_enterprise_number(client, store, make, lot):
    created = make.provider()
    url = f"/admin/providers/edit/?id={created['_id']}"

    response = client.form_post(url, dict(FORM, enterprise_number="0417.497.106", version="1"))

    assert "This value cannot be changed once the record exists." in response.get_data(as_text=True)
    stored = store.find_one("providers", {"_id": created["_id"]})
    assert stored["enterprise_number"] == "0123456749"
    assert stored["version"] == 1


def test_list_shows_the_formatted_number_and_the_lots_by_code_with_the_name_on_hover(client, make, lot):
    make.lot(code="L2", name_fr="Conception de processus", name_nl="Ontwerp van participatieprocessen")
    make.provider(lots=[{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 1}], address={"city": "Ixelles"})

    page = client.get("/admin/providers/?lang=nl").get_data(as_text=True)

    assert cells(page, "enterprise_number") == ["0123.456.749"]
    assert cells(page, "address.city") == ["Ixelles"]
    # As the requests list does: codes, the title on hover (tests/test_lists_at_a_glance.py), and the rank.
    assert cells(page, "lots") == ["L1 (rang 2), L2 (rang 1)"]
    assert 'title="L2 — Ontwerp van participatieprocessen"' in page
    assert "0123456749" not in " ".join(cells(page, "enterprise_number"))


def _names(client, query):
    return set(cells(client.get(f"/admin/providers/?{query}").get_data(as_text=True), "name"))


def test_filters_narrow_the_list(client, make, lot):
    make.lot(code="L2")
    make.provider(name="Agora", enterprise_number="0123.456.749", languages=["fr"], lots=[{"lot": "L1", "rank": 1}])
    make.provider(
        name="Babel", enterprise_number="0417.497.106", languages=["nl", "en"], lots=[{"lot": "L2", "rank": 1}],
        status="suspended",
    )
    make.provider(
        name="Civic", enterprise_number="0203.201.340", languages=["fr", "nl"],
        lots=[{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 2}], status="left",
    )

    assert _names(client, "") == {"Agora", "Babel", "Civic"}
    assert _names(client, "flt0_0=suspended") == {"Babel"}
    assert _names(client, "flt0_0=active") == {"Agora"}
    assert _names(client, "flt0_1=L1") == {"Agora", "Civic"}
    assert _names(client, "flt0_1=L2") == {"Babel", "Civic"}
    assert _names(client, "flt0_2=nl") == {"Babel", "Civic"}
    assert _names(client, "flt0_2=en") == {"Babel"}
    assert _names(client, "flt0_1=L1&flt1_2=nl") == {"Civic"}


ECO_CONTACT = {"name": "Jan Voorbeeld", "email": "jan@eco.example", "phone": "02 345 67 89"}


def test_search_ignores_accents_and_case(client, make, lot):
    make.provider(name="Atelier Éco-Citoyen", enterprise_number="0417.497.106", contact=ECO_CONTACT)
    make.provider(name="Agora Participation scrl", enterprise_number="0123.456.749")

    assert _names(client, "search=ECO") == {"Atelier Éco-Citoyen"}
    assert _names(client, "search=citoyen") == {"Atelier Éco-Citoyen"}
    assert _names(client, "search=agora") == {"Agora Participation scrl"}


def test_search_finds_the_enterprise_number_typed_with_dots(client, make, lot):
    make.provider(name="Atelier Éco-Citoyen", enterprise_number="0417.497.106", contact=ECO_CONTACT)
    make.provider(name="Agora Participation scrl", enterprise_number="0123.456.749")

    assert _names(client, "search=0123.456.749") == {"Agora Participation scrl"}
    assert _names(client, "search=0417497106") == {"Atelier Éco-Citoyen"}


def test_delete_is_refused_while_a_briefing_invites_the_provider(client, store, make, lot):
    provider = make.provider()
    request = make.request()
    make.briefing(request=request["reference"], invitations=[{"provider": "0123456749", "lot": "L1"}])

    response = client.form_post("/admin/providers/delete/", {"id": str(provider["_id"])}, form_url="/admin/providers/")

    assert response.status_code == 302
    page = client.get("/admin/providers/").get_data(as_text=True)
    assert "cannot be deleted" in page and f"BRF-{YEAR}-0001" in page
    assert store.count("providers", {}) == 1


def test_delete_removes_an_unreferenced_provider(client, store, make, lot):
    provider = make.provider()

    response = client.form_post("/admin/providers/delete/", {"id": str(provider["_id"])}, form_url="/admin/providers/")

    assert response.status_code == 302
    assert store.count("providers", {}) == 0
    assert "cannot be deleted" not in client.get("/admin/providers/").get_data(as_text=True)
