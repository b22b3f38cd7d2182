"""The audit trail: who changed what and when, shown on each record and to administrators."""
import logging
import re

import pytest
from pymongo.errors import OperationFailure

from backoffice import audit
from conftest import PASSWORD, REQUEST_FORM, cells

STAFF = "staff@perspective.example"


@pytest.fixture
def lot(make):
    return make.lot()


def entries(store, **query):
    return list(store.find("audit", query))


def test_creating_a_record_is_recorded_with_its_values(client, store, lot):
    client.form_post("/admin/requests/new/", REQUEST_FORM)

    stored = store.find_one("requests", {})
    [entry] = entries(store, action="create", collection="requests")
    assert entry["actor"] == STAFF
    assert entry["record"] == stored["_id"]
    assert entry["key"] == stored["reference"]
    assert {"field": "project_title", "before": None, "after": "Réaménagement de l'École du Parc"} in entry["changes"]
    assert {"field": "organisation.name", "before": None, "after": "Commune d'Ixelles"} in entry["changes"]
    assert entry["at"] is not None


def _created_request(client, store, **changes):
    """A request created through the form, as a member of staff does it."""
    client.form_post("/admin/requests/new/", dict(REQUEST_FORM, **changes))
    return store.find_one("requests", {}, sort=[("_id", -1)])


def test_an_edit_records_each_changed_field(client, store, lot):
    created = _created_request(client, store, project_title="Old title")

    client.form_post(
        f"/admin/requests/edit/?id={created['_id']}",
        dict(REQUEST_FORM, project_title="New title", municipality="21004", version="1"),
    )

    [entry] = entries(store, action="update", collection="requests")
    assert entry["actor"] == STAFF
    assert entry["record"] == created["_id"]
    assert entry["key"] == created["reference"]
    # Only what changed is listed, each field with its value before and after.
    assert sorted(entry["changes"], key=lambda change: change["field"]) == [
        {"field": "municipality", "before": "21009", "after": "21004"},
        {"field": "project_title", "before": "Old title", "after": "New title"},
    ]


PROVIDER_FORM = {
    "name": "Agora Participation scrl",
    "enterprise_number": "0123.456.749",
    "contact-name": "Léa Fictive",
    "contact-email": "lea@agora.example",
    "languages": ["fr", "nl"],
    "lots-0-lot": "L1",
    "lots-0-rank": "1",
    "status": "active",
}


def test_a_status_change_is_recorded_as_such(client, store, lot):
    client.form_post("/admin/providers/new/", PROVIDER_FORM)
    provider = store.find_one("providers", {})

    client.form_post(
        f"/admin/providers/edit/?id={provider['_id']}",
        dict(PROVIDER_FORM, name="Agora scrl", status="suspended", version="1"),
    )

    [entry] = entries(store, action="status_change", collection="providers")
    assert entry["actor"] == STAFF
    assert entry["record"] == provider["_id"]
    assert {"field": "status", "before": "active", "after": "suspended"} in entry["changes"]
    assert {"field": "name", "before": "Agora Participation scrl", "after": "Agora scrl"} in entry["changes"]

    page = client.get(f"/admin/providers/details/?id={provider['_id']}").get_data(as_text=True)
    history = page[page.index("History"):]
    assert "Status changed" in history
    assert "Status: Active → Suspended" in history


def test_a_deletion_is_recorded_with_what_was_deleted(client, store, lot, make):
    created = make.request(project_title="Gone")

    client.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/")

    assert store.count("requests", {}) == 0
    [entry] = entries(store, action="delete", collection="requests")
    assert entry["actor"] == STAFF
    assert entry["record"] == created["_id"]
    assert entry["key"] == created["reference"]
    assert {"field": "project_title", "before": "Gone", "after": None} in entry["changes"]


def test_a_bulk_deletion_is_recorded_too(client, store, lot, make):
    created = make.request(project_title="Gone")

    client.form_post("/admin/requests/action/", {"action": "delete", "rowid": str(created["_id"])}, form_url="/admin/requests/")

    assert store.count("requests", {}) == 0
    [entry] = entries(store, action="delete", collection="requests")
    assert entry["actor"] == STAFF and entry["record"] == created["_id"]


def test_signing_in_and_failing_to_are_recorded(anonymous, make_user, store):
    user = make_user("staff")

    anonymous.form_post("/login", {"email": user["email"], "password": "not the password"})
    anonymous.form_post("/login", {"email": user["email"], "password": PASSWORD})

    [failed] = entries(store, action="sign_in_failed")
    assert failed["actor"] == user["email"]
    [signed_in] = entries(store, action="sign_in")
    assert signed_in["actor"] == user["email"]
    assert signed_in["collection"] == "users"
    assert signed_in["record"] == user["_id"]
    # The password typed is never written down.
    for entry in entries(store):
        assert PASSWORD not in str(entry) and "not the password" not in str(entry)


def test_the_details_page_tells_the_history_in_words(client, store, lot):
    created = _created_request(client, store, project_title="Old title", municipality="21009")
    client.form_post(
        f"/admin/requests/edit/?id={created['_id']}",
        dict(REQUEST_FORM, project_title="New title", municipality="21004", version="1"),
    )

    page = client.get(f"/admin/requests/details/?id={created['_id']}").get_data(as_text=True)

    history = page[page.index("History"):]
    assert STAFF in history
    assert "Changed" in history
    assert "Project title: Old title → New title" in history
    # Codes are shown as a person reads them: the municipality's name, not its NIS code.
    assert re.search(r"Municipality: (Ixelles|Elsene) → (Bruxelles|Brussel|City of Brussels)<", history)
    assert "21004" not in history
    # The creation comes after (older).
    assert "Created" in history
    assert history.index("Project title: Old title") < history.index("Created")


