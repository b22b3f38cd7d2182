"""A Dutch-speaking staff member withdraws an abandoned request and cancels its open briefing, in a real browser."""
import datetime as dt
import re

from playwright.sync_api import expect

from backoffice import records
from backoffice.store.app import get_store

# What a Dutch-speaking staff member reads.
TITLE_NL = "De aanvraag intrekken en haar open bestekken annuleren"
REASON_LABEL_NL = "Reden van de intrekking"
NO_REASON_NL = "Reden van de intrekking: Gelieve te vermelden waarom de aanvraag wordt ingetrokken."
DONE_NL = "De aanvraag werd ingetrokken en haar open bestekken geannuleerd."
REASON = "De gemeente ziet af van het project: het budget werd geschrapt."
AGORA = "0484956250"  # seeded, party to L1


def history_row(page):
    """The newest row of the status history table."""
    return page.locator("h2", has_text="Statusgeschiedenis").locator("xpath=following-sibling::table[1]").locator("tbody tr").first


def _abandoned_case(live_app):
    """A request of its own (the seeded ones stay as other journeys expect them) with a briefing sent to one provider."""
    deadline = (dt.datetime.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT12:00")
    with live_app.test_request_context():
        store = get_store(live_app)
        request = records.create("requests", {
            "received_on": "2026-10-05", "status": "sent",
            "organisation": {"name": "Gemeente Jette", "type": "municipal_administration"}, "municipality": "21010",
            "contact": {"name": "Noor Voorbeeld", "email": "noor@jette.example", "language": "nl"},
            "project_title": "Herinrichting van het Koning Boudewijnpark", "lots": ["L1"],
            "eligibility": {"decision": "eligible", "reason": "Brusselse gemeente"},
        }, actor="e2e", store=store, today_rules=False, allow_managed=True)
        briefing = records.create("briefings", {
            "request": request["reference"], "lots": ["L1"], "language": "nl", "status": "sent",
            "objectives": "De buurtbewoners betrekken.", "deliverables": "Een verslag.", "budget_max": "20000",
            "offer_deadline": deadline, "award_route": "cascade",
            "invitations": [{"provider": AGORA, "lot": "L1", "response": "pending", "sent_on": dt.date.today().isoformat()}],
        }, actor="e2e", store=store, today_rules=False, allow_managed=True)
    return request, briefing


def test_a_request_is_withdrawn_with_its_open_briefing_from_its_page_in_dutch(page, live_app, store, screenshot):
    request, briefing = _abandoned_case(live_app)
    page.goto(f"/admin/requests/details/?id={request['_id']}&lang=nl")
    section = page.locator("section.withdrawal")
    expect(section.get_by_role("heading", name=TITLE_NL)).to_be_visible()
    expect(section.locator(".briefings-to-cancel")).to_contain_text(briefing["reference"])
    expect(section.locator(".briefings-to-cancel")).to_contain_text("Agora Participation SCRL")

    # Spaces only: the browser lets it through, the server refuses it, naming the field, and changes nothing.
    section.get_by_label(REASON_LABEL_NL).fill("   ")
    with page.expect_navigation():
        section.get_by_role("button", name=TITLE_NL).click()
    expect(page.locator(".alert-danger")).to_contain_text(NO_REASON_NL)
    assert store.get("requests", request["_id"])["status"] == "sent"

    page.locator("section.withdrawal").get_by_label(REASON_LABEL_NL).fill(REASON)
    screenshot("request-withdrawal-nl")
    with page.expect_navigation():
        page.locator("section.withdrawal").get_by_role("button", name=TITLE_NL).click()

    expect(page.locator(".alert-success")).to_contain_text(DONE_NL)
    expect(page.locator("section.withdrawal")).to_have_count(0)
    # The status history's newest row: to "Withdrawn", with the reason.
    expect(history_row(page)).to_contain_text("Ingetrokken")
    expect(history_row(page)).to_contain_text(REASON)
    page.get_by_role("link", name=briefing["reference"]).first.click()
    page.wait_for_url(re.compile(r"/admin/briefings/details/"))
    expect(history_row(page)).to_contain_text("Geannuleerd")
    expect(history_row(page)).to_contain_text(REASON)
    expect(page.get_by_text(f"Geannuleerd samen met de intrekking van de aanvraag {request['reference']}.")).to_be_visible()
    assert store.get("briefings", briefing["_id"])["status_history"][-1]["comment"] == REASON
    notices = store.find("outbox", {"collection": "briefings", "record": briefing["reference"]})
    assert [(message["key"], message["language"]) for message in notices] == [
        (f"briefing-cancelled:{briefing['reference']}:{AGORA}", "nl")]
