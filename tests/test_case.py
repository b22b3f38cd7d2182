"""A case followed by clicking: links between request, briefings, providers, lots and audit rows;
a history that logs only real changes; the staff work queue; requests not closed under an open briefing.
"""
import datetime as dt
import re

import pytest

from backoffice import audit, records
from backoffice.store.app import get_store
from test_workflow_requests import details_page, post_action, snapshot, stored

_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
SOON = (_NOW + dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
TODAY = _NOW.date().isoformat()
AGORA, BABEL = "0123456749", "0417497106"


@pytest.fixture
def case(make):
    """A request for L1 and L2 whose briefing awarded L1 to Agora; L2 is still open with Babel's offer."""
    make.lot()
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")
    make.provider(name="Agora Participation scrl", enterprise_number=AGORA, lots=[{"lot": "L1", "rank": 1}, {"lot": "L2", "rank": 1}])
    make.provider(name="Babel Dialogue asbl", enterprise_number=BABEL, lots=[{"lot": "L2", "rank": 2}],
                  contact={"email": "contact@babel.example"})
    request = make.request(status="sent", lots=["L1", "L2"], eligibility={"decision": "eligible", "reason": "Commune"})
    briefing = make.briefing(
        request=request["reference"], lots=["L1", "L2"], status="offers_received", offer_deadline=PAST,
        objectives="Associer.", deliverables="Un rapport.", award_route="mini_competition",
        award_criteria=[{"name": "Qualité", "weight": 100}],
        invitations=[
            {"provider": AGORA, "lot": "L1", "sent_on": TODAY, "response": "offer", "offer_amount": "12000", "score": 80},
            {"provider": BABEL, "lot": "L2", "sent_on": TODAY, "response": "offer", "offer_amount": "8000", "score": 70},
        ],
        awards=[{"lot": "L1", "outcome": "awarded", "provider": AGORA, "amount": "12000", "awarded_on": TODAY}],
    )
    return request, briefing


def links(page):
    """The record links of a page: (collection, key or id)."""
    return set(re.findall(r'href="/admin/(\w+)/(?:key/\?key=|details/\?id=)([^"&]+)"', page))


def test_a_request_links_its_briefings_with_their_lots_and_awards(client, case):
    request, briefing = case

    page = details_page(client, "requests", request)

    assert {("briefings", briefing["reference"]), ("lots", "L1"), ("lots", "L2"), ("providers", AGORA)} <= links(page)
    table = page[page.index('class="table table-sm case-briefings"'):]
    row = " ".join(re.sub(r"<[^>]+>", " ", table[: table.index("</table>")]).split())
    assert "Offers received" in row
    assert "awarded to Agora Participation scrl (€12,000.00)" in row
    assert "L2 — Conception : not decided yet" in row


def test_a_briefing_links_its_request_providers_and_lots(client, case):
    request, briefing = case

    page = details_page(client, "briefings", briefing)

    assert {("requests", request["reference"]), ("providers", AGORA), ("providers", BABEL),
            ("lots", "L1"), ("lots", "L2")} <= links(page)
    # A link by key opens the record's details page; an unknown key is a 404, not a list.
    opened = client.get(f"/admin/requests/key/?key={request['reference']}")
    assert opened.status_code == 302 and opened.location.endswith(f"/admin/requests/details/?id={request['_id']}")
    assert client.get("/admin/requests/key/?key=REQ-1999-9999").status_code == 404


def test_a_provider_page_lists_its_invitations_offers_and_awards(client, store, case):
    _request, briefing = case
    agora = store.find_one("providers", {"enterprise_number": AGORA})

    page = details_page(client, "providers", agora)

    assert {("briefings", briefing["reference"]), ("lots", "L1")} <= links(page)
    totals = page[page.index('class="table table-sm provider-totals"'):]
    cells = " ".join(re.sub(r"<[^>]+>", " ", totals[: totals.index("</table>")]).split())
    assert "This year 1 1 1 €12,000.00" in cells and "All years 1 1 1 €12,000.00" in cells
    assert "Awarded to this provider on" in page


def test_audit_rows_link_to_their_record(client_as, case):
    request, briefing = case
    admin = client_as("admin")

    page = admin.get("/admin/audit/").get_data(as_text=True)

    assert ("requests", str(request["_id"])) in links(page)
    assert ("briefings", str(briefing["_id"])) in links(page)


@pytest.mark.parametrize(("field", "before", "after"), [
    ("description", "Première ligne\nSeconde ligne", "Première ligne\r\nSeconde ligne"),
    ("themes", ["mobility", "youth"], ["youth", "mobility"]),
], ids=["line-endings", "order"])
def test_no_history_entry_for_a_value_that_did_not_change(app, store, make, field, before, after):
    make.lot()
    request = make.request(**{field: before})
    with app.test_request_context():
        records.update("requests", request, records.editable_data("requests", request) | {field: after},
                       "staff@perspective.example", request["version"])

    entries = [entry for entry in audit.history(get_store(app), "requests", request["_id"]) if entry["action"] != "create"]
    assert all(change["field"] != field for entry in entries for change in entry["changes"])


def test_a_request_is_not_withdrawn_under_an_open_briefing(client, store, case):
    request, briefing = case
    before = snapshot(store, "requests", request)

    page = details_page(client, "requests", request)
    outcome = post_action(client, "requests", "move", request, to="withdrawn", comment="Projet abandonné")

    assert 'name="to" value="withdrawn"' not in page
    message = (f"The briefing {briefing['reference']} is still “Offers received”: cancel or close it first, "
               f"then the request can become “Withdrawn”. Open the briefing {briefing['reference']}")
    assert outcome.errors == [message]
    assert snapshot(store, "requests", request) == before


def test_the_work_queue_lists_my_files_what_is_due_and_what_is_overdue(client, store, make, case):
    _request, briefing = case
    mine = make.request(assigned_to="staff@perspective.example", project_title="Mon dossier")
    make.request(assigned_to="someone@perspective.example", project_title="Pas le mien")
    soon = make.briefing(request=mine["reference"], status="sent", offer_deadline=SOON, objectives="A.", deliverables="B.",
                         invitations=[{"provider": AGORA, "lot": "L1", "sent_on": TODAY}])

    page = client.get("/admin/").get_data(as_text=True)

    def listed(kind):
        block = page[page.index(f'class="list-unstyled queue-{kind}"'):]
        return set(re.findall(r'href="/admin/\w+/details/\?id=(\w+)"', block[: block.index("</ul>")]))

    assert listed("mine") == {str(mine["_id"])}
    assert str(soon["_id"]) in listed("due")
    assert str(briefing["_id"]) in listed("overdue") and str(soon["_id"]) not in listed("overdue")


def test_assigned_to_is_chosen_among_the_active_staff_users(client, store, make_user, make):
    make.lot()
    make_user("staff", "lea@perspective.example")
    make_user("admin", "ali@perspective.example")
    make_user("manager", "max@perspective.example")
    gone = make_user("staff", "gone@perspective.example")
    store.update("users", gone["_id"], {"active": False})
    request = make.request(assigned_to="former@perspective.example")

    page = client.get(f"/admin/requests/edit/?id={request['_id']}").get_data(as_text=True)

    select = page[page.index('id="assigned_to"'):]
    offered = re.findall(r'<option[^>]*value="([^"]*)"', select[: select.index("</select>")])
    # Staff and administrators who may sign in; the person already in charge stays chosen.
    assert set(offered) == {"", "staff@perspective.example", "lea@perspective.example", "ali@perspective.example",
                            "former@perspective.example"}
    assert re.search(r'<option selected value="former@perspective.example">', select)


def test_a_response_form_is_prefilled_and_its_errors_sit_next_to_the_provider_and_field(client, store, case):
    _request, briefing = case
    page = details_page(client, "briefings", briefing)
    # What was recorded is shown again: correcting a score does not mean retyping the amount.
    assert re.search(r'id="amount-1" name="offer_amount" inputmode="decimal" value="8000.00"', page)

    outcome = post_action(client, "briefings", "respond", briefing, index="1", response="offer", offer_amount="8 500",
                          **{"score-0": "150"})

    assert outcome.errors == ["The response of Babel Dialogue asbl was not recorded: see the messages next to its fields."]
    form = outcome.page[outcome.page.index('id="response-1"'):]
    form = form[: form.index("</form>")]
    assert re.search(r'name="score-0"[^>]*value="150" aria-invalid="true" aria-describedby="score-1-0-error"', form)
    assert '<div class="invalid-feedback" id="score-1-0-error">Must be between 0 and 100.</div>' in form
    assert 'value="8 500"' in form  # what was typed is kept
    assert stored(store, "briefings", briefing)["invitations"][1]["offer_amount"] == 800000
    # Shown once: the next visit shows the form as recorded.
    assert "invalid-feedback" not in details_page(client, "briefings", briefing)


def test_related_lists_are_read_in_one_query_whatever_their_length(client, store, make, case, monkeypatch):
    request, _briefing = case
    agora = store.find_one("providers", {"enterprise_number": AGORA})
    original, reads = store.find, []

    def counted(name, *args, **kwargs):
        if name == "briefings":
            reads.append(args[0] if args else kwargs.get("filter"))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(store, "find", counted)

    def briefing_reads():
        reads.clear()
        details_page(client, "requests", request)
        details_page(client, "providers", agora)
        return len(reads)

    few = briefing_reads()
    assert few >= 2  # the request's briefings, the provider's invitations
    for _index in range(4):
        make.briefing(request=request["reference"], lots=["L1"], status="cancelled",
                      invitations=[{"provider": AGORA, "lot": "L1", "sent_on": TODAY, "response": "declined"}])
    assert briefing_reads() == few
