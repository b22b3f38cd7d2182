"""The procurement journey in a real browser: from a request received to offers, and an award.

A staff member opens a request, starts its review, records that it is eligible, writes
its briefing, completes it, makes it ready, invites the providers of its lot, sends it
and records their offers. Awarding waits for the offer deadline, so the award is made
on a seeded briefing whose offers are in and whose deadline has passed.
"""
import datetime as dt
import re

from playwright.sync_api import expect

# What a French-speaking staff member reads.
MOVE_FR = "Passer au statut « {} »"
OFFER_FR = "Offre remise"
DECLINED_FR = "Décliné"
ELIGIBLE_FR = "Éligible"
MINI_COMPETITION_FR = "Remise en concurrence"
LOT_AWARDED_FR = "Le lot a été adjugé."


def move_button(page, status_label):
    return page.get_by_role("button", name=MOVE_FR.format(status_label), exact=True)


def click_and_wait(page, locator):
    """Click a button that posts a form, and wait for the page that answers."""
    with page.expect_navigation():
        locator.click()


def response_form(page, index):
    return page.locator('form[action$="/respond/"]', has=page.locator(f'input[name="index"][value="{index}"]'))


def a_received_request(store):
    """The oldest seeded request just received, for one lot, with an estimated budget."""
    candidates = [
        doc for doc in store.find("requests", {"status": "received"})
        if len(doc.get("lots") or []) == 1 and doc.get("estimated_budget") and doc["contact"].get("language") == "fr"
    ]
    assert candidates, "the seeds hold a request just received for one lot"
    return min(candidates, key=lambda doc: doc["reference"])


