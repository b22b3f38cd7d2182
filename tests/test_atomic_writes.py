"""The record writes are atomic: a record and its audit entry, a reference and its counter, a delete and its
referrer check, a user and its password. Interrupted (an exception in the middle, a kill -9 of the process),
they leave nothing half-written.

(The workflow, seed, restore and import flows have theirs in test_atomic_flows.py; the store's own
transactions in test_store_contract.py.)
"""
import datetime as dt
import os
import threading
import time

import pytest

from backoffice import audit, create_app, records, references, users
from backoffice.store.app import get_store
from conftest import ENGINES, PASSWORD, PROVIDER, REQUEST, TEST_SECRET_KEY
from killing import kill_writers_midway

YEAR = dt.datetime.now(dt.timezone.utc).year


class Broken(Exception):
    """The failure injected in the middle of a write."""


def fail_audit(monkeypatch, action):
    """Make the audit entry of `action` fail to be written (the write's other parts already went through)."""
    real = audit.record

    def record(store, what, *args, **kwargs):
        if what == action:
            raise Broken(f"the {what} entry could not be written")
        return real(store, what, *args, **kwargs)

    monkeypatch.setattr(audit, "record", record)


def test_a_reference_and_its_counter_are_written_together_or_not_at_all(app, store, make, monkeypatch):
    make.lot()
    fail_audit(monkeypatch, "create")

    with app.test_request_context(), pytest.raises(Broken):
        records.create("requests", REQUEST, actor="staff@perspective.example")

    assert store.count("requests") == 0
    assert store.get("counters", f"requests-{YEAR}") is None  # the number taken went back with the record
    monkeypatch.undo()
    assert make.request()["reference"] == f"REQ-{YEAR}-0001"


def test_an_edit_whose_audit_entry_fails_leaves_the_record_at_its_version(app, store, make, monkeypatch):
    make.lot()
    created = make.request(project_title="Old title")
    fail_audit(monkeypatch, "update")

    with app.test_request_context(), pytest.raises(Broken):
        records.update("requests", created, records.editable_data("requests", created) | {"project_title": "New"},
                       "staff@perspective.example", created["version"])

    kept = store.get("requests", created["_id"])
    assert (kept["project_title"], kept["version"]) == ("Old title", 1)
    assert [entry["action"] for entry in audit.history(store, "requests", created["_id"])] == ["create"]


def test_a_user_and_the_password_are_written_together(app, store, monkeypatch):
    fail_audit(monkeypatch, "password")

    with app.app_context(), pytest.raises(Broken):
        users.create_user(store, "new@perspective.example", "staff", PASSWORD)

    assert store.count("users") == 0 and store.count("audit") == 0


def test_no_record_starts_referring_to_one_being_deleted(app, store, make, monkeypatch):
    lot = make.lot(code="L2", name_fr="Lot deux", name_nl="Perceel twee")
    checked, go_on = threading.Event(), threading.Event()
    real = references.referrers

    def check_then_wait(store_, collection, doc, **kwargs):
        found = real(store_, collection, doc, **kwargs)
        checked.set()  # nobody refers to the lot yet: the delete goes on, after a pause
        assert go_on.wait(10)
        return found

    monkeypatch.setattr(records, "referrers", check_then_wait)
    outcome = {}

    def delete():
        with app.test_request_context():
            records.delete("lots", lot, actor="staff@perspective.example")

    def add_a_provider_of_the_lot():
        with app.test_request_context():
            try:
                records.create("providers", PROVIDER | {"lots": [{"lot": "L2", "rank": 1}]}, actor="staff@perspective.example")
                outcome["provider"] = "created"
            except records.SaveRefused as refused:
                outcome["provider"] = refused.errors

    deleting = threading.Thread(target=delete)
    deleting.start()
    assert checked.wait(10)
    adding = threading.Thread(target=add_a_provider_of_the_lot)
    adding.start()
    time.sleep(0.3)  # the provider's save waits for the delete's transaction
    assert "provider" not in outcome
    go_on.set()
    deleting.join(10)
    adding.join(20)

    assert store.count("lots", {"code": "L2"}) == 0
    assert "lots" in outcome["provider"]  # refused: the lot no longer exists
    assert store.count("providers") == 0


# A kill -9 during a stream of the app's saves ----------------------------------------------------------

def _save_requests_forever(data_dir, ids, progress):
    """In a second process: the app saving the requests one after the other, as long as it lives."""
    app = create_app({"TESTING": True, "STORE_ENGINE": "sqlite", "BACKOFFICE_DATA_DIR": data_dir,
                      "SECRET_KEY": TEST_SECRET_KEY})
    store = get_store(app)
    n = 0
    with app.test_request_context():
        while True:
            doc = store.get("requests", ids[n % len(ids)])
            n += 1
            try:
                records.update("requests", doc, records.editable_data("requests", doc) | {"project_title": f"Save {os.getpid()}-{n}"},
                               "second-process", doc["version"])
            except records.StaleRecord:
                continue  # another save of the same record went first: nothing was written
            with progress.get_lock():
                progress.value += 1


@pytest.mark.parametrize("engine", [engine for engine in ENGINES if engine == "sqlite"], indirect=True)
def test_a_kill_9_during_app_saves_leaves_one_audit_entry_per_version(app, store, make, tmp_path):
    make.lot()
    ids = [make.request(project_title=f"Request {n}")["_id"] for n in range(4)]
    counted = kill_writers_midway(_save_requests_forever, (app.config["BACKOFFICE_DATA_DIR"], ids), at_least=30)

    total = 0
    for record_id in ids:
        saved = store.get("requests", record_id)
        entries = audit.history(store, "requests", record_id)
        actions = sorted(entry["action"] for entry in entries)
        # Version 1 was created, each later version is one save: exactly one entry each, no more, no fewer.
        assert actions == ["create"] + ["update"] * (saved["version"] - 1), record_id
        # The saves' entries chain from the title the request was created with to the title stored now.
        steps = {change["before"]: change["after"] for entry in entries if entry["action"] == "update"
                 for change in entry["changes"] if change["field"] == "project_title"}
        title = next(change["after"] for entry in entries if entry["action"] == "create"
                     for change in entry["changes"] if change["field"] == "project_title")
        for _step in range(saved["version"] - 1):
            title = steps.pop(title)
        assert (title, steps) == (saved["project_title"], {})
        total += saved["version"] - 1
    assert total >= counted  # every save counted was kept (one more may have committed as it died)
    # The file took the kill in its stride: the app still saves.
    with app.test_request_context():
        doc = store.get("requests", ids[0])
        again = records.update("requests", doc, records.editable_data("requests", doc) | {"project_title": "After"},
                               "staff@perspective.example", doc["version"])
    assert again["version"] == doc["version"] + 1
