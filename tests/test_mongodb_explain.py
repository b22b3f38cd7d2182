"""Every list reads through an index: its default sort, each of its filters and its search.

On every engine the queries that the lists really issue are checked against the
indexes the app creates (`backoffice.db.INDEXES`, which must exist in the store). With
MONGO_URI set, MongoDB's own planner is asked too (`explain()`): no list query, and
no count behind a list, may scan the whole collection.
"""
import pytest
from flask_admin.model import filters as admin_filters

from backoffice import db

PAGE = 20


class CapturingCollection:
    """A collection that notes the finds and counts a list page makes, and answers them."""

    def __init__(self, collection):
        self.collection = collection
        self.finds = []
        self.counts = []

    def find(self, query=None, *args, **kwargs):
        self.finds.append((query or {}, kwargs.get("sort") or []))
        return self.collection.find(query, *args, **kwargs)

    def count_documents(self, query, *args, **kwargs):
        self.counts.append(query)
        return self.collection.count_documents(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.collection, name)


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
    """(view endpoint, what, query, sort) for the default page, each filter and the search of every list."""
    found = []
    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            if not hasattr(view, "coll"):
                continue  # the home page and the reports have no list
            cases = [("default page", None, [])]
            cases += [(f"filter on {flt.column}", None, [(index, flt.name, sample_value(flt))]) for index, flt in enumerate(view._filters or [])]
            if view._search_supported:
                cases.append(("search", "ecole 2026", []))
            for what, search, filters in cases:
                capture = CapturingCollection(view.coll)
                monkeypatch.setattr(view, "coll", capture)
                view.get_list(0, None, False, search, filters, page_size=PAGE)
                monkeypatch.setattr(view, "coll", capture.collection)
                assert capture.finds, f"{view.endpoint}: {what} made no find"
                for query, sort in capture.finds:
                    found.append((view.coll.name, f"{view.endpoint}: {what}", query, list(sort), capture.counts))
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
    """The key patterns of the indexes the app declares for a collection, as lists of field names."""
    patterns = []
    for keys, _options in db.INDEXES.get(collection, []):
        patterns.append([keys] if isinstance(keys, str) else [field for field, _direction in keys])
    return patterns


def test_every_list_query_has_an_index_behind_its_sort_filters_and_search(app, database, monkeypatch):
    queries = list_queries(app, monkeypatch)
    assert {what.split(":")[0] for _c, what, _q, _s, _n in queries} >= {"requests", "briefings", "providers", "lots", "users", "audit"}
    missing = []
    for collection, what, query, sort, _counts in queries:
        patterns = declared_keys(collection)
        sort_fields = [field for field, _direction in sort]
        directions = {direction for _field, direction in sort}
        # An ascending index serves a sort read forwards or backwards, so all keys go one way.
        if sort_fields and not (len(directions) == 1 and any(pattern[: len(sort_fields)] == sort_fields for pattern in patterns)):
            missing.append(f"{what}: no index for the sort {sort}")
        for field in fields_of(query):
            if not any(pattern[0] == field for pattern in patterns):
                missing.append(f"{what}: no index starting with {field!r}")
    assert not missing, "\n".join(missing)

    # The declared indexes exist in the store (created when the app started).
    for collection in ("requests", "briefings", "providers", "lots", "users", "audit"):
        existing = [[field for field, _direction in info["key"]] for info in database[collection].index_information().values()]
        for pattern in declared_keys(collection):
            assert pattern in existing, f"{collection}: index {pattern} was not created"

    if app.config["DATABASE_ENGINE"] == "mongodb":
        scans = []
        for collection, what, query, sort, counts in queries:
            cursor = database[collection].find(query, sort=sort or None).limit(PAGE)
            if "COLLSCAN" in plan_stages(cursor.explain()["queryPlanner"]["winningPlan"]):
                scans.append(f"{what}: the list query scans the collection")
            for counted in counts:
                explained = database.command("explain", {"count": collection, "query": counted}, verbosity="queryPlanner")
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
        sort = view._sort(column, True)

    assert sort[0] == (column, -1)
    assert (sort[-1] == ("_id", -1)) is tie_break
