"""Requests through the admin: create, edit, delete, list, search and filters."""
import datetime as dt

import pytest

from conftest import cells

YEAR = dt.datetime.now(dt.timezone.utc).year

FORM = {
    "received_on": "2026-11-02",
    "organisation-name": "Commune d'Ixelles",
    "organisation-type": "municipal_administration",
    "organisation-enterprise_number": "",
    "municipality": "21009",
    "contact-name": "Marie Exemple",
    "contact-email": "Marie@Ixelles.example",
    "contact-phone": "02 515 61 11",
    "contact-language": "fr",
    "project_title": "Réaménagement de l'École du Parc",
    "description": "Une consultation des riverains.",
    "themes": ["public_space", "youth"],
    "lots": ["L1"],
    "estimated_budget": "25 000,50",
    "expected_start": "2027-01-15",
    "expected_end": "2027-06-30",
    "status": "received",
    "assigned_to": "",
    "eligibility-decision": "pending",
    "eligibility-reason": "",
    "notes": "",
}


@pytest.fixture
def lot(make):
    return make.lot()


def test_create_stores_the_validated_document(client, store, lot):
    response = client.form_post("/admin/requests/new/", FORM)

    assert response.status_code == 302
    stored = store.find_one("requests", {})
    assert stored["reference"] == f"REQ-{YEAR}-0001"
    assert stored["received_on"] == dt.datetime(2026, 11, 2)
    assert stored["estimated_budget"] == 2500050
    assert stored["contact"] == {
        "name": "Marie Exemple",
        "email": "marie@ixelles.example",
        "phone": "+3225156111",
        "language": "fr",
    }
    assert stored["organisation"] == {"name": "Commune d'Ixelles", "type": "municipal_administration"}
    assert stored["themes"] == ["public_space", "youth"]
    assert stored["lots"] == ["L1"]
    assert stored["version"] == 1
    assert stored["created_by"] == stored["updated_by"]
    assert "csrf_token" not in stored
    assert "notes" not in stored and "assigned_to" not in stored


def test_references_follow_each_other(client, store, lot):
    client.form_post("/admin/requests/new/", FORM)
    client.form_post("/admin/requests/new/", FORM)

    references = sorted(doc["reference"] for doc in store.find("requests", {}))
    assert references == [f"REQ-{YEAR}-0001", f"REQ-{YEAR}-0002"]


def test_wrong_enterprise_number_is_refused_next_to_the_field(client, store, lot):
    form = dict(FORM, **{"organisation-enterprise_number": "0123.456.748"})

    response = client.form_post("/admin/requests/new/", form)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This enterprise number does not exist: its check digits are wrong." in page
    assert page.index("check digits are wrong") > page.index('name="organisation-enterprise_number"')
    assert store.count("requests", {}) == 0


def test_missing_title_and_unknown_lot_are_both_named(client, store, lot):
    form = dict(FORM, project_title="", lots=["L9"])

    page = client.form_post("/admin/requests/new/", form).get_data(as_text=True)

    assert "This field is required." in page
    assert "This record does not exist (any more)." in page
    assert store.count("requests", {}) == 0


def test_end_before_start_is_refused(client, store, lot):
    form = dict(FORM, expected_start="2027-06-30", expected_end="2027-01-15")

    page = client.form_post("/admin/requests/new/", form).get_data(as_text=True)

    assert "The end date comes before the start date." in page
    assert store.count("requests", {}) == 0


def test_edit_saves_changes_and_removes_cleared_fields(client, store, make, lot):
    created = make.request(notes="À rappeler")
    url = f"/admin/requests/edit/?id={created['_id']}"
    page = client.get(url).get_data(as_text=True)
    assert "25000.00" in page and "À rappeler" in page

    form = dict(FORM, project_title="Nouveau titre", notes="", version="1")
    response = client.form_post(url, form)

    assert response.status_code == 302
    stored = store.find_one("requests", {"_id": created["_id"]})
    assert stored["project_title"] == "Nouveau titre"
    assert "notes" not in stored
    assert stored["reference"] == created["reference"]
    assert stored["version"] == 2


def test_second_editor_of_the_same_version_is_refused(client, store, make, lot):
    created = make.request()
    url = f"/admin/requests/edit/?id={created['_id']}"
    client.form_post(url, dict(FORM, project_title="First editor", version="1"))

    response = client.form_post(url, dict(FORM, project_title="Second editor", version="1"))

    assert "Someone else changed this record" in response.get_data(as_text=True)
    assert store.find_one("requests", {"_id": created["_id"]})["project_title"] == "First editor"


