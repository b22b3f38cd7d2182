"""Every list reads through an index: its default sort, each of its filters and its search.

On every engine the store calls that the lists really make are checked against the
indexes the store declares (`backoffice.store.catalogue`), which must exist in the
database. With MONGO_URI set, MongoDB's own planner is asked too (`explain()`): no list
query, and no count behind a list, may scan the whole collection.
"""
import sqlite3

import pytest
from flask_admin.model import filters as admin_filters

from backoffice import search
from backoffice.store.app import get_store
from backoffice.store.catalogue import CATALOGUE
from backoffice.store.mongo import MongoStore, _mongo_filter
from backoffice.store.query import check_filter
from backoffice.views import store_list

PAGE = 20


class CapturingStore:
    """A store that notes the pages a list asks for, and answers them."""

    def __init__(self, store):
        self.store = store
        self.pages = []

    def page(self, name, filter=None, search=(), sort=(), **kwargs):
        self.pages.append((name, filter or {}, list(search), list(sort)))
        return self.store.page(name, filter, search=search, sort=sort, **kwargs)

    def __getattr__(self, name):
        return getattr(self.store, name)


def sample_value(flt):
    """A value a person could pick in this filter."""
    if isinstance(flt, admin_filters.BaseDateBetweenFilter):
        return "2026-01-01 to 2026-12-31"
    if isinstance(flt, admin_filters.BaseDateFilter):
        return "2026-01-01"
    choices = getattr(flt, "choices", None)
    if choices:
        return next(iter(choices))
    return "L1" if getattr(flt, "collection", None) == "lots" else "x"


def list_queries(app, monkeypatch):
    """(collection, view and what, filter, search prefixes, sort) for the default page, each filter and the search of every list."""
    found = []
    with app.test_request_context():
        capture = CapturingStore(get_store(app))
        monkeypatch.setattr(store_list, "get_store", lambda: capture)
        for view in app.extensions["admin"][0]._views:
            if not isinstance(view, store_list.StoreListMixin):
                continue  # the home page and the reports have no list
            cases = [("default page", None, [])]
            cases += [(f"filter on {flt.column}", None, [(index, flt.name, sample_value(flt))])
                      for index, flt in enumerate(view.get_filters() or [])]
            if view.init_search():
                cases.append(("search", "ecole 2026", []))
            for what, typed, filters in cases:
                capture.pages.clear()
                view.get_list(0, None, False, typed, filters, page_size=PAGE)
                assert capture.pages, f"{view.endpoint}: {what} asked the store for no page"
                for name, query, prefixes, sort in capture.pages:
                    found.append((name, f"{view.endpoint}: {what}", query, prefixes, sort))
    return found


def fields_of(query):
    """The fields a query filters on (through `$and`, never operators)."""
    fields = []
    for key, value in query.items():
        if key == "$and":
            for clause in value:
                fields.extend(fields_of(clause))
        elif not key.startswith("$"):
            fields.append(key)
    return fields


def declared_keys(collection):
    """The key patterns of the indexes the store declares for a collection (with the `_id` it appends for stable sorts)."""
    coll = CATALOGUE[collection]
    patterns = []
    for index in coll.indexes:
        many = any(coll.field(path).many for path in index.paths)
        patterns.append(list(index.paths) + ([] if index.unique or many else ["_id"]))
    if coll.search_fields:
        patterns.append([search.FIELD])
    return patterns


def existing_keys(store, collection):
    """The key patterns of the indexes the database really holds for a collection."""
    if isinstance(store, MongoStore):
        return [[field for field, _direction in info["key"]] for info in store.db[collection].index_information().values()]
    with sqlite3.connect(store.path) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?",
                                                   (collection + ":%",))]
    # The SQLite store names its indexes `collection:index:fields` (ties by `id`); list fields and
    # search terms live in side tables, indexed by (field, key) and (term).
    patterns = []
    for name in names:
        _collection, kind, *rest = name.split(":")
        if kind in ("index", "unique"):
            fields = rest[0].split(",")
            patterns.append(fields + ([] if kind == "unique" else ["_id"]))
    coll = CATALOGUE[collection]
    if f"{collection}:multi:key" in names:
        patterns += [list(index.paths) for index in coll.indexes if any(coll.field(path).many for path in index.paths)]
    if coll.search_fields:
        patterns.append([search.FIELD])  # the terms table's primary key
    return patterns


def test_every_list_query_has_an_index_behind_its_sort_filters_and_search(app, monkeypatch):
    queries = list_queries(app, monkeypatch)
    assert {what.split(":")[0] for _c, what, _q, _p, _s in queries} >= {"requests", "briefings", "providers", "lots", "users", "audit"}
    missing = []
    for collection, what, query, prefixes, sort in queries:
        patterns = declared_keys(collection)
        sort_fields = [field for field, _direction in sort]
        directions = {direction for _field, direction in sort}
        # An ascending index serves a sort read forwards or backwards, so all keys go one way.
        if sort_fields and not (len(directions) == 1 and any(pattern[: len(sort_fields)] == sort_fields for pattern in patterns)):
            missing.append(f"{what}: no index for the sort {sort}")
        for field in fields_of(query) + ([search.FIELD] if prefixes else []):
            if not any(pattern[0] == field for pattern in patterns):
                missing.append(f"{what}: no index starting with {field!r}")
    assert not missing, "\n".join(missing)

    # The declared indexes exist in the database (created when the store opened).
    store = get_store(app)
    for collection in ("requests", "briefings", "providers", "lots", "users", "audit"):
        existing = existing_keys(store, collection)
        for pattern in declared_keys(collection):
            assert pattern in existing, f"{collection}: index {pattern} was not created"

    if isinstance(store, MongoStore) and store.sessions:  # a real MongoDB: its planner answers
        scans = []
        for collection, what, query, prefixes, sort in queries:
            mongo_query = _mongo_filter(check_filter(CATALOGUE[collection], query))
            if prefixes:
                mongo_query = {"$and": [mongo_query] + [{search.FIELD: {"$regex": "^" + prefix}} for prefix in prefixes]}
            cursor = store.db[collection].find(mongo_query, sort=sort or None).limit(PAGE)
            if "COLLSCAN" in plan_stages(cursor.explain()["queryPlanner"]["winningPlan"]):
                scans.append(f"{what}: the list query scans the collection")
            explained = store.db.command("explain", {"count": collection, "query": mongo_query}, verbosity="queryPlanner")
            if "COLLSCAN" in plan_stages(explained["queryPlanner"]["winningPlan"]):
                scans.append(f"{what}: the count scans the collection")
        assert not scans, "\n".join(scans)


def plan_stages(plan):
    """Every stage name in an explained plan (classic or slot-based engine)."""
    stages = set()
    if isinstance(plan, dict):
        if "stage" in plan:
            stages.add(plan["stage"])
        for value in plan.values():
            stages |= plan_stages(value)
    elif isinstance(plan, list):
        for item in plan:
            stages |= plan_stages(item)
    return stages


@pytest.mark.parametrize("column, tie_break", [("received_on", True), ("reference", False)])
def test_a_sort_ends_with_the_id_only_when_records_can_share_the_value(app, column, tie_break):
    with app.test_request_context():
        view = next(view for view in app.extensions["admin"][0]._views if getattr(view, "endpoint", None) == "requests")
        sort = view.list_sort(column, True)

    assert sort[0] == (column, -1)
    assert (sort[-1] == ("_id", -1)) is tie_break
