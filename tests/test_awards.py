"""Awards per lot: a two-lot briefing awarded lot by lot, the best-scored proposal, ties, and the migration.

Actions are posted as their forms do; the checks are what a staff member or a manager
notices: the stored decision per lot, the refusal and its message, the reports per lot,
the ranking on the page, what the migration command prints.
"""
import datetime as dt
import re
from html import unescape

import pytest

from backoffice import audit, reports
from backoffice.store.app import get_store
from test_workflow_requests import details_page, post_action, snapshot, stored

_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
TODAY = dt.datetime(_NOW.year, _NOW.month, _NOW.day)
AGORA, BABEL, CIVIC = "0123456749", "0417497106", "0200065765"
CRITERIA = [{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}]


@pytest.fixture
def two_lots(make):
    """Lots L2 and L3 with ceilings; three providers party to both."""
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp", ceiling_amount="500000")
    make.lot(code="L3", name_fr="Animation", name_nl="Animatie", ceiling_amount="300000")
    for rank, (name, number) in enumerate((("Agora Participation scrl", AGORA), ("Babel Dialogue asbl", BABEL),
                                            ("Civic Lab srl", CIVIC)), start=1):
        make.provider(name=name, enterprise_number=number, lots=[{"lot": "L2", "rank": rank}, {"lot": "L3", "rank": rank}],
                      contact={"email": f"contact@{name.split()[0].lower()}.example"})
    return make.request(status="sent", lots=["L2", "L3"])


def offer(provider, lot, amount, prix, methode):
    """An offer with its scores per criterion (weighted: 40 % price, 60 % method)."""
    return {"provider": provider, "lot": lot, "sent_on": TODAY.date().isoformat(), "response": "offer",
            "offer_amount": amount, "criterion_scores": [{"criterion": "Prix", "score": prix},
                                                          {"criterion": "Méthodologie", "score": methode}]}


@pytest.fixture
def briefing(make, two_lots):
    """A mini-competition over L2 and L3 whose offers are in. L2: Babel 83 > Agora 78; L3: Civic and Agora tie at 80."""
    return make.briefing(
        request=two_lots["reference"], lots=["L2", "L3"], status="offers_received", budget_max="60000",
        objectives="Associer les riverains.", deliverables="Un rapport.", offer_deadline=PAST,
        award_route="mini_competition", award_criteria=CRITERIA,
        invitations=[
            offer(AGORA, "L2", "20000", 90, 70),  # 36 + 42 = 78
            offer(BABEL, "L2", "25000", 80, 85),  # 32 + 51 = 83
            offer(AGORA, "L3", "15000", 80, 80),  # 80
            offer(CIVIC, "L3", "14000", 50, 100),  # 20 + 60 = 80
        ],
    )


