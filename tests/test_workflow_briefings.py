"""The briefing workflow through its buttons: status moves, invitations, responses, award and the printed briefing.

Actions are posted as their buttons do (version and CSRF token read from the details page,
with the helpers of test_workflow_requests.py); the checks are what a staff member notices.
"""
import datetime as dt
import re
from html import unescape

import pytest

from backoffice import records
from schemas.workflow import ACTION_ONLY, BRIEFING_FLOW, NEEDS_COMMENT
from test_workflow_requests import (
    STAFF,
    STALE,
    VERSION,
    assert_history_entry,
    assert_status_audited,
    audit_entries,
    buttons,
    details_page,
    post_action,
    refusal,
    snapshot,
    stored,
    text,
)

YEAR = dt.datetime.now(dt.timezone.utc).year
_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
TODAY = dt.datetime(_NOW.year, _NOW.month, _NOW.day)
TODAY_TEXT = TODAY.date().isoformat()
# Offer deadlines as typed in Brussels time: well ahead, or already passed.
FUTURE = (_NOW + dt.timedelta(days=30)).strftime("%Y-%m-%dT12:00")
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
BRIEFING_LABELS = {
    "draft": "Draft", "ready": "Ready", "sent": "Sent", "offers_received": "Offers received",
    "awarded": "Awarded", "closed": "Closed", "cancelled": "Cancelled",
}
CRITERIA = [{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}]

AGORA, BABEL, CIVIC = "0123456749", "0417497106", "0200065765"
DORMANT, GONE, LOTUS = "0300000016", "0400000086", "0500000059"


@pytest.fixture
def framework(make):
    """Lots L1 and L2; three active providers of L1 in cascade order, a suspended and a departed one, one of L2 only."""
    make.lot()
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen")

    def provider(name, number, lots, **overrides):
        make.provider(name=name, enterprise_number=number, lots=lots,
                      contact={"email": f"contact@{name.split()[0].lower()}.example"}, **overrides)

    # The suspended provider ranks first: it must still not be proposed.
    provider("Dormant Conseil sa", DORMANT, [{"lot": "L1", "rank": 1}], status="suspended")
    provider("Agora Participation scrl", AGORA, [{"lot": "L1", "rank": 2}])
    provider("Babel Dialogue asbl", BABEL, [{"lot": "L1", "rank": 3}])
    provider("Civic Lab srl", CIVIC, [{"lot": "L1", "rank": 4}])
    provider("Exit Studio sprl", GONE, [{"lot": "L1", "rank": 5}], status="left")
    provider("Lotus Média sc", LOTUS, [{"lot": "L2", "rank": 1}])


@pytest.fixture
def request_record(make, framework):
    """A request whose briefing is being written."""
    return make.request(status="briefing")


def invitation(provider, response=None, amount=None, sent_on=TODAY_TEXT, lot="L1"):
    """One invitation line; an offer carries its amount."""
    line = {"provider": provider, "lot": lot}
    if sent_on:
        line["sent_on"] = sent_on
    if response:
        line["response"] = response
    if amount:
        line["offer_amount"] = amount
    return line


def complete(request, status, **overrides):
    """A briefing with everything its status needs, as the factory stores history."""
    sent = status not in ("draft", "ready")
    doc = {
        "request": request["reference"], "status": status, "objectives": "Associer les riverains.",
        "target_audiences": "Riverains, parents, élèves", "deliverables": "Un rapport de consultation.",
        "budget_max": "20000", "offer_deadline": FUTURE, "award_route": "cascade",
        "invitations": [invitation(AGORA, "offer", "15000") if sent else invitation(AGORA, sent_on=None)],
    }
    if status in ("awarded", "closed"):
        doc |= {"offer_deadline": PAST, "awards": [award_entry(AGORA, "15000", TODAY_TEXT)]}
    return doc | overrides


def award_entry(provider, amount, awarded_on, lot="L1", **extra):
    """One lot's award as stored."""
    return {"lot": lot, "outcome": "awarded", "provider": provider, "amount": amount, "awarded_on": awarded_on} | extra


def mini_competition(request, status, **overrides):
    """A complete mini-competition with its announced criteria."""
    return complete(request, status, award_route="mini_competition", award_criteria=CRITERIA, **overrides)


# Status moves -----------------------------------------------------------------------------

