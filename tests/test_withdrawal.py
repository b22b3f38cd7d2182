"""Withdrawing a request together with its open briefings, from the request's details page.

The public body abandons its project: staff withdraw the request and cancel each open
briefing in one step, with one reason kept on every record and sent to the providers the
briefings went to, in their languages. Posted as the page's form posts it (CSRF token,
version and the briefings the page listed); checked as a staff member notices it.
"""
import re
from html import unescape

import pytest

from backoffice import withdrawal, workflow
from backoffice.store.app import get_store
from test_atomic_flows import Broken, everything, fail_on
from test_guards import _NOW, AGORA, BABEL, CIVIC, ELIGIBLE, FUTURE, PAST, TODAY
from test_mail import Inbox, free_port, mailing_app, smtp  # noqa: F401  (fixtures)
from test_workflow_requests import (
    STALE, audit_entries, details_page, post_action, snapshot, status_history_rows, stored, text,
)

REASON = "La commune abandonne le projet : budget supprimé au conseil du 12 novembre."
STAFF = "staff@perspective.example"
BRIEFING_KEYS = re.compile(r'name="briefing" value="([^"]+)"')


@pytest.fixture
def framework(make):
    """Lots L1 and L4; three active providers: French only, Dutch only, and one working in both."""
    make.lot()
    make.lot(code="L4", name_fr="Communication", name_nl="Communicatie")
    for name, number, languages in (("Agora Participation scrl", AGORA, ["fr"]), ("Babel Dialoog vzw", BABEL, ["nl"]),
                                     ("Civic Lab srl", CIVIC, ["nl", "fr"])):
        make.provider(name=name, enterprise_number=number, languages=languages,
                      lots=[{"lot": "L1", "rank": 1}, {"lot": "L4", "rank": 1}],
                      contact={"name": name, "email": f"offers@{name.split()[0].lower()}.example"})


def sent_briefing(make, request, **overrides):
    """A French briefing on L1 sent to all three providers, its offers still awaited."""
    return make.briefing(**{
        "request": request["reference"], "status": "sent", "objectives": "Associer les riverains.",
        "deliverables": "Un rapport.", "budget_max": "20000", "award_route": "mini_competition",
        "award_criteria": [{"name": "Prix", "weight": 40}, {"name": "Méthode", "weight": 60}],
        "offer_deadline": FUTURE,
        "invitations": [{"provider": number, "lot": "L1", "response": "pending", "sent_on": TODAY}
                        for number in (AGORA, BABEL, CIVIC)],
    } | overrides)


@pytest.fixture
def case(make, framework):
    """A request sent to providers, with its sent briefing and a second one still a draft (one provider proposed, not sent)."""
    request = make.request(status="sent", eligibility=ELIGIBLE, lots=["L1", "L4"])
    sent = sent_briefing(make, request)
    draft = make.briefing(request=request["reference"], lots=["L4"], status="draft",
                          invitations=[{"provider": AGORA, "lot": "L4"}])
    return request, sent, draft


def withdraw(client, request, version=None, briefings=None, **fields):
    """Post the combined withdrawal as the page's form does: the briefings it listed, unless told otherwise."""
    page = details_page(client, "requests", request)
    listed = BRIEFING_KEYS.findall(page) if briefings is None else briefings
    return post_action(client, "requests", "withdraw", request, version=version, briefing=listed, **fields)


def everything_about(store, *docs):
    """What a refused withdrawal must leave as it was: the records, their audit trails, the outbox."""
    return [snapshot(store, collection, doc) for collection, doc in docs], store.count("outbox")


# The page ---------------------------------------------------------------------------------

