"""What the home page shows: the pipeline at a glance and what needs attention.

Pure computations over the database; the page draws them as bar charts with the
numbers beside them as tables.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from backoffice import reports
from backoffice.clock import now
from backoffice.references import LabelCache
from schemas.choices import MUNICIPALITIES, REQUEST_STATUSES

REVIEW_TOO_LONG = dt.timedelta(days=30)
ATTENTION_LIMIT = 50


@dataclass
class Bars:
    """A bar chart: labelled counts, largest first or in a fixed order."""

    key: str
    items: list = field(default_factory=list)  # (label, count, link arguments)

    @property
    def largest(self):
        return max([count for _label, count, _args in self.items] or [0])


def requests_by(store):
    """Requests counted by status (workflow order), by lot and by municipality."""
    statuses, lots, municipalities = Counter(), Counter(), Counter()
    for doc in store.find("requests", {}, projection={"status": 1, "lots": 1, "municipality": 1}):
        statuses[doc.get("status")] += 1
        lots.update(doc.get("lots") or [])
        municipalities[doc.get("municipality")] += 1
    labels = LabelCache(store)
    by_status = Bars("status", [(str(label), statuses[key], {"status": key}) for key, label in REQUEST_STATUSES.items()])
    by_lot = Bars("lot", [(name, lots[code], {"lots": code}) for code, name in labels.choices("lots", everything=True)])
    by_municipality = Bars(
        "municipality",
        sorted(
            ((str(MUNICIPALITIES.get(key, key)), count, {"municipality": key}) for key, count in municipalities.items()),
            key=lambda item: (-item[1], item[0]),
        ),
    )
    return by_status, by_lot, by_municipality


def _entered(doc, status):
    """When the record last entered `status` (from its status history), if known."""
    for entry in reversed(doc.get("status_history", [])):
        if entry.get("to") == status:
            return entry.get("at")
    return None


def attention(store, moment=None):
    """Items needing attention: deadlines passed without award, long reviews, briefings with no answer."""
    moment = moment or now()
    overdue = store.find(
        "briefings", {"status": {"$in": ["sent", "offers_received"]}, "offer_deadline": {"$lt": moment}},
        sort=[("offer_deadline", 1)], limit=ATTENTION_LIMIT,
        projection={"reference": 1, "offer_deadline": 1, "status": 1, "request": 1},
    )
    long_reviews = []
    for doc in store.find("requests", {"status": "under_review"},
                          projection={"reference": 1, "project_title": 1, "received_on": 1, "status_history": 1}):
        since = _entered(doc, "under_review") or doc.get("received_on")
        if since and moment - since > REVIEW_TOO_LONG:
            long_reviews.append(doc | {"since": since, "days": (moment - since).days})
    long_reviews.sort(key=lambda doc: doc["since"])
    silent = [
        doc
        for doc in store.find("briefings", {"status": "sent"}, projection={"reference": 1, "invitations": 1, "offer_deadline": 1, "request": 1})
        if doc.get("invitations") and all(item.get("response", "pending") == "pending" for item in doc["invitations"])
    ]
    return {"overdue": overdue, "long_reviews": long_reviews[:ATTENTION_LIMIT], "silent": silent[:ATTENTION_LIMIT]}


# Requests that are over: nothing more to do on them.
FINISHED_REQUESTS = ["closed", "ineligible", "withdrawn"]
WEEK = dt.timedelta(days=7)


def work_queue(store, email, moment=None):
    """What the signed-in person has to do: their open files, what is due within a week, what is overdue.

    Each list is read in one query; every item carries what its link needs (collection and id).
    """
    moment = moment or now()
    today = dt.datetime(moment.year, moment.month, moment.day)
    mine = store.find(
        "requests", {"assigned_to": email, "status": {"$nin": FINISHED_REQUESTS}}, sort=[("reference", 1)],
        limit=ATTENTION_LIMIT, projection={"reference": 1, "project_title": 1, "status": 1, "expected_start": 1},
    ) if email else []
    due = [
        {"collection": "briefings", "_id": doc["_id"], "reference": doc["reference"], "what": "offer_deadline",
         "when": doc["offer_deadline"]}
        for doc in store.find(
            "briefings", {"status": {"$in": ["sent", "offers_received"]}, "offer_deadline": {"$gte": moment, "$lt": moment + WEEK}},
            projection={"reference": 1, "offer_deadline": 1})
    ] + [
        {"collection": "requests", "_id": doc["_id"], "reference": doc["reference"], "what": "expected_start",
         "when": doc["expected_start"]}
        for doc in store.find(
            "requests", {"status": {"$nin": FINISHED_REQUESTS}, "expected_start": {"$gte": today, "$lt": today + WEEK}},
            projection={"reference": 1, "expected_start": 1})
    ]
    overdue = [
        {"collection": "briefings", "_id": doc["_id"], "reference": doc["reference"], "what": "offer_deadline",
         "when": doc["offer_deadline"]}
        for doc in store.find(
            "briefings", {"status": {"$in": ["sent", "offers_received"]}, "offer_deadline": {"$lt": moment}},
            projection={"reference": 1, "offer_deadline": 1})
    ] + [
        {"collection": "requests", "_id": doc["_id"], "reference": doc["reference"], "what": "expected_start",
         "when": doc["expected_start"]}
        for doc in store.find(
            "requests", {"status": {"$in": ["received", "under_review", "briefing", "sent"]}, "expected_start": {"$lt": today}},
            projection={"reference": 1, "expected_start": 1})
    ]
    return {
        "mine": mine,
        "due": sorted(due, key=lambda item: item["when"])[:ATTENTION_LIMIT],
        "overdue": sorted(overdue, key=lambda item: item["when"])[:ATTENTION_LIMIT],
    }


def summary(store):
    """Everything the home page shows."""
    by_status, by_lot, by_municipality = requests_by(store)
    return {
        "by_status": by_status,
        "by_lot": by_lot,
        "by_municipality": by_municipality,
        "attention": attention(store),
        "ceilings": reports.lot_ceilings(store),
        "totals": {name: store.count(name) for name in ("requests", "briefings", "providers", "lots")},
    }
