"""`flask --app app store import-tinymongo PATH`: an embedded store of today's app, moved into the new store.

The source is written by the app itself on tinymongo (the real peer): the demo seeds, a
user, audit entries and values of every kind tinymongo tags (ObjectId, dates,
Decimal128, binary, a mapping that looks like a tag).
"""
import shutil
import sqlite3

from bson import Binary, ObjectId
from bson.decimal128 import Decimal128

from backoffice import create_app, db, seeding, users
from conftest import TEST_SECRET_KEY
from backoffice.store import SQLITE_FILE, prefixes
from backoffice.store.sqlite import SQLiteStore


def _tinymongo_app(directory):
    return create_app({"TESTING": True, "DATABASE_ENGINE": "tinymongo", "BACKOFFICE_DATA_DIR": str(directory),
                       "SECRET_KEY": TEST_SECRET_KEY, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})


def _everything(database):
    names = ["audit", "briefings", "counters", "lots", "providers", "requests", "users"]
    return {name: {doc["_id"]: doc for doc in database[name].find()} for name in names}


def _import(directory, source):
    app = create_app({"TESTING": True, "BACKOFFICE_DATA_DIR": str(directory), "SECRET_KEY": TEST_SECRET_KEY})
    return app.test_cli_runner().invoke(args=["store", "import-tinymongo", str(source)])


def _build_source(directory):
    app = _tinymongo_app(directory)
    with app.app_context():
        database = db.get_db(app)
        report = seeding.seed(database, app.config["SEEDS_DIR"])
        assert not report.errors
        users.create_user(database, "admin@perspective.example", "admin", "correct horse battery staple")
        database["audit"].insert_one({
            "at": database["requests"].find_one({})["created_at"], "actor": "test", "action": "export",
            "collection": None, "record": None, "key": None, "changes": [],
            "details": {"amount": Decimal128("1234.56"), "raw": Binary(b"\x00\x01\xff", 0),
                        "looks_like_a_tag": {"__tinymongo_type_v1__": "objectid", "value": "not an id"}},
        })
        content = _everything(database)
    db.close(app)
    return content


def test_import_copies_every_document_with_its_types(tmp_path):
    source, target = tmp_path / "tinymongo", tmp_path / "new"
    expected = _build_source(source)
    result = _import(target, source)
    assert result.exit_code == 0, result.output
    assert f"requests {len(expected['requests'])}" in result.output and "users 1" in result.output
    store = SQLiteStore(target / SQLITE_FILE)
    for name, documents in expected.items():
        stored = {doc["_id"]: doc for doc in store.find(name)}
        assert stored == documents, name
    assert len(expected["requests"]) > 10 and len(expected["briefings"]) > 5
    request = next(iter(store.find("requests", {"status": "received"}, limit=1)))
    assert isinstance(request["_id"], ObjectId) and request["created_at"].year >= 2026
    export = store.find_one("audit", {"action": "export"})
    assert export["details"]["amount"] == Decimal128("1234.56")
    assert export["details"]["raw"] == b"\x00\x01\xff"
    assert export["details"]["looks_like_a_tag"] == {"__tinymongo_type_v1__": "objectid", "value": "not an id"}
    # The counters came along: the next reference follows the seeded ones.
    year_counters = [doc for doc in expected["counters"].values() if doc["_id"].startswith("requests-")]
    assert year_counters and store.next_sequence(year_counters[0]["_id"]) == year_counters[0]["seq"] + 1
    # Searches and unique keys work on what was imported.
    reference = request["reference"]
    assert [doc["reference"] for doc in store.find("requests", search=prefixes(reference))] == [reference]
    store.close()

    again = _import(target, source)
    assert again.exit_code != 0
    assert "already holds documents" in again.output and "Nothing was written." in again.output


def test_an_unreadable_document_stops_the_import_before_anything_is_written(tmp_path):
    source, target = tmp_path / "tinymongo", tmp_path / "new"
    _build_source(source)
    broken = tmp_path / "broken"
    shutil.copytree(source, broken)
    with sqlite3.connect(broken / "backoffice.sqlite") as conn:
        # In `counters`, read after `audit` and `briefings`: those are written first, then undone.
        conn.execute("""INSERT INTO counters (_id, data) VALUES ('x', '{"_id": {"__tinymongo_type_v1__": "spaceship", "value": 1}}')""")
    result = _import(target, broken)
    assert result.exit_code != 0
    assert "counters: row" in result.output and "spaceship" in result.output and "Nothing was written." in result.output
    store = SQLiteStore(target / SQLITE_FILE)
    assert store.collection_names() == []
    store.close()


def test_a_directory_without_a_tinymongo_store_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _import(tmp_path / "new", tmp_path / "empty")
    assert result.exit_code != 0 and "holds no tinymongo store" in result.output
