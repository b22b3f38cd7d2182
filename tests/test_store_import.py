"""`flask --app app store import-tinymongo PATH`: an embedded store of the former app, moved into the new store.

The source, tests/data/tinymongo/backoffice.sqlite.gz, was written once by the app itself on
tinymongo 1.3.1 (the real peer), before tinymongo left the project: the demo seeds, a user,
audit entries and values of every kind tinymongo tags (ObjectId, dates, Decimal128, binary,
a mapping that looks like a tag). expected.json.gz holds what that app read back from it
(MongoDB extended JSON, canonical), every document with its types.
"""
import gzip
import shutil
import sqlite3
from pathlib import Path

from bson import ObjectId, json_util
from bson.decimal128 import Decimal128
from bson.json_util import CANONICAL_JSON_OPTIONS

from backoffice import create_app, search
from conftest import TEST_SECRET_KEY
from backoffice.store import SQLITE_FILE, prefixes
from backoffice.store.sqlite import SQLiteStore

SOURCE = Path(__file__).parent / "data" / "tinymongo"


def _import(directory, source):
    app = create_app({"TESTING": True, "STORE_ENGINE": "sqlite", "BACKOFFICE_DATA_DIR": str(directory),
                      "SECRET_KEY": TEST_SECRET_KEY})
    return app.test_cli_runner().invoke(args=["store", "import-tinymongo", str(source)])


def without_terms(documents):
    """{_id: document} without the search terms the store computes itself."""
    return {key: {name: value for name, value in doc.items() if name != search.FIELD} for key, doc in documents.items()}


def _build_source(directory):
    """The tinymongo data directory in `directory`; returns {collection: {_id: document}} as the old app read it."""
    directory.mkdir(parents=True)
    with gzip.open(SOURCE / "backoffice.sqlite.gz", "rb") as packed, open(directory / "backoffice.sqlite", "wb") as plain:
        shutil.copyfileobj(packed, plain)
    with gzip.open(SOURCE / "expected.json.gz", "rt", encoding="utf-8") as packed:
        content = json_util.loads(packed.read(), json_options=CANONICAL_JSON_OPTIONS.with_options(tz_aware=False))
    return {name: {doc["_id"]: doc for doc in docs} for name, docs in content.items()}


def test_import_copies_every_document_with_its_types(tmp_path):
    source, target = tmp_path / "tinymongo", tmp_path / "new"
    expected = _build_source(source)
    result = _import(target, source)
    assert result.exit_code == 0, result.output
    assert f"requests {len(expected['requests'])}" in result.output and "users 1" in result.output
    store = SQLiteStore(target / SQLITE_FILE)
    for name, documents in expected.items():
        stored = {doc["_id"]: doc for doc in store.find(name)}
        # The search terms are computed again by today's rules (backoffice.search); everything else is as it was.
        assert without_terms(stored) == without_terms(documents), name
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
