"""Benchmark: our streamed CSV export of requests against Flask-Admin's stock pymongo export.

Run from the project root:

    .venv/bin/python bench/export_bench.py                 # 10,000 then 100,000 requests
    .venv/bin/python bench/export_bench.py --sizes 1000,10000

The script fills a temporary embedded store (tinymongo on SQLite) with realistic
synthetic requests (shaped as `backoffice.records.create` stores them) plus the six
demo lots, then, for each size and each exporter, measures in a fresh subprocess:

* throughput: rows per second for the whole download through the test client,
  signed in, reading the streamed body chunk by chunk without keeping it;
* peak memory growth: the RSS high-water mark (VmHWM, reset just before the export
  when the kernel allows it) minus the RSS before the export, in a run without
  tracemalloc; and the tracemalloc peak above the traced memory before the export,
  in a second run (tracemalloc slows Python down, so it never times a run).

A subprocess per measurement keeps each peak independent of the previous exports.
A measurement that runs longer than --max-seconds stops reading the download there
and reports what it saw: its rows/s is then an upper bound (a slower end is not
seen) and its memory growth a lower bound; the table marks such figures with `*`.
"""
import argparse
import datetime as dt
import gc
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EMAIL = "manager@bench.example"
PASSWORD = "bench password, long enough"
CHUNK = 2_000
OURS_URL = "/admin/requests/export/csv/"
STOCK_URL = "/stock/stock_requests/export/csv/"
EXPORTERS = ("ours", "stock")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

# Targets the product asked for.
MAX_GROWTH_AT_10K_MB = 30


# The app and the stock view --------------------------------------------------------


def make_app(data_dir):
    """Our app over the embedded store in `data_dir`, plus a stock Flask-Admin export of the same collection."""
    from backoffice import create_app

    app = create_app({"DATABASE_ENGINE": "tinymongo", "BACKOFFICE_DATA_DIR": str(data_dir), "SECRET_KEY": "x", "TESTING": True})
    add_stock_export(app)
    return app


def add_stock_export(app):
    """A plain `flask_admin.contrib.pymongo.ModelView` with `can_export`, on its own Admin at /stock."""
    from flask_admin import Admin, AdminIndexView
    from flask_admin.contrib.pymongo import ModelView
    from wtforms import Form, StringField

    from backoffice.db import get_db
    from schemas.request import RequestSchema

    class StockForm(Form):
        reference = StringField()

    def nested(path):
        # The stock pymongo view reads `model.get(name)`: a dotted column needs a formatter.
        outer, inner = path.split(".")
        return lambda view, context, model, name: (model.get(outer) or {}).get(inner)

    columns = RequestSchema.export_columns

    class StockRequestView(ModelView):
        can_export = True
        export_types = ["csv"]
        export_max_rows = 0  # everything, as ours does
        form = StockForm
        column_list = ("reference", "received_on", "organisation.name", "municipality", "project_title", "lots", "status")
        column_export_list = columns
        column_formatters_export = {path: nested(path) for path in columns if "." in path}

    admin = Admin(app, name="Stock", url="/stock", endpoint="stock", index_view=AdminIndexView(url="/stock", endpoint="stock"))
    admin.add_view(StockRequestView(get_db(app)["requests"], "Stock requests", endpoint="stock_requests", url="stock_requests"))


# Synthetic data --------------------------------------------------------------------

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


def enterprise_number(rng):
    """A valid Belgian enterprise number (ten digits, check digits right)."""
    body = rng.randrange(2_000_000, 19_999_999)
    return f"{body:08d}{97 - body % 97:02d}"


def synthetic_request(rng, number, moment):
    """One request as the schema stores it."""
    from backoffice import search
    from schemas.request import RequestSchema

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
    doc["search_terms"] = search.document_terms(doc, RequestSchema.search_fields)
    return doc


