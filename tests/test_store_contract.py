"""The storage contract: every engine of `backoffice.store` answers the same calls the same way.

Each test runs on the embedded SQLite store and on mongomock, and on a real MongoDB
when MONGO_URI is set (each test in a throw-away database). The tests that need a
second process (unique keys, version races, kill -9) run on the engines several
processes can share: SQLite and a real MongoDB (mongomock lives inside one process).
Expected results are written out by hand, in MongoDB's order, not computed by the store.
"""
import datetime as dt
import multiprocessing
import os
import signal
import threading
import time
import uuid

import pytest
from bson import ObjectId
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from backoffice.store import DuplicateKey, QueryRefused, prefixes
from backoffice.store.mongo import MongoStore
from backoffice.store.query import Word
from killing import kill_writers_midway
from backoffice.store.sqlite import SQLiteStore

MONGO_URI = os.environ.get("MONGO_URI")
ENGINES = ["sqlite", "mongomock"] + (["mongodb"] if MONGO_URI else [])
SHARED_ENGINES = ["sqlite"] + (["mongodb"] if MONGO_URI else [])
FORK = multiprocessing.get_context("fork")


def open_store(spec):
    """A store from a picklable description: ("sqlite", path) or ("mongodb", uri, database)."""
    if spec[0] == "sqlite":
        return SQLiteStore(spec[1])
    from pymongo import MongoClient

    return MongoStore(MongoClient(spec[1])[spec[2]], create_indexes=False)


@pytest.fixture
def store_spec(request, tmp_path):
    """How to open a fresh store of the engine under test (from this process or another)."""
    engine = request.param
    if engine == "sqlite":
        yield ("sqlite", str(tmp_path / "store.sqlite3"))
    elif engine == "mongodb":
        name = f"store_test_{uuid.uuid4().hex[:12]}"
        yield ("mongodb", MONGO_URI, name)
        from pymongo import MongoClient

        MongoClient(MONGO_URI).drop_database(name)
    else:
        yield ("mongomock",)


@pytest.fixture
def store(store_spec):
    """A fresh, empty store of the engine under test."""
    if store_spec[0] == "mongomock":
        import mongomock

        opened = MongoStore(mongomock.MongoClient()["store_test"])
    elif store_spec[0] == "mongodb":
        from pymongo import MongoClient

        opened = MongoStore(MongoClient(store_spec[1])[store_spec[2]])
    else:
        opened = open_store(store_spec)
    yield opened
    opened.close()


every_engine = pytest.mark.parametrize("store_spec", ENGINES, indirect=True)
shared_engines = pytest.mark.parametrize("store_spec", SHARED_ENGINES, indirect=True)


def day(text):
    return dt.datetime.fromisoformat(text)


def refs(docs, field="reference"):
    return [doc.get(field) for doc in docs]


# Documents come back as they went in -------------------------------------------------


@every_engine
def test_a_document_comes_back_with_its_types(store):
    doc = {
        "reference": "REQ-2026-0001",
        "received_on": dt.datetime(2026, 3, 4, 5, 6, 7, 891_234),
        "estimated_budget": Int64(2**40),
        "organisation": {"name": "Commune d'Ixelles", "type": "municipality"},
        "lots": ["L1", "L2"],
        "notes": Decimal128("12.50"),
        "assigned_to": None,
        "version": 1,
    }
    store.insert("requests", doc)
    stored = store.get("requests", doc["_id"])
    assert isinstance(doc["_id"], ObjectId)
    # Dates keep milliseconds (BSON's precision), every engine alike.
    assert stored["received_on"] == dt.datetime(2026, 3, 4, 5, 6, 7, 891_000)
    assert stored["notes"] == Decimal128("12.50") and isinstance(stored["notes"], Decimal128)
    assert stored["estimated_budget"] == 2**40
    assert stored["organisation"] == {"name": "Commune d'Ixelles", "type": "municipality"}
    assert stored["assigned_to"] is None and stored["lots"] == ["L1", "L2"]
    # Lot keys are terms too (a search by a lot's title matches its key: backoffice.search.words).
    assert stored["search_terms"] == ["0001", "1", "2", "2026", "20260001", "commune", "d", "ixelles", "l1", "l2",
                                      "municipality", "req"]
    assert store.get("requests", ObjectId()) is None
    assert store.get("requests", doc["_id"], {"reference": 1}) == {"_id": doc["_id"], "reference": "REQ-2026-0001"}


# Sorts --------------------------------------------------------------------------------


def _providers(store, names):
    """One provider per name (None: the field is null; "-": the field is missing), in this insertion order."""
    ids = {}
    for position, name in enumerate(names):
        doc = {"enterprise_number": f"0{position:09d}", "label": f"p{position}"}
        if name != "-":
            doc["name"] = name
        store.insert("providers", doc)
        ids[doc["_id"]] = doc["label"]
    return ids


