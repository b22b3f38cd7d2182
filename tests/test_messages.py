"""What the page says after a save or a delete: the record by name, linked, in the user's language; only what happened."""
import datetime as dt
import re

import pytest

from test_i18n import visible_texts
from test_requests_views import FORM

YEAR = dt.datetime.now(dt.timezone.utc).year


def _alerts(html, kind):
    """The texts of the page's alerts of one kind (success, danger), one string per alert."""
    return [" ".join(visible_texts(block)).replace("×", "").strip()
            for block in re.findall(rf'<div class="alert alert-{kind}[^"]*"[^>]*>(.*?)</div>', html, re.S)]


@pytest.mark.parametrize(
    "lang, created, saved",
    [
        ("fr", f"Demande REQ-{YEAR}-0001 créée.", f"Demande REQ-{YEAR}-0001 enregistrée."),
        ("nl", f"Aanvraag REQ-{YEAR}-0001 aangemaakt.", f"Aanvraag REQ-{YEAR}-0001 opgeslagen."),
        ("en", f"Request REQ-{YEAR}-0001 created.", f"Request REQ-{YEAR}-0001 saved."),
    ],
)
def test_a_created_and_a_saved_request_are_named_and_linked(client, store, make, lang, created, saved):
    make.lot()
    client.get(f"/admin/?lang={lang}")

    page = client.form_post("/admin/requests/new/", FORM, follow_redirects=True).get_data(as_text=True)

    stored = store.find_one("requests", {})
    assert _alerts(page, "success") == [created]
    assert f'<a href="/admin/requests/details/?id={stored["_id"]}">REQ-{YEAR}-0001</a>' in page

    page = client.form_post(f"/admin/requests/edit/?id={stored['_id']}", dict(FORM, version="1"),
                            follow_redirects=True).get_data(as_text=True)
    assert _alerts(page, "success") == [saved]


def test_a_deleted_provider_is_named(client, store, make):
    make.lot()
    provider = make.provider()
    client.get("/admin/?lang=fr")

    page = client.form_post("/admin/providers/delete/", {"id": str(provider["_id"]), "url": "/admin/providers/"},
                            form_url="/admin/providers/", follow_redirects=True).get_data(as_text=True)

    assert _alerts(page, "success") == [f"Prestataire {provider['name']} supprimé."]
    assert store.count("providers", {}) == 0


def test_a_bulk_delete_of_a_referenced_record_only_says_it_was_refused(client, store, make):
    lot = make.lot()
    make.request(lots=[lot["code"]])
    client.get("/admin/?lang=fr")

    page = client.form_post("/admin/lots/action/", {"action": "delete", "rowid": [str(lot["_id"])], "url": "/admin/lots/"},
                            form_url="/admin/lots/", follow_redirects=True).get_data(as_text=True)

    assert _alerts(page, "success") == []
    assert len(_alerts(page, "danger")) == 1
    assert "ne peut pas être supprimé" in _alerts(page, "danger")[0]
    assert store.count("lots", {}) == 1


def test_a_bulk_delete_counts_what_it_deleted(client, store, make):
    make.lot()
    first, second = make.provider(), make.provider(enterprise_number="0403.170.701", name="Deuxième")
    client.get("/admin/?lang=nl")

    page = client.form_post("/admin/providers/action/",
                            {"action": "delete", "rowid": [str(first["_id"]), str(second["_id"])], "url": "/admin/providers/"},
                            form_url="/admin/providers/", follow_redirects=True).get_data(as_text=True)

    assert _alerts(page, "success") == ["2 records zijn verwijderd."]
    assert store.count("providers", {}) == 0