def fill(data_dir, target):
    """Bring the store to `target` requests (creating the lots and the manager first); return seconds spent."""
    from backoffice import db, records, users

    started = time.perf_counter()
    app = make_app(data_dir)
    database = db.get_db(app)
    with app.test_request_context():
        if database["lots"].count_documents({}) == 0:
            for lot in json.loads((ROOT / "seeds" / "lots.json").read_text(encoding="utf-8")):
                records.create("lots", lot, actor="bench")
            users.create_user(database, EMAIL, "manager", PASSWORD, actor="bench")
    have = database["requests"].count_documents({})
    rng = random.Random(target)
    moment = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for first in range(have, target, CHUNK):
        database["requests"].insert_many([synthetic_request(rng, number, moment) for number in range(first + 1, min(first + CHUNK, target) + 1)])
    count = database["requests"].count_documents({})
    db.close(app)
    assert count == target, (count, target)
    return time.perf_counter() - started


# One measurement (in its own process) ----------------------------------------------


def status_kib(field):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM); None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss():
    """Reset the kernel's RSS high-water mark to the current RSS; False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return status_kib("VmHWM") is not None and status_kib("VmHWM") <= status_kib("VmRSS") + 64


def signed_in_client(app):
    """A test client signed in as the bench manager."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = CSRF.search(page)
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": match.group(1) or match.group(2)})
    assert response.status_code == 302, "sign-in failed"
    client.get("/admin/?lang=fr")
    return client


def measure(data_dir, exporter, traced, max_seconds):
    """Download one export, chunk by chunk (for at most `max_seconds`); return rows, bytes, seconds and memory growth."""
    app = make_app(data_dir)
    client = signed_in_client(app)
    url = OURS_URL if exporter == "ours" else STOCK_URL
    gc.collect()
    hwm_reset = reset_peak_rss()
    rss_before = status_kib("VmRSS")
    hwm_before = status_kib("VmHWM")
    if traced:
        tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    lines = size = chunks = 0
    complete = True
    for chunk in response.response:
        lines += chunk.count(b"\n")
        size += len(chunk)
        chunks += 1
        if max_seconds and time.perf_counter() - started > max_seconds:
            complete = False
            break
    response.close()
    seconds = time.perf_counter() - started
    result = {"exporter": exporter, "rows": max(lines - 1, 0), "bytes": size, "chunks": chunks, "seconds": seconds, "complete": complete}
    if traced:
        result["traced_peak_mb"] = (tracemalloc.get_traced_memory()[1] - traced_before) / 2**20
        tracemalloc.stop()
    else:
        hwm = status_kib("VmHWM")
        # Without a reset, a peak reached before the export hides a smaller one during it.
        result["rss_growth_mb"] = (hwm - (rss_before if hwm_reset else max(rss_before, hwm_before))) / 1024
        result["hwm_reset"] = hwm_reset
    return result


def run_child(data_dir, exporter, traced, max_seconds):
    """Measure in a fresh interpreter and return its result."""
    command = [sys.executable, __file__, "--child", exporter, "--data-dir", str(data_dir), "--max-seconds", str(max_seconds)]
    command += ["--traced"] if traced else []
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement {exporter} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# The table -------------------------------------------------------------------------


