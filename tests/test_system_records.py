"""The documents the system writes itself go through their schemas: audit entries, e-mails, file listings,
sign-in counts and a user's own fields. A bad one is refused naming its field, and nothing is stored."""
import datetime as dt
import hashlib
import html
import re
from pathlib import Path

import pytest
from bson import ObjectId

from backoffice import audit, files, outbox, records, system_records, throttle, users, workflow
from backoffice.store.app import get_store
from test_atomic_flows import everything
from test_files import PDF
from test_lots_views import FORM as LOT_FORM
from test_restore import restore_refused, saved  # noqa: F401  (the spoilable backup fixture)
from test_backup import demo  # noqa: F401  (the demo fixture the backup is made of)
from test_workflow_briefings import AGORA, BABEL, complete, framework, invitation, request_record  # noqa: F401  (fixtures)

STAFF = "staff@perspective.example"
MOMENT = dt.datetime(2026, 12, 1, 9, 30)


def refused(call):
    """The errors of the RecordRefused that `call` raises."""
    with pytest.raises(system_records.RecordRefused) as raised:
        call()
    return raised.value


# Audit entries ---------------------------------------------------------------------------


def test_an_audit_entry_with_an_unknown_action_is_refused_and_nothing_is_stored(app, store):
    with app.test_request_context():
        error = refused(lambda: audit.record(store, "teleport", STAFF, "lots"))
        assert list(error.errors) == ["action"]
        assert error.problems() == "Action\u00a0: Choix non valable."  # in the user's language (French by default)
        error = refused(lambda: audit.record(store, "update", STAFF, "lots", changes=[{"field": "name_fr", "before": "A"}]))
        assert list(error.errors) == ["changes"]
    assert store.count("audit") == 0


def test_an_audit_entry_is_stored_as_it_was_built(app, store, make):
    lot = make.lot()
    with app.test_request_context():
        entry = audit.record(store, "update", STAFF, "lots", lot, [{"field": "name_fr", "before": "A", "after": "B"}],
                             details={"why": "test"}, moment=MOMENT)
    stored = store.get("audit", entry["_id"])
    assert {name: stored[name] for name in stored if name != "_id"} == {
        "at": MOMENT, "actor": STAFF, "action": "update", "collection": "lots", "record": lot["_id"], "key": lot["code"],
        "changes": [{"field": "name_fr", "before": "A", "after": "B"}], "details": {"why": "test"},
    }


def test_a_save_whose_audit_entry_is_refused_saves_nothing_and_says_so_in_french(app, client, store, monkeypatch):
    real = audit.record
    # The entry our code builds is wrong (its record is named by a text, not the record's id).
    monkeypatch.setattr(records.audit, "record", lambda store, action, actor, collection=None, doc=None, *args, **kwargs:
                        real(store, action, actor, collection, dict(doc, _id=str(doc["_id"])), *args, **kwargs))
    client.get("/admin/?lang=fr")
    before = everything(store)

    response = client.form_post("/admin/lots/new/", LOT_FORM)

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Rien n'a été enregistré" in page and "entrée du journal d'audit" in page
    assert "Enregistrement\u00a0: Identifiant d'enregistrement non valide." in page
    assert "Traceback" not in page and "RecordRefused" not in page
    assert everything(store) == before


# The outbox ------------------------------------------------------------------------------


def test_an_e_mail_to_a_malformed_address_is_refused_and_nothing_is_queued(app, store):
    with app.test_request_context():
        error = refused(lambda: outbox.queue(store, "briefing:BRF-2026-0001:0123456749", "offers@@agora", "Sujet", "Corps",
                                             "fr", ("briefings", "BRF-2026-0001")))
    assert list(error.errors) == ["to"]
    assert store.count("outbox") == 0


def test_a_change_of_an_e_mail_status_is_loaded_too(app, store):
    with app.test_request_context():
        message = outbox.queue(store, "k1", "offers@agora.example", "Sujet", "Corps\n", "fr", ("briefings", "BRF-2026-0001"))
        error = refused(lambda: system_records.update(store, "outbox", message["_id"], {"status": "lost", "tries": -1}))
    assert sorted(error.errors) == ["status", "tries"]
    kept = store.get("outbox", message["_id"])
    assert (kept["status"], kept["tries"], kept["body"]) == ("queued", 0, "Corps\n")  # the body kept as written


