"""The database layer on every engine: unique keys, the health check, references under concurrency."""
import datetime as dt
import threading
import time

import pytest
from pymongo.errors import DuplicateKeyError

from backoffice import create_app, db, records
from conftest import REQUEST

YEAR = dt.datetime.now(dt.timezone.utc).year

UNIQUE_KEYS = [
    ("lots", "code", "L1"),
    ("providers", "enterprise_number", "0123456749"),
    ("requests", "reference", f"REQ-{YEAR}-0001"),
    ("briefings", "reference", f"BRF-{YEAR}-0001"),
]


def _unique_fields(collection):
    """The single fields that carry a unique index in `collection`."""
    return {
        index["key"][0][0]
        for index in collection.index_information().values()
        if index.get("unique") and len(index["key"]) == 1
    }


@pytest.mark.parametrize("collection, field, value", UNIQUE_KEYS)
def test_the_natural_key_has_a_unique_index(database, collection, field, value):
    assert field in _unique_fields(database[collection])


@pytest.mark.parametrize("collection, field, value", UNIQUE_KEYS)
def test_a_duplicate_natural_key_is_refused_by_the_database(database, collection, field, value):
    database[collection].insert_one({field: value})

    with pytest.raises(DuplicateKeyError):
        database[collection].insert_one({field: value})

    assert database[collection].count_documents({field: value}) == 1


def test_health_check_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_check_answers_503_quickly_when_the_database_is_unreachable():
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_ENGINE": "mongodb",
            # Port 9 (discard) has nothing listening: the server is unreachable.
            "MONGO_URI": "mongodb://127.0.0.1:9/backoffice",
            "MONGO_TIMEOUT_MS": 300,
            "CREATE_INDEXES": False,
        }
    )
    try:
        started = time.monotonic()
        response = app.test_client().get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        db.close(app)

    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"
    assert elapsed < 2


def test_references_given_concurrently_are_distinct_and_follow_each_other(app, make, database):
    make.lot()
    threads_count, per_thread = 8, 5
    failures = []
    start = threading.Barrier(threads_count)

    def work():
        try:
            with app.test_request_context():
                start.wait()
                for _ in range(per_thread):
                    records.create("requests", REQUEST, actor="thread")
        except Exception as error:  # reported below, with the test's failure
            failures.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    references = sorted(doc["reference"] for doc in database["requests"].find({}, {"reference": 1}))
    assert references == [f"REQ-{YEAR}-{number:04d}" for number in range(1, threads_count * per_thread + 1)]