def test_the_history_lists_only_real_changes(client, store, lot):
    created = _created_request(client, store)

    page = client.get(f"/admin/requests/details/?id={created['_id']}").get_data(as_text=True)

    changes = re.findall(r"<li>(.*?)</li>", page[page.index("History"):], re.S)
    assert "Project title: (empty) → Réaménagement de l&#39;École du Parc" in changes
    # An empty list of themes was not "changed" from nothing to nothing.
    assert [change for change in changes if change.endswith("(empty) → (empty)")] == []


def test_the_audit_trail_lists_entries_for_an_admin_and_filters_by_action(client_as, store, lot, make):
    created = make.request(project_title="Gone")
    admin = client_as("admin")
    admin.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/")

    page = admin.get("/admin/audit/").get_data(as_text=True)
    actions = cells(page, "action")
    assert {"Created", "Deleted", "Signed in"} <= set(actions)
    assert "admin@perspective.example" in cells(page, "actor")

    filtered = admin.get("/admin/audit/?flt0_0=delete").get_data(as_text=True)
    assert cells(filtered, "action") == ["Deleted"]
    assert cells(filtered, "key") == [created["reference"]]
    assert "Project title" in cells(filtered, "changes")[0]  # field labels, never internal names


def test_audit_entries_cannot_be_changed_through_any_url(client_as, store, lot, make):
    make.request()
    admin = client_as("admin")
    before = entries(store)
    entry_id = str(before[0]["_id"])
    page = admin.get("/admin/audit/").get_data(as_text=True)
    assert "/admin/audit/edit/" not in page and "/admin/audit/delete/" not in page and "/admin/audit/new/" not in page

    attempts = [
        ("get", f"/admin/audit/edit/?id={entry_id}", None),
        ("post", f"/admin/audit/edit/?id={entry_id}", {"actor": "someone else", "action": "delete"}),
        ("post", "/admin/audit/new/", {"actor": "someone else", "action": "delete"}),
        ("post", "/admin/audit/delete/", {"id": entry_id}),
        ("post", "/admin/audit/action/", {"action": "delete", "rowid": entry_id}),
        ("post", "/admin/audit/ajax/update/", {"list_form_pk": entry_id, "actor": "someone else"}),
    ]
    for method, url, data in attempts:
        if method == "get":
            response = admin.get(url)
            assert 'name="actor"' not in response.get_data(as_text=True), url
        else:
            response = admin.form_post(url, data, form_url="/admin/audit/")
        assert response.status_code in (302, 403, 404, 405), url

    after = entries(store)
    assert all(entry in after for entry in before)
    assert all(entry["actor"] != "someone else" for entry in after)


def test_staff_cannot_read_the_audit_trail(client):
    response = client.get("/admin/audit/")

    assert response.status_code == 403


class BrokenAuditStore:
    """A store whose audit collection refuses every write (as a database that fails would), the rest working as usual."""

    def __init__(self, store):
        self.store = store

    def insert(self, name, doc):
        if name == audit.COLLECTION:
            raise OperationFailure("the audit store refused the write")
        return self.store.insert(name, doc)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture
def break_audit(monkeypatch):
    """Call it to make every later audit entry fail to be written."""
    record = audit.record

    def breaking():
        monkeypatch.setattr(audit, "record", lambda store, *args, **kwargs: record(BrokenAuditStore(store), *args, **kwargs))

    return breaking


def test_a_failed_audit_write_shows_an_error_and_is_logged(client, store, lot, break_audit, caplog):
    break_audit()
    with caplog.at_level(logging.ERROR):
        response = client.form_post("/admin/requests/new/", REQUEST_FORM)

    assert response.status_code >= 500
    page = response.get_data(as_text=True)
    assert "Record was successfully created." not in page
    assert "OperationFailure" not in page and "audit store refused" not in page
    assert any(
        record.levelno == logging.CRITICAL and "audit entry could not be written" in record.getMessage()
        for record in caplog.records
    )
    assert "successfully" not in client.get("/admin/requests/").get_data(as_text=True)


def test_a_failed_audit_write_leaves_no_unrecorded_record(client, store, lot, break_audit):
    break_audit()

    client.form_post("/admin/requests/new/", REQUEST_FORM)

    # The user was told the save failed: a request that the trail does not know must not be left behind.
    assert store.count("requests", {}) == 0


def test_a_failed_audit_write_leaves_no_unrecorded_edit(client, store, lot, make, break_audit):
    created = make.request(project_title="Old title")
    break_audit()

    response = client.form_post(
        f"/admin/requests/edit/?id={created['_id']}", dict(REQUEST_FORM, project_title="New title", version="1")
    )

    assert response.status_code >= 500
    assert store.find_one("requests", {"_id": created["_id"]})["project_title"] == "Old title"


def test_a_failed_audit_write_leaves_no_unrecorded_deletion(client, store, lot, make, break_audit):
    created = make.request()
    break_audit()

    response = client.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/")

    assert response.status_code >= 500
    assert store.find_one("requests", {"_id": created["_id"]}) is not None
