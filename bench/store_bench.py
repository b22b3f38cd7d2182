"""Benchmark: the new SQLite store (`backoffice.store.sqlite`) against today's embedded fast paths.

Run from the project root:

    .venv/bin/python bench/store_bench.py                   # 10,000 then 100,000 requests
    .venv/bin/python bench/store_bench.py --sizes 1000,10000

For each size the script fills a tinymongo store (kept in --data-dir when given) with the synthetic requests,
briefings and providers of `bench/data.py` (as `make bench` does), copies it into a new
SQLite store with `import-tinymongo`'s code (timed too), then times the same operations
on both, each as the app's code calls it:

* `page`: the requests list's first page, newest first, 20 rows of the list's columns, and
  the count (today `db.list_page`, which takes `embedded.page`);
* `deep page`: the same at the 50th page;
* `filtered`: status and municipality filters, oldest first (the "sorted and filtered" page);
* `search`: two typed words, their prefixes matched against the stored terms;
* `get`: one request by `_id`;
* `save`: an edit over the version seen, with its audit entry (today
  `db.update_one` + `audit` insert, the search terms computed by the caller; in the store,
  `update_if_version` and the insert in one transaction);
* `batches`: every request, 500 at a time (the CSV export's read).

Each figure is the median of --repeat runs (fewer for `batches`) in milliseconds, the two
sides' runs alternating so that both meet the same load on a shared machine, and the ratio
store / embedded: below 1 the new store is faster.
"""
import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data import fill, make_plain_app  # noqa: E402  (the path above makes `bench` importable)

LIST_COLUMNS = {
    "reference": 1, "received_on": 1, "organisation": 1, "municipality": 1, "project_title": 1,
    "lots": 1, "status": 1, "assigned_to": 1, "version": 1,
}
FILTERED = {"$and": [{"status": "received"}, {"municipality": "21004"}]}
WORDS = "budget flagey"
PAGE = 20


def _timed_ms(action):
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _medians_ms(old, new, repeat):
    """Median milliseconds of each side, the runs alternating so both see the same load on the machine."""
    old_times, new_times = [], []
    for _ in range(repeat):
        old_times.append(_timed_ms(old))
        new_times.append(_timed_ms(new))
    return statistics.median(old_times), statistics.median(new_times)


def embedded_operations(app, ids):
    """Today's calls on the tinymongo store, through `backoffice.db` and its fast paths."""
    from backoffice import db, search
    from schemas.registry import ALL_SCHEMAS

    database = db.get_db(app)
    requests = database["requests"]
    newest = [("received_on", -1), ("_id", -1)]
    oldest = [("received_on", 1), ("_id", 1)]
    pick = random.Random(1)

    def save():
        doc = requests.find_one({"_id": pick.choice(ids)})
        changed = {"notes": f"{doc.get('notes') or ''}."[-200:]}
        terms = search.document_terms(doc | changed, ALL_SCHEMAS["requests"].search_fields)
        result = db.update_one(requests, {"_id": doc["_id"], "version": doc["version"]},
                               {"$set": changed | {"search_terms": terms}, "$inc": {"version": 1}})
        assert result.matched_count == 1
        database["audit"].insert_one({"at": dt.datetime.now(dt.timezone.utc), "actor": "bench", "action": "update",
                                      "collection": "requests", "record": doc["_id"], "key": doc["reference"], "changes": []})

    return {
        "page": lambda: db.list_page(requests, {}, newest, 0, PAGE, LIST_COLUMNS),
        "deep page": lambda: db.list_page(requests, {}, newest, 49 * PAGE, PAGE, LIST_COLUMNS),
        "filtered": lambda: db.list_page(requests, FILTERED, oldest, 0, PAGE, LIST_COLUMNS),
        "search": lambda: db.list_page(requests, search.query(WORDS), newest, 0, PAGE, LIST_COLUMNS),
        "get": lambda: requests.find_one({"_id": pick.choice(ids)}),
        "save": save,
        "batches": lambda: sum(len(batch) for batch in db.batches(requests, {}, 500)),
    }


