"""Sub-forms (an organisation, a contact, an invitation…) write exactly what Flask-Admin's own widget writes."""
import pytest
from flask_admin.model.fields import InlineFieldList, InlineFormField
from flask_admin.model.widgets import InlineFormWidget
from werkzeug.datastructures import MultiDict

from backoffice.forms import form_class
from backoffice.subforms import SubformWidget
from schemas.registry import ALL_SCHEMAS


def _subforms(form):
    """Every sub-form of `form`: nested ones and each entry of a list of them."""
    for field in form:
        if isinstance(field, InlineFormField):
            yield field
        elif isinstance(field, InlineFieldList):
            yield from (entry for entry in field.entries if isinstance(entry, InlineFormField))


FILLED = {
    "requests": {"organisation-name": "ASBL Flagey <&>", "organisation-type": "public_body", "contact-email": "a@b.example",
                 "contact-language": "nl", "eligibility-decision": "eligible", "eligibility-reason": "Une « raison »\nsur deux lignes"},
    "providers": {"address-city": "Ixelles", "contact-name": "Els Peeters", "lots-0-lot": "L1", "lots-0-rank": "2",
                  "lots-1-lot": "L2", "lots-1-rank": ""},
    "briefings": {"invitations-0-provider": "0203167686", "invitations-0-lot": "L1", "invitations-0-response": "offer",
                  "award_criteria-0-name": "Prix", "award_criteria-0-weight": "30", "awards-0-lot": "L1"},
}


@pytest.mark.parametrize("collection", ["requests", "providers", "briefings", "lots"])
@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_each_sub_form_writes_what_flask_admin_writes(app, make, collection, language):
    make.lot(code="L1")
    with app.test_request_context(f"/admin/{collection}/edit/?lang={language}", method="POST",
                                  data=MultiDict(FILLED.get(collection, {}))):
        form = form_class(ALL_SCHEMAS[collection]())()
        subforms = list(_subforms(form))
        # A refused save shows its messages inside the sub-form: that path renders alike too.
        for subform in subforms[:1]:
            first = next(iter(subform.form))
            first.errors = ["Ce champ est obligatoire."]
        for subform in subforms:
            expected = InlineFormWidget()(subform)
            assert SubformWidget()(subform) == expected
            assert 'class="inline-form-field"' in expected
    assert subforms or collection == "lots"


def test_the_request_edit_form_shows_its_sub_forms_once_each(client, make):
    make.lot(code="L1")
    request = make.request(organisation={"name": "Commune de Forest", "type": "municipal_administration"},
                           contact={"name": "Lotte Janssens", "email": "lotte@forest.example", "language": "nl"})

    page = client.get(f"/admin/requests/edit/?id={request['_id']}&lang=nl").get_data(as_text=True)

    assert page.count('class="inline-form-field"') == 3
    assert 'value="Commune de Forest"' in page and 'value="lotte@forest.example"' in page
    assert '<option selected value="nl">' in page
