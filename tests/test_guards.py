"""One guard per workflow action: the server refuses exactly where the page shows no button.

Every workflow action is posted in every status, on both engines, as a crafted form would
post it (with the CSRF token and the version of the page): where the details page offers
the action, the POST does it; where it does not, the POST is refused with a message and
nothing changes. Repeated and concurrent clicks do nothing twice.
"""
import datetime as dt
import threading

import pytest

from schemas.workflow import BRIEFING_FLOW, REQUEST_FLOW
from conftest import csrf_token
from test_workflow_requests import details_page, post_action, snapshot, stored

_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
FUTURE = (_NOW + dt.timedelta(days=30)).strftime("%Y-%m-%dT12:00")
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
TODAY = _NOW.date().isoformat()
AGORA, BABEL, CIVIC = "0123456749", "0417497106", "0200065765"
ELIGIBLE = {"decision": "eligible", "reason": "Commune bruxelloise"}


@pytest.fixture
def framework(make):
    """Lot L1 and three active providers party to it, in cascade order."""
    make.lot()
    for rank, (name, number) in enumerate((("Agora Participation scrl", AGORA), ("Babel Dialogue asbl", BABEL),
                                            ("Civic Lab srl", CIVIC)), start=1):
        make.provider(name=name, enterprise_number=number, lots=[{"lot": "L1", "rank": rank}],
                      contact={"email": f"contact@{name.split()[0].lower()}.example"})


def a_request(make, status):
    """A request in `status`, eligible (or not, once ineligible), for lot L1."""
    eligibility = {"decision": "ineligible", "reason": "Hors Région"} if status == "ineligible" else ELIGIBLE
    return make.request(status=status, eligibility=eligibility)


def a_briefing(make, status):
    """A briefing in `status` with everything that status needs; offers are in from `sent` on."""
    request = make.request(status="sent", eligibility=ELIGIBLE)
    out = status not in ("draft", "ready")
    doc = {
        "request": request["reference"], "status": status, "objectives": "Associer les riverains.",
        "deliverables": "Un rapport.", "budget_max": "20000", "award_route": "cascade",
        "offer_deadline": PAST if status in ("offers_received", "awarded", "closed", "cancelled") else FUTURE,
        "invitations": [
            {"provider": AGORA, "lot": "L1", "response": "offer", "offer_amount": "15000", "sent_on": TODAY} if out
            else {"provider": AGORA, "lot": "L1"},
            {"provider": BABEL, "lot": "L1", "response": "pending"} | ({"sent_on": TODAY} if out else {}),
        ],
    }
    if status in ("awarded", "closed"):
        doc["awards"] = [{"lot": "L1", "outcome": "awarded", "provider": AGORA, "amount": "15000", "awarded_on": TODAY}]
    return make.briefing(**doc)


REQUEST_ACTIONS = {f"move-{to}": ("move", {"to": to, "comment": "Vu en réunion"}) for to in REQUEST_FLOW} | {
    "eligibility": ("eligibility", {"decision": "eligible", "reason": "Commune bruxelloise"}),
    "briefing": ("briefing", {}),
    # Without an open briefing the combined withdrawal has no place: a plain withdrawal does it.
    "withdraw": ("withdraw", {"reason": "Projet abandonné", "briefing": "BRF-2026-0001@1"}),
}
BRIEFING_ACTIONS = {f"move-{to}": ("move", {"to": to, "comment": "Vu en réunion"}) for to in BRIEFING_FLOW} | {
    "invite": ("invite", {"invite": f"{CIVIC}|L1"}),
    "respond": ("respond", {"index": "1", "response": "offer", "offer_amount": "100000"}),
    "award": ("award", {"lot": "L1", "provider": AGORA, "amount": ""}),
    "close-lot": ("close-lot", {"lot": "L1", "reason": "Aucune offre acceptable"}),
}


def offered(page, collection, action, fields):
    """Does the details page offer this action (its button, with this target for a move)?"""
    if action == "move":
        return f'name="to" value="{fields["to"]}"' in page
    return f'action="/admin/{collection}/{action}/"' in page


def check_matrix(client, store, collection, record, actions):
    """Post every action on a fresh record each; return the actions done and check the refusals changed nothing."""
    done = []
    for name, (action, fields) in actions.items():
        doc = record()
        page = details_page(client, collection, doc)
        shown = offered(page, collection, action, fields)
        before = snapshot(store, collection, doc)

        outcome = post_action(client, collection, action, doc, **fields)

        if shown:
            assert outcome.errors == [] and outcome.successes, (doc["status"], name, outcome.messages)
            assert stored(store, collection, doc)["version"] > doc["version"], (doc["status"], name)
            done.append(name)
        else:
            assert outcome.errors and not outcome.successes, (doc["status"], name, outcome.messages)
            assert snapshot(store, collection, doc) == before, (doc["status"], name)
    return done


