"""How long sending a briefing and awarding a lot keep other writers of the SQLite store waiting.

Run from the project root:

    .venv/bin/python bench/lock_hold.py

It seeds the demo data into a temporary SQLite store, then sends the ready briefing with the
most invitations and awards a lot of a briefing whose offers are in (to its first-ranked offer), as
staff would. Meanwhile a second process takes the file's write lock over and over
(`BEGIN IMMEDIATE`, then `ROLLBACK`) and notes the longest it had to wait: that is how
long the action held the lock, as any other writer sees it. Printed per action, with the
time the action took as a whole (its PDFs included).
"""
import multiprocessing
import secrets
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice import awards, create_app, documents, seeding, workflow  # noqa: E402  (the path above makes it importable)
from backoffice.store.app import get_store  # noqa: E402

FORK = multiprocessing.get_context("fork")
ACTOR = "bench@perspective.example"


def _writer(path, stop, longest):
    """Take the write lock again and again until `stop`; keep the longest wait (ms) in `longest`."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    while not stop.is_set():
        begun = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        waited = (time.perf_counter() - begun) * 1000
        conn.execute("ROLLBACK")
        longest.value = max(longest.value, waited)
        time.sleep(0.002)
    conn.close()


def measured(path, action):
    """Run `action()` while another process keeps writing; return (the action's ms, the other writer's longest wait in ms)."""
    stop, longest = FORK.Event(), FORK.Value("d", 0.0)
    writer = FORK.Process(target=_writer, args=(path, stop, longest))
    writer.start()
    time.sleep(0.2)
    begun = time.perf_counter()
    action()
    took = (time.perf_counter() - begun) * 1000
    time.sleep(0.05)
    stop.set()
    writer.join(30)
    return took, longest.value


def main():
    """Seed, then measure the send and the award; print one line each."""
    folder = tempfile.mkdtemp(prefix="lock-hold-")
    app = create_app({"STORE_ENGINE": "sqlite", "BACKOFFICE_DATA_DIR": folder, "SECRET_KEY": secrets.token_hex(32)})
    store = get_store(app)
    with app.test_request_context():
        assert not seeding.seed(store, app.config["SEEDS_DIR"]).errors
        ready = max(store.find("briefings", {"status": "ready"}), key=lambda doc: len(doc.get("invitations", [])))
        documents.briefing_pdf(store, ready)  # WeasyPrint and its fonts loaded before measuring
        path = store.path

        def send():
            workflow.move(store, "briefings", ready, "sent", ACTOR, version=ready["version"])

        decided = next(doc for doc in store.find("briefings", {"status": "offers_received"}, sort=[("reference", 1)]))
        lot = awards.open_lots(decided)[0]
        first = awards.ranking(decided, lot)[0]

        def award():
            workflow.award_lot(store, decided, lot, first.provider, "", "Measured by bench/lock_hold.py.", ACTOR,
                               version=decided["version"])

        for name, reference, action in (("send", ready["reference"], send), ("award", decided["reference"], award)):
            took, waited = measured(path, action)
            print(f"{name} {reference}: the action took {took:.0f} ms; another writer waited at most {waited:.0f} ms")


if __name__ == "__main__":
    main()