@every_engine
def test_sort_orders_text_as_mongodb_with_ties_missing_none_accents_and_case(store):
    _providers(store, ["b", "École", None, "ecole", "B", "-", "a", "Zoo", "a", "é"])
    ascending = store.find("providers", sort=[("name", 1)])
    # null and missing tie (then `_id`), then UTF-8 byte order: capitals, small letters, accented letters.
    assert refs(ascending, "label") == ["p2", "p5", "p4", "p7", "p6", "p8", "p0", "p3", "p1", "p9"]
    descending = store.find("providers", sort=[("name", -1)])
    # Ties go by `_id` in the same direction as the sort: the page order is fully reversed.
    assert refs(descending, "label") == ["p9", "p1", "p3", "p0", "p8", "p6", "p7", "p4", "p5", "p2"]


@every_engine
def test_sort_orders_types_as_mongodb(store):
    moment = dt.datetime(2020, 1, 1)
    values = [moment, "a", True, 3, None, ObjectId("000000000000000000000001"), -1.5, False, 2**40, "-", "B"]
    _providers(store, values)
    ordered = store.find("providers", sort=[("name", 1)])
    # null/missing < numbers < text < ObjectId < booleans < dates.
    assert refs(ordered, "label") == ["p4", "p9", "p6", "p3", "p8", "p10", "p1", "p5", "p7", "p2", "p0"]


@every_engine
def test_sort_on_several_fields_and_numbers_of_every_kind(store):
    rows = [("L1", 5), ("L2", 5.5), ("L3", Int64(5)), ("L4", None), ("L5", 4.75), ("L6", -0.0), ("L7", 0)]
    for code, amount in rows:
        store.insert("lots", {"code": code, "ceiling_amount": amount, "active": code in ("L1", "L2", "L3")})
    by_amount = store.find("lots", sort=[("ceiling_amount", 1)])
    assert refs(by_amount, "code") == ["L4", "L6", "L7", "L5", "L1", "L3", "L2"]
    by_active_then_amount = store.find("lots", sort=[("active", -1), ("ceiling_amount", -1)])
    assert refs(by_active_then_amount, "code") == ["L2", "L3", "L1", "L5", "L7", "L6", "L4"]
    # 5, Int64(5) are equal numbers (and -0 equals 0), as MongoDB compares them.
    assert refs(store.find("lots", {"ceiling_amount": 5}), "code") == ["L1", "L3"]
    assert refs(store.find("lots", {"ceiling_amount": 0}), "code") == ["L6", "L7"]


@every_engine
def test_a_sort_on_a_list_or_unknown_field_is_refused_by_construction(store):
    store.insert("requests", {"reference": "REQ-2026-0001", "lots": ["L2", "L1"]})
    for sort in ([("lots", 1)], [("themes", -1)], [("organisation", 1)], [("description", 1)], [("nonsense", 1)]):
        with pytest.raises(QueryRefused):
            store.page("requests", sort=sort, limit=20)
    with pytest.raises(QueryRefused):
        store.page("providers", sort=[("lots.lot", 1)])
    with pytest.raises(QueryRefused):
        store.find("requests", sort=[("reference", 2)])


# Pages ----------------------------------------------------------------------------------


@every_engine
def test_pages_cover_the_list_once_in_order_at_every_edge(store):
    names = ["delta", "alpha", "charlie", "alpha", "bravo", "-", "charlie", "echo", None, "alpha", "foxtrot"]
    _providers(store, names)
    whole = refs(store.find("providers", sort=[("name", 1)]), "label")
    assert len(whole) == 11
    for size in (1, 3, 4, 10, 11, 12):
        pages = [store.page("providers", sort=[("name", 1)], skip=skip, limit=size) for skip in range(0, 13, size)]
        assert all(page.count == 11 for page in pages)
        assert [label for page in pages for label in refs(page.documents, "label")] == whole
    assert store.page("providers", sort=[("name", 1)], skip=11, limit=5) == ([], 11)
    assert store.page("providers", sort=[("name", 1)], skip=50, limit=5) == ([], 11)
    assert refs(store.page("providers", sort=[("name", 1)], skip=9).documents, "label") == whole[9:]
    assert refs(store.page("providers", sort=[("name", -1)], skip=0, limit=2).documents, "label") == whole[::-1][:2]
    filtered = store.page("providers", {"name": "alpha"}, sort=[("name", 1)], skip=1, limit=1)
    assert filtered.count == 3 and refs(filtered.documents, "label") == ["p3"]
    empty = store.page("providers", {"name": "zulu"}, sort=[("name", 1)], limit=20)
    assert empty == ([], 0)
    with pytest.raises(QueryRefused):
        store.page("providers", skip=-1)
    projected = store.page("providers", sort=[("name", 1)], limit=4, projection={"name": 1, "version": 1})
    # p5 has no name at all; p8 has a null one.
    assert [set(doc) for doc in projected.documents] == [{"_id"}, {"_id", "name"}, {"_id", "name"}, {"_id", "name"}]