BRIEFING_PAIRS = [(current, target) for current in BRIEFING_FLOW for target in BRIEFING_FLOW]


def plain_moves(current):
    """The moves the table allows from `current` that a plain button may make."""
    return [to for to in BRIEFING_FLOW[current] if to not in ACTION_ONLY["briefings"]]


@pytest.mark.parametrize(("current", "target"), BRIEFING_PAIRS, ids=[f"{a}-to-{b}" for a, b in BRIEFING_PAIRS])
def test_briefing_move(client, store, make, request_record, current, target):
    briefing = make.briefing(**complete(request_record, current))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to=target, comment="Vu en réunion")

    if target in plain_moves(current):
        assert outcome.successes == ["The status was changed."] and outcome.errors == []
        after = stored(store, "briefings", briefing)
        assert after["status"] == target
        [entry] = after["status_history"]
        assert_history_entry(entry, current, target, "Vu en réunion")
        assert_status_audited(store, "briefings", briefing, current, target)
    else:
        assert outcome.errors == [refusal(BRIEFING_LABELS, current, target)]
        assert snapshot(store, "briefings", briefing) == before


@pytest.mark.parametrize("current", list(BRIEFING_FLOW))
def test_the_details_page_offers_exactly_the_plain_moves(client, make, request_record, current):
    briefing = make.briefing(**complete(request_record, current))

    assert buttons(details_page(client, "briefings", briefing)) == plain_moves(current)


@pytest.mark.parametrize("comment", ["", "  "], ids=["empty", "blank"])
def test_cancelling_needs_a_comment(client, store, make, request_record, comment):
    assert NEEDS_COMMENT["briefings"] == {"cancelled"}
    briefing = make.briefing(**complete(request_record, "ready"))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to="cancelled", comment=comment)

    assert outcome.errors == ["Say why in the comment: it is kept in the record's history."]
    assert snapshot(store, "briefings", briefing) == before


@pytest.mark.parametrize(("missing", "named"), [
    (("budget_max", "offer_deadline", "objectives", "deliverables"),
     "maximum budget, offer deadline, objectives, deliverables"),
    (("budget_max",), "maximum budget"),
    (("offer_deadline",), "offer deadline"),
    (("objectives", "deliverables"), "objectives, deliverables"),
], ids=["everything", "budget", "deadline", "texts"])
def test_a_briefing_is_ready_only_when_complete(client, app, store, request_record, missing, named):
    doc = {name: value for name, value in complete(request_record, "draft").items() if name not in missing}
    with app.test_request_context():
        # Stored through the schema like the factory does, without the factory's default budget.
        briefing = records.create("briefings", doc | {"lots": ["L1"], "language": "fr"}, "factory")
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to="ready")

    assert outcome.errors == [f"The briefing is not complete yet: {named}. Complete the briefing"]
    assert snapshot(store, "briefings", briefing) == before
    # The page offers no "Ready" button, and says why, with the link to the form that fixes it.
    page = details_page(client, "briefings", briefing)
    assert "ready" not in buttons(page)
    assert f"Ready : The briefing is not complete yet: {named}. Complete the briefing" in text(page)
    assert f'href="/admin/briefings/edit/?id={briefing["_id"]}"' in page


def test_a_briefing_is_not_sent_without_invitations(client, store, make, request_record):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[]))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to="sent")

    assert outcome.errors == ["Invite at least one provider before sending the briefing."]
    assert snapshot(store, "briefings", briefing) == before


def test_a_briefing_is_not_sent_once_its_offer_deadline_has_passed(client, store, make, request_record):
    # Stored as history: a deadline that passed while the briefing waited.
    briefing = make.briefing(**complete(request_record, "ready", offer_deadline=PAST))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to="sent")

    deadline = dt.datetime.strptime(PAST, "%Y-%m-%dT%H:%M")
    shown = f"{deadline.day} {deadline:%b} {deadline.year} 12:00"
    assert outcome.errors == [
        f"The offer deadline is {shown}, already past: set a later one before sending. Change the offer deadline"
    ]
    assert snapshot(store, "briefings", briefing) == before
    assert stored(store, "requests", request_record)["status"] == "briefing"


