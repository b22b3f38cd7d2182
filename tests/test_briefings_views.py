"""Briefings through the admin: create from a request, refusals, details, list filters and delete."""
import datetime as dt
import re
from html import unescape

import pytest

from conftest import cells

YEAR = dt.datetime.now(dt.timezone.utc).year
TITLE = "Réaménagement de l'École du Parc"

FORM = {
    "lots": ["L1"],
    "language": "fr",
    "context": "La commune souhaite associer les riverains au réaménagement de l'école.",
    "objectives": "",
    "target_audiences": "Riverains, parents, élèves",
    "deliverables": "",
    "budget_max": "20 000,50",
    "offer_deadline": "2027-03-15T12:00",
    "award_route": "mini_competition",
    "award_criteria-0-name": "Prix",
    "award_criteria-0-weight": "40",
    "award_criteria-1-name": "Méthodologie",
    "award_criteria-1-weight": "60",
    "invitations-0-provider": "0123456749",
    "invitations-0-lot": "L1",
    "invitations-0-sent_on": "2027-02-01",
    "invitations-0-response": "pending",
    "invitations-0-offer_amount": "",
    "invitations-0-score": "",
    "invitations-1-provider": "0417497106",
    "invitations-1-lot": "L1",
    "invitations-1-sent_on": "2027-02-01",
    "invitations-1-response": "pending",
    "invitations-1-offer_amount": "",
    "invitations-1-score": "",
    "status": "draft",
}


@pytest.fixture(autouse=True)
def english(client):
    """Messages are read in English, so the checks do not depend on the French and Dutch catalogues."""
    client.get("/admin/?lang=en")


@pytest.fixture
def request_record(make):
    """A lot, two providers party to it, and a request for it."""
    make.lot()
    make.provider()
    make.provider(
        name="Babel Dialogue asbl",
        enterprise_number="0417.497.106",
        contact={"name": "Jan Voorbeeld", "email": "jan@babel.example", "phone": "02 345 67 89"},
        lots=[{"lot": "L1", "rank": 2}],
    )
    return make.request(project_title=TITLE)


def detail(html, label):
    """The text a person reads next to `label` on a details page."""
    start = html.index(f"<b>{label}</b>") + len(f"<b>{label}</b>")
    end = html.find("<b>", start)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[start:end if end != -1 else None])).split())