# Search -----------------------------------------------------------------------------------

AWKWARD = "50% off_the 'shelf' \"quoted\" back\\slash a*b? (draft) [v2] c.d ^x$ y+z {3} a|b"


@every_engine
def test_prefix_search_matches_literally_whatever_the_characters(store):
    store.insert("requests", {"reference": "REQ-2026-0001", "project_title": AWKWARD})
    store.insert("requests", {"reference": "REQ-2026-0002", "project_title": "École du Centre à Saint-Gilles"})
    store.insert("requests", {"reference": "REQ-2026-0003", "project_title": "Ecolo mobility", "contact": {"email": "Anna@Example.be"}})
    for typed in ["%", "_", "'", '"', "\\", "*", "?", "(", ")", "[", "]", ".*", ".", "^", "$", "+", "|", "{3}", "%%", "_e", "\\d", "[a-z]", "(?i)E"]:
        found = store.page("requests", search=[typed], sort=[("reference", 1)], limit=20)
        # Matched literally: no term holds these characters, so nothing matches (a LIKE or a regex would match all).
        assert found == ([], 0), typed
    assert refs(store.find("requests", search=prefixes(AWKWARD))) == ["REQ-2026-0001"]
    assert refs(store.find("requests", search=prefixes("50% (draft) [v2]"))) == ["REQ-2026-0001"]
    assert refs(store.find("requests", search=prefixes("back\\sl"))) == ["REQ-2026-0001"]
    # Accents and case are ignored; every prefix must match (AND), each in any term.
    assert refs(store.find("requests", search=prefixes("ÉCOL"))) == ["REQ-2026-0002", "REQ-2026-0003"]
    assert refs(store.find("requests", search=prefixes("ecol saint"))) == ["REQ-2026-0002"]
    assert refs(store.find("requests", search=prefixes("anna@example"))) == ["REQ-2026-0003"]
    assert refs(store.find("requests", search=prefixes("2026-0002"))) == ["REQ-2026-0002"]
    assert store.count("requests", search=prefixes("ecole zzz")) == 0
    assert store.count("requests", search=["\U0010ffff"]) == 0
    page = store.page("requests", {"reference": {"$ne": "REQ-2026-0002"}}, search=["ecol"], sort=[("reference", -1)], limit=1)
    assert page.count == 1 and refs(page.documents) == ["REQ-2026-0003"]


@every_engine
def test_search_follows_edits_and_deletes(store):
    doc = store.insert("requests", {"reference": "REQ-2026-0001", "project_title": "Plaine de jeux", "version": 1})
    assert store.count("requests", search=["plaine"]) == 1
    store.update_if_version("requests", doc["_id"], 1, {"project_title": "Potager collectif"})
    assert store.count("requests", search=["plaine"]) == 0
    assert refs(store.find("requests", search=["potag"])) == ["REQ-2026-0001"]
    store.delete_if_version("requests", doc["_id"], 2)
    assert store.count("requests", search=["potag"]) == 0


@every_engine
def test_a_searched_word_may_also_match_whole_terms(store):
    """A word of a lot's title also finds the documents holding the lot's key (backoffice.search.words)."""
    store.insert("requests", {"reference": "REQ-2026-0001", "project_title": "Conseil des jeunes", "lots": ["L2"]})
    store.insert("requests", {"reference": "REQ-2026-0002", "project_title": "Ontwerp du parc", "lots": ["L1"]})
    store.insert("requests", {"reference": "REQ-2026-0003", "project_title": "Potager", "lots": ["L3"]})
    assert refs(store.find("requests", search=[Word("ontwerp")])) == ["REQ-2026-0002"]
    # "ontwerp" starts a term of REQ-2026-0002, and "l2" is a whole term of REQ-2026-0001.
    assert refs(store.find("requests", search=[Word("ontwerp", ("l2",))], sort=[("reference", 1)])) == ["REQ-2026-0001", "REQ-2026-0002"]
    # Every word must match (AND), a word by its prefix or by one of its terms (OR).
    assert refs(store.find("requests", search=[Word("ontwerp", ("l2",)), "conseil"])) == ["REQ-2026-0001"]
    # Whole terms, not prefixes: "l" is no key, and a term is matched literally.
    assert store.count("requests", search=[Word("zzz", ("l",))]) == 0
    assert store.count("requests", search=[Word("zzz", ("%", "l_"))]) == 0
    page = store.page("requests", search=[Word("zzz", ("l3", "l2"))], sort=[("reference", -1)], limit=1)
    assert page.count == 2 and refs(page.documents) == ["REQ-2026-0003"]
    with pytest.raises(QueryRefused):
        store.find("requests", search=[Word("ontwerp", (2,))])


# Filters: every shape the views and modules use ---------------------------------------------