def test_sending_dates_the_invitations_today_and_moves_the_request(client, store, make, request_record):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[
        invitation(AGORA, sent_on=None), invitation(BABEL, sent_on=None),
    ]))

    outcome = post_action(client, "briefings", "move", briefing, to="sent")

    assert outcome.successes == ["The status was changed."]
    after = stored(store, "briefings", briefing)
    assert after["status"] == "sent"
    assert [(item["provider"], item["sent_on"], item["response"]) for item in after["invitations"]] == [
        (AGORA, TODAY, "pending"), (BABEL, TODAY, "pending"),
    ]
    request = stored(store, "requests", request_record)
    assert request["status"] == "sent"
    assert_history_entry(request["status_history"][-1], "briefing", "sent", briefing["reference"])
    assert_status_audited(store, "requests", request_record, "briefing", "sent")


def test_offers_are_received_only_once_one_is_recorded(client, store, make, request_record):
    briefing = make.briefing(**complete(request_record, "sent", invitations=[
        invitation(AGORA, "pending"), invitation(BABEL, "declined"),
    ]))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "move", briefing, to="offers_received")

    assert outcome.errors == ["No offer has been recorded yet."]
    assert snapshot(store, "briefings", briefing) == before


# Proposals to invite ----------------------------------------------------------------------

def proposal_lines(page):
    """The proposals a details page shows: (box, rank, name, invitations this year, awards this year, already invited).

    `box` is "ticked", "unticked", or "" when the provider is already invited.
    """
    start = page.index('id="proposals-title"')
    section = page[start: page.index("</section>", start)]
    lines = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if not cells:
            continue
        box = ("ticked" if " checked" in cells[0] else "unticked") if 'type="checkbox"' in cells[0] else ""
        lines.append((box, *(text(cell) for cell in cells[1:])))
    return lines


def ticked(page):
    """The `invite` values of the ticked proposals, as the form posts them."""
    return re.findall(r'<input type="checkbox" name="invite" value="([^"]+)"[^>]* checked', page)


def counts_this_year(store):
    """This year's invitations sent and awards per provider, counted from the stored briefings."""
    counts = {}
    for doc in store.find("briefings", {}):
        for item in doc.get("invitations", []):
            if item.get("sent_on") and item["sent_on"].year == YEAR:
                invited, awarded = counts.get(item["provider"], (0, 0))
                counts[item["provider"]] = (invited + 1, awarded)
        for award in doc.get("awards", []):
            if award["awarded_on"].year == YEAR:
                invited, awarded = counts.get(award["provider"], (0, 0))
                counts[award["provider"]] = (invited, awarded + 1)
    return counts


@pytest.fixture
def earlier_briefings(make, request_record):
    """Briefings of this year and the last, so that the counts per provider differ."""
    last = YEAR - 1
    make.briefing(**mini_competition(request_record, "sent", invitations=[
        invitation(AGORA, sent_on=f"{YEAR}-02-01"), invitation(BABEL, "declined", sent_on=f"{YEAR}-02-01"),
        invitation(CIVIC, sent_on=f"{last}-12-15"),
    ]))
    make.briefing(**complete(request_record, "awarded", offer_deadline=f"{last}-12-20T12:00", invitations=[
        invitation(BABEL, "offer", "10000", sent_on=f"{last}-12-01"), invitation(AGORA, "declined", sent_on=f"{last}-12-01"),
    ], awards=[award_entry(BABEL, "10000", f"{YEAR}-01-05")]))
    make.briefing(**complete(request_record, "closed", offer_deadline=f"{last}-06-20T12:00", invitations=[
        invitation(CIVIC, "offer", "9000", sent_on=f"{last}-06-01"),
    ], awards=[award_entry(CIVIC, "9000", f"{last}-07-01")]))