def test_the_request_page_offers_the_combined_withdrawal_naming_each_briefing(client, store, case):
    request, sent, draft = case

    page = details_page(client, "requests", request)

    start = page.index('<section class="card mb-4 withdrawal"')
    section = text(page[start:page.index("</section>", start)])
    assert section.startswith("Withdraw the request and cancel its open briefings")
    assert (f"{draft['reference']} (Draft; L4 — Communication)") in section
    assert (f"{sent['reference']} (Sent; L1 — Mission globale de A à Z): a notice of cancellation is "
            "e-mailed to Agora Participation scrl, Babel Dialoog vzw, Civic Lab srl") in section
    assert BRIEFING_KEYS.findall(page) == [f"{sent['reference']}@1", f"{draft['reference']}@1"]
    assert 'name="reason"' in page and 'data-max-length="1000"' in page
    # The plain withdrawal stays refused, naming the first open briefing, and points to the combined one.
    assert "withdrawn" not in re.findall(r'name="to" value="(\w+)"', page)
    refusal = next(item for item in re.findall(r"<li>(.*?)</li>", page[page.index('class="blocked-steps"'):], re.S)
                   if "<strong>Withdrawn</strong>" in item)
    assert text(refusal).endswith(f"{sent['reference']} Or withdraw it with its open briefings, below.")
    assert '<a href="#withdrawal-title">Or withdraw it with its open briefings, below.</a>' in refusal
    assert 'id="withdrawal-title"' in page


@pytest.mark.parametrize("lang,label", [("fr", "Retirer la demande et annuler ses cahiers des charges ouverts"),
                                        ("nl", "De aanvraag intrekken en haar open bestekken annuleren")])
def test_the_combined_withdrawal_speaks_the_official_terms(client, case, lang, label):
    request, _sent, _draft = case
    client.get(f"/admin/?lang={lang}")

    page = unescape(details_page(client, "requests", request))

    assert page.count(label) == 2  # the section's title and its button


def test_no_combined_withdrawal_without_an_open_briefing_nor_for_a_manager(client, client_as, make, framework, case):
    alone = make.request(status="sent", eligibility=ELIGIBLE)
    assert "withdraw/" not in details_page(client, "requests", alone)
    request, _sent, _draft = case
    manager = client_as("manager", "manager@perspective.example")
    assert "withdraw/" not in details_page(manager, "requests", request)
    assert withdraw(manager, request, reason=REASON, briefings=["x"]).status_code == 403


# The action -------------------------------------------------------------------------------

def test_withdrawing_moves_the_request_and_cancels_each_open_briefing_with_the_reason(client, store, case):
    request, sent, draft = case

    outcome = withdraw(client, request, reason=REASON)

    assert outcome.errors == [] and outcome.successes == ["The request was withdrawn and its open briefings cancelled."]
    after = stored(store, "requests", request)
    assert (after["status"], after["version"]) == ("withdrawn", 2)
    assert (after["status_history"][-1]["from"], after["status_history"][-1]["comment"]) == ("sent", REASON)
    for briefing, before in ((sent, "sent"), (draft, "draft")):
        cancelled = stored(store, "briefings", briefing)
        assert cancelled["status"] == "cancelled"
        entry = cancelled["status_history"][-1]
        assert (entry["by"], entry["from"], entry["to"], entry["comment"]) == (STAFF, before, "cancelled", REASON)
        audited = audit_entries(store, "briefings", briefing)[-1]
        assert (audited["action"], audited["actor"]) == ("status_change", STAFF)
        assert audited["details"] == {"comment": REASON, "withdrawn_request": request["reference"]}
    audited = audit_entries(store, "requests", request)[-1]
    assert audited["details"] == {"comment": REASON, "cancelled_briefings": [sent["reference"], draft["reference"]]}
    assert {"field": "status", "before": "sent", "after": "withdrawn"} in audited["changes"]
    # The request's page: the status history and the history give the reason and what was cancelled.
    assert status_history_rows(outcome.page)[0][1:] == (STAFF, "Sent to providers", "Withdrawn", REASON)
    page = text(outcome.page)
    assert f"Comment: {REASON}" in page
    assert f"Briefings cancelled with it: {sent['reference']}, {draft['reference']}" in page
    assert "withdraw/" not in outcome.page
    # Each briefing's page says the same.
    briefing_page = details_page(client, "briefings", sent)
    assert status_history_rows(briefing_page)[0][1:] == (STAFF, "Sent", "Cancelled", REASON)
    assert f"Cancelled with the withdrawal of the request {request['reference']}." in text(briefing_page)
    # The printed briefing, in its own language, says when and why it was cancelled.
    printed = text(client.get(f"/admin/briefings/print/?id={sent['_id']}").get_data(as_text=True))
    assert "ANNULÉ" in printed and f"Annulé le {_NOW.day} " in printed and REASON in printed
    # A notice is queued for each provider the sent briefing went to; the draft was sent to nobody.
    notices = store.find("outbox", {})
    assert sorted(message["key"] for message in notices) == sorted(
        f"briefing-cancelled:{sent['reference']}:{number}" for number in (AGORA, BABEL, CIVIC))