def _requests(store):
    rows = [
        {"reference": "R1", "status": "received", "lots": ["L1", "L2"], "themes": ["mobility"], "municipality": "ixelles",
         "organisation": {"type": "municipality"}, "received_on": day("2026-01-10"), "assigned_to": "ann@x.be"},
        {"reference": "R2", "status": "under_review", "lots": ["L2"], "themes": [], "municipality": "uccle",
         "organisation": {"type": "asbl"}, "received_on": day("2026-01-11T10:00"), "assigned_to": None},
        {"reference": "R3", "status": "closed", "lots": [], "themes": ["culture", "mobility"], "municipality": "ixelles",
         "organisation": {"type": "asbl"}, "received_on": day("2026-02-01")},
        {"reference": "R4", "status": "withdrawn", "municipality": "forest"},
        {"reference": "R5", "status": "received", "lots": ["L3"], "themes": ["culture"], "municipality": "uccle",
         "organisation": {"type": "collective"}, "received_on": day("2026-01-31T23:59:59.999"), "assigned_to": "bob@x.be"},
    ]
    return {row["reference"]: store.insert("requests", row) for row in rows}


REQUEST_FILTERS = [
    # ChoiceEqual / RefEqual: one value, on a one-value field or a list field.
    ({"status": "received"}, {"R1", "R5"}),
    ({"municipality": "ixelles"}, {"R1", "R3"}),
    ({"organisation.type": "asbl"}, {"R2", "R3"}),
    ({"lots": "L2"}, {"R1", "R2"}),
    ({"themes": "mobility"}, {"R1", "R3"}),
    # DateFrom, DateUntil, DateBetween (a missing date is never in a range).
    ({"received_on": {"$gte": day("2026-01-11")}}, {"R2", "R3", "R5"}),
    ({"received_on": {"$lt": day("2026-01-12")}}, {"R1", "R2"}),
    ({"received_on": {"$gte": day("2026-01-11"), "$lt": day("2026-02-01")}}, {"R2", "R5"}),
    ({"received_on": {"$gt": day("2026-01-10"), "$lte": day("2026-02-01")}}, {"R2", "R3", "R5"}),
    # references.CHOOSABLE, dashboards, reports.
    ({"status": {"$nin": ["closed", "withdrawn", "ineligible"]}}, {"R1", "R2", "R5"}),
    ({"status": {"$in": ["closed", "withdrawn"]}}, {"R3", "R4"}),
    ({"status": {"$in": []}}, set()),
    ({"lots": {"$in": ["L1", "L3"]}}, {"R1", "R5"}),
    ({"lots": {"$ne": "L2"}}, {"R3", "R4", "R5"}),
    ({"lots": {"$nin": ["L2", "L3"]}}, {"R3", "R4"}),
    ({"assigned_to": None}, {"R2", "R3", "R4"}),
    ({"assigned_to": {"$ne": None}}, {"R1", "R5"}),
    ({"assigned_to": {"$in": [None, "bob@x.be"]}}, {"R2", "R3", "R4", "R5"}),
    # Filters and a search combined by the list views; `$or` by the reports.
    ({"$and": [{"status": "received"}, {"lots": "L1"}]}, {"R1"}),
    ({"$or": [{"status": "closed"}, {"lots": "L3"}]}, {"R3", "R5"}),
    ({"$and": [{"$or": [{"municipality": "uccle"}, {"themes": "culture"}]}, {"status": {"$ne": "closed"}}]}, {"R2", "R5"}),
    ({}, {"R1", "R2", "R3", "R4", "R5"}),
]


@every_engine
def test_every_filter_shape_of_the_request_lists(store):
    _requests(store)
    for query, expected in REQUEST_FILTERS:
        found = store.page("requests", query, sort=[("received_on", -1)], limit=100)
        assert set(refs(found.documents)) == expected, query
        assert found.count == len(expected), query
        assert store.count("requests", query) == len(expected), query


@every_engine
def test_filters_on_keys_and_ids(store):
    docs = _requests(store)
    # references.DatabaseReferences.taken: the value, on another record than this one.
    assert store.find_one("requests", {"reference": "R1", "_id": {"$ne": docs["R1"]["_id"]}}) is None
    assert store.find_one("requests", {"reference": "R1", "_id": {"$ne": docs["R2"]["_id"]}})["_id"] == docs["R1"]["_id"]
    assert set(refs(store.find("requests", {"reference": {"$in": ["R2", "R4", "R9"]}}, projection={"reference": 1}))) == {"R2", "R4"}
    assert refs(store.find("requests", {"_id": {"$in": [docs["R5"]["_id"], docs["R3"]["_id"]]}}, sort=[("reference", 1)])) == ["R3", "R5"]
    assert store.find_one("requests", {"municipality": "uccle"}, sort=[("received_on", -1)])["reference"] == "R5"