def test_cascade_proposes_the_first_provider_not_yet_asked(client, store, make, request_record, earlier_briefings):
    briefing = make.briefing(**complete(request_record, "draft", invitations=[]))
    counts = counts_this_year(store)
    assert counts == {AGORA: (1, 0), BABEL: (1, 1)}  # the data make the columns differ

    page = details_page(client, "briefings", briefing)

    assert proposal_lines(page) == [
        ("ticked", "2", "Agora Participation scrl", "1", "0", ""),
        ("unticked", "3", "Babel Dialogue asbl", "1", "1", ""),
        ("unticked", "4", "Civic Lab srl", "0", "0", ""),
    ]
    assert [line[3:5] for line in proposal_lines(page)] == [
        tuple(str(number) for number in counts.get(provider, (0, 0))) for provider in (AGORA, BABEL, CIVIC)
    ]
    assert "Dormant Conseil" not in page and "Exit Studio" not in page and "Lotus" not in page

    outcome = post_action(client, "briefings", "invite", briefing, invite=ticked(page))

    assert outcome.successes == ["The providers were invited."]
    assert stored(store, "briefings", briefing)["invitations"] == [{"provider": AGORA, "lot": "L1", "response": "pending"}]
    # While Agora has not answered, nobody else is proposed.
    assert [line[0] for line in proposal_lines(outcome.page)] == ["", "unticked", "unticked"]
    assert proposal_lines(outcome.page)[0][5] == "Awaiting response"

    post_action(client, "briefings", "move", briefing, to="ready")
    post_action(client, "briefings", "move", briefing, to="sent")
    outcome = post_action(client, "briefings", "respond", briefing, index="0", response="declined")

    assert outcome.successes == ["The response was recorded."]
    # Once the briefing is out, nothing is ticked: one click must not invite anyone by mistake.
    assert [line[0] for line in proposal_lines(outcome.page)] == ["", "unticked", "unticked"]
    assert proposal_lines(outcome.page)[0][5] == "Declined"
    assert ticked(outcome.page) == []
    # Invited once the briefing is out: the invitation is sent today, and counted.
    post_action(client, "briefings", "invite", briefing, invite=f"{BABEL}|L1")
    assert stored(store, "briefings", briefing)["invitations"][1] == {
        "provider": BABEL, "lot": "L1", "response": "pending", "sent_on": TODAY,
    }
    assert proposal_lines(details_page(client, "briefings", briefing))[1][3] == str(counts[BABEL][0] + 1)


def test_mini_competition_proposes_every_active_provider_of_the_lot(client, store, make, request_record,
                                                                   earlier_briefings):
    briefing = make.briefing(**mini_competition(request_record, "draft", invitations=[]))

    page = details_page(client, "briefings", briefing)

    counts = counts_this_year(store)
    assert proposal_lines(page) == [
        ("ticked", "2", "Agora Participation scrl", *map(str, counts.get(AGORA, (0, 0))), ""),
        ("ticked", "3", "Babel Dialogue asbl", *map(str, counts.get(BABEL, (0, 0))), ""),
        ("ticked", "4", "Civic Lab srl", *map(str, counts.get(CIVIC, (0, 0))), ""),
    ]
    assert ticked(page) == [f"{AGORA}|L1", f"{BABEL}|L1", f"{CIVIC}|L1"]

    post_action(client, "briefings", "invite", briefing, invite=ticked(page))

    assert [item["provider"] for item in stored(store, "briefings", briefing)["invitations"]] == [AGORA, BABEL, CIVIC]


@pytest.mark.parametrize("provider", [DORMANT, GONE])
def test_a_suspended_or_departed_provider_cannot_be_invited(client, store, make, request_record, provider):
    briefing = make.briefing(**mini_competition(request_record, "draft", invitations=[]))
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "invite", briefing, invite=f"{provider}|L1")

    assert outcome.errors == ["Only an active provider can be invited."]
    assert snapshot(store, "briefings", briefing) == before


# Responses --------------------------------------------------------------------------------

@pytest.fixture
def sent_briefing(make, request_record):
    """A mini-competition sent to Agora and Babel, both still to answer."""
    return make.briefing(**mini_competition(request_record, "sent", invitations=[
        invitation(AGORA, "pending"), invitation(BABEL, "pending"),
    ]))


def test_an_offer_is_stored_with_its_amount_and_scores(client, store, sent_briefing):
    outcome = post_action(client, "briefings", "respond", sent_briefing, index="0", response="offer",
                          offer_amount="18 500,50", **{"score-0": "77", "score-1": "91"})

    assert outcome.successes == ["The response was recorded."]
    line = stored(store, "briefings", sent_briefing)["invitations"][0]
    assert line["response"] == "offer"
    assert line["offer_amount"] == 1850050
    assert line["criterion_scores"] == [{"criterion": "Prix", "score": 77}, {"criterion": "Méthodologie", "score": 91}]
    # 40 % of 77 and 60 % of 91: 30.8 + 54.6 = 85.4.
    assert line["score"] == 85
    entry = audit_entries(store, "briefings", sent_briefing)[-1]
    assert (entry["action"], entry["actor"]) == ("update", STAFF)


