"""Load test: the app under gunicorn on loopback, 50 signed-in clients for 30 seconds.

Run from the project root:

    .venv/bin/python bench/load.py                        # 50 clients, 30 s, gunicorn.conf.py's workers
    .venv/bin/python bench/load.py --clients 20 --seconds 10 --workers 3

It seeds the demo data into a temporary embedded store, creates a staff user with
`flask users create` (password on stdin), starts gunicorn with gunicorn.conf.py on
127.0.0.1 and a free port, signs in, then drives the clients (threads, keep-alive
connections) over list pages, details pages and CSV exports for the given time. It
prints requests per second, the latency percentiles and every answer that was not a
2xx, then checks that several workers sharing the embedded store stay correct: clients
create requests at the same moment (each must get its own reference) and save the same
record over one version (exactly one save may win). Exit status 1 when any answer was a
5xx or any request failed.
"""
import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import form_fields  # noqa: E402  (the path above makes `bench` importable)

EMAIL = "load@bench.example"
PASSWORD = "forty-two clients without a pause, long enough"  # no part of the e-mail address (refused)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
LIST_PAGES = [
    "/admin/requests/", "/admin/requests/?page=1", "/admin/requests/?search=parc", "/admin/briefings/",
    "/admin/providers/", "/admin/lots/", "/admin/requests/?sort=1&desc=1",
]
EXPORTS = ["/admin/requests/export/csv/", "/admin/briefings/export/csv/", "/admin/providers/export/csv/"]
NEW_REQUEST = {
    "received_on": "2026-11-02",
    "organisation-name": "Commune de Forest",
    "organisation-type": "municipal_administration",
    "municipality": "21007",
    "contact-name": "Marie Exemple",
    "contact-email": "marie@forest.example",
    "contact-language": "fr",
    "project_title": "Charge simultanée",
    "lots": "L1",
    "status": "received",
    "eligibility-decision": "pending",
}


