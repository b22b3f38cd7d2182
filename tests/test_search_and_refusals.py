"""Search edge cases and delete refusals a person can act on.

A search of signs only ("(", "%") matches nothing instead of everything; a municipality
is found by its name in the other language; a record others refer to is refused with
the list of those records, grouped by kind, linked, each once, counted beyond five.
"""
import re
from html import unescape

import pytest

from backoffice import records
from conftest import cells
from test_i18n import visible_texts


@pytest.fixture
def two_requests(make):
    make.lot()
    make.request(project_title="Jardin de l'École", municipality="21015")
    make.request(project_title="Maison de quartier", municipality="21009")


@pytest.mark.parametrize("typed", ["(", "%", "%%", "(*)", ".*", "$ne"])
def test_a_search_of_signs_only_finds_nothing(client, two_requests, typed):
    page = client.get("/admin/requests/", query_string={"search": typed}).get_data(as_text=True)

    assert cells(page, "reference") == []


@pytest.mark.parametrize("typed", ["Schaarbeek", "schaerbeek", "SCHAAR"])
def test_a_municipality_is_found_by_its_name_in_either_language(client, two_requests, typed):
    page = client.get("/admin/requests/", query_string={"search": typed, "lang": "fr"}).get_data(as_text=True)

    assert cells(page, "project_title") == ["Jardin de l'École"]


@pytest.fixture
def saint_josse_request(make):
    """A request of Saint-Josse about youth and the environment, for lot L2, beside one of Ixelles for L1."""
    make.lot()
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen",
             name_en="Design of participatory processes")
    make.request(project_title="Maison de quartier", municipality="21009", themes=["housing"])
    make.request(project_title="Conseil des jeunes", municipality="21014", lots=["L2"], themes=["youth", "environment"],
                 organisation={"name": "Maison des jeunes", "type": "citizen_collective"})


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
@pytest.mark.parametrize("typed", [
    "Sint-Joost", "Saint-Josse",  # the municipality in Dutch and French
    "Ontwerp van participatieprocessen", "participatieprocessen", "Conception de processus", "Design of participatory",
    "Jeugd", "Jeunesse", "Youth", "Milieu en klimaat",  # a theme in Dutch, French and English
    "Burgercollectief", "Collectif citoyen",  # the organisation's type
])
def test_a_coded_value_is_found_by_its_name_in_every_language(client, saint_josse_request, lang, typed):
    page = client.get("/admin/requests/", query_string={"search": typed, "lang": lang}).get_data(as_text=True)

    assert cells(page, "project_title") == ["Conseil des jeunes"]


@pytest.mark.parametrize("typed", ["Ontwerp van participatieprocessen", "L2"])
def test_a_briefing_is_found_by_its_lot_in_either_language(client, saint_josse_request, make, typed):
    wanted = _reference_of(client, "Conseil des jeunes")
    make.briefing(request=wanted, lots=["L2"])
    make.briefing(request=_reference_of(client, "Maison de quartier"), lots=["L1"])
    page = client.get("/admin/briefings/", query_string={"search": typed, "lang": "fr"}).get_data(as_text=True)

    found = cells(page, "request")
    assert len(found) == 1 and wanted in found[0], found


def test_a_renamed_lot_is_found_by_its_new_title_at_once(app, client, saint_josse_request, store):
    lot = store.find_one("lots", {"code": "L2"})
    with app.test_request_context():
        records.update("lots", lot, {**{k: lot[k] for k in ("code", "name_fr", "name_en")}, "name_nl": "Procesontwerp"},
                       actor="test", expected_version=lot["version"])

    def found(typed):
        page = client.get("/admin/requests/", query_string={"search": typed}).get_data(as_text=True)
        return cells(page, "project_title")

    assert found("Procesontwerp") == ["Conseil des jeunes"]
    assert found("Ontwerp van participatieprocessen") == []


def _reference_of(client, title):
    page = client.get("/admin/requests/", query_string={"search": title}).get_data(as_text=True)
    return cells(page, "reference")[0]


def test_a_referenced_lot_lists_who_refers_to_it_grouped_linked_and_counted(client, store, make):
    lot = make.lot()
    make.provider()
    for number in range(7):
        make.request(project_title=f"Demande {number}")
    client.get("/admin/?lang=fr")

    page = client.form_post("/admin/lots/delete/", {"id": str(lot["_id"]), "url": "/admin/lots/"},
                            form_url="/admin/lots/", follow_redirects=True).get_data(as_text=True)

    alert = re.search(r'<div class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1)
    text = " ".join(visible_texts(alert))
    assert "L1 ne peut pas être supprimé\u00a0: 8 autres enregistrements y font référence." in text
    items = re.findall(r"<li>(.*?)</li>", alert, re.S)
    assert len(items) == 2
    requests_item = next(item for item in items if "Demande (7)" in unescape(item))
    assert len(re.findall(r'<a href="/admin/requests/details/\?id=[0-9a-f]{24}">', requests_item)) == 5
    assert "et 2 autres" in unescape(requests_item)
    provider_item = next(item for item in items if "Prestataire (1)" in unescape(item))
    assert "Agora Participation scrl" in unescape(provider_item)
    assert store.count("lots", {}) == 1