def test_a_refusal_is_stored_without_an_amount(client, store, sent_briefing):
    outcome = post_action(client, "briefings", "respond", sent_briefing, index="1", response="declined", offer_amount="")

    assert outcome.successes == ["The response was recorded."]
    line = stored(store, "briefings", sent_briefing)["invitations"][1]
    assert line["response"] == "declined"
    assert "offer_amount" not in line and "score" not in line and "criterion_scores" not in line


def test_an_offer_without_its_amount_is_refused(client, store, sent_briefing):
    before = snapshot(store, "briefings", sent_briefing)

    outcome = post_action(client, "briefings", "respond", sent_briefing, index="0", response="offer", offer_amount="",
                          **{"score-0": "77", "score-1": "91"})

    assert outcome.errors == [
        "The response of Agora Participation scrl was not recorded: see the messages next to its fields."
    ]
    # The message sits next to the amount of Agora's row.
    assert '<div class="invalid-feedback" id="amount-0-error">An offer needs its amount.</div>' in outcome.page
    assert snapshot(store, "briefings", sent_briefing) == before


# Award ------------------------------------------------------------------------------------

def offers_received(make, request, route="mini_competition", **overrides):
    """A briefing whose offers are in and whose deadline has passed: Agora offered, Babel declined, Civic is silent."""
    shape = mini_competition if route == "mini_competition" else complete
    invitations = [invitation(AGORA, "offer", "15000"), invitation(BABEL, "declined"), invitation(CIVIC, "pending")]
    return make.briefing(**shape(request, "offers_received", **{"offer_deadline": PAST, "invitations": invitations}
                                 | overrides))


@pytest.fixture
def sent_request(make, framework):
    """A request whose briefing went out to the providers."""
    return make.request(status="sent")


def refuse_award(client, store, briefing, request, message, **fields):
    """Award with these fields; the refusal names `message` and nothing changes."""
    before = snapshot(store, "briefings", briefing), snapshot(store, "requests", request)

    outcome = post_action(client, "briefings", "award", briefing, **({"lot": "L1"} | fields))

    assert outcome.errors == [message]
    assert (snapshot(store, "briefings", briefing), snapshot(store, "requests", request)) == before


@pytest.mark.parametrize("route", ["mini_competition", "cascade"])
def test_nothing_is_awarded_before_the_offer_deadline(client, store, make, sent_request, route):
    briefing = offers_received(make, sent_request, route, offer_deadline=FUTURE)

    deadline = dt.datetime.strptime(FUTURE, "%Y-%m-%dT%H:%M")
    shown = f"{deadline.day} {deadline:%b} {deadline.year} 12:00"
    refuse_award(client, store, briefing, sent_request, f"The offer deadline is {shown}; awards open after it.",
                 provider=AGORA, amount="15000")


def test_a_provider_not_invited_is_not_awarded(client, store, make, sent_request):
    briefing = offers_received(make, sent_request)

    refuse_award(client, store, briefing, sent_request, "Lotus Média sc was not invited for the lot L1 — Mission globale de A à Z.",
                 provider=LOTUS, amount="15000")


@pytest.mark.parametrize("provider", [BABEL, CIVIC], ids=["declined", "silent"])
def test_a_provider_without_an_offer_is_not_awarded(client, store, make, sent_request, provider):
    briefing = offers_received(make, sent_request)

    name = {BABEL: "Babel Dialogue asbl", CIVIC: "Civic Lab srl"}[provider]
    refuse_award(client, store, briefing, sent_request, f"{name} made no offer on the lot L1 — Mission globale de A à Z.",
                 provider=provider, amount="15000")


def test_a_provider_no_longer_party_to_the_lot_is_not_awarded(client, store, make, app, sent_request):
    briefing = offers_received(make, sent_request)
    # After its offer, Agora's framework contract is narrowed to lot L2.
    agora = store.find_one("providers", {"enterprise_number": AGORA})
    with app.test_request_context():
        records.update("providers", agora, records.editable_data("providers", agora) | {"lots": [{"lot": "L2", "rank": 2}]},
                       "factory", agora["version"])

    refuse_award(client, store, briefing, sent_request, "Agora Participation scrl is no longer party to the lot L1 — Mission globale de A à Z.",
                 provider=AGORA, amount="15000")


