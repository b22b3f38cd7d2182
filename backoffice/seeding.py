"""Loading the demo fixtures in `seeds/` through the schemas: all of them, or nothing.

Every item is validated first, against the store and the other seed files; only
when all pass is anything written, and then in one store transaction (the reset's
deletions included): a seed is all written or not at all. Records are matched on their
natural key, so a second run changes nothing.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from backoffice import records, reindex
from backoffice.references import DatabaseReferences
from schemas.registry import SCHEMAS

SEED_COLLECTIONS = tuple(SCHEMAS)  # lots, providers, requests, briefings: dependency order


@dataclass
class SeedError:
    """One refused fixture: which file, which item, which field, and why."""

    file: str
    index: int
    field: str
    message: str

    def __str__(self):
        return f"{self.file}[{self.index}] {self.field}: {self.message}"


@dataclass
class SeedReport:
    """What a seed run did (or would not do)."""

    errors: list = field(default_factory=list)
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)


class SeedReferences(DatabaseReferences):
    """References as they will be once the seed is written (the database is ignored after a reset)."""

    def __init__(self, store, pending, reset):
        super().__init__(store, pending)
        self.reset = reset

    def missing(self, collection, keys):
        wanted = set(keys) - set(self.pending.get(collection, {}))
        if self.reset:
            return wanted
        return super().missing(collection, wanted) if wanted else set()

    def taken(self, collection, field_name, value, exclude_id=None):
        # Seeds are matched on their natural key (the only unique field): an existing record is updated.
        return False

    def party_to(self, provider, lot):
        if self.reset and provider not in self.pending.get("providers", {}):
            return False
        return super().party_to(provider, lot)


def read_fixtures(seeds_dir):
    """The fixtures of every collection, read from `<seeds_dir>/<collection>.json`."""
    fixtures = {}
    for collection in SEED_COLLECTIONS:
        path = Path(seeds_dir) / f"{collection}.json"
        fixtures[collection] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    return fixtures


def validate_fixtures(store, fixtures, reset=False):
    """Load every fixture through its schema; return (loaded documents by collection, errors)."""
    pending = {collection: {} for collection in SEED_COLLECTIONS}
    refs = SeedReferences(store, pending, reset)
    loaded, errors = {}, []
    for collection in SEED_COLLECTIONS:
        key = SCHEMAS[collection].natural_key
        file_name = f"seeds/{collection}.json"
        loaded[collection] = []
        for index, item in enumerate(fixtures.get(collection, [])):
            previous = None if reset else _stored(store, collection, item)
            try:
                doc = records.validate(collection, item, previous=previous, store=store, refs=refs, today_rules=False)
            except records.SaveRefused as refused:
                errors.extend(SeedError(file_name, index, path, message) for path, message in _walk(refused.errors))
                continue
            if not doc.get(key):
                errors.append(SeedError(file_name, index, key, "a seed record needs its natural key"))
                continue
            if doc[key] in pending[collection]:
                errors.append(SeedError(file_name, index, key, f"{doc[key]} appears twice"))
                continue
            pending[collection][doc[key]] = doc
            loaded[collection].append(doc)
    return loaded, errors


def _stored(store, collection, item):
    """The stored record with the same natural key as a fixture (keys compared in stored form)."""
    field = SCHEMAS[collection]().fields[SCHEMAS[collection].natural_key]
    try:
        key = field.deserialize(item.get(SCHEMAS[collection].natural_key))
    except ValidationError:
        return None  # the schema will name the problem
    return store.find_one(collection, {field.name: key}) if key else None


def _walk(errors, prefix=""):
    for name, value in errors.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict):
            yield from _walk(value, path)
        else:
            for message in value:
                yield path, message


def is_empty(store):
    """True when no collection holds a record yet."""
    return all(store.count(collection) == 0 for collection in SEED_COLLECTIONS)


def seed(store, seeds_dir, reset=False, actor="seed"):
    """Validate all fixtures, then (only if all pass) write them in one transaction; return a SeedReport.

    A failure while writing (a record changed meanwhile, a write that could not take its
    turn) leaves the store as it was, the reset's deletions included, and is raised.
    """
    report = SeedReport()
    loaded, report.errors = validate_fixtures(store, read_fixtures(seeds_dir), reset=reset)
    if report.errors:
        return report
    with store.transaction():
        if reset:
            for collection in SEED_COLLECTIONS:
                store.delete_where(collection, {})
            # The references' counters start again; the search rules' version stays (no record is left to re-index).
            store.delete_where("counters", {"_id": {"$ne": reindex.KEY}})
        for collection in SEED_COLLECTIONS:
            for doc in loaded[collection]:
                outcome = _upsert(store, collection, doc, actor)
                bucket = getattr(report, outcome)
                bucket[collection] = bucket.get(collection, 0) + 1
    reindex.reindex_if_stale(store)  # records seeded earlier, under other search rules
    return report


def _upsert(store, collection, doc, actor):
    key = SCHEMAS[collection].natural_key
    existing = store.find_one(collection, {key: doc[key]})
    if existing is None:
        records.insert_valid(collection, doc, actor, store)
        return "created"
    stored = {name: existing[name] for name in SCHEMAS[collection]().load_fields if name in existing}
    if stored == doc:
        return "unchanged"
    records.update_valid(collection, existing, doc, actor, existing.get("version"), store)
    return "updated"
