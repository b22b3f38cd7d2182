"""The shipped demo fixtures in seeds/*.json, loaded by `flask seed`: complete, idempotent, all or nothing."""
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from backoffice import config
from conftest import cells
from schemas.choices import BRIEFING_STATUSES, REQUEST_STATUSES

SEEDS = Path(config.ROOT) / "seeds"
YEAR = dt.datetime.now(dt.timezone.utc).year
SEEDED = ("lots", "providers", "requests", "briefings")
NATURAL_KEYS = {"lots": "code", "providers": "enterprise_number", "requests": "reference", "briefings": "reference"}


def fixtures(collection):
    """The items of one shipped seed file."""
    return json.loads((SEEDS / f"{collection}.json").read_text(encoding="utf-8"))


def snapshot(store):
    """Every seeded document, by collection and natural key, with every field."""
    return {
        collection: {doc[NATURAL_KEYS[collection]]: doc for doc in store.find(collection, {})}
        for collection in SEEDED
    }


def stored_counts(store):
    """How many documents each collection of the store holds."""
    return {name: store.count(name, {}) for name in store.collection_names()}


def seed(runner, *options):
    """Run `flask seed` with options; return the click result."""
    return runner.invoke(args=["seed", *options])


@pytest.fixture
def seeded(runner, store):
    """A store filled by one `flask seed` run."""
    result = seed(runner)
    assert result.exit_code == 0, result.output
    return result


def test_seed_loads_every_fixture(seeded, store):
    for collection in SEEDED:
        assert store.count(collection, {}) == len(fixtures(collection)), collection
    for line in ("lots: ", "providers: ", "requests: ", "briefings: "):
        assert line in seeded.output


def test_the_demo_data_covers_what_people_try_first(seeded, store):
    assert store.count("lots", {}) >= 6
    assert {doc["code"] for doc in store.find("lots", {})} >= {"L1", "L2", "L3", "L4", "L5", "L6"}
    assert store.count("providers", {}) >= 18

    requests = list(store.find("requests", {}))
    assert len(requests) >= 40
    assert len({doc["municipality"] for doc in requests}) >= 12
    assert {doc["status"] for doc in requests} == set(REQUEST_STATUSES)

    briefings = list(store.find("briefings", {}))
    assert len(briefings) >= 15
    assert {doc["status"] for doc in briefings} == set(BRIEFING_STATUSES)
    invitations = [invitation for doc in briefings for invitation in doc.get("invitations", [])]
    assert invitations
    offers = [invitation for invitation in invitations if invitation["response"] == "offer"]
    assert offers and all(isinstance(offer["offer_amount"], int) for offer in offers)


def test_seeded_records_are_stored_through_the_schemas(seeded, store):
    provider = store.find_one("providers", {})
    assert provider["enterprise_number"].isdigit() and len(provider["enterprise_number"]) == 10
    for collection in SEEDED:
        for doc in store.find(collection, {}):
            assert doc["version"] >= 1 and doc["created_at"] and doc["updated_at"]
            assert doc.get("search_terms"), (collection, doc[NATURAL_KEYS[collection]])


def test_a_second_run_changes_nothing(seeded, runner, store):
    before = snapshot(store)

    result = seed(runner)

    assert result.exit_code == 0, result.output
    after = snapshot(store)
    for collection in SEEDED:
        assert after[collection].keys() == before[collection].keys()
        for key, doc in before[collection].items():
            assert after[collection][key] == doc, (collection, key)
    for collection in SEEDED:
        assert f"{collection}: 0 created, 0 updated, {len(fixtures(collection))} unchanged" in result.output


def test_a_new_request_after_the_seed_takes_the_next_free_reference(seeded, make, store):
    prefix = f"REQ-{YEAR}-"
    numbers = [int(doc["reference"][len(prefix):]) for doc in store.find("requests", {})
               if doc["reference"].startswith(prefix)]

    created = make.request(project_title="Ajoutée à la main")

    assert created["reference"] == f"{prefix}{max(numbers, default=0) + 1:04d}"