def test_an_award_above_the_budget_needs_a_reason(client, store, make, sent_request):
    briefing = offers_received(make, sent_request)

    refuse_award(client, store, briefing, sent_request,
                 "The awarded amounts exceed the maximum budget: give the reason for the exception.",
                 provider=AGORA, amount="25000")

    outcome = post_action(client, "briefings", "award", briefing, lot="L1", provider=AGORA, amount="25000",
                          reason="Seule offre reçue, budget complété par la commune")

    assert outcome.successes == ["The lot was awarded."]
    after = stored(store, "briefings", briefing)
    assert (after["status"], after["awards"][0]["amount"]) == ("awarded", 2500000)
    assert after["awards"][0]["reason"] == "Seule offre reçue, budget complété par la commune"
    assert_history_entry(after["status_history"][-1], "offers_received", "awarded",
                         "Seule offre reçue, budget complété par la commune")


def test_cascade_awards_the_next_provider_only_after_the_better_ranked_one_declined(client, store, make,
                                                                                   sent_request):
    briefing = offers_received(make, sent_request, "cascade", invitations=[
        invitation(AGORA, "pending"), invitation(BABEL, "offer", "14000"),
    ])

    refuse_award(client, store, briefing, sent_request,
                 "In the cascade, Agora Participation scrl comes first: it must decline before the next provider is chosen.",
                 provider=BABEL, amount="14000")

    post_action(client, "briefings", "respond", briefing, index="0", response="declined")
    outcome = post_action(client, "briefings", "award", briefing, lot="L1", provider=BABEL, amount="14000")

    assert outcome.successes == ["The lot was awarded."]
    assert stored(store, "briefings", briefing)["awards"][0]["provider"] == BABEL


def test_an_award_names_the_provider_amount_and_day_and_moves_the_request(client, store, make, sent_request):
    briefing = offers_received(make, sent_request)

    outcome = post_action(client, "briefings", "award", briefing, lot="L1", provider=AGORA, amount="15 000", reason="")

    assert outcome.successes == ["The lot was awarded."] and outcome.errors == []
    after = stored(store, "briefings", briefing)
    [award] = after["awards"]
    assert (after["status"], award["provider"], award["amount"], award["awarded_on"], award["outcome"]) == (
        "awarded", AGORA, 1500000, TODAY, "awarded",
    )
    assert "reason" not in award
    assert_history_entry(after["status_history"][-1], "offers_received", "awarded", "")
    assert_status_audited(store, "briefings", briefing, "offers_received", "awarded")
    request = stored(store, "requests", sent_request)
    assert request["status"] == "awarded"
    assert_history_entry(request["status_history"][-1], "sent", "awarded", briefing["reference"])
    assert_status_audited(store, "requests", sent_request, "sent", "awarded")
    assert "Awarded" in text(outcome.page)


# Stale pages and roles --------------------------------------------------------------------

BRIEFING_ACTIONS = {
    "move": {"to": "cancelled", "comment": "Projet abandonné"},
    "invite": {"invite": f"{CIVIC}|L1"},
    "respond": {"index": "0", "response": "declined"},
    "award": {"lot": "L1", "provider": AGORA, "amount": "15000"},
}


def _two_pending(make, request):
    invitations = [invitation(AGORA, "offer", "15000"), invitation(BABEL, "pending")]
    return offers_received(make, request, invitations=invitations)


@pytest.mark.parametrize("action", list(BRIEFING_ACTIONS))
def test_an_action_from_a_stale_page_changes_nothing(client, client_as, store, make, sent_request, action):
    briefing = _two_pending(make, sent_request)
    old_version = VERSION.search(details_page(client, "briefings", briefing)).group(1)
    # Meanwhile a colleague records Babel's refusal: the version moves on.
    colleague = client_as("staff", "colleague@perspective.example")
    post_action(colleague, "briefings", "respond", briefing, index="1", response="declined")
    before = snapshot(store, "briefings", briefing), snapshot(store, "requests", sent_request)

    outcome = post_action(client, "briefings", action, briefing, version=old_version, **BRIEFING_ACTIONS[action])

    assert outcome.errors == [STALE]
    assert (snapshot(store, "briefings", briefing), snapshot(store, "requests", sent_request)) == before


