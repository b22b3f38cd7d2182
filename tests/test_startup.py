"""Start without the database: the app starts, says the database is unreachable, and creates its indexes once it answers."""
import time

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from backoffice import create_app
from backoffice import db as database_module
from conftest import PASSWORD, TEST_SECRET_KEY, csrf_token

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
        database_module.close(app)


def test_the_indexes_are_created_once_the_database_answers(engine, tmp_path, monkeypatch):
    real = database_module.create_indexes
    answers = {"up": False}
    calls = []

    def create_indexes(db):
        if not answers["up"]:
            calls.append("refused")
            raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")
        real(db)
        calls.append("created")

    monkeypatch.setattr(database_module, "create_indexes", create_indexes)
    monkeypatch.setattr(database_module.PendingIndexes, "RETRY_SECONDS", 0)
    app = create_app({"TESTING": True, "DATABASE_ENGINE": engine, "BACKOFFICE_DATA_DIR": str(tmp_path / "data"),
                      "SECRET_KEY": TEST_SECRET_KEY})
    try:
        assert calls == ["refused"]
        answers["up"] = True

        assert app.test_client().get("/login").status_code == 200
        app.test_client().get("/login")

        assert calls == ["refused", "created"]
        if engine == "mongomock":
            assert "email_1" in database_module.get_db(app)["users"].index_information()
    finally:
        database_module.close(app)