def test_a_reason_is_required_and_named_in_french_and_dutch(client, store, case):
    request, sent, draft = case
    before = everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft))
    messages = {}
    for lang in ("fr", "nl", "en"):
        client.get(f"/admin/?lang={lang}")
        messages[lang] = withdraw(client, request, reason="   ").errors

    assert messages == {
        "fr": ["Motif du retrait : Veuillez indiquer pourquoi la demande est retirée."],
        "nl": ["Reden van de intrekking: Gelieve te vermelden waarom de aanvraag wordt ingetrokken."],
        "en": ["Reason for the withdrawal: Say why the request is withdrawn."],
    }
    assert everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft)) == before


def test_a_reason_longer_than_the_schema_allows_is_refused(client, store, case):
    request, sent, draft = case
    before = everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft))

    outcome = withdraw(client, request, reason="x" * 1001)

    assert outcome.errors == ["Reason for the withdrawal: At most 1000 characters."]
    assert everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft)) == before


def test_a_stale_page_changes_nothing(app, client, store, case):
    request, sent, draft = case
    shown = details_page(client, "requests", request)
    old_version = re.search(r'name="version" value="(\d+)"', shown).group(1)
    # Meanwhile a colleague puts a note on the request: its version moves on.
    with app.test_request_context():
        workflow.save(store, "requests", request, workflow.records.editable_data("requests", request) | {"notes": "Rappel"},
                      "colleague@perspective.example")
    before = everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft))

    outcome = withdraw(client, request, version=old_version, briefings=BRIEFING_KEYS.findall(shown), reason=REASON)

    assert outcome.errors == [STALE]
    assert everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft)) == before


def test_a_briefing_changed_since_the_page_was_shown_changes_nothing(client, store, case):
    request, sent, draft = case
    shown = BRIEFING_KEYS.findall(details_page(client, "requests", request))
    # Meanwhile a colleague cancels the draft on its own page: the page listed a briefing that is no longer open.
    post_action(client, "briefings", "move", draft, to="cancelled", comment="Lot 4 abandonné")
    before = everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft))

    outcome = withdraw(client, request, briefings=shown, reason=REASON)

    assert outcome.errors == ["The briefings of this request changed since the page was shown: "
                              "reload it and check which ones will be cancelled."]
    assert everything_about(store, ("requests", request), ("briefings", sent), ("briefings", draft)) == before


def test_a_briefing_with_a_lot_awarded_is_not_cancelled_with_the_request(client, store, make, framework):
    request = make.request(status="sent", eligibility=ELIGIBLE, lots=["L1", "L4"])
    briefing = sent_briefing(make, request, status="offers_received", offer_deadline=PAST, lots=["L1", "L4"], invitations=[
        {"provider": AGORA, "lot": "L1", "response": "offer", "offer_amount": "15000", "sent_on": TODAY},
        {"provider": BABEL, "lot": "L4", "response": "pending", "sent_on": TODAY},
    ], awards=[{"lot": "L1", "outcome": "awarded", "provider": AGORA, "amount": "15000", "awarded_on": TODAY}])
    before = everything_about(store, ("requests", request), ("briefings", briefing))
    message = (f"The briefing {briefing['reference']} has a lot awarded (L1 — Mission globale de A à Z): an award is a "
               "contract and is not cancelled with the request. Close its other lots without award on the briefing; "
               "the request then follows its award.")

    page = details_page(client, "requests", request)
    outcome = withdraw(client, request, briefings=[f"{briefing['reference']}@{briefing['version']}"], reason=REASON)

    assert "withdraw/" not in page and f"{message} Open the briefing {briefing['reference']}" in text(page)
    assert outcome.errors == [f"{message} Open the briefing {briefing['reference']}"]
    assert everything_about(store, ("requests", request), ("briefings", briefing)) == before


