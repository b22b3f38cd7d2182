"""Records stored under older search rules are found by today's terms once the store is re-indexed."""
from backoffice import reindex, search, seeding
from backoffice.store.app import get_store


def old_rules(doc, paths):
    """The search rules before municipalities were found by their names: the code alone."""
    return search.terms(value for value in (doc.get(path) for path in paths) if not isinstance(value, dict))


def test_a_record_stored_with_old_terms_is_found_by_its_new_terms_after_the_reindex(app, make, runner, monkeypatch):
    store = get_store(app)
    make.lot()
    with monkeypatch.context() as before:
        before.setattr(search, "document_terms", old_rules)  # how the store computed terms back then
        request = make.request(municipality="21015", project_title="Fête de quartier")
    reindex.remember(store)  # the store says its terms follow today's rules...
    monkeypatch.setattr(search, "SEARCH_RULES_VERSION", search.SEARCH_RULES_VERSION + 1)  # ...until the rules change
    assert store.count("requests", search=["fete"]) == 1
    assert store.count("requests", search=["schaerbeek"]) == 0  # the new rules' term is not stored yet

    result = runner.invoke(args=["search", "reindex", "--if-stale"])

    assert result.exit_code == 0, result.output
    assert "requests 1" in result.output
    assert [doc["_id"] for doc in store.find("requests", {}, search=["schaerbeek"])] == [request["_id"]]
    assert [doc["_id"] for doc in store.find("requests", {}, search=["schaarbeek", "fete"])] == [request["_id"]]
    # Re-indexing changes no record: same version, same fields.
    after = store.get("requests", request["_id"])
    assert {name: value for name, value in after.items() if name != search.FIELD} == {
        name: value for name, value in request.items() if name != search.FIELD}
    assert reindex.stored_version(store) == search.SEARCH_RULES_VERSION
    again = runner.invoke(args=["search", "reindex", "--if-stale"])
    assert "already follow the search rules" in again.output


def test_a_seed_reindexes_terms_built_with_other_rules(app, make, monkeypatch):
    store = get_store(app)
    make.lot()
    with monkeypatch.context() as before:
        before.setattr(search, "document_terms", old_rules)  # sub-document fields were not searched back then
        provider = make.provider()  # contact Léa Fictive; no seed touches this provider
    assert store.count("providers", search=["fictive"]) == 0

    with app.test_request_context():
        assert not seeding.seed(store, app.config["SEEDS_DIR"]).errors

    assert [doc["_id"] for doc in store.find("providers", {}, search=["fictive"])] == [provider["_id"]]
    assert reindex.stored_version(store) == search.SEARCH_RULES_VERSION


def test_make_runs_seed_if_empty_reindexes_a_store_that_holds_records(app, make, runner, monkeypatch):
    store = get_store(app)
    make.lot()
    with monkeypatch.context() as before:
        before.setattr(search, "document_terms", old_rules)
        provider = make.provider()

    result = runner.invoke(args=["seed", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "nothing seeded" in result.output and "Search terms rebuilt" in result.output
    assert [doc["_id"] for doc in store.find("providers", {}, search=["fictive"])] == [provider["_id"]]
    assert "Search terms rebuilt" not in runner.invoke(args=["seed", "--if-empty"]).output
