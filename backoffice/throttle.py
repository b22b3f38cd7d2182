"""Sign-in throttling: a progressive delay per account and per address, counted atomically.

Each account and each address has one document `{_id: key, failures, until, at}`. An
attempt first takes its turn: it is counted as a failure *before* the password is
checked, by a compare-and-set on the count it read, so thirty simultaneous attempts
cannot all read the same count and all be checked. After a few free failures each new
one makes the next attempt wait longer (1 s, 2 s, 4 s ... up to 15 minutes): a wrong
guesser slows down, while the real user, from any address, gets in after a short wait.
A correct password gives the account a clean slate and takes back its address's turn.
Nothing is ever locked for good. Every count is loaded by its schema (`schemas/throttle.py`)
before it is written.
"""
import datetime as dt

from backoffice import system_records
from backoffice.store import Conflict, DuplicateKey

COLLECTION = "login_throttle"
# Failures allowed without any wait: an office behind one address gets more than one person.
FREE_FAILURES = {"account": 3, "address": 10}
MAX_DELAY = dt.timedelta(minutes=15)
# Failures this old are forgotten: the count starts again.
FORGET_AFTER = dt.timedelta(hours=1)
# How often an attempt tries again when another one wrote the same count at the same moment.
RETRIES = 20


class Throttled(Exception):
    """Too many recent failures: `wait` is how long before the next attempt is taken."""

    def __init__(self, wait, first_refusal):
        super().__init__("throttled")
        self.wait = wait
        # The first refusal of this wait is audited; the others are counted on the key.
        self.first_refusal = first_refusal


def delay(kind, failures):
    """The wait after `failures` failures for a key of this kind (account or address)."""
    over = failures - FREE_FAILURES[kind]
    if over <= 0:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(over - 1, 20)), MAX_DELAY)


def keys(email, address):
    """The throttled keys of an attempt: (kind, key)."""
    return [("account", f"account:{email}"), ("address", f"address:{address}")]


def take_turn(store, email, address, moment):
    """Count this attempt as a failure for its account and address, or raise Throttled.

    Returns the keys taken, for `succeeded` to give back when the password is right.
    """
    taken = []
    for kind, key in keys(email, address):
        try:
            _take_one(store, kind, key, moment)
        except Throttled:
            for _kind, earlier in taken:
                _give_back(store, earlier, moment)
            raise
        taken.append((kind, key))
    return taken


def succeeded(store, taken, moment):
    """The password was right: the account starts afresh, the address gets its turn back."""
    for kind, key in taken:
        if kind == "account":
            store.delete_where(COLLECTION, {"_id": key})
        else:
            _give_back(store, key, moment)


def _take_one(store, kind, key, moment):
    # The count is read and written in one transaction: simultaneous attempts take turns.
    for _attempt in range(RETRIES):
        try:
            with store.transaction():
                refusal = _count_failure(store, kind, key, moment)
        except (DuplicateKey, Conflict):
            continue  # another attempt wrote this count meanwhile: read it again
        if refusal is not None:
            raise refusal
        return
    # The count kept changing under this attempt: it waits like a throttled one.
    raise Throttled(dt.timedelta(seconds=1), False)


def _count_failure(store, kind, key, moment):
    """Count one failure on `key`; the Throttled to raise (once the transaction is over) when it must wait."""
    doc = store.get(COLLECTION, key)
    if doc is None:
        system_records.insert(store, COLLECTION, {"_id": key, "failures": 1, "until": moment + delay(kind, 1), "at": moment, "refused": 0})
        return None
    if doc["until"] > moment:
        system_records.update(store, COLLECTION, key, {"refused": doc.get("refused", 0) + 1})
        return Throttled(doc["until"] - moment, not doc.get("refused"))
    failures = doc["failures"] + 1 if doc["at"] >= moment - FORGET_AFTER else 1
    system_records.update(store, COLLECTION, key, {"failures": failures, "until": moment + delay(kind, failures), "at": moment, "refused": 0})
    return None


def _give_back(store, key, moment):
    with store.transaction():
        doc = store.get(COLLECTION, key)
        if doc is not None:
            system_records.update(store, COLLECTION, key, {"failures": max(doc["failures"] - 1, 0), "until": moment})