def test_from_a_request_received_to_a_briefing_with_offers(page, store, screenshot):
    request = a_received_request(store)
    lot = request["lots"][0]
    page.goto("/admin/")
    screenshot("dashboard", docs=True)
    page.goto(f"/admin/requests/?search={request['reference']}")
    row = page.locator("table.model-list tbody tr", has=page.locator("td.col-reference", has_text=request["reference"]))
    row.locator('a[href*="/details/"]').click()
    page.wait_for_url(re.compile(r"/admin/requests/details/"))

    click_and_wait(page, move_button(page, "En cours d'examen"))
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("#decision").select_option(label=ELIGIBLE_FR)
    page.locator("#reason").fill("Commune de la Région, mission d'intérêt communal.")
    click_and_wait(page, page.get_by_role("button", name="Enregistrer la décision"))
    expect(page.locator(".alert-success")).to_contain_text("La décision d'éligibilité a été enregistrée.")
    assert store.find_one("requests", {"_id": request["_id"]})["eligibility"]["decision"] == "eligible"

    click_and_wait(page, page.get_by_role("button", name="Rédiger le cahier des charges de cette demande"))
    page.wait_for_url(re.compile(r"/admin/briefings/edit/"))
    briefing = store.find_one("briefings", {"request": request["reference"]})
    assert briefing["status"] == "draft" and briefing["lots"] == [lot]
    assert store.find_one("requests", {"_id": request["_id"]})["status"] == "briefing"

    # Complete the draft: what the providers must know, by when, and how offers are compared.
    deadline = (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y") + " 12:00"  # as people type it
    page.locator("#objectives").fill("Associer les habitants au réaménagement de la place.")
    page.locator("#deliverables").fill("Trois ateliers, une synthèse illustrée, un rapport final.")
    page.locator("#offer_deadline").fill(deadline)
    page.keyboard.press("Tab")  # leave the field: its picker (a day and a time) closes
    page.locator("#award_route").select_option(label=MINI_COMPETITION_FR)
    add = page.locator("#award_criteria-button")
    for index, (name, weight) in enumerate((("Méthodologie", "60"), ("Prix", "40"))):
        add.click()
        new = page.locator(f"#award_criteria-{index}")
        expect(new).to_be_visible()
        new.locator(f"#award_criteria-{index}-name").fill(name)
        new.locator(f"#award_criteria-{index}-weight").fill(weight)
        # The added row's labels name its own fields (form.js leaves them pointing at the template's).
        expect(page.locator(f'label[for="award_criteria-{index}-name"]')).to_have_count(1)
    page.locator("form.admin-form input[type=submit].btn-primary").click()
    expect(page.locator(".alert-success")).to_be_visible()
    briefing = store.find_one("briefings", {"_id": briefing["_id"]})
    assert [item["name"] for item in briefing["award_criteria"]] == ["Méthodologie", "Prix"]
    assert briefing["award_route"] == "mini_competition"

    page.goto(f"/admin/briefings/details/?id={briefing['_id']}")
    click_and_wait(page, move_button(page, "Prêt"))
    expect(page.locator(".alert-success")).to_be_visible()

    # Mini-competition: every active provider of the lot is proposed, and ticked.
    proposals = page.locator("#proposals-title + form input[type=checkbox][name=invite]")
    party = store.count("providers", {"lots.lot": lot, "status": "active"})
    expect(proposals).to_have_count(party)
    assert all(box.is_checked() for box in proposals.all())
    click_and_wait(page, page.get_by_role("button", name="Inviter les prestataires cochés"))
    expect(page.locator(".alert-success")).to_contain_text("Les prestataires ont été invités.")
    assert len(store.find_one("briefings", {"_id": briefing["_id"]})["invitations"]) == party

    click_and_wait(page, move_button(page, "Envoyé"))
    expect(page.locator(".alert-success")).to_be_visible()
    assert store.find_one("briefings", {"_id": briefing["_id"]})["status"] == "sent"
    assert store.find_one("requests", {"_id": request["_id"]})["status"] == "sent"

    # Two offers, scored on each criterion, and one refusal.
    for index, (amount, scores) in enumerate((("30 000", ("80", "70")), ("27 500", ("60", "90")))):
        form = response_form(page, index)
        form.locator("select[name=response]").select_option(label=OFFER_FR)
        form.locator("input[name=offer_amount]").fill(amount)
        form.locator("input[name=score-0]").fill(scores[0])
        form.locator("input[name=score-1]").fill(scores[1])
        click_and_wait(page, form.locator("button[type=submit]"))
        expect(page.locator(".alert-success")).to_contain_text("La réponse a été enregistrée.")
    form = response_form(page, 2)
    form.locator("select[name=response]").select_option(label=DECLINED_FR)
    click_and_wait(page, form.locator("button[type=submit]"))
    invitations = store.find_one("briefings", {"_id": briefing["_id"]})["invitations"]
    assert [item["response"] for item in invitations[:3]] == ["offer", "offer", "declined"]
    assert [item["offer_amount"] for item in invitations[:2]] == [3_000_000, 2_750_000]
    assert [item["score"] for item in invitations[:2]] == [76, 72]  # 80×60 % + 70×40 %, 60×60 % + 90×40 %

    click_and_wait(page, move_button(page, "Offres reçues"))
    expect(page.locator(".alert-success")).to_be_visible()
    screenshot("briefing-details", docs=True)
    screenshot("briefing-offers-and-award", docs=True, scroll_to=page.locator("section", has=page.locator("#awards-title")))

    # The deadline is still ahead: no award form, and the page says when awards open.
    expect(page.locator('form[action$="/award/"]')).to_have_count(0)
    expect(page.locator(".award-blocked")).to_contain_text("La date limite de remise des offres est le")
    assert store.find_one("briefings", {"_id": briefing["_id"]})["status"] == "offers_received"

    page.get_by_role("link", name="Cahier des charges à imprimer").click()
    page.wait_for_url(re.compile(r"/admin/briefings/print/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator("h1")).to_contain_text(briefing["reference"])
    expect(page.locator("main")).to_contain_text("Méthodologie")
    # The context typed in the browser keeps its paragraphs: the project title comes first, alone.
    expect(page.locator("h2", has_text="Contexte").locator("xpath=following-sibling::p[1]")).to_have_text(request["project_title"])
    screenshot("briefing-print", docs=True, full_page=True)


def test_a_two_lot_briefing_is_awarded_lot_by_lot(page, store):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    candidates = [
        doc for doc in store.find("briefings", {"status": "offers_received", "award_route": "mini_competition"})
        if doc.get("offer_deadline") and doc["offer_deadline"] < now and len(doc["lots"]) == 2
    ]
    assert candidates, "the seeds hold a two-lot mini-competition whose offers are in and whose deadline has passed"
    briefing = min(candidates, key=lambda doc: doc["reference"])
    first, second = briefing["lots"]

    def offers(lot):
        """The lot's offers, best score first."""
        return sorted((item for item in briefing["invitations"] if item["lot"] == lot and item.get("response") == "offer"),
                      key=lambda item: (-(item.get("score") or 0), item["offer_amount"]))

    page.goto(f"/admin/briefings/details/?id={briefing['_id']}")
    # The ranking table shows each lot's offers, the best first, with its rank.
    ranking = page.locator("table.ranking").first
    expect(ranking.locator("tbody tr").first.locator("td").first).to_have_text("1")
    # First lot: the best-scored offer is proposed; awarding it needs no reason.
    best = offers(first)[0]
    expect(page.locator(f"#award-provider-{first}")).to_have_value(best["provider"])
    click_and_wait(page, page.locator(f'form[action$="/award/"]:has(input[name="lot"][value="{first}"]) button'))
    expect(page.locator(".alert-success")).to_contain_text(LOT_AWARDED_FR)
    stored = store.find_one("briefings", {"_id": briefing["_id"]})
    assert stored["status"] == "offers_received"
    assert [(item["lot"], item["provider"], item["amount"]) for item in stored["awards"]] == [
        (first, best["provider"], best["offer_amount"])
    ]

    # Second lot: another offer than the best needs a written reason.
    other = offers(second)[1]
    page.locator(f"#award-provider-{second}").select_option(value=other["provider"])
    click_and_wait(page, page.locator(f'form[action$="/award/"]:has(input[name="lot"][value="{second}"]) button'))
    expect(page.locator(".alert-danger")).to_contain_text("raison")
    assert len(store.find_one("briefings", {"_id": briefing["_id"]})["awards"]) == 1
    page.locator(f"#award-provider-{second}").select_option(value=other["provider"])
    page.locator(f"#award-reason-{second}").fill("Le mieux classé a retiré son offre par écrit.")
    click_and_wait(page, page.locator(f'form[action$="/award/"]:has(input[name="lot"][value="{second}"]) button'))

    expect(page.locator(".alert-success")).to_contain_text(LOT_AWARDED_FR)
    stored = store.find_one("briefings", {"_id": briefing["_id"]})
    assert stored["status"] == "awarded"
    assert [(item["lot"], item["provider"]) for item in stored["awards"]] == [(first, best["provider"]), (second, other["provider"])]
    assert stored["awards"][1]["reason"] == "Le mieux classé a retiré son offre par écrit."
    assert all(item["awarded_on"].date() == dt.date.today() for item in stored["awards"])
    # Nothing more to award: no award form is left, and each lot shows its decision.
    expect(page.locator('form[action$="/award/"]')).to_have_count(0)
    expect(page.locator(".award-decision")).to_have_count(2)