@pytest.mark.parametrize("action", list(BRIEFING_ACTIONS))
def test_a_manager_cannot_act_on_a_briefing(client_as, store, make, sent_request, action):
    briefing = _two_pending(make, sent_request)
    before = snapshot(store, "briefings", briefing), snapshot(store, "requests", sent_request)
    manager = client_as("manager")
    page = details_page(manager, "briefings", briefing)
    assert buttons(page) == [] and "/award/" not in page and 'id="proposals-title"' not in page

    outcome = post_action(manager, "briefings", action, briefing, **BRIEFING_ACTIONS[action])

    assert outcome.status_code == 403
    assert (snapshot(store, "briefings", briefing), snapshot(store, "requests", sent_request)) == before


# The printed briefing ---------------------------------------------------------------------

PRINTED = {
    "fr": {
        "title": "Cahier des charges", "criteria": "Critères d'attribution", "budget": "20\u202f000,50\xa0€",
        "deadline": "15 mars 2027 12:00", "lot": "L1 — Mission globale de A à Z", "municipality": "Ixelles",
        "headings": ["Contexte", "Objectifs", "Publics cibles", "Livrables"],
        "weight": "Pondération", "english": ["Award criteria", "Objectives", "Briefing "],
    },
    "nl": {
        "title": "Bestek", "criteria": "Gunningscriteria", "budget": "€\xa020.000,50",
        "deadline": "15 mrt 2027 12:00", "lot": "L1 — Globale opdracht van A tot Z", "municipality": "Elsene",
        "headings": ["Context", "Doelstellingen", "Doelgroepen", "Op te leveren resultaten"],
        "weight": "Weging", "english": ["Award criteria", "Objectives", "Briefing "],
    },
}


@pytest.mark.parametrize(("language", "interface"), [("fr", "en"), ("nl", "en"), ("nl", "fr"), ("fr", "nl")])
def test_the_printed_briefing_speaks_its_own_language(client, make, request_record, language, interface):
    words = PRINTED[language]
    briefing = make.briefing(
        request=request_record["reference"], language=language, budget_max="20000,50",
        offer_deadline="2027-03-15T12:00", award_route="mini_competition", award_criteria=CRITERIA,
        context="La commune réaménage l'école.\n\nLes riverains sont associés.",
        objectives="Recueillir les attentes des familles.", target_audiences="Parents et élèves",
        deliverables="Un rapport de synthèse.",
    )
    client.get(f"/admin/?lang={interface}")

    response = client.get(f"/admin/briefings/print/?id={briefing['_id']}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = unescape(html)
    assert f'<html lang="{language}">' in html
    assert f"{words['title']} {briefing['reference']}" in text(html)
    for expected in (words["criteria"], words["budget"], words["deadline"], words["lot"], words["municipality"],
                     *words["headings"], words["weight"]):
        assert expected in page, expected
    for english in words["english"]:
        assert english not in text(html), english
    assert f"{request_record['reference']} — Réaménagement de l'École du Parc" in page
    assert "Commune d'Ixelles" in page
    assert "<p>La commune réaménage l'école.</p>" in page and "<p>Les riverains sont associés.</p>" in page
    for written in ("Recueillir les attentes des familles.", "Parents et élèves", "Un rapport de synthèse."):
        assert written in page
    assert re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", page) == [("Prix", "40 %"), ("Méthodologie", "60 %")]
    # The interface keeps the user's language.
    assert f'<html lang="{interface}">' in client.get("/admin/").get_data(as_text=True)


def test_the_printed_briefing_has_an_a4_print_stylesheet(client, make, request_record):
    briefing = make.briefing(request=request_record["reference"])

    html = client.get(f"/admin/briefings/print/?id={briefing['_id']}").get_data(as_text=True)

    stylesheet = re.search(r'<link href="([^"]*print\.css[^"]*)" rel="stylesheet">', html).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert "@page { size: A4" in response.get_data(as_text=True)
    response.close()


def test_printing_an_unknown_briefing_is_not_found(client, framework):
    assert client.get("/admin/briefings/print/?id=0123456789abcdef01234567").status_code == 404