def test_delete_is_refused_while_a_briefing_refers_to_the_request(client, store, make, lot):
    created = make.request()
    make.briefing(request=created["reference"])

    response = client.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/")

    assert response.status_code == 302
    page = client.get("/admin/requests/").get_data(as_text=True)
    assert "cannot be deleted" in page and f"BRF-{YEAR}-0001" in page
    assert store.count("requests", {}) == 1


def test_delete_removes_an_unreferenced_request(client, store, make, lot):
    created = make.request()

    client.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/")

    assert store.count("requests", {}) == 0


def test_list_shows_names_not_codes(client, make, lot):
    make.request()

    page = client.get("/admin/requests/?lang=fr").get_data(as_text=True)

    # Lots by code, their title on hover (tests/test_lists_at_a_glance.py).
    assert cells(page, "lots") == ["L1"]
    assert '<abbr title="L1 — Mission globale de A à Z">L1</abbr>' in page
    assert cells(page, "municipality") == ["Ixelles"]
    assert cells(page, "estimated_budget") == []  # not a list column
    assert cells(page, "received_on") == ["2 nov. 2026"]


def test_search_ignores_case_and_accents(client, make, lot):
    make.request(project_title="Jardin de l'École")
    make.request(project_title="Maison de quartier")

    page = client.get("/admin/requests/?search=ECOLE").get_data(as_text=True)

    assert cells(page, "project_title") == ["Jardin de l'École"]


def _titles(client, query):
    return set(cells(client.get(f"/admin/requests/?{query}").get_data(as_text=True), "project_title"))


def test_filters_narrow_the_list(client, make, lot):
    make.lot(code="L2")
    make.request(project_title="Alpha", received_on="2026-01-10", status="under_review", municipality="21004")
    make.request(
        project_title="Bravo",
        received_on="2026-03-05",
        lots=["L2"],
        organisation={"type": "citizen_collective"},
    )
    make.request(project_title="Charlie", received_on="2026-05-20", municipality="21004", themes=["mobility"])

    assert _titles(client, "") == {"Alpha", "Bravo", "Charlie"}
    assert _titles(client, "flt0_0=under_review") == {"Alpha"}
    assert _titles(client, "flt0_1=21004") == {"Alpha", "Charlie"}
    assert _titles(client, "flt0_2=L2") == {"Bravo"}
    assert _titles(client, "flt0_3=citizen_collective") == {"Bravo"}
    assert _titles(client, "flt0_4=mobility") == {"Charlie"}
    assert _titles(client, "flt0_5=2026-03-05") == {"Bravo", "Charlie"}
    assert _titles(client, "flt0_6=2026-03-05") == {"Alpha", "Bravo"}
    assert _titles(client, "flt0_7=2026-02-01+to+2026-04-30") == {"Bravo"}
    assert _titles(client, "flt0_0=under_review&flt1_1=21004") == {"Alpha"}


def test_unknown_filter_values_are_ignored_not_queried(client, make, lot):
    make.request(project_title="Alpha")

    response = client.get("/admin/requests/?flt0_0[$ne]=x&flt0_1=%7B%22%24ne%22%3A1%7D")

    assert response.status_code == 200
    assert cells(response.get_data(as_text=True), "project_title") == ["Alpha"]


def test_a_list_rows_links_and_delete_form_work_as_a_browser_uses_them(client, store, make, lot):
    import re
    from html import unescape

    kept = make.request(project_title="Budget participatif")
    gone = make.request(project_title="Parc Josaphat")
    page = client.get("/admin/requests/?sort=4").get_data(as_text=True)  # a sorted list: the way back keeps the sort

    links = [unescape(link) for link in re.findall(r'<a class="icon" href="([^"]+)"', page)]
    details = [link for link in links if f"id={kept['_id']}" in link and "/details/" in link]
    edit = [link for link in links if f"id={kept['_id']}" in link and "/edit/" in link]
    assert details and "Budget participatif" in client.get(details[0]).get_data(as_text=True)
    assert edit and 'name="project_title"' in client.get(edit[0]).get_data(as_text=True)
    assert "url=/admin/requests/?sort%3D4" in edit[0]

    form = re.search(rf'<form class="icon" method="POST" action="([^"]+)">(.*?value="{gone["_id"]}".*?)</form>', page, re.S)
    fields = dict(re.findall(r'<input name="([^"]+)" type="hidden" value="([^"]*)">', form.group(2)))
    assert set(fields) == {"id", "url", "csrf_token"}
    response = client.post(form.group(1), data={name: unescape(value) for name, value in fields.items()})

    assert response.status_code == 302 and "/admin/requests/?sort=4" in response.headers["Location"]
    assert [doc["project_title"] for doc in store.find("requests", {})] == ["Budget participatif"]
