"""The briefing as a PDF made by the server (WeasyPrint), read back with pypdf as a provider's reader would."""
import io
import re

import pytest
from pypdf import PdfReader

FRAMEWORK = "CMP-PART-2024/01"
DELIVERABLES_FR = "Livrables attendus :\n- une note ;\n- des outils"
# Enough text to run over several pages: the running header and the page numbers must be on each.
LONG = "\n\n".join(f"Étape {number} : réunion de quartier, compte rendu et suivi des propositions des habitants." for number in range(1, 45))

WORDS = {
    "fr": {"page": "Page {page} sur {pages}", "draft": "BROUILLON", "cancelled": "ANNULÉ", "time": "heure de Bruxelles",
           "submit": "Comment remettre une offre", "contact": "Contact à la centrale de marchés"},
    "nl": {"page": "Pagina {page} van {pages}", "draft": "ONTWERP", "cancelled": "GEANNULEERD", "time": "Brusselse tijd",
           "submit": "Hoe een offerte indienen", "contact": "Contact bij de opdrachtencentrale"},
}


@pytest.fixture
def app(app):
    """The app with the centre's own settings, as an operator would set them."""
    app.config.update(FRAMEWORK_REFERENCE=FRAMEWORK, CENTRE_EMAIL="participation@centrale.example", CENTRE_PHONE="02 000 00 00")
    return app


@pytest.fixture
def request_record(make, make_user):
    make.lot(description_fr="Accompagner le projet de bout en bout.", description_nl="Het project van A tot Z begeleiden.")
    make.provider()
    make_user("staff", "nora@centrale.example", name="Nora Exemple")
    return make.request(expected_start="2027-04-01", expected_end="2027-09-30", assigned_to="nora@centrale.example")


def pdf_pages(response):
    """The text of each page of a downloaded PDF."""
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def briefing_of(make, request_record, language, status="ready", **overrides):
    fields = dict(
        request=request_record["reference"], language=language, status=status, budget_max="20000",
        offer_deadline="2027-03-15T12:00", objectives="Recueillir les attentes.", context=LONG,
        deliverables=DELIVERABLES_FR,
    )
    return make.briefing(**(fields | overrides))


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_page_carries_the_reference_its_version_and_page_numbers(client, make, request_record, language):
    briefing = briefing_of(make, request_record, language)

    response = client.get(f"/admin/briefings/pdf/?id={briefing['_id']}")

    pages = pdf_pages(response)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert briefing["reference"] in page, number
        assert WORDS[language]["page"].format(page=number, pages=len(pages)) in page
        assert FRAMEWORK in page
    assert response.headers["Content-Disposition"] == f"attachment; filename={briefing['reference']}.pdf"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_pdf_says_who_to_contact_how_to_answer_and_keeps_line_breaks(client, make, request_record, language):
    briefing = briefing_of(make, request_record, language)

    text = "\n".join(pdf_pages(client.get(f"/admin/briefings/pdf/?id={briefing['_id']}")))

    words = WORDS[language]
    assert "participation@centrale.example" in text and "02 000 00 00" in text
    assert "Nora Exemple — nora@centrale.example" in text
    assert words["submit"] in text and words["contact"] in text
    assert words["time"] in text
    # "- une note ;" and "- des outils" stay two lines, as typed.
    assert "Livrables attendus :\n- une note ;\n- des outils" in text
    scope = "Accompagner le projet de bout en bout." if language == "fr" else "Het project van A tot Z begeleiden."
    assert scope in text
    assert words["draft"] not in text


@pytest.mark.parametrize("language", ["fr", "nl"])
@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_a_briefing_not_fit_to_send_is_watermarked_on_every_page(client, make, request_record, language, status):
    briefing = briefing_of(make, request_record, language, status=status)

    pages = pdf_pages(client.get(f"/admin/briefings/pdf/?id={briefing['_id']}"))

    assert len(pages) >= 2
    for page in pages:
        assert WORDS[language][status] in page


def test_the_details_page_links_the_pdf_and_every_signed_in_role_may_fetch_it(app, client_as, anonymous, make, request_record):
    briefing = briefing_of(make, request_record, "fr", context="Court.")
    manager = client_as("manager", "manager@centrale.example")

    html = manager.get(f"/admin/briefings/details/?id={briefing['_id']}").get_data(as_text=True)

    link = re.search(r'href="([^"]*/admin/briefings/pdf/[^"]*)"', html).group(1).replace("&amp;", "&")
    assert pdf_pages(manager.get(link))
    refused = anonymous.get(link)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert anonymous.get("/admin/briefings/pdf/?id=not-an-id").status_code == 302
    assert manager.get("/admin/briefings/pdf/?id=0123456789abcdef01234567").status_code == 404
