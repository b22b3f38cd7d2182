"""Synthetic data for the benchmarks: requests, providers and briefings shaped as the app stores them.

Documents are written straight into the store with `insert_many` (not through
`records.create`, which would take minutes at 100,000 requests), in the shape
`records.create` gives them: amounts in cents, dates as datetimes, references by natural
key, `search_terms` filled, the audit fields and `version` set. The six lots come from
`seeds/lots.json` through the schemas. Two stores are filled with the same documents:
ours (`backoffice.store` on SQLite, in `ours/`) and stock Flask-Admin's (tinymongo, in
`stock/`: its pymongo view needs a pymongo-like engine). Filling is incremental: a store
at 10,000 requests is brought to 100,000 by adding the missing ones, so one data
directory serves every size of a run.
"""
import copy
import datetime as dt
import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMAIL = "manager@bench.example"
STAFF_EMAIL = "staff@bench.example"
PASSWORD = "bench password, long enough"
CHUNK = 2_000

MUNICIPALITIES = [f"210{n:02d}" for n in range(1, 20)] + ["region"]
ORGANISATION_TYPES = ["regional_administration", "municipal_administration", "public_body", "private_organisation", "citizen_collective"]
STATUSES = ["received", "under_review", "briefing", "sent", "awarded", "in_progress", "closed", "ineligible", "withdrawn", "on_hold"]
THEMES = ["urban_planning", "public_space", "mobility", "environment", "housing", "social_cohesion", "culture", "youth", "health", "economy"]
LOTS = ["L1", "L2", "L3", "L4", "L5", "L6"]
FIRST = ["Marie", "Jan", "Sofia", "Mohamed", "Lotte", "Pierre", "Ana", "Youssef", "Els", "Karim", "Hélène", "Pieter"]
LAST = ["Dubois", "Peeters", "Janssens", "El Amrani", "Maes", "Lambert", "Claes", "Dupont", "Willems", "Mertens"]
PLACES = ["du Parc", "de la Gare", "Flagey", "du Canal", "Nord", "Midi", "des Étangs", "Josaphat", "de la Senne", "Sainctelette"]
PROJECTS = ["Réaménagement", "Budget participatif", "Contrat de quartier", "Plan de mobilité", "Verdurisation", "Consultation", "Diagnostic"]
SENTENCE = (
    "Les habitants, les associations et les écoles du quartier sont invités à construire ensemble le programme ; "
    "le processus doit aboutir à une restitution publique et à des recommandations partagées. "
)
FIRMS = ["Agora", "Civica", "Participe", "Samen", "Stadslab", "Quartiers Vivants", "Open Overleg", "Parole Publique", "Buurtwerk", "Tables Rondes"]
FORMS = ["SCRL", "SRL", "ASBL", "BV", "VZW", "SC"]
CITIES = [("1000", "Bruxelles"), ("1050", "Ixelles"), ("1060", "Saint-Gilles"), ("1080", "Molenbeek-Saint-Jean"), ("1030", "Schaerbeek"), ("9000", "Gent"), ("2000", "Antwerpen"), ("4000", "Liège")]
# Requests in these statuses have a briefing; the briefing's status follows the request's.
BRIEFING_FOR = {"briefing": "draft", "sent": "sent", "awarded": "awarded", "in_progress": "awarded", "closed": "closed"}
CRITERIA = [("Qualité de la méthodologie", 50), ("Prix", 30), ("Expérience avec les publics visés", 20)]


