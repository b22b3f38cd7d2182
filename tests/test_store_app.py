"""An app opens the store its configuration names: SQLite in the data directory by default."""
import pytest
from flask import Flask

from backoffice.store import SQLITE_FILE, app as store_app
from backoffice.store.mongo import MongoStore
from backoffice.store.sqlite import SQLiteStore


def _app(**config):
    app = Flask(__name__)
    app.config.update(config)
    return app


def test_the_embedded_store_lives_in_the_data_directory(tmp_path):
    app = _app(BACKOFFICE_DATA_DIR=str(tmp_path / "data"))
    store = store_app.init_app(app)
    with app.app_context():
        assert store_app.get_store() is store and isinstance(store, SQLiteStore)
        assert store.ping()
        store.insert("lots", {"code": "L1"})
    # Personal records: only the app's account may read the folder and every file of the store.
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    files = list((tmp_path / "data").iterdir())
    assert {path.name for path in files} == {SQLITE_FILE, SQLITE_FILE + "-wal", SQLITE_FILE + "-shm"}
    assert {path.name: path.stat().st_mode & 0o777 for path in files} == {path.name: 0o600 for path in files}
    store_app.close(app)
    again = _app(BACKOFFICE_DATA_DIR=str(tmp_path / "data"))
    assert store_app.init_app(again).count("lots") == 1
    store_app.close(again)


def test_tests_may_ask_for_mongomock_and_an_unknown_engine_is_refused(tmp_path):
    app = _app(STORE_ENGINE="mongomock", BACKOFFICE_DATA_DIR=str(tmp_path))
    store = store_app.init_app(app)
    assert isinstance(store, MongoStore) and store.ping() and not store.sessions
    assert not (tmp_path / SQLITE_FILE).exists()
    with pytest.raises(ValueError):
        store_app.init_app(_app(STORE_ENGINE="tinymongo"))


def test_the_app_starts_while_mongodb_does_not_answer():
    # Nothing listens on port 9 of the loopback: the server never answers.
    app = _app(MONGO_URI="mongodb://127.0.0.1:9/backoffice", MONGO_TIMEOUT_MS=100)
    store = store_app.init_app(app)
    assert isinstance(store, MongoStore) and not store.indexed
    assert store.ping() is False
    store_app.close(app)