def _briefings(store):
    rows = [
        {"reference": "B1", "status": "sent", "offer_deadline": day("2026-01-05"), "request": "R1", "lots": ["L1"],
         "invitations": [{"provider": "P1", "lot": "L1", "sent_on": day("2026-01-02")},
                         {"provider": "P2", "lot": "L1", "sent_on": day("2025-12-30")}]},
        {"reference": "B2", "status": "offers_received", "offer_deadline": day("2026-03-01"), "request": "R2", "lots": ["L2"],
         "awards": [{"lot": "L2", "outcome": "awarded", "provider": "P1", "amount": 100, "awarded_on": day("2026-03-05")}],
         "invitations": [{"provider": "P1", "lot": "L2", "sent_on": day("2026-02-01"), "response": "offer"}]},
        {"reference": "B3", "status": "draft", "request": "R1", "lots": ["L1", "L2"], "awards": [], "invitations": []},
    ]
    for row in rows:
        store.insert("briefings", row)


def _year(year):
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    return {"$or": [{"invitations.sent_on": {"$gte": start, "$lt": end}}, {"awards.awarded_on": {"$gte": start, "$lt": end}}]}


BRIEFING_FILTERS = [
    ({"status": {"$in": ["sent", "offers_received"]}, "offer_deadline": {"$lt": day("2026-02-01")}}, {"B1"}),
    ({"awards.outcome": "awarded"}, {"B2"}),
    ({"awards.provider": "P1"}, {"B2"}),
    (_year(2026), {"B1", "B2"}),
    (_year(2025), {"B1"}),
    (_year(2024), set()),
    ({"invitations.provider": "P2"}, {"B1"}),
    # Each condition on a list may be met by a different element, as on MongoDB.
    ({"invitations.sent_on": {"$gte": day("2026-01-01"), "$lt": day("2026-01-03")}}, {"B1"}),
    ({"request": "R1"}, {"B1", "B3"}),
    ({"lots": "L2", "status": {"$ne": "draft"}}, {"B2"}),
]


@every_engine
def test_every_filter_shape_of_briefings_workflow_and_reports(store):
    _briefings(store)
    for query, expected in BRIEFING_FILTERS:
        assert set(refs(store.find("briefings", query, sort=[("offer_deadline", 1)]))) == expected, query


@every_engine
def test_provider_filters_through_lists_of_sub_documents(store):
    store.insert("providers", {"enterprise_number": "P1", "name": "Agora", "status": "active", "languages": ["fr", "nl"],
                               "lots": [{"lot": "L1", "rank": 1}, {"lot": "L2", "rank": 2}]})
    store.insert("providers", {"enterprise_number": "P2", "name": "Bruxsel", "status": "inactive", "languages": ["nl"],
                               "lots": [{"lot": "L1", "rank": 2}]})
    def found(query):
        return set(refs(store.find("providers", query), "enterprise_number"))
    assert found({"lots.lot": "L2"}) == {"P1"}
    assert found({"lots.lot": "L1", "status": "active"}) == {"P1"}
    assert found({"enterprise_number": "P1", "lots.lot": {"$in": ["L2", "L9"]}}) == {"P1"}
    assert found({"enterprise_number": "P2", "lots.lot": {"$in": ["L2", "L9"]}}) == set()
    assert found({"languages": "nl"}) == {"P1", "P2"}
    assert found({"lots.rank": {"$gte": 2}}) == {"P1", "P2"}
    assert found({"lots.lot": {"$ne": "L2"}}) == {"P2"}