def test_a_briefing_whose_provider_has_a_malformed_address_is_not_sent_and_says_which(app, client, store, make, request_record):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[
        invitation(AGORA, sent_on=None), invitation(BABEL, sent_on=None),
    ]))
    # An address stored before today's rules (as an old import left it): the schema of e-mails refuses it.
    babel = store.find_one("providers", {"enterprise_number": BABEL})
    store.update_if_version("providers", babel["_id"], babel["version"], set={"contact": {"name": "Babel", "email": "babel at example"}})
    before = everything(store)

    with app.test_request_context(), pytest.raises(workflow.Refused) as raised:
        workflow.move(store, "briefings", briefing, "sent", STAFF, version=briefing["version"])

    message = str(raised.value.message)
    assert "Babel Dialogue asbl" in message and "Destinataire\u00a0: Adresse e-mail non valable." in message
    assert raised.value.fix[0] == "providers.edit_view"
    # Nothing moved: the briefing is still ready, its request still in briefing, no e-mail queued.
    assert everything(store) == before
    assert store.get("briefings", briefing["_id"])["status"] == "ready"
    assert store.count("outbox") == 0


def test_a_provider_without_an_address_still_gets_its_message_kept_as_before(app, store, make, request_record):
    briefing = make.briefing(**complete(request_record, "ready", invitations=[invitation(AGORA, sent_on=None)]))
    agora = store.find_one("providers", {"enterprise_number": AGORA})
    store.update_if_version("providers", agora["_id"], agora["version"], unset=["contact"])

    with app.test_request_context():
        workflow.move(store, "briefings", briefing, "sent", STAFF, version=briefing["version"])

    [message] = store.find("outbox", {})
    assert (message["to"], message["status"]) == ("", "queued")  # sending it says there is no address


# File listings ---------------------------------------------------------------------------


def listing(**changes):
    return {"collection": "requests", "record": "REQ-2026-0001", "invitation": None, "filename": "plan.pdf",
            "content_type": "application/pdf", "size": 10, "sha256": "a" * 64, "uploaded_by": STAFF,
            "uploaded_at": MOMENT} | changes


def test_a_file_listing_whose_digest_is_not_64_hex_digits_is_refused(app, store):
    with app.test_request_context():
        error = refused(lambda: system_records.insert(store, "attachments", listing(sha256="abc123")))
    assert error.errors == {"sha256": ["Ce n'est pas une empreinte SHA-256 (64 chiffres hexadécimaux)."]}
    assert store.count("attachments") == 0


def test_a_refused_file_listing_keeps_no_content(app, store, make):
    make.lot()
    request = make.request()
    with app.test_request_context():
        error = refused(lambda: files.add(store, "requests", request["reference"], "plan.pdf", PDF, "x" * 300))
    assert list(error.errors) == ["uploaded_by"]
    assert store.count("attachments") == 0
    kept, digest = files.blobs(store, app), hashlib.sha256(PDF).hexdigest()
    # The content was not kept either: in the embedded store's folder, or in GridFS.
    assert not (digest in kept.digests() if hasattr(kept, "digests") else kept.fs.exists(digest))


# Sign-in counts --------------------------------------------------------------------------


def test_a_sign_in_count_below_zero_or_of_an_unknown_kind_is_refused(app, store):
    with app.test_request_context():
        throttle.take_turn(store, "someone@example.org", "192.0.2.1", MOMENT)
        key = "account:someone@example.org"
        error = refused(lambda: system_records.update(store, "login_throttle", key, {"failures": -1}))
        assert error.errors == {"failures": ["Doit être au moins 0."]}
        error = refused(lambda: system_records.insert(store, "login_throttle", {
            "_id": "device:1", "failures": 1, "until": MOMENT, "at": MOMENT, "refused": 0}))
        assert list(error.errors) == ["_id"]
    assert store.get("login_throttle", key)["failures"] == 1
    assert store.get("login_throttle", "device:1") is None


# A user's own fields ---------------------------------------------------------------------


