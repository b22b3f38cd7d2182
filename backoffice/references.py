"""Links between records: checking they exist, naming them for people, finding who refers to whom.

Records refer to each other by natural key (lot code, enterprise number, request
reference); the schemas declare which field points where, and this module reads that.
"""
from flask import g, has_request_context, request

from backoffice.formatting import bilingual
from backoffice.i18n import _l, labelled
from backoffice.paths import value_at
from schemas.fields import ChoiceList, Nested, NestedList, Ref, RefList
from schemas.registry import ALL_SCHEMAS as SCHEMAS

# What a person sees for a record of each collection, built from these fields.
LABEL_FIELDS = {
    "lots": ("code", "name_fr", "name_nl", "name_en"),
    "providers": ("name", "enterprise_number"),
    "requests": ("reference", "project_title"),
    "briefings": ("reference",),
    "users": ("email", "name"),
}


def reference_paths(schema=None, prefix=""):
    """Yield (dotted path, target collection) for every reference field of a schema."""
    for name, field in schema.fields.items():
        path = prefix + name
        if isinstance(field, (Ref, RefList)):
            yield path, field.collection
        elif isinstance(field, Nested):
            yield from reference_paths(field.schema, path + ".")
        elif isinstance(field, NestedList):
            yield from reference_paths(field.inner.schema, path + ".")


def referring_paths(target):
    """(collection, dotted path) pairs whose values point at records of `target`."""
    return [
        (collection, path)
        for collection, schema in SCHEMAS.items()
        for path, points_to in reference_paths(schema())
        if points_to == target
    ]


def label(collection, doc):
    """How a person names a record: `L1 — Globale opdracht`, a provider's name, `REQ-2026-0042 — title`."""
    if doc is None:
        return ""
    if collection == "lots":
        return f"{doc['code']} — {bilingual(doc, 'name')}"
    if collection == "requests":
        return f"{doc['reference']} — {doc.get('project_title', '')}"
    if collection == "providers":
        return doc.get("name", "")
    if collection == "users":
        return doc.get("name") or doc.get("email", "")
    return doc.get(SCHEMAS[collection].natural_key, "")


class DatabaseReferences:
    """Answers the schemas' questions about other records from the store.

    `pending` holds records about to be written in the same operation (a seed run),
    keyed by collection then natural key, so they count as existing.
    """

    def __init__(self, store, pending=None):
        self.store = store
        self.pending = pending or {}

    def missing(self, collection, keys):
        """The keys among `keys` that name no record."""
        key_field = SCHEMAS[collection].natural_key
        wanted = set(keys) - set(self.pending.get(collection, {}))
        if not wanted:
            return set()
        read = _read_whole_in_this_request(self.store, collection)
        if read is not None:
            return wanted - {doc[key_field] for doc in read}
        found = self.store.find(collection, {key_field: {"$in": sorted(wanted)}}, projection={key_field: 1})
        return wanted - {doc[key_field] for doc in found}

    def taken(self, collection, field, value, exclude_id=None):
        """True when another stored record already has `value` in `field`."""
        query = {field: value}
        if exclude_id is not None:
            query["_id"] = {"$ne": exclude_id}
        return self.store.find_one(collection, query, {"_id": 1}) is not None

    def party_to(self, provider, lot):
        """True when the provider (by enterprise number) is party to the lot."""
        pending = self.pending.get("providers", {}).get(provider)
        if pending is not None:
            return any(item["lot"] == lot for item in pending.get("lots", []))
        query = {"enterprise_number": provider, "lots.lot": lot}
        return self.store.find_one("providers", query, {"_id": 1}) is not None


def referrers(store, collection, doc, limit=5):
    """Describe the records that refer to `doc`, e.g. ["Provider: Agora scrl", ...]; empty when none."""
    key = doc.get(SCHEMAS[collection].natural_key)
    found = []
    for source, path in referring_paths(collection):
        for other in store.find(source, {path: key}, projection=LABEL_FIELDS[source], limit=limit):
            found.append(labelled(COLLECTION_NAMES[source], label(source, other)))
    return found


def referrer_groups(store, collection, doc, shown=5):
    """Who refers to `doc`, by kind of record, each record once: [(collection, [(id, label), …], how many)].

    A provider named in a briefing's invitations and in its award is one briefing, not two;
    each kind names its first `shown` records and counts the others.
    """
    key = doc.get(SCHEMAS[collection].natural_key)
    found = {}
    for source, path in referring_paths(collection):
        ids = found.setdefault(source, [])
        for other in store.find(source, {path: key}, projection={"_id": 1}):
            if other["_id"] not in ids:
                ids.append(other["_id"])
    groups = []
    for source, ids in found.items():
        if not ids:
            continue
        ids = sorted(ids)
        named = {other["_id"]: label(source, other)
                 for other in store.find(source, {"_id": {"$in": ids[:shown]}}, projection=LABEL_FIELDS[source])}
        groups.append((source, [(record_id, named.get(record_id, str(record_id))) for record_id in ids[:shown]], len(ids)))
    return groups


# Select lists offer the records that can still be chosen; a record that is already chosen
# is added back by the form, so editing never loses it.
CHOOSABLE = {
    "requests": {"status": {"$nin": ["closed", "withdrawn", "ineligible"]}},
    "providers": {"status": "active"},
}
CHOICES_LIMIT = 1000
# Collections small enough to be read whole, once per request, for every name and choice a page needs.
READ_WHOLE = {"lots"}

