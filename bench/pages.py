"""Benchmark: our pages against stock Flask-Admin and against the engine calls they make.

Run from the project root (`make bench` runs the default sizes):

    .venv/bin/python bench/pages.py                       # 1,000, 10,000 and 100,000 requests
    .venv/bin/python bench/pages.py --sizes 1000,10000    # quicker
    .venv/bin/python bench/pages.py --skip-100k           # same as --sizes 1000,10000

For each size the script fills a temporary embedded store (tinymongo on SQLite) with
synthetic requests, providers and briefings (`bench/data.py`), then measures in a fresh
process, through the Flask test client signed in as staff:

* ours: the requests pages of the back-office (list with the default sort, a list
  sorted and filtered, a search, the details page, the edit form, the save of that
  form, the CSV export);
* stock: the same operations through a plain Flask-Admin pymongo view over the same
  collection (`bench/stock.py`), registered on the same app at /stock;
* raw: the engine calls our page made (recorded once, `bench/record.py`), replayed
  alone: the database work the page needs, without Flask, forms or templates.

Each figure is the median of several runs after a warm-up, the three sides interleaved.
Times are the CPU time of the measuring process (SQLite runs inside it), which a busy
shared machine disturbs far less than wall-clock time; wall-clock ratios are printed
beside them (a save also waits for the disk). Peak memory is how far the process's
resident memory rose above its level before one run of the operation (the kernel's
high-water mark, reset before the run).
"""
import argparse
import html.parser
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# BENCH_APP_ROOT=/another/checkout measures that tree's app with this harness (a before/after table).
if os.environ.get("BENCH_APP_ROOT"):
    sys.path.insert(0, os.environ["BENCH_APP_ROOT"])

from bench import data  # noqa: E402  (the path above makes `bench` importable when run as a script)
from bench.memory import status_kib  # noqa: E402

OPERATIONS = ("list", "sorted_filtered", "search", "details", "edit_form", "save", "export")
LABELS = {
    "list": "list (default sort)",
    "sorted_filtered": "list sorted + filtered",
    "search": "search",
    "details": "details page",
    "edit_form": "edit form",
    "save": "save (POST)",
    "export": "CSV export",
}
SEARCH = "budget flagey"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
TARGET_STOCK = 1.0
TARGET_RAW = 1.3


# Forms as a browser would post them ----------------------------------------------------


