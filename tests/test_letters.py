"""The letters on each lot's decision: an award letter to the chosen provider, a letter to every other tenderer.

Delivered to a real SMTP server on loopback; the letters are PDFs read back with pypdf.
"""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from test_mail import mailing_app, smtp  # noqa: F401  (fixtures: the loopback SMTP server and the app using it)
from test_workflow_requests import post_action

_NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
PAST = (_NOW - dt.timedelta(days=3)).strftime("%Y-%m-%dT12:00")
TODAY = _NOW.date().isoformat()
AGORA, BABEL, CIVIC = "0123456749", "0417497106", "0200065765"
CRITERIA = [{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}]


def offer(provider, lot, amount, prix, methode):
    return {"provider": provider, "lot": lot, "sent_on": TODAY, "response": "offer", "offer_amount": amount,
            "criterion_scores": [{"criterion": "Prix", "score": prix}, {"criterion": "Méthodologie", "score": methode}]}


@pytest.fixture
def briefing(make):
    """A mini-competition on L2 and L3, offers in. L2: Babel (NL) 83 > Agora (FR) 78 > Civic (FR and NL) 65."""
    make.lot(code="L2", name_fr="Conception", name_nl="Ontwerp")
    make.lot(code="L3", name_fr="Animation", name_nl="Animatie")
    for rank, (name, number, languages) in enumerate((("Agora Participation scrl", AGORA, ["fr"]),
                                                       ("Babel Dialoog vzw", BABEL, ["nl"]),
                                                       ("Civic Lab srl", CIVIC, ["fr", "nl"])), start=1):
        make.provider(name=name, enterprise_number=number, languages=languages,
                      lots=[{"lot": "L2", "rank": rank}, {"lot": "L3", "rank": rank}],
                      contact={"name": name, "email": f"offers@{name.split()[0].lower()}.example"},
                      address={"street": "Rue Exemple 1", "postcode": "1000", "city": "Bruxelles"})
    request = make.request(status="sent", lots=["L2", "L3"])
    return make.briefing(
        request=request["reference"], lots=["L2", "L3"], status="offers_received", budget_max="60000",
        objectives="Associer les riverains.", deliverables="Un rapport.", offer_deadline=PAST,
        award_route="mini_competition", award_criteria=CRITERIA,
        invitations=[offer(AGORA, "L2", "20000", 90, 70), offer(BABEL, "L2", "25000", 80, 85),
                     offer(CIVIC, "L2", "18000", 50, 75), offer(AGORA, "L3", "15000", 80, 80)],
    )


def letters(smtp):
    """What each provider received: {address: (subject, text of the attached letter)}."""
    received = {}
    for recipient, message in smtp.inbox.messages:
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(attachment.get_content())).pages)
        received[recipient] = (message["Subject"].strip(), " ".join(text.split()))
    return received


def test_awarding_a_lot_sends_the_award_letter_and_a_letter_with_score_and_rank_to_each_other_tenderer(
        mailing_app, client, store, smtp, briefing):
    outcome = post_action(client, "briefings", "award", briefing, lot="L2", provider=BABEL, amount="", reason="")

    assert outcome.errors == []
    received = letters(smtp)
    assert sorted(received) == ["offers@agora.example", "offers@babel.example", "offers@civic.example"]
    subject, text = received["offers@babel.example"]  # the winner works in Dutch
    assert subject == f"Gunning van perceel L2 — Ontwerp — bestek {briefing['reference']}"
    assert "aan u gegund wordt voor € 25.000,00 exclusief btw" in text
    assert "Uw rangschikking 1 van 3 offertes" in text and "Uw score 83 op 100" in text
    subject, text = received["offers@agora.example"]
    assert subject == f"Votre offre pour le lot L2 — Conception — cahier des charges {briefing['reference']}"
    assert "Votre note 78 sur 100" in text and "Votre classement 2 sur 3 offres" in text
    assert "attribué à un autre prestataire, Babel Dialoog vzw" in text
    assert "meilleure note pondérée sur les critères d'attribution annoncés (83 sur 100)" in text
    assert "Page 1 sur 1" in text and "Bruxelles, le" in text
    # Working in French and Dutch: written to in the briefing's language (French).
    assert "Votre classement 3 sur 3 offres" in received["offers@civic.example"][1]
    assert {message["status"] for message in store.find("outbox", {})} == {"sent"}


def test_each_lot_gets_its_own_letters_once(mailing_app, client, store, smtp, briefing):
    post_action(client, "briefings", "award", briefing, lot="L2", provider=BABEL, amount="", reason="")
    after_l2 = store.find_one("briefings", {"_id": briefing["_id"]})

    post_action(client, "briefings", "close-lot", after_l2, lot="L3", reason="Budget retiré par la commune.")

    recipients = [recipient for recipient, _message in smtp.inbox.messages]
    assert len(recipients) == 4 and recipients.count("offers@agora.example") == 2
    closing = [message for recipient, message in smtp.inbox.messages if "L3" in message["Subject"]]
    [letter] = closing
    assert letter["Subject"].strip() == f"Lot L3 — Animation clôturé sans attribution — cahier des charges {briefing['reference']}"
    [attachment] = list(letter.iter_attachments())
    text = " ".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())
    assert "Motif : Budget retiré par la commune." in text


def test_a_lower_scored_choice_gives_its_reason_to_the_other_tenderers(mailing_app, client, smtp, briefing):
    post_action(client, "briefings", "award", briefing, lot="L2", provider=AGORA, amount="",
                reason="Seule offre disponible aux dates du projet.")

    received = letters(smtp)
    assert "Motif de ce choix : Seule offre disponible aux dates du projet." in received["offers@agora.example"][1]
    assert "Reden: Seule offre disponible aux dates du projet." in received["offers@babel.example"][1]
