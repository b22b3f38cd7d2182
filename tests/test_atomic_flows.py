"""Each multi-write flow is one store transaction: a failure in the middle leaves nothing half-written.

A write is made to fail after some of the flow's writes went through (an audit entry that
cannot be written, an insert that breaks); what the store holds afterwards must be exactly
what it held before: the records, their versions, the audit trail, the counters, the outbox.
"""
import datetime as dt

import pytest

from backoffice import audit, backup, imports, seeding, workflow
from backoffice.store import Conflict
from backoffice.store.app import get_store
from test_workflow_briefings import AGORA, BABEL, complete, framework, invitation, request_record  # noqa: F401  (fixtures)
from test_workflow_requests import eligible

YEAR = dt.datetime.now(dt.timezone.utc).year
STAFF = "staff@perspective.example"


class Broken(Exception):
    """The failure injected in the middle of a flow."""


def everything(store):
    """What the store holds, collection by collection, each document whole (the counters included)."""
    return {name: store.find(name, {}) for name in sorted(store.catalogue) if store.count(name)}


def fail_on(monkeypatch, module, action=None, collection=None):
    """Make `audit.record` (as `module` calls it) fail for the entry of this action and collection; the others are written."""
    real = audit.record

    def record(store, what, actor, coll=None, *args, **kwargs):
        if (action is None or what == action) and (collection is None or coll == collection):
            raise Broken(f"{what} {coll}: the audit entry could not be written")
        return real(store, what, actor, coll, *args, **kwargs)

    monkeypatch.setattr(module.audit, "record", record)


def test_create_briefing_leaves_nothing_when_its_last_write_fails(app, make, monkeypatch):
    make.lot()
    request = make.request(**eligible())
    store = get_store(app)
    before = everything(store)
    # The request's move and its audit entry, the counter and the briefing are written; the briefing's entry fails.
    fail_on(monkeypatch, workflow.records, "create", "briefings")

    with app.test_request_context(), pytest.raises(Broken):
        workflow.create_briefing(store, request, STAFF, request["version"])

    assert everything(store) == before
    assert store.get("requests", request["_id"])["status"] == "under_review"
    assert store.count("briefings") == 0
    assert store.get("counters", f"briefings-{YEAR}") is None
    # And the same request then gets its briefing, with the first reference of the year.
    monkeypatch.undo()
    with app.test_request_context():
        created = workflow.create_briefing(store, request, STAFF, request["version"])
    assert created["reference"] == f"BRF-{YEAR}-0001"
    assert store.get("requests", request["_id"])["status"] == "briefing"


def test_a_briefing_sent_whose_request_cannot_follow_stays_as_it_was(app, make, request_record, monkeypatch):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[
        invitation(AGORA, sent_on=None), invitation(BABEL, sent_on=None),
    ]))
    store = get_store(app)
    before = everything(store)
    # The briefing is saved as sent (with its entry); the request's follow-up fails at its entry.
    fail_on(monkeypatch, workflow.records, "status_change", "requests")

    with app.test_request_context(), pytest.raises(Broken):
        workflow.move(store, "briefings", briefing, "sent", STAFF, version=briefing["version"])

    assert everything(store) == before
    kept = store.get("briefings", briefing["_id"])
    assert (kept["status"], kept["version"]) == ("ready", briefing["version"])
    assert all("sent_on" not in item for item in kept["invitations"])
    assert store.get("requests", request_record["_id"])["status"] == "briefing"
    assert store.count("outbox") == 0  # no e-mail queued for a briefing that was not sent


def test_a_briefing_sent_moves_its_request_and_queues_its_mails_together(app, make, request_record):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[
        invitation(AGORA, sent_on=None), invitation(BABEL, sent_on=None),
    ]))
    store = get_store(app)

    with app.test_request_context():
        saved = workflow.move(store, "briefings", briefing, "sent", STAFF, version=briefing["version"])

    assert saved["status"] == "sent"
    assert store.get("requests", request_record["_id"])["status"] == "sent"
    assert sorted(message["key"] for message in store.find("outbox", {})) == [
        f"briefing:{briefing['reference']}:{AGORA}", f"briefing:{briefing['reference']}:{BABEL}",
    ]