class FormReader(html.parser.HTMLParser):
    """The values a browser would post for the first form with a `<form method="POST">` on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields = []
        self._in_form = False
        self._done = False
        self._select = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and "edit" in (attrs.get("action") or "edit"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one line break that may open a textarea's content.
            text = "".join(self._text)
            self.fields.append((self._textarea, text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True

    def handle_data(self, text):
        if self._textarea:
            self._text.append(text)


def form_fields(page):
    """The (name, value) pairs the edit form on `page` would post."""
    reader = FormReader()
    reader.feed(page)
    return [(name, value) for name, value in reader.fields if "__template__" not in name and "-_-" not in name]


# The measured process ------------------------------------------------------------------


class Bench:
    """Our app with the stock view beside it, a signed-in client, and the operations to time."""

    def __init__(self, data_dir):
        from backoffice.db import get_db
        from bench.stock import add_stock_views

        self.app = data.make_plain_app(data_dir)
        self.db = get_db(self.app)
        self.stock_view = add_stock_views(self.app, self.db)
        self.ours_view = self._view("requests")
        self.client = self.app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = _csrf(page)
        response = self.client.post("/login", data={"email": data.STAFF_EMAIL, "password": data.PASSWORD, "csrf_token": token})
        assert response.status_code == 302, "sign-in failed"
        self.client.get("/admin/?lang=fr")
        middle = self.db["requests"].count_documents({}) // 2
        trio = list(self.db["requests"].find({}, {"_id": 1}, sort=[("reference", 1)], skip=middle, limit=3))
        # One record is shown (details, edit form), another saved again and again by ours, a third by
        # stock (which stores what its form posts, strings where ours stores dates and amounts).
        self.record_id, self.save_id, self.stock_save_id = (str(doc["_id"]) for doc in trio)
        self.saves = 0
        self.urls = self._urls()
        self._give_history()

    def _give_history(self):
        """The record shown has a short history, as a record edited a few times has."""
        from bson import ObjectId

        have = self.db["audit"].count_documents({"collection": "requests", "record": ObjectId(self.record_id)})
        url = self.urls["ours"]["edit_form"]
        for _ in range(max(0, 3 - have)):
            self.send("POST", url, self._edited(self.client.get(url).get_data(as_text=True)))

    def _edited(self, page):
        """The edit form of `page` with its notes changed, as a person saving a form changes something."""
        self.saves += 1
        note = f"Note {self.saves}"
        fields = [(name, note if name == "notes" else value) for name, value in form_fields(page)]
        if not any(name == "notes" for name, _value in fields):
            fields.append(("notes", note))
        return fields

    def _view(self, endpoint):
        for admin in self.app.extensions["admin"]:
            for view in admin._views:
                if getattr(view, "endpoint", None) == endpoint:
                    return view
        raise LookupError(endpoint)

    def _urls(self):
        """The URL of each operation, for ours and for stock, built as the list page builds its links."""
        urls = {}
        with self.app.test_request_context():
            for side, view, prefix in (("ours", self.ours_view, "requests"), ("stock", self.stock_view, "stock_requests")):
                base = f"/admin/{prefix}/" if side == "ours" else f"/stock/{prefix}/"
                status = _filter_arg(view, "status")
                municipality = _filter_arg(view, "municipality")
                sort = list(view._sortable_columns).index("received_on")
                urls[side] = {
                    "list": base,
                    "sorted_filtered": f"{base}?sort={sort}&{municipality}=21004&{status}=received",
                    "search": f"{base}?search={SEARCH.replace(' ', '+')}",
                    "details": f"{base}details/?id={self.record_id}",
                    "edit_form": f"{base}edit/?id={self.record_id}",
                    "save": f"{base}edit/?id={self.save_id if side == 'ours' else self.stock_save_id}",
                    "export": f"{base}export/csv/",
                }
        return urls

    def prepare(self, side, operation):
        """What one run of an operation sends: (method, url, form data or None). Preparing is not timed."""
        url = self.urls[side][operation]
        if operation != "save":
            return "GET", url, None
        fields = self._edited(self.client.get(url).get_data(as_text=True))
        if side == "stock":
            # The app-wide CSRF check applies to the stock view too; a browser would carry the token.
            fields.append(("csrf_token", _csrf(self.client.get(self.urls["ours"]["edit_form"]).get_data(as_text=True))))
        return "POST", url, fields

    def send(self, method, url, fields):
        """One request, its whole body read; fails loudly on an unexpected answer."""
        if method == "GET":
            response = self.client.get(url, buffered=False)
            for _chunk in response.response:
                pass
            response.close()
            assert response.status_code == 200, (url, response.status_code)
        else:
            from werkzeug.datastructures import MultiDict

            response = self.client.post(url, data=MultiDict(fields))
            assert response.status_code == 302, (url, response.status_code, response.get_data(as_text=True)[:3000])
        return response

    def run(self, side, operation):
        """Time one run of the operation: (CPU s of this process, wall-clock s, memory growth MB, peak MB)."""
        method, url, fields = self.prepare(side, operation)
        return _timed(lambda: self.send(method, url, fields))

    def record(self, operation):
        """The engine calls one run of our operation makes."""
        from bench.record import Recorder

        method, url, fields = self.prepare("ours", operation)
        with Recorder() as recorder:
            self.send(method, url, fields)
        return recorder.calls

    def run_raw(self, calls, version):
        """Time the recorded calls replayed alone (a save is replayed over the version it saw)."""
        from bench.record import replay
        from bson import ObjectId

        if version is not None:
            self.db["requests"].update_one({"_id": ObjectId(self.save_id)}, {"$set": {"version": version}})
        return _timed(lambda: replay(calls, self.db))

    def _version(self):
        from bson import ObjectId

        return self.db["requests"].find_one({"_id": ObjectId(self.save_id)}, {"version": 1})["version"]


def _timed(action):
    """(CPU s, wall s, MB resident memory rose above its level before, MB resident high-water mark)."""
    import gc

    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again from here
        reset = True
    except OSError:
        reset = False
    before = status_kib("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = status_kib("VmHWM")
    growth = max(peak - before, 0) / 1024 if reset and peak is not None and before is not None else None
    return cpu, wall, growth, (peak or 0) / 1024


def _filter_arg(view, column):
    for index, flt in enumerate(view._filters):
        if flt.column == column:
            return f"flt{index}_{view.get_filter_arg(index, flt)}"
    raise LookupError(column)


def _csrf(page):
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def measure(data_dir, runs, warmup, operations, show_calls):
    """Time every operation for ours, stock and raw; return the figures as a dict."""
    bench = Bench(data_dir)
    results = {}
    process_peak = (status_kib("VmHWM") or 0) / 1024
    for operation in operations:
        line = {}
        for _ in range(warmup):
            bench.run("ours", operation)
            bench.run("stock", operation)
        calls = bench.record(operation)
        if show_calls:
            print(f"# {operation}: {len(calls)} engine calls", file=sys.stderr)
            for call in calls:
                print(f"#   {call!r}"[:400], file=sys.stderr)
        timings = {"ours": [], "stock": [], "raw": []}
        for _ in range(runs):
            # Interleaved, so a slow moment of the machine touches all three alike.
            timings["ours"].append(bench.run("ours", operation))
            timings["stock"].append(bench.run("stock", operation))
            version = bench._version() - 1 if operation == "save" else None
            timings["raw"].append(bench.run_raw(calls, version))
        for side, values in timings.items():
            line[side] = statistics.median(cpu for cpu, _wall, _growth, _peak in values)
            line[side + "_wall"] = statistics.median(wall for _cpu, wall, _growth, _peak in values)
            growths = [growth for _cpu, _wall, growth, _peak in values if growth is not None]
            line[side + "_peak_mb"] = max(growths) if growths else None
            process_peak = max([process_peak] + [peak for _cpu, _wall, _growth, peak in values])
        line["calls"] = len(calls)
        results[operation] = line
        print(
            f"#   {operation:<16} CPU ours {line['ours'] * 1000:8.1f} ms  stock {line['stock'] * 1000:8.1f} ms  raw {line['raw'] * 1000:8.1f} ms"
            f"   wall ours {line['ours_wall'] * 1000:8.1f} ms  stock {line['stock_wall'] * 1000:8.1f} ms  raw {line['raw_wall'] * 1000:8.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    results["_process_peak_mb"] = process_peak
    return results


def profile(data_dir, operation, side, runs):
    """Print a cProfile of `runs` runs of one operation (after a warm-up)."""
    import cProfile
    import pstats

    bench = Bench(data_dir)
    bench.run(side, operation)
    profiler = cProfile.Profile()
    for _ in range(runs):
        method, url, fields = bench.prepare(side, operation)
        profiler.enable()
        bench.send(method, url, fields)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# The parent: fill, measure in a child per size, print -------------------------------


def machine():
    """The machine the figures come from."""
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "free": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ratio(ours, other):
    return ours / other if other else float("inf")


def table(size, counts, results):
    """The figures of one size as a Markdown table."""
    lines = [
        f"#### {size:,} requests ({counts['briefings']:,} briefings, {counts['providers']:,} providers)",
        "",
        "CPU time of the measuring process (median); wall-clock ratios beside them.",
        "",
        "| operation | ours ms | stock ms | raw ms | ours/stock | ours/raw | wall ours/stock | wall ours/raw | peak MB ours | peak MB stock | engine calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for operation in OPERATIONS:
        line = results.get(operation)
        if line is None:
            continue
        to_stock, to_raw = ratio(line["ours"], line["stock"]), ratio(line["ours"], line["raw"])
        flag_stock = "" if to_stock <= TARGET_STOCK else " ✗"
        flag_raw = "" if to_raw <= TARGET_RAW else " ✗"
        wall_stock, wall_raw = ratio(line["ours_wall"], line["stock_wall"]), ratio(line["ours_wall"], line["raw_wall"])
        lines.append(
            f"| {LABELS[operation]} | {line['ours'] * 1000:.1f} | {line['stock'] * 1000:.1f} | {line['raw'] * 1000:.1f} | "
            f"{to_stock:.2f}{flag_stock} | {to_raw:.2f}{flag_raw} | {wall_stock:.2f} | {wall_raw:.2f} | "
            f"{_mb(line['ours_peak_mb'])} | {_mb(line['stock_peak_mb'])} | {line['calls']} |"
        )
    lines.append("")
    lines.append(f"Peak resident memory of the measuring process: {results['_process_peak_mb']:.0f} MB.")
    return "\n".join(lines)


def _mb(value):
    return "n/a" if value is None else f"{value:.1f}"


def verdicts(all_results):
    """The targets at 1,000 and 10,000 requests: every page at most 1.0x stock and 1.3x raw."""
    lines = []
    for size, (_counts, results) in all_results.items():
        if size > 10_000:
            continue
        missed = [
            f"{LABELS[operation]} ({what} {value:.2f})"
            for operation in OPERATIONS
            if operation in results
            for what, value, limit in (
                ("ours/stock", ratio(results[operation]["ours"], results[operation]["stock"]), TARGET_STOCK),
                ("ours/raw", ratio(results[operation]["ours"], results[operation]["raw"]), TARGET_RAW),
            )
            if value > limit
        ]
        lines.append(f"- {size:,}: " + ("all targets met" if not missed else "MISSED: " + "; ".join(missed)))
    return "\n".join(lines)


def run_child(data_dir, args):
    command = [
        sys.executable, __file__, "--child", "--data-dir", str(data_dir), "--runs", str(args.runs_for),
        "--warmup", str(args.warmup), "--operations", ",".join(args.operation_list),
    ]
    command += ["--show-calls"] if args.show_calls else []
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the measurement failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of requests")
    parser.add_argument("--skip-100k", action="store_true", help="leave out sizes above 10,000 when time is short")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per operation (median reported)")
    parser.add_argument("--runs-large", type=int, default=3, help="timed runs per operation above 10,000 requests")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument("--operations", default=",".join(OPERATIONS), help="comma-separated subset of: " + ", ".join(OPERATIONS))
    parser.add_argument("--data-dir", help="store to fill and reuse (default: a temporary directory, removed at the end)")
    parser.add_argument("--markdown", help="also write the tables to this Markdown file")
    parser.add_argument("--show-calls", action="store_true", help="list the engine calls each page of ours makes")
    parser.add_argument("--profile", metavar="OPERATION", help="print a cProfile of one operation of ours (or --side stock) and stop")
    parser.add_argument("--side", default="ours", choices=("ours", "stock"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.operation_list = [name for name in args.operations.split(",") if name]
    unknown = set(args.operation_list) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown operation(s): {', '.join(sorted(unknown))}")

    if args.child:
        print(json.dumps(measure(args.data_dir, args.runs, args.warmup, args.operation_list, args.show_calls)))
        return

    sizes = sorted(int(size) for size in args.sizes.split(","))
    if args.skip_100k:
        sizes = [size for size in sizes if size <= 10_000]
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="pages-bench-"))
    if args.profile:
        data.fill(data_dir, sizes[0])
        profile(data_dir, args.profile, args.side, args.runs)
        return
    info = machine()
    print(f"Machine: {info['nproc']} CPU ({info['cpu']}), Python {info['python']}, {info['platform']}")
    print(info["free"])
    all_results = {}
    started = time.perf_counter()
    try:
        for size in sizes:
            print(f"\nFilling the store to {size:,} requests ...", flush=True)
            print(f"  filled in {data.fill(data_dir, size):.1f} s; measuring ...", flush=True)
            counts = _counts(data_dir)
            args.runs_for = args.runs if size <= 10_000 else args.runs_large
            results = run_child(data_dir, args)
            all_results[size] = (counts, results)
            print()
            print(table(size, counts, results), flush=True)
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    summary = verdicts(all_results)
    print(f"\nTargets (every page <= {TARGET_STOCK}x stock and <= {TARGET_RAW}x raw, at 1,000 and 10,000):\n{summary}")
    print(f"\nTotal {time.perf_counter() - started:.0f} s")
    if args.markdown:
        text = [
            f"Machine: {info['nproc']} CPU ({info['cpu']}), Python {info['python']}, {info['platform']}",
            "", "```", info["free"], "```", "",
        ]
        text += [table(size, counts, results) + "\n" for size, (counts, results) in all_results.items()]
        text += ["Targets:", "", summary, ""]
        Path(args.markdown).write_text("\n".join(text), encoding="utf-8")


def _counts(data_dir):
    from backoffice import db

    app = data.make_plain_app(data_dir)
    database = db.get_db(app)
    counts = {name: database[name].count_documents({}) for name in ("requests", "briefings", "providers")}
    db.close(app)
    return counts


if __name__ == "__main__":
    main()