def report(results):
    """Print the figures, the ratios ours/stock and how they compare with the targets."""
    print()
    print(f"{'size':>8} {'exporter':<8} {'rows/s':>9} {'rows read':>10} {'seconds':>8} {'RSS growth MB':>14} {'tracemalloc peak MB':>20}")
    for size, pair in results.items():
        for exporter in EXPORTERS:
            line = pair[exporter]
            mark = " " if line["timed_complete"] else "*"
            traced_mark = " " if line["traced_complete"] else "*"
            print(
                f"{size:>8} {exporter:<8} {line['rows_per_s']:>8.0f}{mark} {line['rows']:>10} {line['seconds']:>8.2f} "
                f"{line['rss_growth_mb']:>13.1f}{mark} {line['traced_peak_mb']:>19.1f}{traced_mark}"
            )
    if not all(line["complete"] for pair in results.values() for line in pair.values()):
        print("  * stopped after --max-seconds: rows/s is an upper bound, memory growth a lower bound")
    print()
    print(f"{'size':>8} {'throughput ours/stock':>22} {'RSS growth ours/stock':>22} {'traced peak ours/stock':>23}")
    for size, pair in results.items():
        ours, stock = pair["ours"], pair["stock"]
        print(
            f"{size:>8} {ours['rows_per_s'] / stock['rows_per_s']:>22.2f} "
            f"{ratio(ours['rss_growth_mb'], stock['rss_growth_mb']):>22} {ratio(ours['traced_peak_mb'], stock['traced_peak_mb']):>23}"
        )
    print()
    print("Targets:")
    for size, pair in results.items():
        ours, stock = pair["ours"], pair["stock"]
        # An unfinished run of ours gives an upper bound of its speed and a lower bound of its memory.
        known = ours["complete"] and stock["complete"]
        growth = max(ours["rss_growth_mb"], ours["traced_peak_mb"])
        fast = ours["rows_per_s"] >= stock["rows_per_s"]
        print(f"  {size}: throughput ours >= stock: {verdict(fast, known or not fast)}")
        if size <= 10_000:
            small = growth < MAX_GROWTH_AT_10K_MB
            print(f"  {size}: memory growth < {MAX_GROWTH_AT_10K_MB} MB (RSS and traced): {verdict(small, known or not small)} ({growth:.1f} MB)")
        if size >= 100_000:
            half_rss = ours["rss_growth_mb"] <= stock["rss_growth_mb"] / 2
            half_traced = ours["traced_peak_mb"] <= stock["traced_peak_mb"] / 2
            print(
                f"  {size}: memory growth <= half of stock: RSS {verdict(half_rss, known or not half_rss)}, "
                f"traced {verdict(half_traced, known or not half_traced)}"
            )


def ratio(ours, stock):
    return f"{ours / stock:.2f}" if stock > 0.05 else "n/a"


def verdict(ok, certain=True):
    if not certain:
        return "unknown (run stopped early)"
    return "met" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of requests (ascending)")
    parser.add_argument("--data-dir", help="store to fill and reuse (default: a temporary directory, removed at the end)")
    parser.add_argument("--max-seconds", type=float, default=150, help="stop reading one download after this long (0: never)")
    parser.add_argument("--child", choices=EXPORTERS, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.data_dir, args.child, args.traced, args.max_seconds)))
        return

    sizes = sorted(int(size) for size in args.sizes.split(","))
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="export-bench-"))
    results = {}
    try:
        for size in sizes:
            print(f"Filling the store to {size} requests ...", flush=True)
            print(f"  filled in {fill(data_dir, size):.1f} s", flush=True)
            results[size] = {}
            for exporter in EXPORTERS:
                timed = run_child(data_dir, exporter, False, args.max_seconds)
                traced = run_child(data_dir, exporter, True, args.max_seconds)
                for run in (timed, traced):
                    assert run["rows"] == size or not run["complete"], (exporter, run["rows"], size)
                line = timed | {
                    "traced_peak_mb": traced["traced_peak_mb"],
                    "rows_per_s": timed["rows"] / timed["seconds"],
                    "complete": timed["complete"] and traced["complete"],
                    "timed_complete": timed["complete"],
                    "traced_complete": traced["complete"],
                }
                results[size][exporter] = line
                print(
                    f"  {exporter:<5} {timed['rows']} rows in {line['seconds']:.2f} s ({line['rows_per_s']:.0f} rows/s)"
                    f"{'' if timed['complete'] else ' [stopped early]'}, "
                    f"RSS growth {line['rss_growth_mb']:.1f} MB{'' if line['hwm_reset'] else ' (peak not reset)'}, "
                    f"tracemalloc peak {line['traced_peak_mb']:.1f} MB (traced run: {traced['rows']} rows in {traced['seconds']:.1f} s)",
                    flush=True,
                )
        report(results)
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