def provider_count(requests):
    """How many providers go with this many requests (a framework agreement has a few dozen; the bench scales them)."""
    return max(24, requests // 100)


def enterprise_number(rng):
    """A valid Belgian enterprise number (ten digits, check digits right)."""
    body = rng.randrange(2_000_000, 19_999_999)
    return f"{body:08d}{97 - body % 97:02d}"


def _numbered_enterprise(number):
    # Distinct for every provider number, so the unique index never refuses a generated one.
    body = 2_000_000 + number * 7_919
    return f"{body:08d}{97 - body % 97:02d}"


def _stamped(doc, moment):
    return doc | {"created_at": moment, "updated_at": moment, "created_by": "bench", "updated_by": "bench", "version": 1}


def _with_terms(doc, collection):
    from backoffice import search
    from schemas.registry import ALL_SCHEMAS

    doc["search_terms"] = search.document_terms(doc, ALL_SCHEMAS[collection].search_fields)
    return doc


def synthetic_provider(rng, number, moment):
    """One provider as the schema stores it, party to two or three lots with a cascade rank."""
    postcode, city = rng.choice(CITIES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{rng.choice(FIRMS)} {number} {rng.choice(FORMS)}"
    slug = name.lower().replace(" ", "-")
    doc = {
        "name": name,
        "enterprise_number": _numbered_enterprise(number),
        "address": {"street": f"Rue {rng.choice(PLACES)} {rng.randrange(1, 200)}", "postcode": postcode, "city": city},
        "website": f"https://{slug}.example",
        "contact": {"name": f"{first} {last}", "email": f"contact@{slug}.example", "phone": f"+322{rng.randrange(1000000, 9999999)}"},
        "languages": sorted(rng.sample(["fr", "nl", "en"], rng.randrange(1, 4))),
        "lots": [{"lot": lot, "rank": rng.randrange(1, 10)} for lot in sorted(rng.sample(LOTS, rng.randrange(2, 4)))],
        "status": rng.choices(["active", "suspended", "left"], [90, 5, 5])[0],
        "notes": "Prestataire retenu au terme de la procédure de 2023.",
    }
    return _with_terms(_stamped(doc, moment), "providers")


def synthetic_request(rng, number, moment):
    """One request as the schema stores it."""
    received = dt.datetime(2024, 2, 1) + dt.timedelta(days=rng.randrange(0, 1000))
    start = received + dt.timedelta(days=rng.randrange(30, 180))
    first, last, place = rng.choice(FIRST), rng.choice(LAST), rng.choice(PLACES)
    org_type = rng.choice(ORGANISATION_TYPES)
    doc = {
        "reference": f"REQ-{received.year}-{number:06d}",
        "received_on": received,
        "organisation": {"name": f"{'Commune' if org_type == 'municipal_administration' else 'ASBL'} {place} {number % 97}", "type": org_type},
        "municipality": rng.choice(MUNICIPALITIES),
        "contact": {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower().replace(' ', '')}{number}@example.org",
            "phone": f"+322{rng.randrange(1000000, 9999999)}",
            "language": rng.choice(["fr", "nl"]),
        },
        "project_title": f"{rng.choice(PROJECTS)} {place} n° {number}",
        "description": SENTENCE * rng.randrange(1, 4),
        "themes": rng.sample(THEMES, rng.randrange(1, 4)),
        "lots": sorted(rng.sample(LOTS, rng.randrange(1, 3))),
        "estimated_budget": rng.randrange(500_000, 25_000_000, 50),
        "expected_start": start,
        "expected_end": start + dt.timedelta(days=rng.randrange(60, 400)),
        "status": rng.choice(STATUSES),
        "eligibility": {"decision": rng.choice(["pending", "eligible", "ineligible"]), "reason": "Administration ; projet d'intérêt communal."},
        "created_at": moment,
        "updated_at": moment,
        "created_by": "bench",
        "updated_by": "bench",
        "version": 1,
    }
    if rng.random() < 0.6:
        doc["organisation"]["enterprise_number"] = enterprise_number(rng)
    if rng.random() < 0.7:
        doc["assigned_to"] = f"{rng.choice(FIRST).lower()}@perspective.example"
    if rng.random() < 0.3:
        doc["notes"] = "À rappeler après le conseil communal."
    return _with_terms(doc, "requests")


def synthetic_briefing(rng, request, providers_by_lot, moment):
    """The briefing of a request that reached the briefing stage: invitations, offers and the award as its status needs."""
    status = BRIEFING_FOR[request["status"]]
    number = request["reference"].rsplit("-", 1)[1]
    deadline = request["received_on"] + dt.timedelta(days=rng.randrange(30, 60), hours=12)
    route = rng.choice(["cascade", "mini_competition"])
    budget = request["estimated_budget"] - request["estimated_budget"] % 100
    doc = {
        "reference": f"BRF-{request['received_on'].year}-{number}",
        "request": request["reference"],
        "lots": request["lots"],
        "language": request["contact"]["language"],
        "context": f"{request['project_title']}. " + SENTENCE,
        "objectives": "Construire avec les habitants un programme partagé et le restituer publiquement.",
        "target_audiences": "Les riverains, les écoles et les associations du quartier.",
        "deliverables": "Une note méthodologique, quatre ateliers, un rapport final.",
        "budget_max": budget,
        "offer_deadline": deadline,
        "award_route": route,
        "award_criteria": [{"name": name, "weight": weight} for name, weight in CRITERIA] if route == "mini_competition" else [],
        "invitations": [],
        "status": status,
    }
    if status == "draft":
        return _with_terms(_stamped(doc, moment), "briefings")
    sent_on = deadline - dt.timedelta(days=21)
    for lot in request["lots"]:
        for provider in rng.sample(providers_by_lot[lot], min(3, len(providers_by_lot[lot]))):
            doc["invitations"].append({"provider": provider, "lot": lot, "sent_on": sent_on, "response": "pending"})
    if status in ("awarded", "closed"):
        winner = doc["invitations"][0]
        for invitation in doc["invitations"]:
            if invitation["provider"] == winner["provider"] or rng.random() < 0.5:
                invitation.update(response="offer", offer_amount=budget - rng.randrange(0, budget // 10 + 1, 100), score=rng.randrange(50, 95))
            else:
                invitation["response"] = "declined"
        # One award per lot: the winner's offer where it bid, the lot's first offer elsewhere.
        awarded_on = (deadline + dt.timedelta(days=10)).replace(hour=0)
        doc["awards"] = []
        for lot in request["lots"]:
            offers = [item for item in doc["invitations"] if item["lot"] == lot and item.get("response") == "offer"]
            chosen = next((item for item in offers if item["provider"] == winner["provider"]), offers[0] if offers else None)
            if chosen is None:
                doc["awards"].append({"lot": lot, "outcome": "no_award", "awarded_on": awarded_on, "route": route,
                                      "reason": "Aucune offre reçue."})
            else:
                doc["awards"].append({"lot": lot, "outcome": "awarded", "provider": chosen["provider"],
                                      "amount": chosen["offer_amount"], "awarded_on": awarded_on, "route": route})
    return _with_terms(_stamped(doc, moment), "briefings")


def ours_dir(data_dir):
    """Where our app's store (SQLite, `backoffice.store`) is kept in a benchmark's data directory."""
    return Path(data_dir) / "ours"


def stock_dir(data_dir):
    """Where stock Flask-Admin's copy of the same documents (tinymongo 1.3.1, the `bench` extra) is kept."""
    return Path(data_dir) / "stock"


def make_plain_app(data_dir):
    """Our app over its SQLite store in `data_dir`."""
    from backoffice import create_app

    return create_app({"STORE_ENGINE": "sqlite", "BACKOFFICE_DATA_DIR": str(ours_dir(data_dir)), "SECRET_KEY": "x", "TESTING": True})


# The indexes stock's copy has: those the app declared on its MongoDB-shaped database before the
# switchover (backoffice/db.py), which stock was measured with then, as any deployment would have them.
STOCK_INDEXES = {
    "requests": [
        ([("reference", 1)], {"unique": True}),
        ([("received_on", 1), ("_id", 1)], {}),
        ([("status", 1), ("received_on", 1), ("_id", 1)], {}),
        ([("municipality", 1), ("received_on", 1), ("_id", 1)], {}),
        ([("lots", 1)], {}),
        ([("organisation.type", 1)], {}),
        ([("themes", 1)], {}),
        ([("search_terms", 1)], {}),
    ],
    "lots": [([("code", 1)], {"unique": True})],
}


def stock_database(data_dir):
    """(client, database): stock's tinymongo copy in `data_dir`, keeping one SQLite connection per thread as our store does."""
    from tinymongo import TinyMongoClient

    from bench import tinymongo_pool

    client = TinyMongoClient(str(stock_dir(data_dir)), backend="sqlite")
    database = client["backoffice"]
    tinymongo_pool.install(database)
    return client, database


def fill(data_dir, target, app=None):
    """Bring both stores to `target` requests, with their providers and briefings; return seconds spent.

    Ours is filled through `backoffice.store` (the lots and two users, a manager and a staff
    member with password PASSWORD, through the app's own `records` and `users`; the generated
    documents with `insert_many`, each chunk in one transaction); stock's tinymongo copy gets
    the very same documents, `_id` included, so that both sides show the same records.
    """
    from backoffice import records, users
    from backoffice.store.app import close, get_store

    started = time.perf_counter()
    own_app = app is None
    app = app or make_plain_app(data_dir)
    store = get_store(app)
    client, stock = stock_database(data_dir)
    with app.test_request_context():
        if store.count("lots") == 0:
            for lot in json.loads((ROOT / "seeds" / "lots.json").read_text(encoding="utf-8")):
                records.create("lots", lot, actor="bench", store=store)
        for email, role in ((EMAIL, "manager"), (STAFF_EMAIL, "staff")):
            if store.find_one("users", {"email": email}, projection=["_id"]) is None:
                users.create_user(store, email, role, PASSWORD, actor="bench")
    for collection, indexes in STOCK_INDEXES.items():
        for keys, options in indexes:
            stock[collection].create_index(keys, **options)
    if stock["lots"].count_documents({}) == 0:
        stock["lots"].insert_many(store.find("lots", {}))
    moment = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    _fill_providers(store, stock, provider_count(target), moment)
    providers_by_lot = {lot: [] for lot in LOTS}
    for provider in store.find("providers", {"status": "active"}, projection=["enterprise_number", "lots"]):
        for item in provider["lots"]:
            providers_by_lot[item["lot"]].append(provider["enterprise_number"])
    have = store.count("requests")
    rng = random.Random(target)
    briefing_rng = random.Random(-target)
    for first in range(have, target, CHUNK):
        chunk = [synthetic_request(rng, number, moment) for number in range(first + 1, min(first + CHUNK, target) + 1)]
        briefings = [synthetic_briefing(briefing_rng, doc, providers_by_lot, moment) for doc in chunk if doc["status"] in BRIEFING_FOR]
        _insert_both(store, stock, "requests", chunk)
        _insert_both(store, stock, "briefings", briefings)
    count = store.count("requests")
    client.close()
    if own_app:
        close(app)
    assert count == target, (count, target)
    return time.perf_counter() - started


def _insert_both(store, stock, collection, docs):
    """The same documents into our store (one transaction) and stock's copy; the store gives the `_id`s."""
    if not docs:
        return
    copies = copy.deepcopy(docs)
    store.insert_many(collection, docs)  # one transaction
    for doc, stored in zip(copies, docs):
        doc["_id"] = stored["_id"]
    stock[collection].insert_many(copies)


def _fill_providers(store, stock, wanted, moment):
    have = store.count("providers")
    rng = random.Random(wanted)
    if have < wanted:
        _insert_both(store, stock, "providers", [synthetic_provider(rng, number, moment) for number in range(have + 1, wanted + 1)])