@every_engine
def test_audit_history_sign_in_failures_and_pruning(store):
    record, other = ObjectId(), ObjectId()
    start = dt.datetime(2026, 5, 1, 12)
    for minute, (rec, action) in enumerate([(record, "create"), (other, "create"), (record, "update"), (record, "update")]):
        store.insert("audit", {"at": start + dt.timedelta(minutes=minute // 2), "actor": "a", "action": action,
                               "collection": "requests", "record": rec, "key": f"k{minute}", "changes": []})
    history = store.find("audit", {"record": record, "collection": "requests"}, sort=[("at", -1), ("_id", -1)], limit=200)
    assert refs(history, "key") == ["k3", "k2", "k0"]
    assert store.count("audit", {"action": "update", "actor": "a"}) == 2
    for minutes in (1, 5, 20, 30):
        store.insert("login_failures", {"key": "email:a@b.be", "at": start - dt.timedelta(minutes=minutes)})
    assert store.count("login_failures", {"key": "email:a@b.be", "at": {"$gte": start - dt.timedelta(minutes=15)}}) == 2
    assert store.delete_where("login_failures", {"at": {"$lt": start - dt.timedelta(minutes=15)}}) == 2
    assert store.count("login_failures") == 2


@every_engine
def test_filters_outside_the_vocabulary_are_refused(store):
    for query in (
        {"nonsense": 1},
        {"description": "long texts are not filtered"},
        {"search_terms": {"$regex": "^a"}},
        {"status": {"$where": "1"}},
        {"status": {"$regex": ".*"}},
        {"status": {"x": 1}},
        {"status": {}},
        {"organisation": {"type": "asbl"}},
        {"lots": ["L1"]},
        {"status": {"$in": "received"}},
        {"received_on": {"$gte": None}},
        {"$or": []},
        {"$nor": [{"status": "a"}]},
        "status",
    ):
        with pytest.raises(QueryRefused):
            store.find("requests", query)
    with pytest.raises(QueryRefused):
        store.find("nowhere", {})
    with pytest.raises(QueryRefused):
        store.find("requests", {}, projection={"a": 1, "b": 0})
    with pytest.raises(QueryRefused):
        store.find("requests", {}, projection={"contact.email": 1})
    with pytest.raises(QueryRefused):
        store.find("audit", {}, search=["x"])
    with pytest.raises(QueryRefused):
        store.find("requests", {}, search="text is split by prefixes() first")


# Batches ------------------------------------------------------------------------------------


@every_engine
def test_batches_give_every_match_once_in_id_order(store):
    inserted = [store.insert("requests", {"reference": f"R{n:02d}", "status": "received" if n % 3 else "closed"})["_id"] for n in range(23)]
    for size in (1, 5, 7, 23, 50):
        batches = list(store.batches("requests", {}, size=size))
        assert all(0 < len(batch) <= size for batch in batches)
        assert [doc["_id"] for batch in batches for doc in batch] == inserted
    closed = [doc["reference"] for batch in store.batches("requests", {"status": "closed"}, size=3) for doc in batch]
    assert closed == [f"R{n:02d}" for n in range(0, 23, 3)]
    without_id = [doc for batch in store.batches("requests", {}, size=4, projection={"_id": 0, "search_terms": 0}) for doc in batch]
    assert len(without_id) == 23 and all(set(doc) == {"reference", "status"} for doc in without_id)
    assert list(store.batches("requests", {"status": "nobody"}, size=5)) == []


@every_engine
def test_a_batch_read_after_a_write_sees_it(store):
    for n in range(6):
        store.insert("requests", {"reference": f"R{n}", "status": "received", "version": 1})
    batches = store.batches("requests", {}, size=3)
    first = next(batches)
    last = store.find_one("requests", {"reference": "R5"})
    store.update_if_version("requests", last["_id"], 1, {"status": "closed"})
    second = next(batches)
    assert [doc["status"] for doc in first] == ["received"] * 3
    assert [doc["status"] for doc in second] == ["received", "received", "closed"]


@every_engine
def test_another_thread_reads_what_was_just_committed(store):
    doc = store.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    seen = []

    def reader(step):
        seen.append((step, store.get("requests", doc["_id"])["status"], store.count("requests", {"status": "closed"})))

    thread_first = threading.Thread(target=reader, args=(1,))
    thread_first.start()
    thread_first.join()
    store.update_if_version("requests", doc["_id"], 1, {"status": "closed"})
    thread_second = threading.Thread(target=reader, args=(2,))
    thread_second.start()
    thread_second.join()
    reader(3)
    assert seen == [(1, "received", 0), (2, "closed", 1), (3, "closed", 1)]


# Writes -------------------------------------------------------------------------------------


@every_engine
def test_versioned_writes_apply_only_over_the_version_seen(store):
    doc = store.insert("requests", {"reference": "R1", "status": "received", "notes": "x", "version": 1})
    assert store.update_if_version("requests", doc["_id"], 2, {"status": "closed"}) is None
    saved = store.update_if_version("requests", doc["_id"], 1, {"status": "under_review"}, unset=["notes"])
    assert saved["version"] == 2 and saved["status"] == "under_review" and "notes" not in saved
    assert store.get("requests", doc["_id"]) == saved
    assert store.update_if_version("requests", doc["_id"], 1, {"status": "closed"}) is None
    assert store.update_if_version("requests", ObjectId(), 1, {"status": "closed"}) is None
    assert store.delete_if_version("requests", doc["_id"], 1) is False
    assert store.get("requests", doc["_id"])["status"] == "under_review"
    assert store.delete_if_version("requests", doc["_id"], 2) is True
    assert store.get("requests", doc["_id"]) is None
    assert store.delete_if_version("requests", doc["_id"], 2) is False
    with pytest.raises(QueryRefused):
        store.update_if_version("requests", doc["_id"], 2, {"version": 7})
    with pytest.raises(QueryRefused):
        store.update_if_version("requests", doc["_id"], 2, {"contact.email": "a@b.be"})


@every_engine
def test_unversioned_updates_leave_the_version_alone(store):
    user = store.insert("users", {"email": "a@b.be", "name": "A", "role": "staff", "version": 3})
    assert store.update("users", user["_id"], {"password_hash": "h", "language": "nl"}) is True
    stored = store.get("users", user["_id"])
    assert (stored["password_hash"], stored["language"], stored["version"]) == ("h", "nl", 3)
    assert store.update("users", ObjectId(), {"language": "nl"}) is False
    with pytest.raises(QueryRefused):
        store.update("users", user["_id"], {"email": "c@d.be"})  # unique and searched: versioned writes only


@every_engine
def test_unique_fields_from_the_schemas_refuse_a_second_value(store):
    first = store.insert("requests", {"reference": "REQ-2026-0001", "version": 1})
    second = store.insert("requests", {"reference": "REQ-2026-0002", "version": 1})
    with pytest.raises(DuplicateKey) as refused:
        store.insert("requests", {"reference": "REQ-2026-0001"})
    assert refused.value.fields == ("reference",)
    with pytest.raises(DuplicateKey):
        store.update_if_version("requests", second["_id"], 1, {"reference": "REQ-2026-0001"})
    assert store.get("requests", second["_id"])["reference"] == "REQ-2026-0002"
    with pytest.raises(DuplicateKey):
        store.insert("requests", {"_id": first["_id"], "reference": "REQ-2026-0003"})
    store.insert("users", {"email": "a@b.be"})
    with pytest.raises(DuplicateKey):
        store.insert("users", {"email": "a@b.be"})
    store.insert("lots", {"code": "L1"})
    store.insert("providers", {"enterprise_number": "0123456749"})
    with pytest.raises(DuplicateKey):
        store.insert("providers", {"enterprise_number": "0123456749"})
    with pytest.raises(DuplicateKey):
        store.insert_many("lots", [{"code": "L2"}, {"code": "L1"}])
    assert store.count("lots") == 1  # all or nothing
    assert store.count("requests") == 2


@every_engine
def test_sequences_count_up_and_can_be_raised(store):
    assert [store.next_sequence("requests-2026") for _ in range(3)] == [1, 2, 3]
    store.raise_sequence("requests-2026", 40)
    store.raise_sequence("requests-2026", 7)
    assert store.next_sequence("requests-2026") == 41
    assert store.next_sequence("briefings-2026") == 1
    store.raise_sequence("briefings-2027", 5)
    assert store.next_sequence("briefings-2027") == 6


@every_engine
def test_update_if_version_races_between_threads_have_one_winner(store):
    doc = store.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    barrier = threading.Barrier(8)
    results = []

    def save(n):
        barrier.wait(30)
        results.append(store.update_if_version("requests", doc["_id"], 1, {"status": f"s{n}"}))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [result for result in results if result is not None]
    assert len(results) == 8 and len(winners) == 1
    assert store.get("requests", doc["_id"]) == winners[0] and winners[0]["version"] == 2


@every_engine
def test_sequences_from_many_threads_never_repeat(store):
    taken = []

    def take():
        for _ in range(15):
            taken.append(store.next_sequence("c"))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 61))