def test_a_seed_reset_that_fails_midway_keeps_what_the_store_held(app, make, monkeypatch):
    make.lot(code="L9", name_fr="Lot d'avant", name_nl="Vroeger perceel")
    store = get_store(app)
    before = everything(store)
    real, calls = seeding.records.insert_valid, []

    def insert_then_break(collection, doc, actor, store):
        calls.append(collection)
        if len(calls) == 12:  # the lots and some providers are in, the reset's deletions done
            raise Broken("the disk is full")
        return real(collection, doc, actor, store)

    monkeypatch.setattr(seeding.records, "insert_valid", insert_then_break)
    with app.test_request_context(), pytest.raises(Broken):
        seeding.seed(store, app.config["SEEDS_DIR"], reset=True)

    assert len(calls) == 12
    assert everything(store) == before
    assert [lot["code"] for lot in store.find("lots", {})] == ["L9"]


def test_a_restore_that_fails_at_its_last_write_leaves_the_store_as_it_was(app, make, tmp_path, monkeypatch):
    with app.test_request_context():
        assert not seeding.seed(get_store(app), app.config["SEEDS_DIR"]).errors
    store = get_store(app)
    path = tmp_path / "backup.json"
    backup.backup(store, path)
    make.lot(code="L9", name_fr="Lot d'après", name_nl="Later perceel")  # not in the backup
    before = everything(store)
    # Every collection is emptied and filled again; the restore's own audit entry then fails.
    fail_on(monkeypatch, backup, "restore")

    with app.test_request_context(), pytest.raises(Broken):
        backup.restore(store, path)

    assert everything(store) == before
    assert store.count("lots", {"code": "L9"}) == 1


def test_a_restore_replaces_every_collection_in_one_go(app, make, tmp_path):
    store = get_store(app)
    make.lot()
    path = tmp_path / "backup.json"
    backup.backup(store, path)
    make.lot(code="L9", name_fr="Lot d'après", name_nl="Later perceel")

    with app.test_request_context():
        counts = backup.restore(store, path)

    assert counts["lots"] == 1
    assert [lot["code"] for lot in store.find("lots", {})] == ["L1"]
    assert [entry["action"] for entry in store.find("audit", {"action": "restore"})] == ["restore"]


def test_an_import_whose_own_audit_entry_fails_writes_no_record(app, make, monkeypatch):
    make.lot()
    make.provider()
    store = get_store(app)
    content = (
        "Name,Enterprise number,Working languages,City\r\n"
        "Civic Lab,0203.201.340,French,\r\n"
        "Agora Participation scrl,0123.456.749,\"French, Dutch\",Ixelles\r\n"
    ).encode("utf-8")
    with app.test_request_context():
        result = imports.preview("providers", "f.csv", content, store=store)
    assert result.counts == {"new": 1, "changed": 1, "unchanged": 0, "error": 0}, [
        (line.lines, line.errors) for line in result.records]
    before = everything(store)
    # Both providers and their entries are written; the import's own entry fails.
    fail_on(monkeypatch, imports, "import")

    with app.test_request_context(), pytest.raises(Broken):
        imports.apply(result, STAFF, store=store)

    assert everything(store) == before
    assert store.count("providers") == 1


def test_a_busy_store_while_mailing_leaves_the_briefing_sent_and_its_mails_queued(app, make, request_record, monkeypatch):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[invitation(AGORA, sent_on=None)]))
    store = get_store(app)

    def busy(store, keys=None):
        raise Conflict("the write lock stayed taken")

    monkeypatch.setattr(workflow.outbox, "send_pending", busy)
    with app.test_request_context():
        saved = workflow.move(store, "briefings", briefing, "sent", STAFF, version=briefing["version"])

    assert saved["status"] == "sent"
    assert store.get("briefings", briefing["_id"])["status"] == "sent"
    assert [message["status"] for message in store.find("outbox", {})] == ["queued"]  # `outbox send` delivers it later