def test_a_user_s_own_fields_are_loaded_by_the_user_schema(app, store, make_user):
    user = make_user("staff")
    stored = store.get("users", user["_id"])
    with app.test_request_context():
        for change, field in (({"language": "de"}, "language"), ({"session_version": -1}, "session_version"),
                              ({"password_hash": "hunter2"}, "password_hash")):
            assert list(refused(lambda: system_records.update(store, "users", user["_id"], change)).errors) == [field]
        users.end_sessions(store, user["_id"])
    after = store.get("users", user["_id"])
    assert after == stored | {"session_version": users.session_version(stored) + 1}


# Restore ---------------------------------------------------------------------------------


def test_a_backup_with_a_bad_audit_entry_or_e_mail_restores_nothing(app, store, saved):  # noqa: F811
    content, save, _good = saved
    collections = content["collections"]
    collections["audit"][0]["action"] = "teleport"
    collections.setdefault("outbox", []).append({
        "_id": ObjectId(), "key": "k", "to": "nobody@", "subject": "S", "body": "B", "language": "fr",
        "collection": "briefings", "record": "BRF-2026-0001", "attachments": [], "status": "queued", "tries": 0,
        "created_at": MOMENT, "sent_at": None, "last_error": "",
    })
    collections["users"][0]["password_hash"] = "not a hash"

    restore_refused(app, store, save(content), "audit ", "Action\u00a0: Choix non valable.", "outbox ",
                    "Destinataire\u00a0: Adresse e-mail non valable.",
                    "users admin@perspective.example: Empreinte du mot de passe\u00a0: Ce n'est pas une empreinte de mot de passe.")


# Every write -----------------------------------------------------------------------------

# The writes that go to the store directly, each with why it needs no schema of its own.
DIRECT_WRITES = {
    ("records.py", "store.insert(collection, doc)"): "a business record its schema loaded (records.validate)",
    ("records.py", "store.update_if_version(collection, previous"): "a business record its schema loaded (records.validate)",
    ("migrations.py", "store.update_if_version("): "the awards records.validate loaded",
    ("system_records.py", "store.insert(collection, load(collection, data))"): "loaded by its system schema",
    ("system_records.py", "store.update(collection, doc_id, load(collection, changes, partial=True))"): "loaded by its system schema",
    ("backup.py", "store.insert_many(name, "): "a restore's documents, every one loaded by its schema first (backup._check)",
    ("reindex.py", "store.update(name, doc[\"_id\"])"): "no field set: the store recomputes the search terms",
    ("reindex.py", "store.update(\"counters\", KEY, "): "a counter (the search rules' version), no user data",
    ("reindex.py", "store.insert(\"counters\", "): "a counter (the search rules' version), no user data",
}
WRITE = re.compile(r"(?:\bstore|get_store\([^)]*\))\.(?:insert|insert_many|update|update_if_version)\(")


def test_every_write_in_backoffice_goes_through_a_schema():
    root = Path(__file__).resolve().parent.parent / "backoffice"
    found = {}
    for path in sorted(root.rglob("*.py")):
        if path.parent.name == "store":
            continue  # the store itself
        for line in path.read_text(encoding="utf-8").splitlines():
            if WRITE.search(line) and not line.strip().startswith(("#", "Rewriting")):
                call = line.strip()
                known = next((key for key in DIRECT_WRITES if key[0] == path.name and call.startswith(key[1]) or
                              key[0] == path.name and key[1] in call), None)
                found.setdefault(known or (path.name, call), []).append(call)
    unexplained = sorted(key for key in found if key not in DIRECT_WRITES)
    assert not unexplained, f"write the document through its schema (backoffice.system_records): {unexplained}"
    assert all(len(calls) == 1 for calls in found.values()), found


def test_the_outbox_heads_the_address_column_recipient_not_a_status(app, client, store):
    with app.test_request_context():
        message = outbox.queue(store, "k1", "offers@agora.example", "Sujet", "Corps", "fr", ("briefings", "BRF-2026-0001"))
    client.get("/admin/?lang=fr")
    assert '<th scope="col">Destinataire</th>' in client.get("/admin/outbox/").get_data(as_text=True)
    page = client.get(f"/admin/outbox/message/?id={message['_id']}").get_data(as_text=True)
    assert '<dt class="col-sm-2">Destinataire</dt>' in page