# Transactions -------------------------------------------------------------------------------


@every_engine
def test_a_transaction_left_by_an_exception_writes_nothing(store):
    kept = store.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    gone = store.insert("requests", {"reference": "R2", "status": "received", "version": 1})
    store.next_sequence("requests-2026")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert("requests", {"reference": "R3", "version": 1})
            store.update_if_version("requests", kept["_id"], 1, {"status": "closed"})
            assert store.get("requests", kept["_id"])["status"] == "closed"  # the block reads its own writes
            assert store.delete_if_version("requests", gone["_id"], 1)
            assert store.next_sequence("requests-2026") == 2
            store.insert("audit", {"action": "update", "record": kept["_id"], "at": dt.datetime(2026, 1, 1)})
            with store.transaction():  # nested blocks join the outer one
                store.insert("lots", {"code": "L1"})
            raise RuntimeError("refused halfway")
    assert refs(store.find("requests", sort=[("reference", 1)])) == ["R1", "R2"]
    assert store.get("requests", kept["_id"])["status"] == "received"
    assert store.count("audit") == 0 and store.count("lots") == 0
    assert store.next_sequence("requests-2026") == 2
    with store.transaction():
        store.update_if_version("requests", kept["_id"], 1, {"status": "closed"})
        store.insert("audit", {"action": "update", "record": kept["_id"], "at": dt.datetime(2026, 1, 1)})
    assert store.get("requests", kept["_id"])["version"] == 2 and store.count("audit", {"record": kept["_id"]}) == 1


@every_engine
def test_a_duplicate_inside_a_transaction_undoes_the_whole_block(store):
    store.insert("lots", {"code": "L1"})
    with pytest.raises(DuplicateKey):
        with store.transaction():
            store.insert("lots", {"code": "L2"})
            store.insert("lots", {"code": "L1"})
    assert refs(store.find("lots"), "code") == ["L1"]


# Several processes --------------------------------------------------------------------------