def detail_rows(html, label):
    """The rows of the small table next to `label` on a details page, as tuples of texts."""
    start = html.index(f"<b>{label}</b>")
    table = html[start: html.index("</table>", start)].split("<tbody>")[-1]
    return [
        tuple(" ".join(unescape(re.sub(r"<[^>]+>", " ", td)).split()) for td in re.findall(r"<td>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_the_request_is_chosen_by_reference_and_title(client, request_record):
    page = unescape(client.get("/admin/briefings/new/").get_data(as_text=True))

    select = re.search(r'<select[^>]*name="request".*?</select>', page, re.S).group(0)
    assert f'<option value="REQ-{YEAR}-0001">REQ-{YEAR}-0001 — {TITLE}</option>' in select
    assert "ObjectId" not in select and str(request_record["_id"]) not in select


def test_create_stores_the_validated_document(client, store, request_record):
    response = client.form_post("/admin/briefings/new/", dict(FORM, request=request_record["reference"]))

    assert response.status_code == 302
    stored = store.find_one("briefings", {})
    assert stored["reference"] == f"BRF-{YEAR}-0001"
    assert stored["request"] == f"REQ-{YEAR}-0001"
    assert stored["lots"] == ["L1"]
    assert stored["language"] == "fr"
    assert stored["budget_max"] == 2000050
    # 12:00 in Brussels in winter is 11:00 UTC.
    assert stored["offer_deadline"] == dt.datetime(2027, 3, 15, 11, 0)
    assert stored["award_route"] == "mini_competition"
    assert stored["award_criteria"] == [{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}]
    # Invitations, award and status are set by the workflow actions only: typed values are ignored.
    assert stored["invitations"] == []
    assert stored["status"] == "draft"
    assert stored["version"] == 1
    assert "csrf_token" not in stored
    assert stored["awards"] == [] and "objectives" not in stored


def test_references_follow_each_other(client, store, request_record):
    form = dict(FORM, request=request_record["reference"])
    client.form_post("/admin/briefings/new/", form)
    client.form_post("/admin/briefings/new/", form)

    references = sorted(doc["reference"] for doc in store.find("briefings", {}))
    assert references == [f"BRF-{YEAR}-0001", f"BRF-{YEAR}-0002"]


def test_weights_not_adding_up_to_100_are_refused(client, store, request_record):
    form = dict(FORM, request=request_record["reference"], **{"award_criteria-1-weight": "50"})

    response = client.form_post("/admin/briefings/new/", form)

    assert response.status_code == 200
    assert "The weights of the award criteria add up to 100." in response.get_data(as_text=True)
    assert store.count("briefings", {}) == 0


def test_status_and_award_cannot_be_typed_in_the_form(client, store, request_record):
    form = dict(FORM, request=request_record["reference"], status="awarded", **{
        "awards-0-lot": "L1", "awards-0-outcome": "awarded", "awards-0-provider": "0123456749",
        "awards-0-amount": "1000", "awards-0-awarded_on": "2027-01-01",
    })

    client.form_post("/admin/briefings/new/", form)

    stored = store.find_one("briefings", {})
    assert stored["status"] == "draft"
    assert stored["awards"] == []


def test_list_and_details_name_the_request_and_the_providers(client, make, request_record):
    invited = [
        {"provider": "0123456749", "lot": "L1", "sent_on": "2027-02-01"},
        {"provider": "0417497106", "lot": "L1", "sent_on": "2027-02-01"},
    ]
    briefing = make.briefing(
        request=request_record["reference"], award_route="mini_competition", offer_deadline="2027-03-15T12:00",
        award_criteria=[{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}], invitations=invited,
    )

    page = client.get("/admin/briefings/").get_data(as_text=True)
    assert cells(page, "reference") == [f"BRF-{YEAR}-0001"]
    assert cells(page, "request") == [f"REQ-{YEAR}-0001 — {TITLE}"]
    assert cells(page, "language") == ["French"]
    assert cells(page, "award_route") == ["Mini-competition"]
    assert cells(page, "status") == ["Draft"]

    page = client.get(f"/admin/briefings/details/?id={briefing['_id']}").get_data(as_text=True)
    assert detail(page, "Request") == f"REQ-{YEAR}-0001 — {TITLE}"
    assert detail(page, "Lots") == "L1 — Mission globale de A à Z"
    assert detail_rows(page, "Invitations") == [
        ("Agora Participation scrl", "L1 — Mission globale de A à Z", "1 Feb 2027", "Awaiting response", "", "", ""),
        ("Babel Dialogue asbl", "L1 — Mission globale de A à Z", "1 Feb 2027", "Awaiting response", "", "", ""),
    ]
    assert detail_rows(page, "Award criteria") == [("Prix", "40"), ("Méthodologie", "60")]
    assert "ObjectId" not in page and str(request_record["_id"]) not in page


def _references(client, query):
    return set(cells(client.get(f"/admin/briefings/?{query}").get_data(as_text=True), "reference"))


def test_filters_narrow_the_list(client, make, request_record):
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")
    request = request_record["reference"]
    first = make.briefing(request=request, offer_deadline="2027-01-10T12:00")["reference"]
    second = make.briefing(
        request=request,
        lots=["L2"],
        language="nl",
        status="ready",
        award_route="mini_competition",
        award_criteria=[{"name": "Prijs", "weight": 100}],
        offer_deadline="2027-03-05T12:00",
    )["reference"]
    third = make.briefing(request=request, lots=["L1", "L2"], status="cancelled", offer_deadline="2027-05-20T12:00")[
        "reference"
    ]

    assert _references(client, "") == {first, second, third}
    assert _references(client, "flt0_0=ready") == {second}
    assert _references(client, "flt0_0=draft") == {first}
    assert _references(client, "flt0_1=L2") == {second, third}
    assert _references(client, "flt0_2=mini_competition") == {second}
    assert _references(client, "flt0_2=cascade") == {first, third}
    assert _references(client, "flt0_3=nl") == {second}
    assert _references(client, "flt0_5=2027-03-05") == {second, third}
    assert _references(client, "flt0_6=2027-03-05") == {first, second}
    assert _references(client, "flt0_7=2027-02-01+to+2027-04-30") == {second}
    assert _references(client, "flt0_1=L1&flt1_3=fr") == {first, third}


def test_delete_removes_the_briefing(client, store, make, request_record):
    briefing = make.briefing(request=request_record["reference"])

    response = client.form_post(
        "/admin/briefings/delete/", {"id": str(briefing["_id"])}, form_url="/admin/briefings/"
    )

    assert response.status_code == 302
    assert store.count("briefings", {}) == 0
    assert cells(client.get("/admin/briefings/").get_data(as_text=True), "reference") == []