COLLECTION_NAMES = {
    "lots": _l("Lot"),
    "providers": _l("Provider"),
    "requests": _l("Request"),
    "briefings": _l("Briefing"),
    "users": _l("User"),
}


class LabelCache:
    """Names of referenced records for one page, fetched in one query per collection."""

    def __init__(self, store):
        self.store = store
        self.labels = {}
        self.whole = {}
        self.choice_lists = {}
        self.choice_texts = {}

    def prefetch(self, collection, keys):
        """Load the names of all `keys` not known yet, with a single query."""
        known = self.labels.setdefault(collection, {})
        wanted = sorted({key for key in keys if key is not None} - set(known))
        if not wanted:
            return
        key_field = SCHEMAS[collection].natural_key
        if collection in READ_WHOLE:
            self.read_whole(collection)
        else:
            for doc in self.store.find(collection, {key_field: {"$in": wanted}}, projection=LABEL_FIELDS[collection]):
                known[doc[key_field]] = label(collection, doc)
        for key in wanted:
            # A dangling reference still shows its key rather than nothing.
            known.setdefault(key, str(key))

    def prefetch_documents(self, docs, fields):
        """Load the names of every record that `docs` refer to through `fields` ({dotted path: field})."""
        for path, field in fields.items():
            if not isinstance(field, (Ref, RefList, NestedList)):
                continue  # holds no reference: no need to read its values
            for collection, keys in referenced_keys(field, [value_at(doc, path) for doc in docs]):
                self.prefetch(collection, keys)

    def get(self, collection, key):
        """The name of one referenced record (fetched now if no page prefetched it)."""
        known = self.labels.get(collection)
        if known is not None and key in known:
            return known[key]
        self.prefetch(collection, [key])
        return self.labels[collection].get(key, "")

    def choice_text(self, field, value):
        """A closed-list value (or list of values) as `formatting.value_text` shows it.

        Each list's labels are translated once for this cache, not once per cell.
        """
        held = self.choice_texts.get(id(field.choices))
        if held is None or held[0] is not field.choices:
            held = self.choice_texts[id(field.choices)] = (field.choices, {})
        texts = held[1]
        items = value if isinstance(field, ChoiceList) else [value]
        return ", ".join(self._choice_item(field.choices, texts, item) for item in items)

    @staticmethod
    def _choice_item(choices, texts, item):
        # Translated when first shown: a details page shows one value of each list, not all of them.
        if item is None:
            return ""
        text = texts.get(item)
        if text is None:
            text = texts[item] = str(choices[item]) if item in choices else str(item)
        return text

    def read_whole(self, collection):
        """Every record of a small collection (READ_WHOLE) in key order, read once for this cache."""
        if collection not in self.whole:
            key_field = SCHEMAS[collection].natural_key
            docs = self.store.find(collection, {}, sort=[(key_field, 1)], projection=LABEL_FIELDS[collection])
            self.whole[collection] = docs
            self.labels.setdefault(collection, {}).update((doc[key_field], label(collection, doc)) for doc in docs)
        return self.whole[collection]

    def choices(self, collection, everything=False):
        """The choosable records of a collection as (key, name) pairs, for select lists and filters."""
        query = {} if everything else CHOOSABLE.get(collection, {})
        cache_key = (collection, bool(query))
        if cache_key not in self.choice_lists:
            key_field = SCHEMAS[collection].natural_key
            if collection in READ_WHOLE and not query:
                docs = self.read_whole(collection)[:CHOICES_LIMIT]
            else:
                direction = -1 if collection == "requests" else 1
                docs = self.store.find(collection, query, sort=[(key_field, direction)], limit=CHOICES_LIMIT,
                                       projection=LABEL_FIELDS[collection])
            pairs = [(doc[key_field], label(collection, doc)) for doc in docs]
            self.labels.setdefault(collection, {}).update(pairs)
            self.choice_lists[cache_key] = pairs
        return list(self.choice_lists[cache_key])


def referenced_keys(field, values):
    """(collection, keys) pairs for the references held by `values` of one schema field."""
    if isinstance(field, Ref):
        yield field.collection, [value for value in values if value]
    elif isinstance(field, RefList):
        yield field.collection, [key for value in values if value for key in value]
    elif isinstance(field, NestedList):
        for name, sub in field.inner.schema.fields.items():
            rows = [row.get(name) for value in values if value for row in value]
            yield from referenced_keys(sub, rows)


def _read_whole_in_this_request(store, collection):
    """The records of a small collection that this request has already read whole, or None."""
    if collection not in READ_WHOLE or not has_request_context():
        return None
    cache = request.environ.get("backoffice.label_cache")
    if cache is None or cache.store is not store:
        return None
    return cache.whole.get(collection)


def label_cache(store):
    """The label cache of the current request (of the app context outside a request)."""
    # Kept with the request, not `g`: a test or command that holds one app context across
    # several requests must not see names or choices read before its last change.
    if not has_request_context():
        if "label_cache" not in g:
            g.label_cache = LabelCache(store)
        return g.label_cache
    cache = request.environ.get("backoffice.label_cache")
    if cache is None:
        cache = request.environ["backoffice.label_cache"] = LabelCache(store)
    return cache
