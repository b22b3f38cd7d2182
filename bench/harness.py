"""The measured process of the page benchmark: our app and stock side by side, and how each operation is sent.

`Bench` holds our app on its SQLite store (signed in as staff, reading French), stock
Flask-Admin in an app of its own over a tinymongo copy of the same documents
(`bench/stock.py`), and for each operation: the request it sends, the store calls our page
made (recorded once, replayed alone, `bench/record.py`) and the store call the page needs,
asked directly (`bench/queries.py`).
"""
import html.parser
import re
import time
from pathlib import Path

from bench import data
from bench.memory import status_kib

SEARCH = "budget flagey"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


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
    """Our app and stock's, a client for each (ours signed in), and the operations to time."""

    def __init__(self, data_dir):
        from backoffice.store.app import get_store
        from bench.stock import make_stock_app

        self.app = data.make_plain_app(data_dir)
        self.store = get_store(self.app)
        self.stock_app, self.stock_view, self.stock_db = make_stock_app(data_dir)
        self.ours_view = self.app.extensions["admin"][0].index_view.requests_view
        self.client = self.app.test_client()
        self.clients = {"ours": self.client, "stock": self.stock_app.test_client()}
        page = self.client.get("/login").get_data(as_text=True)
        token = _csrf(page)
        response = self.client.post("/login", data={"email": data.STAFF_EMAIL, "password": data.PASSWORD, "csrf_token": token})
        assert response.status_code == 302, "sign-in failed"
        self.client.get("/admin/?lang=fr")
        middle = self.store.count("requests") // 2
        trio = self.store.page("requests", {}, sort=[("reference", 1)], skip=middle, limit=3, projection=["_id"]).documents
        # One record is shown (details, edit form), another saved again and again by ours, a third by
        # stock (which stores what its form posts, strings where ours stores dates and amounts). Both
        # stores hold the same documents under the same `_id`s (bench/data.py).
        self.record_id, self.save_id, self.stock_save_id = (str(doc["_id"]) for doc in trio)
        self.saves = 0
        self.urls = self._urls()
        self._give_history()

    def _give_history(self):
        """The record shown has a short history, as a record edited a few times has."""
        from bson import ObjectId

        have = self.store.count("audit", {"collection": "requests", "record": ObjectId(self.record_id)})
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

    def _urls(self):
        """The URL of each operation, for ours and for stock, built as the list page builds its links."""
        urls = {}
        for side, app, view, base in (
            ("ours", self.app, self.ours_view, "/admin/requests/"),
            ("stock", self.stock_app, self.stock_view, "/stock/stock_requests/"),
        ):
            with app.test_request_context():
                status = _filter_arg(view, "status")
                municipality = _filter_arg(view, "municipality")
                sort = [name for name, _label in view.get_list_columns()].index("received_on")
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
        return "POST", url, self._edited(self.clients[side].get(url).get_data(as_text=True))

    def send(self, method, url, fields, side="ours"):
        """One request, its whole body read; fails loudly on an unexpected answer."""
        client = self.clients[side]
        if method == "GET":
            response = client.get(url, buffered=False)
            for _chunk in response.response:
                pass
            response.close()
            assert response.status_code == 200, (url, response.status_code)
        else:
            from werkzeug.datastructures import MultiDict

            response = client.post(url, data=MultiDict(fields))
            assert response.status_code == 302, (url, response.status_code, response.get_data(as_text=True)[:3000])
        return response

    def run(self, side, operation):
        """Time one run of the operation: (CPU s of this process, wall-clock s, memory growth MB, peak MB)."""
        method, url, fields = self.prepare(side, operation)
        return _timed(lambda: self.send(method, url, fields, side))

    def record(self, operation):
        """The store calls one run of our operation makes."""
        from bench.record import Recorder

        method, url, fields = self.prepare("ours", operation)
        with Recorder() as recorder:
            self.send(method, url, fields)
        return recorder.calls

    def run_raw(self, calls):
        """Time the recorded calls replayed alone (a save is replayed over the record's current version)."""
        from bench.record import replay

        return _timed(lambda: replay(calls, self.store))

    def run_query(self, operation):
        """Time the store call the operation needs, asked directly."""
        from bench.queries import raw_query

        return _timed(raw_query(operation, self.store, self.record_id, self.save_id, SEARCH))


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
    for index, flt in enumerate(view.get_filters()):
        if flt.column == column:
            return f"flt{index}_{view.get_filter_arg(index, flt)}"
    raise LookupError(column)


def _csrf(page):
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)