# One transaction ----------------------------------------------------------------------------

@pytest.mark.parametrize("action,collection", [("status_change", "requests"), ("status_change", "briefings")],
                         ids=["request-entry-fails", "first-briefing-entry-fails"])
def test_a_failure_midway_leaves_nothing_half_written(app, case, monkeypatch, action, collection):
    request, sent, draft = case
    store = get_store(app)
    shown = [withdrawal.shown_key(sent), withdrawal.shown_key(draft)]
    before = everything(store)
    # Request entry: both briefings cancelled, their entries and notices written before it fails.
    fail_on(monkeypatch, workflow.records, action, collection)

    with app.test_request_context(), pytest.raises(Broken):
        withdrawal.withdraw_with_briefings(store, request, REASON, shown, STAFF, request["version"])

    assert everything(store) == before
    assert store.count("outbox") == 0
    # Once the store writes again, the same withdrawal goes through whole.
    monkeypatch.undo()
    with app.test_request_context():
        withdrawal.withdraw_with_briefings(store, request, REASON, shown, STAFF, request["version"])
    assert [doc["status"] for doc in store.find("briefings", {}, sort=[("reference", 1)])] == ["cancelled", "cancelled"]
    assert store.get("requests", request["_id"])["status"] == "withdrawn"
    assert store.count("outbox") == 3


# The notices, through a real SMTP server ------------------------------------------------------

def test_each_provider_receives_the_notice_in_its_language(mailing_app, client, store, smtp, case):
    request, sent, _draft = case

    outcome = withdraw(client, request, reason=REASON)

    assert outcome.successes == ["The request was withdrawn and its open briefings cancelled."]
    received = dict(smtp.inbox.messages)
    assert sorted(received) == ["offers@agora.example", "offers@babel.example", "offers@civic.example"]
    reference = sent["reference"]
    assert received["offers@agora.example"]["Subject"].strip() == f"Annulation du cahier des charges {reference}"
    assert received["offers@babel.example"]["Subject"].strip() == f"Annulering van het bestek {reference}"
    # Working in both languages: written to in the briefing's own (French).
    assert received["offers@civic.example"]["Subject"].strip() == f"Annulation du cahier des charges {reference}"
    dutch = received["offers@babel.example"].get_body(("plain",)).get_content()
    assert dutch.startswith("Geachte mevrouw, geachte heer,")
    assert f"deelt Babel Dialoog vzw mee dat het bestek {reference} (L1 — Globale opdracht van A tot Z)" in dutch
    assert f"Reden: {REASON}" in dutch
    french = received["offers@agora.example"].get_body(("plain",)).get_content()
    assert "l’organisation demandeuse a retiré sa demande" in french and f"Motif\u00a0: {REASON}" in french
    for message in received.values():
        assert message["From"] == "participation@centrale.example"
        assert list(message.iter_attachments()) == []
    assert {message["status"] for message in store.find("outbox", {})} == {"sent"}


def test_a_move_inside_an_action_of_its_own_never_sends_a_briefing():
    """Sending makes its PDF before the transaction (`workflow.move`): inside another action's, it is refused at once."""
    with pytest.raises(ValueError, match="before the transaction"):
        workflow.move_within(None, "briefings", {"status": "ready"}, "sent", STAFF)
