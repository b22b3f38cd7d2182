"""Start without the database: the app starts, says the database is unreachable, and creates its indexes once it answers."""
import os
import time
import uuid

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from backoffice import create_app
from backoffice.store import app as store_app
from backoffice.store.mongo import MongoStore
from conftest import ENGINES, PASSWORD, TEST_SECRET_KEY, csrf_token

DATABASE_DOWN = "The database cannot be reached right now. Please try again in a few minutes."


def test_the_app_starts_with_its_mongodb_stopped_and_says_so():
    started = time.monotonic()
    # Nothing listens on port 9: the server is down, as after a reboot of its machine.
    app = create_app({"MONGO_URI": "mongodb://127.0.0.1:9/backoffice", "MONGO_TIMEOUT_MS": 500,
                      "SECRET_KEY": TEST_SECRET_KEY, "SESSION_COOKIE_SECURE": False})
    try:
        assert time.monotonic() - started < 5
        client = app.test_client()
        assert client.get("/healthz").status_code == 503
        login = client.get("/login?lang=en")
        assert login.status_code == 200
        response = client.post("/login", data={"email": "staff@perspective.example", "password": PASSWORD,
                                               "csrf_token": csrf_token(login.get_data(as_text=True))})
        assert response.status_code == 503
        assert DATABASE_DOWN in response.get_data(as_text=True)
    finally:
        store_app.close(app)


# MongoDB's indexes wait for the server; the SQLite store creates its own when its file opens.
@pytest.mark.parametrize("engine", [engine for engine in ENGINES if engine != "sqlite"], indirect=True)
def test_the_indexes_are_created_once_the_database_answers(engine, tmp_path, monkeypatch):
    real = MongoStore.ensure_indexes
    answers = {"up": False}
    calls = []

    def ensure_indexes(store):
        if not answers["up"]:
            calls.append("refused")
            raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")
        real(store)
        calls.append("created")

    monkeypatch.setattr(MongoStore, "ensure_indexes", ensure_indexes)
    monkeypatch.setattr(store_app.PendingIndexes, "RETRY_SECONDS", 0)
    config = {"TESTING": True, "STORE_ENGINE": engine, "BACKOFFICE_DATA_DIR": str(tmp_path / "data"),
              "SECRET_KEY": TEST_SECRET_KEY}
    if engine == "mongodb":
        config |= {"MONGO_URI": os.environ["MONGO_URI"], "MONGO_DBNAME": f"backoffice_test_{uuid.uuid4().hex[:12]}"}
    app = create_app(config)
    try:
        assert calls == ["refused"]
        answers["up"] = True

        assert app.test_client().get("/login").status_code == 200
        app.test_client().get("/login")

        assert calls == ["refused", "created"]
        assert "email_1" in store_app.get_store(app).db["users"].index_information()
    finally:
        if engine == "mongodb":
            store_app.get_store(app).db.client.drop_database(config["MONGO_DBNAME"])
        store_app.close(app)
