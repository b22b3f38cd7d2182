"""The request workflow through its buttons: status moves, eligibility, the briefing, and a full walk-through.

Every action is posted as its button does, with the version and CSRF token read from the
record's details page; the checks are what a staff member notices: the message on the page
after the redirect, the stored status, the status history and the audit trail.
The helpers here are shared with test_workflow_briefings.py.
"""
import datetime as dt
import re
from html import unescape

import pytest

from conftest import csrf_token
from schemas.workflow import ACTION_ONLY, NEEDS_COMMENT, REQUEST_FLOW

STAFF = "staff@perspective.example"
YEAR = dt.datetime.now(dt.timezone.utc).year
VERSION = re.compile(r'name="version" value="(\d+)"')
REQUEST_LABELS = {
    "received": "Received", "under_review": "Under review", "briefing": "Briefing in preparation",
    "sent": "Sent to providers", "awarded": "Awarded", "in_progress": "In progress", "closed": "Closed",
    "ineligible": "Ineligible", "withdrawn": "Withdrawn", "on_hold": "On hold",
}
STALE = "Someone else changed this record meanwhile; reload it and try again."
NEEDS_A_COMMENT = "Say why in the comment: it is kept in the record's history."


# Helpers shared with the briefing workflow tests --------------------------------------------

