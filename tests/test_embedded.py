"""Lists and exports read the same rows in the same order on every engine, shortcuts or not.

The embedded store gets shortcuts (`backoffice.embedded`): an unfiltered page read in
index order by SQL, a filtered page read once for its count and its rows, an export
read by row ids. Each must give exactly what the engine's own `find` gives.
"""
import datetime as dt

import pytest
from bson import ObjectId

from backoffice import db
from conftest import ENGINES

PROJECTION = {"reference": 1, "received_on": 1, "organisation": 1, "status": 1, "assigned_to": 1, "version": 1}
SORTS = [
    [("received_on", -1), ("_id", -1)],
    [("received_on", 1), ("_id", 1)],
    [("reference", 1)],
    [("reference", -1)],
    [("organisation.name", 1), ("_id", 1)],
    [("assigned_to", -1), ("_id", -1)],
    [("status", 1), ("_id", 1)],
]
QUERIES = [
    {},
    {"status": "received"},
    {"search_terms": {"$regex": "^parc"}},
    {"search_terms": {"$regex": "^ec"}},
    {"$and": [{"status": "under_review"}, {"$and": [{"search_terms": {"$regex": "^ecole"}}, {"search_terms": {"$regex": "^1"}}]}]},
    {"$and": [{"search_terms": {"$regex": "^parc"}}, {"search_terms": {"$regex": "^nothing"}}]},
    {"search_terms": {"$regex": "^Parc"}},
    {"$and": [{"status": "received"}, {"lots": "L2"}]},
    {"organisation.type": "citizen_collective"},
    {"status": "nobody has this status"},
]


@pytest.fixture
def requests(database):
    """Sixty requests with shared dates, missing values and accents, stored as the schema stores them."""
    moment = dt.datetime(2026, 11, 2, 9, 30)
    docs = []
    for number in range(1, 61):
        doc = {
            "_id": ObjectId(),
            "reference": f"REQ-2026-{number:04d}",
            # Five requests a day: many share a date, so the `_id` decides between them.
            "received_on": dt.datetime(2026, 1, 1) + dt.timedelta(days=number // 5),
            "organisation": {"name": ["Commune d'Ixelles", "Écoles réunies", "asbl Parc", "Zinneke"][number % 4],
                             "type": ["municipal_administration", "citizen_collective"][number % 2]},
            "status": ["received", "under_review", "closed"][number % 3],
            "lots": [["L1"], ["L2"], ["L1", "L2"]][number % 3],
            "search_terms": ["parc" if number % 4 == 2 else "ecole", str(number)],
            "version": 1,
            "created_at": moment,
        }
        if number % 3:
            doc["assigned_to"] = f"agent{number % 5}@perspective.example"
        docs.append(doc)
    database["requests"].insert_many(docs[::-1])  # stored out of order
    return database["requests"]


@pytest.mark.parametrize("sort", SORTS, ids=lambda sort: ",".join(f"{field}{'+' if way > 0 else '-'}" for field, way in sort))
def test_a_list_page_holds_the_rows_the_engine_itself_would_give(requests, sort):
    for query in QUERIES:
        expected_count = requests.count_documents(query)
        for skip in (0, 7, 55):
            expected = list(requests.find(query, projection=PROJECTION, sort=sort, skip=skip, limit=10))

            count, rows = db.list_page(requests, query, sort, skip, 10, PROJECTION)

            assert count == expected_count, (query, sort)
            assert rows == expected, (query, sort, skip)


def test_a_page_without_a_limit_holds_every_row(requests):
    count, rows = db.list_page(requests, {}, SORTS[0], 0, 0, None)

    assert count == 60
    assert rows == list(requests.find({}, sort=SORTS[0]))


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_an_export_reads_every_match_in_id_order_a_bounded_batch_at_a_time(requests, query):
    batches = list(db.batches(requests, query, 7))

    assert [doc for batch in batches for doc in batch] == list(requests.find(query, sort=[("_id", 1)]))
    assert all(len(batch) == 7 for batch in batches[:-1])
    assert all(0 < len(batch) <= 7 for batch in batches)


@pytest.mark.parametrize("sort", SORTS[:4], ids=lambda sort: ",".join(f"{field}{'+' if way > 0 else '-'}" for field, way in sort))
def test_a_small_collection_read_whole_holds_what_the_engine_would_give(requests, sort):
    fields = ("reference", "status", "organisation")

    assert db.find_all(requests, sort, fields) == list(requests.find({}, fields, sort=sort))
    assert db.find_all(requests, sort) == list(requests.find({}, sort=sort))


def test_a_write_on_key_and_version_touches_only_the_version_it_names(requests):
    doc = requests.find_one({"reference": "REQ-2026-0007"})
    other = requests.find_one({"reference": "REQ-2026-0008"})

    stale = db.update_one(requests, {"_id": doc["_id"], "version": 5}, {"$set": {"status": "closed"}})
    saved = db.update_one(requests, {"_id": doc["_id"], "version": 1}, {"$set": {"status": "closed"}, "$inc": {"version": 1}})
    kept = db.delete_one(requests, {"_id": other["_id"], "version": 9})
    gone = db.delete_one(requests, {"_id": other["_id"], "version": 1})

    assert (stale.matched_count, saved.matched_count, saved.modified_count) == (0, 1, 1)
    assert (kept.deleted_count, gone.deleted_count) == (0, 1)
    assert requests.find_one({"_id": doc["_id"]}) == doc | {"status": "closed", "version": 2}
    assert requests.find_one({"_id": other["_id"]}) is None
    assert requests.count_documents({}) == 59


# The engines that are safe under threads (mongomock is not, and the app never shares it between threads).
THREAD_SAFE = [engine for engine in ENGINES if engine != "mongomock"]


@pytest.mark.parametrize("engine", THREAD_SAFE, indirect=True)
def test_saves_of_one_version_by_several_threads_let_exactly_one_through(requests):
    import threading

    doc = requests.find_one({"reference": "REQ-2026-0010"})
    together = threading.Barrier(6)
    results, errors = [], []

    def save(number):
        try:
            together.wait(timeout=10)
            update = {"$set": {"assigned_to": f"agent{number}@perspective.example"}, "$inc": {"version": 1}}
            results.append(db.update_one(requests, {"_id": doc["_id"], "version": 1}, update).matched_count)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and sorted(results) == [0, 0, 0, 0, 0, 1]
    assert requests.find_one({"_id": doc["_id"]})["version"] == 2