class Client:
    """One keep-alive HTTP connection to the app with the signed-in session's cookie."""

    def __init__(self, port, cookie=None):
        self.port = port
        self.cookie = cookie
        self.connection = None

    def request(self, method, path, body=None):
        """(status, body bytes); reconnects once when the server closed the connection."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            body = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
                continue
            # A response may set several cookies (the session, the language): the session's is kept.
            for cookie in response.headers.get_all("Set-Cookie") or []:
                if cookie.startswith("session="):
                    self.cookie = cookie.split(";", 1)[0]
            return response.status, content
        raise RuntimeError("unreachable")

    def sign_in(self):
        """Sign in as the load-test user; the session cookie is kept."""
        _status, page = self.request("GET", "/login")
        status, _body = self.request("POST", "/login", {"email": EMAIL, "password": PASSWORD, "csrf_token": _token(page)})
        if status != 302:
            raise SystemExit(f"sign-in failed ({status})")


def _token(page):
    match = CSRF.search(page.decode("utf-8"))
    if not match:
        raise SystemExit("no CSRF token on the page")
    return match.group(1) or match.group(2)


def free_port():
    """A TCP port nobody listens on at 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(data_dir, env):
    """Seed the demo data and create the load-test user with the app's own commands."""
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
    subprocess.run(flask + ["seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["users", "create", EMAIL, "--role", "staff"], input=PASSWORD + "\n", text=True,
                   env=env, cwd=ROOT, check=True, capture_output=True)


def record_ids(data_dir):
    """Ids of requests and briefings to open details pages of, read from the store."""
    from tinymongo import TinyMongoClient

    client = TinyMongoClient(str(data_dir), backend="sqlite")
    try:
        db = client["backoffice"]
        return {name: [str(doc["_id"]) for doc in db[name].find({}, {"_id": 1})] for name in ("requests", "briefings", "providers")}
    finally:
        client.close()


def start_gunicorn(port, env, workers, log):
    """Start gunicorn with the project's configuration; wait until /healthz answers."""
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command + ["app:app"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up (exit {process.returncode}); see {log.name}")
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def drive(port, cookie, ids, clients, seconds):
    """Run the clients until the time is up; return (latencies by kind, statuses, errors)."""
    latencies = {"list": [], "details": [], "export": []}
    statuses = Counter()
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def one_client(number):
        rng = random.Random(number)
        client = Client(port, cookie)
        while time.monotonic() < stop_at:
            roll = rng.random()
            if roll < 0.5:
                kind, path = "list", rng.choice(LIST_PAGES)
            elif roll < 0.9:
                collection = rng.choice(("requests", "briefings", "providers"))
                kind, path = "details", f"/admin/{collection}/details/?id={rng.choice(ids[collection])}"
            else:
                kind, path = "export", rng.choice(EXPORTS)
            started = time.perf_counter()
            try:
                status, _body = client.request("GET", path)
            except Exception as error:  # every failure is counted and reported, none stops the run
                with lock:
                    errors.append(f"{path}: {type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies[kind].append(elapsed)
                statuses[status] += 1

    threads = [threading.Thread(target=one_client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, errors


def percentile(values, share):
    """The value below which `share` of the sorted values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def concurrent_writes(port, cookie, data_dir, writers=12):
    """Several workers writing at once: new requests each get their own reference; one stale save wins."""
    from tinymongo import TinyMongoClient

    outcome = {}

    def form_of(client, path):
        status, page = client.request("GET", path)
        assert status == 200, (path, status)
        return page

    # Each writer prepares its form first, then all post at the same moment.
    barrier = threading.Barrier(writers)
    results = []

    def create(number):
        client = Client(port, cookie)
        token = _token(form_of(client, "/admin/requests/new/"))
        barrier.wait()
        status, _body = client.request("POST", "/admin/requests/new/", NEW_REQUEST | {"project_title": f"Charge simultanée {number}", "csrf_token": token})
        results.append(status)

    threads = [threading.Thread(target=create, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    store = TinyMongoClient(str(data_dir), backend="sqlite")
    try:
        created = list(store["backoffice"]["requests"].find({"project_title": {"$regex": "^Charge simultanée"}}, {"reference": 1}))
        target = store["backoffice"]["requests"].find_one({"project_title": "Charge simultanée 0"}, {"_id": 1})
    finally:
        store.close()
    references = [doc["reference"] for doc in created]

    # Everyone opens the same record, then all save it at once over the version they saw.
    edit = f"/admin/requests/edit/?id={target['_id']}"
    forms = []
    for number in range(writers):
        client = Client(port, cookie)
        fields = [(name, f"Enregistrement {number}" if name == "notes" else value) for name, value in form_fields(form_of(client, edit).decode("utf-8"))]
        if not any(name == "notes" for name, _value in fields):
            fields.append(("notes", f"Enregistrement {number}"))
        forms.append((client, fields))
    barrier = threading.Barrier(writers)
    saves = []

    def save(client, fields):
        barrier.wait()
        status, body = client.request("POST", edit, fields)
        saves.append((status, body))

    threads = [threading.Thread(target=save, args=pair) for pair in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome["creates"] = Counter(results)
    outcome["references"] = references
    # A save that won redirects to the list; one over a stale version shows the form again with a message.
    outcome["saves"] = Counter(status for status, _body in saves)
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's)")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    env = dict(os.environ, BACKOFFICE_DATA_DIR=str(data_dir), SECRET_KEY=secrets.token_hex(32), FLASK_APP="app")
    env.pop("MONGO_URI", None)
    log = open(data_dir / "gunicorn.log", "w")  # noqa: SIM115  (closed in the finally below)
    process = None
    try:
        prepare(data_dir, env)
        ids = record_ids(data_dir)
        port = free_port()
        process = start_gunicorn(port, env, args.workers, log)
        signer = Client(port)
        signer.sign_in()
        workers = _worker_count(process.pid)
        print(f"gunicorn: {workers} workers on 127.0.0.1:{port}; {args.clients} clients for {args.seconds:.0f} s", flush=True)
        started = time.perf_counter()
        latencies, statuses, errors = drive(port, signer.cookie, ids, args.clients, args.seconds)
        elapsed = time.perf_counter() - started
        writes = concurrent_writes(port, signer.cookie, data_dir)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()
    report(latencies, statuses, errors, elapsed, writes)
    if errors or any(status >= 500 for status in statuses):
        print("\nEnd of the gunicorn log:\n" + "".join((data_dir / "gunicorn.log").read_text(errors="replace").splitlines(True)[-40:]))
    failed = errors or any(status >= 500 for status in statuses) or any(status >= 500 for status in writes["creates"] | writes["saves"])
    broken = len(set(writes["references"])) != len(writes["references"]) or writes["saves"].get(302, 0) != 1
    shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(1 if failed or broken else 0)


def _worker_count(master):
    try:
        return len(subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False).stdout.split())
    except OSError:
        return "?"


def report(latencies, statuses, errors, elapsed, writes):
    """Print the figures."""
    every = [value for values in latencies.values() for value in values]
    total = len(every)
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    print(f"{'':<9} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in list(latencies.items()) + [("all", every)]:
        if values:
            print(
                f"{kind:<9} {len(values):>6} {percentile(values, 0.5) * 1000:>8.0f} {percentile(values, 0.95) * 1000:>8.0f} "
                f"{percentile(values, 0.99) * 1000:>8.0f} {max(values) * 1000:>8.0f}"
            )
    not_ok = {status: count for status, count in statuses.items() if not 200 <= status < 300}
    print(f"answers: {dict(sorted(statuses.items()))}; non-2xx: {sum(not_ok.values())} {not_ok or ''}")
    print(f"5xx: {sum(count for status, count in statuses.items() if status >= 500)}; errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    references = writes["references"]
    print(
        f"\nSeveral workers writing at once: {len(references)} requests created together "
        f"(answers {dict(writes['creates'])}), {len(set(references))} distinct references; "
        f"{sum(writes['saves'].values())} saves of one record over the same version: "
        f"{writes['saves'].get(302, 0)} saved, the others refused as stale (answers {dict(writes['saves'])})"
    )


if __name__ == "__main__":
    main()