def test_reset_empties_first(seeded, runner, make, store):
    make.request(project_title="Ajoutée à la main")
    make.lot(code="L9", name_fr="Lot d'essai", name_nl="Proeflot")

    result = seed(runner, "--reset")

    assert result.exit_code == 0, result.output
    assert store.count("requests", {"project_title": "Ajoutée à la main"}) == 0
    assert store.count("lots", {"code": "L9"}) == 0
    for collection in SEEDED:
        assert store.count(collection, {}) == len(fixtures(collection)), collection


def _copy_seeds(target):
    target.mkdir()
    for path in SEEDS.glob("*.json"):
        shutil.copy(path, target / path.name)
    return target


def test_one_broken_fixture_writes_nothing_and_is_named(app, runner, store, tmp_path):
    seeds_dir = _copy_seeds(tmp_path / "seeds")
    providers = fixtures("providers")
    wrong = providers[3]["enterprise_number"][:-1] + str((int(providers[3]["enterprise_number"][-1]) + 1) % 10)
    providers[3]["enterprise_number"] = wrong
    (seeds_dir / "providers.json").write_text(json.dumps(providers, ensure_ascii=False), encoding="utf-8")
    app.config["SEEDS_DIR"] = str(seeds_dir)

    result = seed(runner)

    assert result.exit_code != 0
    assert "seeds/providers.json[3] enterprise_number: " in result.output
    assert "Traceback" not in result.output
    assert all(count == 0 for count in stored_counts(store).values()), stored_counts(store)


def test_a_broken_fixture_in_a_later_file_also_writes_nothing(app, runner, store, tmp_path):
    seeds_dir = _copy_seeds(tmp_path / "seeds")
    briefings = fixtures("briefings")
    briefings[2]["language"] = "de"
    (seeds_dir / "briefings.json").write_text(json.dumps(briefings, ensure_ascii=False), encoding="utf-8")
    app.config["SEEDS_DIR"] = str(seeds_dir)

    result = seed(runner)

    assert result.exit_code != 0
    assert "seeds/briefings.json[2] language: " in result.output
    assert all(count == 0 for count in stored_counts(store).values()), stored_counts(store)


def test_a_broken_fixture_leaves_an_earlier_seed_untouched(seeded, app, runner, store, tmp_path):
    before = snapshot(store)
    seeds_dir = _copy_seeds(tmp_path / "seeds")
    lots = fixtures("lots")
    lots[0]["name_fr"] = "Nouveau titre qui ne doit pas être écrit"
    lots[1]["ends_on"] = "2001-01-01"
    (seeds_dir / "lots.json").write_text(json.dumps(lots, ensure_ascii=False), encoding="utf-8")
    app.config["SEEDS_DIR"] = str(seeds_dir)

    result = seed(runner, "--reset")

    assert result.exit_code != 0
    assert "seeds/lots.json[1] ends_on: " in result.output
    assert snapshot(store) == before


def test_if_empty_leaves_a_database_with_records_alone(runner, make, store):
    make.lot(code="L9", name_fr="Lot d'essai", name_nl="Proeflot")

    result = seed(runner, "--if-empty")

    assert result.exit_code == 0, result.output
    assert [doc["code"] for doc in store.find("lots", {})] == ["L9"]
    for collection in ("providers", "requests", "briefings"):
        assert store.count(collection, {}) == 0


def test_if_empty_seeds_an_empty_database(runner, store):
    result = seed(runner, "--if-empty")

    assert result.exit_code == 0, result.output
    assert store.count("requests", {}) == len(fixtures("requests"))


def test_the_seeded_data_shows_in_the_admin_lists(seeded, client):
    response = client.get("/admin/requests/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(cells(page, "reference")) == 20
    # Lots by code in the list, each named in full on hover.
    assert all(re.fullmatch(r"L\d( , L\d)*", lots) or not lots for lots in cells(page, "lots"))
    assert all(" — " in title for title in re.findall(r'<abbr title="([^"]*)">L\d</abbr>', page))

    for view, column in (("providers", "name"), ("lots", "code"), ("briefings", "reference")):
        response = client.get(f"/admin/{view}/")
        assert response.status_code == 200, view
        assert cells(response.get_data(as_text=True), column), view

    briefings = client.get("/admin/briefings/").get_data(as_text=True)
    assert all(request.startswith("REQ-") and " — " in request for request in cells(briefings, "request"))
    assert "ObjectId" not in briefings
