"""Benchmark: our streamed CSV export of requests against Flask-Admin's stock pymongo export, and our XLSX export.

Run from the project root:

    .venv/bin/python bench/export_bench.py                 # 10,000 then 100,000 requests
    .venv/bin/python bench/export_bench.py --sizes 1000,10000

The script fills our store (`backoffice.store` on SQLite) and stock's tinymongo copy of the
same documents with realistic synthetic requests, providers and briefings (`bench/data.py`,
shaped as `backoffice.records.create` stores them) plus the six demo lots, then, for each size and each exporter, measures in a fresh subprocess:

* throughput: rows per second for the whole download through the test client,
  signed in, reading the streamed body chunk by chunk without keeping it (the best
  of --repeat runs, since other work on the machine slows a run down);
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
import gc
import json
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

from bench.data import EMAIL, PASSWORD, fill  # noqa: E402  (the path above makes `bench` importable)
from bench.memory import status_kib  # noqa: E402
URLS = {
    "ours": "/admin/requests/export/csv/",
    "stock": "/stock/stock_requests/export/csv/",
    "xlsx": "/admin/requests/export/xlsx/",
}
EXPORTERS = tuple(URLS)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

# Targets the product asked for.
MAX_GROWTH_AT_10K_MB = 30


# The app and the stock view --------------------------------------------------------


def make_app(data_dir):
    """Our app over its SQLite store in `data_dir`, plus a stock Flask-Admin export of stock's copy of the same requests."""
    from bench.data import make_plain_app, stock_database

    app = make_plain_app(data_dir)
    _client, stock = stock_database(data_dir)
    add_stock_export(app, stock)
    return app


def add_stock_export(app, stock):
    """A plain `flask_admin.contrib.pymongo.ModelView` with `can_export` over `stock` (tinymongo), on its own Admin at /stock."""
    from flask_admin import Admin, AdminIndexView
    from flask_admin.contrib.pymongo import ModelView
    from wtforms import Form, StringField

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
    admin.add_view(StockRequestView(stock["requests"], "Stock requests", endpoint="stock_requests", url="stock_requests"))


# Synthetic data: bench/data.py (shared with the page benchmark) -------------------


# One measurement (in its own process) ----------------------------------------------


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
    url = URLS[exporter]
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
    # A workbook is zipped: it is kept on disk and its rows counted after the measurement.
    kept = tempfile.TemporaryFile() if exporter == "xlsx" else None
    for chunk in response.response:
        if kept is None:
            lines += chunk.count(b"\n")
        else:
            kept.write(chunk)
        size += len(chunk)
        chunks += 1
        # A workbook is whole on the server before its first byte leaves: cutting it short would only break it.
        if max_seconds and kept is None and time.perf_counter() - started > max_seconds:
            complete = False
            break
    response.close()
    seconds = time.perf_counter() - started
    if kept is not None:
        peak_traced = tracemalloc.get_traced_memory()[1] if traced else None
        hwm_after = status_kib("VmHWM")
        if traced:
            tracemalloc.stop()
        lines = workbook_rows(kept) + 1
        kept.close()
        return finish(exporter, lines, size, chunks, seconds, complete, traced, peak_traced, traced_before if traced else 0,
                      hwm_after, rss_before, hwm_before, hwm_reset)
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    return finish(exporter, lines, size, chunks, seconds, complete, traced, peak_traced, traced_before if traced else 0,
                  status_kib("VmHWM"), rss_before, hwm_before, hwm_reset)


def finish(exporter, lines, size, chunks, seconds, complete, traced, peak_traced, traced_before, hwm, rss_before, hwm_before, hwm_reset):
    """One measurement's figures."""
    result = {"exporter": exporter, "rows": max(lines - 1, 0), "bytes": size, "chunks": chunks, "seconds": seconds, "complete": complete}
    if traced:
        result["traced_peak_mb"] = (peak_traced - traced_before) / 2**20
    else:
        # Without a reset, a peak reached before the export hides a smaller one during it.
        result["rss_growth_mb"] = (hwm - (rss_before if hwm_reset else max(rss_before, hwm_before))) / 1024
        result["hwm_reset"] = hwm_reset
    return result


def workbook_rows(file):
    """How many rows the first sheet of a workbook holds (openpyxl's streaming reader)."""
    import openpyxl

    file.seek(0)
    book = openpyxl.load_workbook(file, read_only=True)
    try:
        return sum(1 for _row in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


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
        # A run stopped early gives an upper bound of its speed and a lower bound of its memory:
        # a verdict is certain when the bound points the same way as the comparison.
        fast = ours["rows_per_s"] >= stock["rows_per_s"]
        print(f"  {size}: throughput ours >= stock: {verdict(fast, ours['timed_complete'] if fast else stock['timed_complete'])}")
        if size <= 10_000:
            for name in ("ours", "xlsx"):
                line = pair[name]
                growth = max(line["rss_growth_mb"], line["traced_peak_mb"])
                small = growth < MAX_GROWTH_AT_10K_MB
                print(
                    f"  {size}: {name} memory growth < {MAX_GROWTH_AT_10K_MB} MB (RSS and traced): "
                    f"{verdict(small, line['complete'] or not small)} ({growth:.1f} MB)"
                )
        if size >= 100_000:
            half_rss = ours["rss_growth_mb"] <= stock["rss_growth_mb"] / 2
            half_traced = ours["traced_peak_mb"] <= stock["traced_peak_mb"] / 2
            print(
                f"  {size}: memory growth <= half of stock: "
                f"RSS {verdict(half_rss, ours['timed_complete'] if half_rss else stock['timed_complete'])}, "
                f"traced {verdict(half_traced, ours['traced_complete'] if half_traced else stock['traced_complete'])}"
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
    parser.add_argument("--max-seconds", type=float, default=100, help="stop reading one download after this long (0: never)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per size and exporter (the fastest counts)")
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
                # Best of --repeat timed runs (the machine may be busy); the largest RSS growth of them.
                runs = [run_child(data_dir, exporter, False, args.max_seconds) for _ in range(args.repeat)]
                timed = max(runs, key=lambda run: run["rows"] / run["seconds"]) | {"rss_growth_mb": max(run["rss_growth_mb"] for run in runs)}
                traced = run_child(data_dir, exporter, True, args.max_seconds)
                for run in (*runs, traced):
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