def store_operations(store, ids):
    """The same operations on the new store."""
    from backoffice.store import prefixes

    pick = random.Random(1)
    newest = [("received_on", -1)]

    def save():
        doc = store.get("requests", pick.choice(ids))
        with store.transaction():
            saved = store.update_if_version("requests", doc["_id"], doc["version"], {"notes": f"{doc.get('notes') or ''}."[-200:]})
            assert saved is not None
            store.insert("audit", {"at": dt.datetime.now(dt.timezone.utc), "actor": "bench", "action": "update",
                                   "collection": "requests", "record": doc["_id"], "key": doc["reference"], "changes": []})

    return {
        "page": lambda: store.page("requests", {}, sort=newest, limit=PAGE, projection=LIST_COLUMNS),
        "deep page": lambda: store.page("requests", {}, sort=newest, skip=49 * PAGE, limit=PAGE, projection=LIST_COLUMNS),
        "filtered": lambda: store.page("requests", FILTERED, sort=[("received_on", 1)], limit=PAGE, projection=LIST_COLUMNS),
        "search": lambda: store.page("requests", {}, search=prefixes(WORDS), sort=newest, limit=PAGE, projection=LIST_COLUMNS),
        "get": lambda: store.get("requests", pick.choice(ids)),
        "save": save,
        "batches": lambda: sum(len(batch) for batch in store.batches("requests", {}, 500)),
    }


def same_answers(old, new):
    """Both sides list the same rows in the same order (else the comparison would mean nothing)."""
    for name in ("page", "deep page", "filtered", "search"):
        old_count, old_rows = old[name]()
        new_page = new[name]()
        assert old_count == new_page.count, (name, old_count, new_page.count)
        assert [row["_id"] for row in old_rows] == [row["_id"] for row in new_page.documents], name


def measure(size, repeat, workdir, data_dir=None):
    """The figures at one size: {operation: (embedded ms, store ms)}, and the fill and import seconds."""
    from backoffice import db
    from backoffice.store.sqlite import SQLiteStore
    from backoffice.store.tinymongo_import import import_store

    source = (data_dir or workdir) / f"tinymongo-{size}"
    filled = fill(source, size)
    app = make_plain_app(source)
    ids = [doc["_id"] for doc in db.get_db(app)["requests"].find({}, {"_id": 1})]
    started = time.perf_counter()
    store = SQLiteStore(workdir / f"store-{size}.sqlite3")  # always a new one: the import is timed too
    import_store(source, store)
    imported = time.perf_counter() - started
    figures = {}
    with app.test_request_context():
        old, new = embedded_operations(app, ids), store_operations(store, ids)
        same_answers(old, new)
        for name in old:
            runs = max(3, repeat // 10) if name == "batches" else repeat
            figures[name] = _medians_ms(old[name], new[name], runs)
    store.close()
    db.close(app)
    return figures, filled, imported


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="numbers of requests, comma-separated")
    parser.add_argument("--repeat", type=int, default=30, help="runs per operation (a tenth of it, at least 3, for batches)")
    parser.add_argument("--data-dir", type=Path, help="keep the filled tinymongo stores here for the next run (default: a temporary directory)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="store-bench-"))
    try:
        for size in [int(text) for text in args.sizes.split(",")]:
            figures, filled, imported = measure(size, args.repeat, workdir, args.data_dir)
            print(f"\n{size:,} requests (filled in {filled:.0f} s, imported into the new store in {imported:.1f} s)")
            print(f"{'operation':<10} {'embedded ms':>12} {'store ms':>10} {'store/embedded':>15}")
            for name, (old_ms, new_ms) in figures.items():
                print(f"{name:<10} {old_ms:>12.2f} {new_ms:>10.2f} {new_ms / old_ms:>15.2f}")
            sys.stdout.flush()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