def ranking_rows(page, lot):
    """The ranking table of one lot as read: (rank, provider, amount, scores..., total)."""
    start = page.index(f'id="lot-{lot}"')
    table = page[page.index('<table class="table table-sm ranking">', start):]
    body = table[table.index("<tbody>"): table.index("</tbody>")]
    return [tuple(" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_ranking_table_shows_weighted_scores_ranks_and_ties(client, briefing):
    page = details_page(client, "briefings", briefing)

    assert ranking_rows(page, "L2") == [
        ("1", "Babel Dialogue asbl", "€25,000.00", "80", "85", "83.0"),
        ("2", "Agora Participation scrl", "€20,000.00", "90", "70", "78.0"),
    ]
    # Equal weighted scores share the rank and say so; the cheaper offer is listed first.
    assert [row[:2] for row in ranking_rows(page, "L3")] == [("1 (tie)", "Civic Lab srl"), ("1 (tie)", "Agora Participation scrl")]
    # The award form proposes the best-scored offer.
    assert re.search(rf'<option value="{BABEL}" selected>', page)


def test_the_lower_scored_offer_needs_a_reason_kept_in_the_history_and_the_print(app, client, store, briefing):
    before = snapshot(store, "briefings", briefing)

    refused = post_action(client, "briefings", "award", briefing, lot="L2", provider=AGORA, amount="")

    assert refused.errors == [
        "Babel Dialogue asbl has the best score on the lot L2 — Conception (83.0): give the reason for choosing another offer."
    ]
    assert snapshot(store, "briefings", briefing) == before

    reason = "Babel a retiré son offre par courrier du 3 décembre."
    outcome = post_action(client, "briefings", "award", briefing, lot="L2", provider=AGORA, amount="", reason=reason)

    assert outcome.successes == ["The lot was awarded."]
    after = stored(store, "briefings", briefing)
    assert after["awards"] == [{"lot": "L2", "outcome": "awarded", "provider": AGORA, "amount": 2000000,
                                "awarded_on": TODAY, "route": "mini_competition", "score": 78, "reason": reason}]
    # One lot decided out of two: the briefing still waits for L3.
    assert after["status"] == "offers_received"
    [entry] = [item for item in audit.history(get_store(app), "briefings", briefing["_id"]) if item["action"] == "update"]
    assert reason in str(entry["changes"])
    printed = client.get(f"/admin/briefings/print/?id={briefing['_id']}").get_data(as_text=True)
    assert reason.replace("'", "&#39;") in printed


def test_either_tied_offer_is_awarded_without_a_reason(client, store, briefing):
    outcome = post_action(client, "briefings", "award", briefing, lot="L3", provider=AGORA, amount="")

    assert outcome.successes == ["The lot was awarded."] and outcome.errors == []
    assert stored(store, "briefings", briefing)["awards"][0]["provider"] == AGORA


def test_a_two_lot_briefing_is_awarded_lot_by_lot_and_booked_under_each_lot(client, store, briefing, two_lots):
    post_action(client, "briefings", "award", briefing, lot="L2", provider=BABEL, amount="")
    assert stored(store, "requests", two_lots)["status"] == "sent"
    post_action(client, "briefings", "award", briefing, lot="L3", provider=CIVIC, amount="14 000")

    after = stored(store, "briefings", briefing)
    assert after["status"] == "awarded"
    assert [(item["lot"], item["provider"], item["amount"]) for item in after["awards"]] == [
        ("L2", BABEL, 2500000), ("L3", CIVIC, 1400000),
    ]
    assert stored(store, "requests", two_lots)["status"] == "awarded"
    # The ceilings and the yearly totals book each lot's amount under its own lot.
    ceilings = {row[0]: row[1] for row in reports.lot_ceilings(get_store(client.application)).rows}
    assert ceilings == {"L2 — Conception": 2500000, "L3 — Animation": 1400000}
    with client.application.test_request_context():
        totals = {(row[0], row[1]): (row[4], row[5]) for row in reports.provider_year(get_store(client.application), TODAY.year).rows}
    assert totals[("Babel Dialogue asbl", "L2 — Conception")] == (1, 2500000)
    assert totals[("Civic Lab srl", "L3 — Animation")] == (1, 1400000)
    assert totals[("Agora Participation scrl", "L2 — Conception")] == (0, 0)
    # Nothing is left to award on the page.
    page = details_page(client, "briefings", briefing)
    assert "/award/" not in page and page.count('class="award-decision"') == 2


def test_a_lot_closed_without_award_needs_a_reason_and_completes_the_briefing(client, store, briefing):
    refused = post_action(client, "briefings", "close-lot", briefing, lot="L3", reason="  ")
    assert refused.errors == ["Say why the lot L3 — Animation is closed without award."]

    post_action(client, "briefings", "award", briefing, lot="L2", provider=BABEL, amount="")
    outcome = post_action(client, "briefings", "close-lot", briefing, lot="L3", reason="Offres hors budget")

    assert outcome.successes == ["The lot was closed without award."]
    after = stored(store, "briefings", briefing)
    assert after["status"] == "awarded"
    assert after["awards"][1] == {"lot": "L3", "outcome": "no_award", "awarded_on": TODAY,
                                  "route": "mini_competition", "reason": "Offres hors budget"}
    assert {row[0]: row[1] for row in reports.lot_ceilings(get_store(client.application)).rows}["L3 — Animation"] == 0


def test_a_decided_lot_is_not_decided_again(client, store, briefing):
    post_action(client, "briefings", "award", briefing, lot="L2", provider=BABEL, amount="")
    before = snapshot(store, "briefings", briefing)

    outcome = post_action(client, "briefings", "award", briefing, lot="L2", provider=AGORA, amount="", reason="Autre")

    assert outcome.errors == ["The lot L2 — Conception is already decided."]
    assert snapshot(store, "briefings", briefing) == before


def test_migrate_awards_converts_a_single_award_and_says_what_it_changed(runner, store, briefing):
    # A briefing stored before awards were per lot: one award for both lots, split by the winner's offers.
    store.update("briefings", briefing["_id"], {
        "status": "awarded", "awarded_provider": AGORA, "awarded_amount": 3500000, "awarded_on": TODAY,
    })

    result = runner.invoke(args=["migrate-awards"])

    assert result.exit_code == 0, result.output
    assert f"{briefing['reference']}: awarded_amount, awarded_on, awarded_provider replaced by awards per lot" in result.output
    assert "L2 → 0123456749 20000.00 EUR, L3 → 0123456749 15000.00 EUR" in result.output
    after = stored(store, "briefings", briefing)
    assert [(item["lot"], item["provider"], item["amount"]) for item in after["awards"]] == [
        ("L2", AGORA, 2000000), ("L3", AGORA, 1500000),
    ]
    assert not {"awarded_provider", "awarded_amount", "awarded_on"} & set(after)
    assert after["version"] == briefing["version"] + 1

    again = runner.invoke(args=["migrate-awards"])
    assert "nothing changed" in again.output
