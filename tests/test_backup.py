"""Backup and restore: what comes back is every document of every collection, as it was."""
import json
import os
import uuid
from pathlib import Path

import pytest

from backoffice import create_app, seeding
from backoffice.store import DuplicateKey
from backoffice.store import app as store_app
from backoffice.store.app import get_store
from conftest import PASSWORD, TEST_SECRET_KEY, csrf_token


def fresh_app(engine, tmp_path):
    """A second app on an empty store of the same engine."""
    config = {"TESTING": True, "STORE_ENGINE": engine, "BACKOFFICE_DATA_DIR": str(tmp_path / "fresh"), "SECRET_KEY": TEST_SECRET_KEY}
    if engine == "mongodb":
        config["MONGO_URI"] = os.environ["MONGO_URI"]
        config["MONGO_DBNAME"] = f"backoffice_test_{uuid.uuid4().hex[:12]}"
    return create_app(config)


@pytest.fixture
def other(engine, tmp_path):
    """An app on a fresh, empty store, dropped afterwards."""
    app = fresh_app(engine, tmp_path)
    yield app
    if engine == "mongodb":
        get_store(app).db.client.drop_database(app.config["MONGO_DBNAME"])
    store_app.close(app)


@pytest.fixture
def demo(app, store, make_user):
    """The demo data, a user and an audit trail, as a store in use holds them."""
    with app.app_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors
    make_user("admin", "admin@perspective.example")
    return store


def everything(store):
    """Every document of every collection, by collection, in `_id` order."""
    names = sorted(name for name in store.collection_names() if not name.startswith("system."))
    return {name: sorted(store.find(name, {}), key=lambda doc: str(doc["_id"])) for name in names}


def test_a_backup_restored_into_a_fresh_store_gives_back_every_document(app, demo, other, tmp_path):
    file = tmp_path / "backup.json"
    written = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert written.exit_code == 0, written.output

    restored = other.test_cli_runner().invoke(args=["restore", str(file)])

    assert restored.exit_code == 0, restored.output
    before, after = everything(demo), everything(get_store(other))
    assert {name for name, docs in before.items() if docs} <= set(after)
    # The restore itself is recorded in the restored audit trail, after what the backup held.
    restores = [entry for entry in after.get("audit", []) if entry["action"] == "restore"]
    assert [(entry["actor"], entry["details"]["file"]) for entry in restores] == [("cli", "backup.json")]
    after["audit"] = [entry for entry in after["audit"] if entry["action"] != "restore"]
    for name, docs in before.items():
        assert after.get(name, []) == docs, f"{name} differs after the round trip"
    seeded = json.loads(Path(other.config["SEEDS_DIR"], "requests.json").read_text(encoding="utf-8"))
    assert len(after["requests"]) == len(seeded)


def test_the_restored_store_works_the_indexes_included(app, demo, other, tmp_path):
    file = tmp_path / "backup.json"
    app.test_cli_runner().invoke(args=["backup", str(file)])
    other.test_cli_runner().invoke(args=["restore", str(file)])
    restored = get_store(other)

    taken = restored.find_one("requests", {})
    with pytest.raises(DuplicateKey) as duplicate:  # the unique reference still holds
        restored.insert("requests", {"reference": taken["reference"]})
    assert duplicate.value.fields == ("reference",)
    client = other.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    signed_in = client.post("/login", data={"email": "admin@perspective.example", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert signed_in.status_code == 302
    assert taken["reference"] in client.get("/admin/requests/?search=" + taken["reference"]).get_data(as_text=True)


def test_restore_replaces_what_the_store_held(app, demo, other, tmp_path, make):
    file = tmp_path / "backup.json"
    app.test_cli_runner().invoke(args=["backup", str(file)])
    later = make.request(project_title="Saisi après la sauvegarde")

    restored = app.test_cli_runner().invoke(args=["restore", str(file)])

    assert restored.exit_code == 0, restored.output
    assert demo.get("requests", later["_id"]) is None


@pytest.mark.parametrize(
    "content",
    [
        '{"format": "something-else", "version": 1, "collections": {}}',
        '[{"_id": 1}]',
        '{"format": "backoffice-backup", "version": 99, "collections": {}}',
        '{"format": "backoffice-backup", "version": 1, "collections": {"requests": [{"_id": {"$oid": "6b0a6bedaa8124487e251e2c"}}, ',
        "not json at all",
    ],
    ids=["another format", "a bare list", "a future version", "cut short", "not JSON"],
)
def test_restore_refuses_a_file_that_is_not_a_whole_backup_and_changes_nothing(app, demo, tmp_path, content):
    before = everything(demo)
    file = tmp_path / "other.json"
    file.write_text(content, encoding="utf-8")

    refused = app.test_cli_runner().invoke(args=["restore", str(file)])

    assert refused.exit_code != 0
    assert "Nothing was changed" in refused.output
    assert everything(demo) == before


def test_a_backup_is_canonical_extended_json(app, demo, tmp_path):
    file = tmp_path / "backup.json"
    app.test_cli_runner().invoke(args=["backup", str(file)])

    content = json.loads(file.read_text(encoding="utf-8"))

    assert content["format"] == "backoffice-backup"
    request = content["collections"]["requests"][0]
    assert set(request["_id"]) == {"$oid"}
    assert set(request["received_on"]) == {"$date"} and set(request["received_on"]["$date"]) == {"$numberLong"}
    assert set(request["version"]) == {"$numberInt"}