@pytest.mark.parametrize("status", list(REQUEST_FLOW))
def test_request_actions_are_refused_exactly_where_the_page_shows_no_button(client, store, make, framework, status):
    done = check_matrix(client, store, "requests", lambda: a_request(make, status), REQUEST_ACTIONS)

    # The table's plain moves are all offered, and the actions at their step.
    expected = {
        "received": {"move-under_review", "move-withdrawn", "move-on_hold", "eligibility"},
        "under_review": {"move-withdrawn", "move-on_hold", "eligibility", "briefing"},
        "briefing": {"move-withdrawn", "move-on_hold"},
        "sent": {"move-withdrawn", "move-on_hold"},
        "awarded": {"move-in_progress", "move-on_hold"},
        "in_progress": {"move-closed", "move-on_hold"},
        "on_hold": {"move-withdrawn"},
    }.get(status, set())
    assert set(done) == expected


@pytest.mark.parametrize("status", list(REQUEST_FLOW))
def test_the_combined_withdrawal_is_refused_exactly_where_the_page_does_not_offer_it(client, store, make, framework, status):
    request = a_request(make, status)
    briefing = make.briefing(request=request["reference"], status="ready", objectives="Associer les riverains.",
                             deliverables="Un rapport.", offer_deadline=FUTURE, invitations=[{"provider": AGORA, "lot": "L1"}])
    page = details_page(client, "requests", request)
    shown = offered(page, "requests", "withdraw", {})
    before = snapshot(store, "requests", request), snapshot(store, "briefings", briefing)

    outcome = post_action(client, "requests", "withdraw", request, reason="Projet abandonné",
                          briefing=f"{briefing['reference']}@{briefing['version']}")

    # Offered wherever a plain withdrawal exists, since the open briefing blocks it.
    assert shown == (status in ("received", "under_review", "briefing", "sent", "on_hold"))
    if shown:
        assert outcome.errors == [] and outcome.successes, outcome.messages
        assert (stored(store, "requests", request)["status"], stored(store, "briefings", briefing)["status"]) == (
            "withdrawn", "cancelled")
    else:
        assert outcome.errors and not outcome.successes
        assert (snapshot(store, "requests", request), snapshot(store, "briefings", briefing)) == before


@pytest.mark.parametrize("status", list(BRIEFING_FLOW))
def test_briefing_actions_are_refused_exactly_where_the_page_shows_no_button(client, store, make, framework, status):
    done = check_matrix(client, store, "briefings", lambda: a_briefing(make, status), BRIEFING_ACTIONS)

    expected = {
        "draft": {"move-ready", "move-cancelled", "invite"},
        "ready": {"move-sent", "move-draft", "move-cancelled", "invite"},
        "sent": {"move-offers_received", "move-cancelled", "invite", "respond", "close-lot"},
        "offers_received": {"move-cancelled", "invite", "respond", "award", "close-lot"},
        "awarded": {"move-closed"},
    }.get(status, set())
    assert set(done) == expected


def test_an_offer_posted_on_a_draft_briefing_is_refused(client, store, make, framework):
    briefing = a_briefing(make, "draft")
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "respond", briefing, index="0", response="offer", offer_amount="100000")

    assert outcome.errors == ["Responses are recorded once the briefing is sent; it is “Draft”."]
    assert snapshot(store, "briefings", briefing) == before


def test_a_repeated_click_does_nothing_twice(client, store, make, framework):
    briefing = a_briefing(make, "offers_received")
    page_version = str(briefing["version"])

    first = post_action(client, "briefings", "close-lot", briefing, version=page_version, lot="L1", reason="Hors budget")
    second = post_action(client, "briefings", "close-lot", briefing, version=page_version, lot="L1", reason="Hors budget")

    assert first.successes == ["The lot was closed without award."]
    assert second.errors and not second.successes
    assert len(stored(store, "briefings", briefing)["awards"]) == 1


def test_six_concurrent_write_the_briefing_posts_create_one_briefing(app, client, store, make, framework):
    request = a_request(make, "under_review")
    page = details_page(client, "requests", request)

    form = {"id": str(request["_id"]), "version": str(request["version"]), "csrf_token": csrf_token(page)}
    session = client.get_cookie("session").value
    clients = []
    for _index in range(6):
        other = app.test_client()
        other.set_cookie("session", session)
        clients.append(other)
    start, answers = threading.Barrier(6), []

    def click(browser):
        start.wait()
        answers.append(browser.post("/admin/requests/briefing/", data=form).status_code)

    threads = [threading.Thread(target=click, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [302] * 6
    briefings = list(store.find("briefings", {"request": request["reference"]}))
    assert len(briefings) == 1
    after = stored(store, "requests", request)
    assert after["status"] == "briefing"
    assert [entry["to"] for entry in after["status_history"]] == ["briefing"]
    assert after["status_history"][0]["comment"] == briefings[0]["reference"]