def text(html):
    """A page's HTML as the text a person reads (tags dropped, entities decoded, spaces squeezed)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def details_page(client, collection, doc):
    """The details page of a record, as HTML."""
    response = client.get(f"/admin/{collection}/details/?id={doc['_id']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


class Outcome:
    """What the user sees after posting a workflow form: the status code, where it led, and the messages there."""

    def __init__(self, client, response):
        self.status_code = response.status_code
        self.location = response.location
        self.page = ""
        if response.status_code == 302:
            self.page = client.get(response.location).get_data(as_text=True)

    @property
    def messages(self):
        """The flashed messages as (kind, text): kind is success or danger."""
        found = re.findall(r'<div class="alert alert-(\w+)[^"]*"[^>]*>(.*?)</div>', self.page, re.S)
        return [(kind, text(body).lstrip("× ").strip()) for kind, body in found]

    @property
    def errors(self):
        """The texts of the error messages."""
        return [message for kind, message in self.messages if kind == "danger"]

    @property
    def successes(self):
        """The texts of the success messages."""
        return [message for kind, message in self.messages if kind == "success"]


def post_action(client, collection, action, doc, version=None, **fields):
    """Post a workflow form of a record as its button does.

    The CSRF token and the version come from the record's details page; when the page
    offers no such form (the action is not offered to this person or at this step), the
    version is the one the caller read (`doc["version"]`), as a stale or hand-made form would send.
    """
    page = details_page(client, collection, doc)
    if version is None:
        shown = VERSION.search(page)
        version = shown.group(1) if shown else doc["version"]
    data = {"id": str(doc["_id"]), "version": str(version), "csrf_token": csrf_token(page)}
    data.update(fields)
    return Outcome(client, client.post(f"/admin/{collection}/{action}/", data=data))


def buttons(page):
    """The status moves a details page offers, as the `to` values of its move forms."""
    return re.findall(r'name="to" value="(\w+)"', page)


def status_history_rows(page):
    """The rows of the status history table on a details page, newest first: (when, who, from, to, comment)."""
    start = page.index("Status history</h2>")
    table = page[start: page.index("</table>", start)].split("<tbody>")[-1]
    return [
        tuple(text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def stored(store, collection, doc):
    """The record as it is stored now."""
    return store.find_one(collection, {"_id": doc["_id"]})


def audit_entries(store, collection, doc):
    """The audit entries about a record, oldest first."""
    return store.find("audit", {"collection": collection, "record": doc["_id"]}, sort=[("at", 1)])


def snapshot(store, collection, doc):
    """Everything a refused action must leave as it was: the record and its audit trail."""
    return stored(store, collection, doc), len(audit_entries(store, collection, doc))


def assert_history_entry(entry, frm, to, comment, by=STAFF):
    """One status history entry says who moved the record when, from where to where, and why."""
    assert (entry["by"], entry["from"], entry["to"], entry["comment"]) == (by, frm, to, comment)
    assert abs(entry["at"] - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)) < dt.timedelta(minutes=2)


def assert_status_audited(store, collection, doc, frm, to, by=STAFF):
    """The last audit entry about the record is the status change, by that person."""
    entry = audit_entries(store, collection, doc)[-1]
    assert (entry["action"], entry["actor"]) == ("status_change", by)
    assert {"field": "status", "before": frm, "after": to} in entry["changes"]


def refusal(labels, current, target):
    """The message refusing a move, naming both statuses."""
    return f"A record that is “{labels[current]}” cannot become “{labels[target]}”."


# Fixtures ---------------------------------------------------------------------------------

@pytest.fixture
def lot(make):
    return make.lot()


def eligible(**overrides):
    """A request under review whose requester was found eligible."""
    return dict({"status": "under_review", "eligibility": {"decision": "eligible", "reason": "Commune bruxelloise"}},
                **overrides)


# Status moves -----------------------------------------------------------------------------

REQUEST_PAIRS = [(current, target) for current in REQUEST_FLOW for target in REQUEST_FLOW]


def plain_moves(current):
    """The moves the table allows from `current` that a plain button may make."""
    return [to for to in REQUEST_FLOW[current] if to not in ACTION_ONLY["requests"]]


@pytest.mark.parametrize(("current", "target"), REQUEST_PAIRS, ids=[f"{a}-to-{b}" for a, b in REQUEST_PAIRS])
def test_request_move(client, store, make, lot, current, target):
    request = make.request(status=current)
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "move", request, to=target, comment="Vu avec la commune")

    after = stored(store, "requests", request)
    if target in plain_moves(current):
        assert outcome.successes == ["The status was changed."] and outcome.errors == []
        assert after["status"] == target
        assert after["version"] == 2
        [entry] = after["status_history"]
        assert_history_entry(entry, current, target, "Vu avec la commune")
        assert_status_audited(store, "requests", request, current, target)
        row = status_history_rows(outcome.page)[0]
        assert row[1:] == (STAFF, REQUEST_LABELS[current], REQUEST_LABELS[target], "Vu avec la commune")
    else:
        assert outcome.errors == [refusal(REQUEST_LABELS, current, target)]
        assert outcome.successes == []
        assert snapshot(store, "requests", request) == before


@pytest.mark.parametrize("current", list(REQUEST_FLOW))
def test_the_details_page_offers_exactly_the_plain_moves(client, make, lot, current):
    request = make.request(status=current)

    assert buttons(details_page(client, "requests", request)) == plain_moves(current)


@pytest.mark.parametrize("target", sorted(ACTION_ONLY["requests"]))
def test_action_only_statuses_are_never_reached_by_a_plain_move(client, store, make, lot, target):
    # From the status just before it in the table, where the move itself exists.
    current = next(status for status, following in REQUEST_FLOW.items() if target in following)
    request = make.request(**eligible(status=current))
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "move", request, to=target, comment="Raccourci")

    assert outcome.errors == [refusal(REQUEST_LABELS, current, target)]
    assert snapshot(store, "requests", request) == before


@pytest.mark.parametrize("target", sorted(NEEDS_COMMENT["requests"] - ACTION_ONLY["requests"]))
@pytest.mark.parametrize("comment", ["", "   "], ids=["empty", "blank"])
def test_side_exits_need_a_comment(client, store, make, lot, target, comment):
    request = make.request(status="received")
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "move", request, to=target, comment=comment)

    assert outcome.errors == [NEEDS_A_COMMENT]
    assert snapshot(store, "requests", request) == before


def test_not_eligible_is_offered_once_by_the_eligibility_control_not_as_a_status_button(client, store, make, lot):
    request = make.request(status="received")
    page = details_page(client, "requests", request)
    assert "ineligible" not in buttons(page)
    assert page.count('value="ineligible"') == 1  # the eligibility control's option

    post_action(client, "requests", "eligibility", request, decision="ineligible", reason="Organisation hors Région")

    after = stored(store, "requests", request)
    assert after["status"] == "ineligible"
    assert after["eligibility"] == {"decision": "ineligible", "reason": "Organisation hors Région"}


@pytest.mark.parametrize("held", ["received", "under_review", "briefing", "sent", "awarded", "in_progress"])
def test_back_from_on_hold_returns_to_the_status_held_before(client, store, make, lot, held):
    request = make.request(**eligible(status=held))
    post_action(client, "requests", "move", request, to="on_hold", comment="Budget gelé")
    page = details_page(client, "requests", request)
    assert buttons(page) == [held, "withdrawn"]
    assert f"Move to “{REQUEST_LABELS[held]}”" in unescape(page)

    outcome = post_action(client, "requests", "move", request, to=held, comment="Budget débloqué")

    assert outcome.successes == ["The status was changed."]
    after = stored(store, "requests", request)
    assert after["status"] == held
    assert_history_entry(after["status_history"][-1], "on_hold", held, "Budget débloqué")
    assert [row[2:] for row in status_history_rows(outcome.page)] == [
        ("On hold", REQUEST_LABELS[held], "Budget débloqué"),
        (REQUEST_LABELS[held], "On hold", "Budget gelé"),
    ]


def test_from_on_hold_no_other_status_than_the_one_held_before(client, store, make, lot):
    request = make.request(status="under_review")
    post_action(client, "requests", "move", request, to="on_hold", comment="Budget gelé")
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "move", request, to="received", comment="Retour")

    assert outcome.errors == [refusal(REQUEST_LABELS, "on_hold", "received")]
    assert snapshot(store, "requests", request) == before


# Eligibility ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["received", "under_review"])
def test_eligible_decision_is_stored_with_its_reason(client, store, make, lot, status):
    request = make.request(status=status)

    outcome = post_action(client, "requests", "eligibility", request, decision="eligible",
                          reason="Administration communale bruxelloise")

    assert outcome.successes == ["The eligibility decision was recorded."]
    after = stored(store, "requests", request)
    assert after["eligibility"] == {"decision": "eligible", "reason": "Administration communale bruxelloise"}
    # The one eligibility control moves the status too: a received request goes under review.
    assert after["status"] == "under_review"
    entry = audit_entries(store, "requests", request)[-1]
    assert (entry["action"], entry["actor"]) == ("update" if status == "under_review" else "status_change", STAFF)
    assert {"field": "eligibility.decision", "before": None, "after": "eligible"} in entry["changes"]


def test_ineligible_decision_closes_the_request_with_its_reason(client, store, make, lot):
    request = make.request(status="under_review")

    outcome = post_action(client, "requests", "eligibility", request, decision="ineligible",
                          reason="Entreprise privée sans mission d'intérêt régional")

    assert outcome.successes == ["The eligibility decision was recorded."]
    after = stored(store, "requests", request)
    assert after["status"] == "ineligible"
    assert after["eligibility"] == {"decision": "ineligible", "reason": "Entreprise privée sans mission d'intérêt régional"}
    assert_history_entry(after["status_history"][-1], "under_review", "ineligible",
                         "Entreprise privée sans mission d'intérêt régional")
    assert_status_audited(store, "requests", request, "under_review", "ineligible")


def test_ineligible_decision_without_a_reason_is_refused(client, store, make, lot):
    request = make.request(status="under_review")
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "eligibility", request, decision="ineligible", reason="  ")

    assert len(outcome.errors) == 1
    assert snapshot(store, "requests", request) == before


@pytest.mark.parametrize("status", ["briefing", "sent", "closed"])
def test_eligibility_is_not_decided_once_the_review_is_over(client, store, make, lot, status):
    request = make.request(**eligible(status=status))
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "eligibility", request, decision="ineligible", reason="Trop tard")

    label = {"briefing": "Briefing in preparation", "sent": "Sent to providers", "closed": "Closed"}[status]
    assert outcome.errors == [f"Eligibility is decided while the request is received or under review; it is “{label}”."]
    assert snapshot(store, "requests", request) == before


# The briefing written from a request -------------------------------------------------------

@pytest.mark.parametrize(("requester", "briefing"), [("en", "fr"), ("fr", "fr"), ("nl", "nl")])
def test_a_briefing_is_prefilled_from_the_request(client, store, make, lot, requester, briefing):
    make.lot(code="L4", name_fr="Communication", name_nl="Communicatie")
    request = make.request(**eligible(
        lots=["L1", "L4"], contact={"language": requester}, estimated_budget="25000,50",
        project_title="Réaménagement de l'École du Parc", description="Associer les riverains et les élèves.",
    ))

    outcome = post_action(client, "requests", "briefing", request)

    created = store.find_one("briefings", {})
    assert outcome.location.endswith(f"/admin/briefings/edit/?id={created['_id']}")
    assert outcome.successes == ["A draft briefing was created from the request."]
    assert created["reference"] in unescape(outcome.page)
    assert created["request"] == request["reference"]
    assert created["lots"] == ["L1", "L4"]
    assert created["language"] == briefing
    assert created["budget_max"] == 2500050
    assert created["context"] == "Réaménagement de l'École du Parc\n\nAssocier les riverains et les élèves."
    assert created["status"] == "draft"
    after = stored(store, "requests", request)
    assert after["status"] == "briefing"
    assert_history_entry(after["status_history"][-1], "under_review", "briefing", created["reference"])
    assert_status_audited(store, "requests", request, "under_review", "briefing")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"status": "received", "eligibility": {"decision": "eligible", "reason": "Commune"}},
     "A briefing is written for a request under review; this one is “Received”."),
    ({"status": "under_review"},
     "Only an eligible request goes on to a briefing: record the eligibility decision first."),
    ({"status": "under_review", "eligibility": {"decision": "pending"}},
     "Only an eligible request goes on to a briefing: record the eligibility decision first."),
    ({"status": "on_hold", "eligibility": {"decision": "eligible", "reason": "Commune"}},
     "A briefing is written for a request under review; this one is “On hold”."),
    ({"status": "under_review", "lots": [], "eligibility": {"decision": "eligible", "reason": "Commune"}},
     "The request names no lot yet: add the lots to the request first. Add the lots"),
], ids=["received", "not-decided", "pending", "on-hold", "no-lots"])
def test_only_an_eligible_request_under_review_gets_a_briefing(client, store, make, lot, overrides, message):
    request = make.request(**overrides)
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", "briefing", request)

    assert outcome.errors == [message]
    assert store.count("briefings", {}) == 0
    assert snapshot(store, "requests", request) == before


# Stale pages and roles --------------------------------------------------------------------

REQUEST_ACTIONS = {
    "move": {"to": "on_hold", "comment": "Budget gelé"},
    "eligibility": {"decision": "eligible", "reason": "Commune bruxelloise"},
    "briefing": {},
}


@pytest.mark.parametrize("action", list(REQUEST_ACTIONS))
def test_an_action_from_a_stale_page_changes_nothing(client, client_as, store, make, lot, action):
    request = make.request(**eligible())
    old_version = VERSION.search(details_page(client, "requests", request)).group(1)
    # Meanwhile a colleague records a decision: the version moves on.
    colleague = client_as("staff", "colleague@perspective.example")
    post_action(colleague, "requests", "eligibility", request, decision="eligible", reason="Vérifié")
    before = snapshot(store, "requests", request)

    outcome = post_action(client, "requests", action, request, version=old_version, **REQUEST_ACTIONS[action])

    assert outcome.errors == [STALE]
    assert snapshot(store, "requests", request) == before
    assert store.count("briefings", {}) == 0


@pytest.mark.parametrize("action", list(REQUEST_ACTIONS))
def test_a_manager_cannot_act_on_a_request(client_as, store, make, lot, action):
    request = make.request(**eligible())
    before = snapshot(store, "requests", request)
    manager = client_as("manager")
    assert buttons(details_page(manager, "requests", request)) == []

    outcome = post_action(manager, "requests", action, request, **REQUEST_ACTIONS[action])

    assert outcome.status_code == 403
    assert snapshot(store, "requests", request) == before
    assert store.count("briefings", {}) == 0


# A request from received to closed, entirely through the buttons --------------------------------

def _checked_invitations(page):
    """The `invite` values of the providers ticked among the proposals."""
    return re.findall(r'<input type="checkbox" name="invite" value="([^"]+)"[^>]* checked', page)


def test_a_request_goes_from_received_to_closed_through_the_buttons(client, store, make, lot):
    agora = make.provider()
    babel = make.provider(name="Babel Dialogue asbl", enterprise_number="0417.497.106",
                          lots=[{"lot": "L1", "rank": 2}])
    request = make.request(contact={"language": "nl"}, estimated_budget="30000")

    def act(collection, doc, action, message="The status was changed.", **fields):
        outcome = post_action(client, collection, action, doc, **fields)
        assert outcome.errors == [] and outcome.successes == [message]
        return outcome

    act("requests", request, "move", to="under_review")
    act("requests", request, "eligibility", "The eligibility decision was recorded.",
        decision="eligible", reason="Administration communale")
    outcome = act("requests", request, "briefing", "A draft briefing was created from the request.")
    briefing = store.find_one("briefings", {})
    assert briefing["language"] == "nl"

    # The staff member completes the draft in its edit form.
    deadline = dt.datetime.now() + dt.timedelta(days=14)
    edit = {
        "request": request["reference"], "lots": ["L1"], "language": "nl", "context": briefing["context"],
        "objectives": "De bewoners betrekken.", "target_audiences": "Bewoners", "deliverables": "Een verslag.",
        "budget_max": "30000", "offer_deadline": deadline.strftime("%Y-%m-%dT12:00"),
        "award_route": "mini_competition",
        "award_criteria-0-name": "Prijs", "award_criteria-0-weight": "40",
        "award_criteria-1-name": "Methode", "award_criteria-1-weight": "60",
        "version": str(briefing["version"]),
    }
    edited = client.post(outcome.location, data=dict(edit, csrf_token=csrf_token(outcome.page)))
    assert edited.status_code == 302
    assert stored(store, "briefings", briefing)["objectives"] == "De bewoners betrekken."

    ticked = _checked_invitations(details_page(client, "briefings", briefing))
    assert ticked == [f"{agora['enterprise_number']}|L1", f"{babel['enterprise_number']}|L1"]
    act("briefings", briefing, "invite", "The providers were invited.", invite=ticked)
    act("briefings", briefing, "move", to="ready")
    act("briefings", briefing, "move", to="sent")
    assert stored(store, "requests", request)["status"] == "sent"

    act("briefings", briefing, "respond", "The response was recorded.",
        index="0", response="offer", offer_amount="28 000", **{"score-0": "70", "score-1": "90"})
    act("briefings", briefing, "respond", "The response was recorded.", index="1", response="declined")
    act("briefings", briefing, "move", to="offers_received")

    # Two weeks pass: the offer deadline is behind us when the award is made.
    store.update("briefings", briefing["_id"], {"offer_deadline": dt.datetime.now() - dt.timedelta(days=1)})
    act("briefings", briefing, "award", "The lot was awarded.", lot="L1", provider=agora["enterprise_number"], amount="28 000")

    awarded = stored(store, "briefings", briefing)
    assert (awarded["status"], awarded["awards"][0]["provider"], awarded["awards"][0]["amount"]) == ("awarded", "0123456749", 2800000)
    assert stored(store, "requests", request)["status"] == "awarded"

    act("requests", request, "move", to="in_progress")
    outcome = act("requests", request, "move", to="closed")

    after = stored(store, "requests", request)
    assert after["status"] == "closed"
    assert [(entry["from"], entry["to"]) for entry in after["status_history"]] == [
        ("received", "under_review"), ("under_review", "briefing"), ("briefing", "sent"),
        ("sent", "awarded"), ("awarded", "in_progress"), ("in_progress", "closed"),
    ]
    assert all(entry["by"] == STAFF for entry in after["status_history"])
    assert [row[3] for row in status_history_rows(outcome.page)] == [
        "Closed", "In progress", "Awarded", "Sent to providers", "Briefing in preparation", "Under review",
    ]
    assert [(entry["from"], entry["to"]) for entry in awarded["status_history"]] == [
        ("draft", "ready"), ("ready", "sent"), ("sent", "offers_received"), ("offers_received", "awarded"),
    ]