def _insert_reference(spec, barrier, results):
    store = open_store(spec)
    barrier.wait(30)
    try:
        store.insert("requests", {"reference": "REQ-2026-0042", "pid": os.getpid()})
        results.put("inserted")
    except DuplicateKey:
        results.put("duplicate")


@shared_engines
def test_a_unique_value_is_taken_once_across_processes(store, store_spec):
    barrier, results = FORK.Barrier(4), FORK.Queue()
    processes = [FORK.Process(target=_insert_reference, args=(store_spec, barrier, results)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["duplicate", "duplicate", "duplicate", "inserted"]
    assert store.count("requests", {"reference": "REQ-2026-0042"}) == 1


def _save_version_one(spec, doc_id, barrier, results):
    store = open_store(spec)
    barrier.wait(30)
    saved = store.update_if_version("requests", doc_id, 1, {"status": f"by-{os.getpid()}"})
    results.put(saved["status"] if saved else None)


@shared_engines
def test_update_if_version_races_between_processes_have_one_winner(store, store_spec):
    doc = store.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    barrier, results = FORK.Barrier(4), FORK.Queue()
    processes = [FORK.Process(target=_save_version_one, args=(store_spec, doc["_id"], barrier, results)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    outcomes = [results.get(timeout=5) for _ in processes]
    winners = [status for status in outcomes if status]
    assert len(winners) == 1
    stored = store.get("requests", doc["_id"])
    assert stored["version"] == 2 and stored["status"] == winners[0]


def _take_numbers(spec, count, results):
    store = open_store(spec)
    results.put([store.next_sequence("requests-2026") for _ in range(count)])


@shared_engines
def test_sequences_never_repeat_across_processes(store, store_spec):
    results = FORK.Queue()
    processes = [FORK.Process(target=_take_numbers, args=(store_spec, 25, results)) for _ in range(3)]
    for process in processes:
        process.start()
    taken = [number for _ in processes for number in results.get(timeout=30)]
    for process in processes:
        process.join(30)
    assert sorted(taken) == list(range(1, 76))


def _die_inside_a_transaction(spec, doc_id, ready):
    store = open_store(spec)
    with store.transaction():
        store.insert("requests", {"reference": "R-half", "version": 1})
        store.update_if_version("requests", doc_id, 1, {"status": "closed"})
        store.next_sequence("requests-2026")
        ready.set()
        time.sleep(60)  # killed here


@shared_engines
def test_a_transaction_killed_halfway_leaves_no_partial_write(store, store_spec):
    doc = store.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    ready = FORK.Event()
    process = FORK.Process(target=_die_inside_a_transaction, args=(store_spec, doc["_id"], ready))
    process.start()
    assert ready.wait(30)
    os.kill(process.pid, signal.SIGKILL)
    process.join(30)
    assert process.exitcode == -signal.SIGKILL
    reopened = open_store(store_spec)
    assert reopened.get("requests", doc["_id"])["status"] == "received"
    assert reopened.count("requests") == 1
    # The lock died with the process: the next writer goes ahead, and the counter never moved.
    assert reopened.next_sequence("requests-2026") == 1
    reopened.close()


def _save_forever(spec, ids, progress):
    store = open_store(spec)
    n = 0
    while True:
        doc_id = ids[n % len(ids)]
        n += 1
        try:
            with store.transaction():
                current = store.get("requests", doc_id)
                saved = store.update_if_version("requests", doc_id, current["version"], {"notes": f"save {n}"})
                if saved is None:
                    continue  # another writer saved first (MongoDB): nothing was written
                store.insert("audit", {"at": dt.datetime.now(dt.timezone.utc), "actor": "bench", "action": "update",
                                       "collection": "requests", "record": doc_id, "key": str(saved["version"]), "changes": []})
        except Exception:  # a write conflict aborts the whole transaction (MongoDB): nothing was written either
            continue
        with progress.get_lock():
            progress.value += 1


@shared_engines
def test_kill_9_during_saves_leaves_one_audit_entry_per_version(store, store_spec):
    ids = []
    for n in range(5):
        with store.transaction():
            doc = store.insert("requests", {"reference": f"R{n}", "version": 1})
            store.insert("audit", {"at": dt.datetime.now(dt.timezone.utc), "actor": "t", "action": "create",
                                   "collection": "requests", "record": doc["_id"], "key": "1", "changes": []})
        ids.append(doc["_id"])
    kill_writers_midway(_save_forever, (store_spec, ids), at_least=40, seconds=30)
    reopened = open_store(store_spec)
    total = 0
    for doc_id in ids:
        version = reopened.get("requests", doc_id)["version"]
        entries = reopened.find("audit", {"record": doc_id}, sort=[("at", 1)])
        assert sorted(int(entry["key"]) for entry in entries) == list(range(1, version + 1))
        total += version
    assert total >= 40 + 5
    reopened.close()
