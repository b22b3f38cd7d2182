"""Lots through the admin: create, edit, delete and the list."""
import datetime as dt
from html import unescape

import pytest

from conftest import cells

YEAR = dt.datetime.now(dt.timezone.utc).year

FORM = {
    "code": "L1",
    "name_fr": "Mission globale de A à Z",
    "name_nl": "Globale opdracht van A tot Z",
    "description_fr": "Conception, mise en œuvre et évaluation d'un processus complet.",
    "description_nl": "",
    "framework_reference": "PERSPECTIVE-PART-2024",
    "starts_on": "2024-02-01",
    "ends_on": "2028-01-31",
    "ceiling_amount": "750 000",
    "active": "y",
}


@pytest.fixture(autouse=True)
def english(client):
    """Messages are read in English, so the checks do not depend on the French and Dutch catalogues."""
    client.get("/admin/?lang=en")


def test_create_stores_the_validated_document(client, store):
    response = client.form_post("/admin/lots/new/", FORM)

    assert response.status_code == 302
    stored = store.find_one("lots", {})
    assert stored["code"] == "L1"
    assert stored["name_fr"] == "Mission globale de A à Z"
    assert stored["name_nl"] == "Globale opdracht van A tot Z"
    assert stored["framework_reference"] == "PERSPECTIVE-PART-2024"
    assert stored["starts_on"] == dt.datetime(2024, 2, 1)
    assert stored["ends_on"] == dt.datetime(2028, 1, 31)
    assert stored["ceiling_amount"] == 75_000_000
    assert stored["active"] is True
    assert stored["version"] == 1
    assert "csrf_token" not in stored
    assert "description_nl" not in stored


def test_an_unticked_box_stores_an_inactive_lot(client, store):
    form = {key: value for key, value in FORM.items() if key != "active"}

    client.form_post("/admin/lots/new/", form)

    assert store.find_one("lots", {})["active"] is False


def test_end_before_start_is_refused(client, store):
    form = dict(FORM, starts_on="2028-01-31", ends_on="2024-02-01")

    response = client.form_post("/admin/lots/new/", form)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The end date comes before the start date." in page
    assert page.index("end date comes before") > page.index('name="ends_on"')
    assert store.count("lots", {}) == 0


def test_duplicate_code_is_refused(client, store, make):
    make.lot(name_fr="Premier")

    response = client.form_post("/admin/lots/new/", dict(FORM, name_fr="Second"))

    assert response.status_code == 200
    assert "Another record already has this value." in response.get_data(as_text=True)
    assert [doc["name_fr"] for doc in store.find("lots", {})] == ["Premier"]


def test_badly_formed_code_and_amount_are_refused(client, store):
    response = client.form_post("/admin/lots/new/", dict(FORM, code="X1", ceiling_amount="beaucoup"))

    page = response.get_data(as_text=True)
    assert "A lot code reads L1, L2, … L6." in page
    assert "Not a valid amount (for example 12500 or 12500,50)." in page
    assert store.count("lots", {}) == 0


def test_edit_saves_changes_and_bumps_the_version(client, store, make):
    created = make.lot(ceiling_amount="100000")
    url = f"/admin/lots/edit/?id={created['_id']}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="100000.00"' in page

    response = client.form_post(url, dict(FORM, name_nl="Globale opdracht", ceiling_amount="", version="1"))

    assert response.status_code == 302
    stored = store.find_one("lots", {"_id": created["_id"]})
    assert stored["name_nl"] == "Globale opdracht"
    assert "ceiling_amount" not in stored
    assert stored["code"] == "L1"
    assert stored["version"] == 2


def test_the_code_cannot_be_changed(client, store, make):
    created = make.lot()
    url = f"/admin/lots/edit/?id={created['_id']}"

    response = client.form_post(url, dict(FORM, code="L2", name_fr="Autre titre", version="1"))

    assert response.status_code == 200
    assert "This value cannot be changed once the record exists." in response.get_data(as_text=True)
    stored = store.find_one("lots", {"_id": created["_id"]})
    assert stored["code"] == "L1"
    assert stored["name_fr"] == "Mission globale de A à Z"
    assert stored["version"] == 1
    assert store.count("lots", {"code": "L2"}) == 0


def _delete(client, lot):
    response = client.form_post("/admin/lots/delete/", {"id": str(lot["_id"])}, form_url="/admin/lots/")
    assert response.status_code == 302
    return unescape(client.get("/admin/lots/").get_data(as_text=True))


def test_delete_is_refused_while_a_provider_is_party_to_the_lot(client, store, make):
    lot = make.lot()
    make.provider(name="Agora Participation scrl")

    page = _delete(client, lot)

    assert "cannot be deleted" in page and "Agora Participation scrl" in page
    assert store.count("lots", {}) == 1


def test_delete_is_refused_while_a_request_asks_for_the_lot(client, store, make):
    make.lot()
    lot = make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")
    make.request(lots=["L2"], project_title="Jardin partagé")

    page = _delete(client, lot)

    assert "cannot be deleted" in page and f"REQ-{YEAR}-0001 — Jardin partagé" in page
    assert store.count("lots", {"code": "L2"}) == 1


def test_delete_removes_an_unreferenced_lot(client, store, make):
    make.lot()
    lot = make.lot(code="L6", name_fr="Évaluation", name_nl="Beoordeling")

    page = _delete(client, lot)

    assert "cannot be deleted" not in page
    assert [doc["code"] for doc in store.find("lots", {})] == ["L1"]


def test_list_is_sorted_by_code_and_shows_the_ceiling_in_euro(client, make):
    make.lot(code="L3", name_fr="Animation", name_nl="Uitvoeren", ceiling_amount="1250000,50")
    make.lot(code="L1", ceiling_amount="750 000")
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")

    page = client.get("/admin/lots/?lang=fr").get_data(as_text=True)

    assert cells(page, "code") == ["L1", "L2", "L3"]
    assert cells(page, "ceiling_amount") == ["750 000,00 €", "", "1 250 000,50 €"]
    assert cells(page, "name_nl") == ["Globale opdracht van A tot Z", "Ontwerp", "Uitvoeren"]

    page = client.get("/admin/lots/?sort=0&desc=1&lang=nl").get_data(as_text=True)

    assert cells(page, "code") == ["L3", "L2", "L1"]
    assert cells(page, "ceiling_amount") == ["€ 1.250.000,50", "", "€ 750.000,00"]
