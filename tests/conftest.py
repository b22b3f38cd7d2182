"""Fixtures: an app per store engine, a signed-in-like client, and record factories.

Every test that touches data runs on mongomock and on the embedded SQLite store; with
MONGO_URI set, on that real MongoDB too (a throw-away database).
"""
import os
import re
import secrets
import uuid
from html import unescape

import pytest

from backoffice import create_app, records, users
from backoffice.store import app as store_app
from backoffice.store.app import get_store

TEST_SECRET_KEY = secrets.token_hex(32)
ENGINES = ["mongomock", "sqlite"] + (["mongodb"] if os.environ.get("MONGO_URI") else [])
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=ENGINES)
def engine(request):
    """The store engine under test."""
    return request.param


@pytest.fixture
def app(engine, tmp_path):
    """An app on a fresh, empty store of the engine under test."""
    config = {
        "TESTING": True,
        "STORE_ENGINE": engine,
        "BACKOFFICE_DATA_DIR": str(tmp_path / "data"),
        # As random as a real one: outside the demo a weak key stops the app.
        "SECRET_KEY": TEST_SECRET_KEY,
        # Still scrypt, at a cost that keeps hundreds of sign-ins fast; production keeps the default.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    if engine == "mongodb":
        config["MONGO_URI"] = os.environ["MONGO_URI"]
        config["MONGO_DBNAME"] = f"backoffice_test_{uuid.uuid4().hex[:12]}"
    app = create_app(config)
    yield app
    if engine == "mongodb":
        get_store(app).db.client.drop_database(config["MONGO_DBNAME"])
    store_app.close(app)


@pytest.fixture
def store(app):
    """The app's store (`backoffice.store`), for reading what was stored."""
    return get_store(app)


PASSWORD = "correct horse battery staple"


def _browser_like_client(app):
    """A test client with `form_post(url, data)`, which posts with the page's CSRF token."""
    test_client = app.test_client()

    def form_post(url, data, form_url=None, **kwargs):
        page = test_client.get(form_url or url)
        data = dict(data)
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        return test_client.post(url, data=data, **kwargs)

    test_client.form_post = form_post
    return test_client


@pytest.fixture
def make_user(app):
    """Create a user with a role: `make_user("manager")`; the password is PASSWORD."""

    def create(role, email=None, **kwargs):
        with app.app_context():
            return users.create_user(get_store(app), email or f"{role}@perspective.example", role, PASSWORD, **kwargs)

    return create


@pytest.fixture
def client_as(app, make_user):
    """A client signed in with the given role: `client_as("manager")`."""

    def signed_in(role, email=None):
        user = make_user(role, email)
        test_client = _browser_like_client(app)
        response = test_client.form_post("/login", {"email": user["email"], "password": PASSWORD})
        assert response.status_code == 302, "sign-in failed"
        # Tests read messages in English unless they switch language themselves.
        test_client.get("/admin/?lang=en")
        return test_client

    return signed_in


@pytest.fixture
def client(client_as):
    """A browser-like client signed in as staff (who may read and write the four collections)."""
    return client_as("staff")


@pytest.fixture
def anonymous(app):
    """A browser-like client nobody signed in with (reading English)."""
    test_client = _browser_like_client(app)
    test_client.get("/login?lang=en")
    return test_client


def csrf_token(html):
    """The CSRF token of the first form on a page."""
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def cells(html, column):
    """The texts of one column of a list page, top to bottom, as a person reads them."""
    pattern = re.compile(rf'<td class="col-{re.escape(column)}"[^>]*>(.*?)</td>', re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in pattern.findall(html)]


@pytest.fixture
def runner(app):
    """Runs the app's CLI commands."""
    return app.test_cli_runner()


def _merge(base, overrides):
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


LOT = {"code": "L1", "name_fr": "Mission globale de A à Z", "name_nl": "Globale opdracht van A tot Z"}
PROVIDER = {
    "name": "Agora Participation scrl",
    "enterprise_number": "0123.456.749",
    "languages": ["fr", "nl"],
    "lots": [{"lot": "L1", "rank": 1}],
    "contact": {"name": "Léa Fictive", "email": "lea@agora.example", "phone": "02 512 34 56"},
}
REQUEST = {
    "received_on": "2026-11-02",
    "organisation": {"name": "Commune d'Ixelles", "type": "municipal_administration"},
    "municipality": "21009",
    "contact": {"name": "Marie Exemple", "email": "marie@ixelles.example", "language": "fr"},
    "project_title": "Réaménagement de l'École du Parc",
    "lots": ["L1"],
    "estimated_budget": "25000",
}
# The same request as the admin's create form posts it (sub-document fields as `parent-child`).
REQUEST_FORM = {
    "received_on": "2026-11-02",
    "organisation-name": "Commune d'Ixelles",
    "organisation-type": "municipal_administration",
    "municipality": "21009",
    "contact-name": "Marie Exemple",
    "contact-email": "marie@ixelles.example",
    "contact-language": "fr",
    "project_title": "Réaménagement de l'École du Parc",
    "lots": ["L1"],
    "eligibility-decision": "pending",
}
BRIEFING = {"lots": ["L1"], "language": "fr", "budget_max": "20000"}


@pytest.fixture
def make(app):
    """Factories that store valid records through the schemas: `make.lot(code="L2")`."""

    class Make:
        def _create(self, collection, base, overrides):
            with app.test_request_context():
                # Factories set up history: any status, any date, like the seeds.
                return records.create(
                    collection, _merge(base, overrides), actor="factory", today_rules=False, allow_managed=True
                )

        def lot(self, **overrides):
            return self._create("lots", LOT, overrides)

        def provider(self, **overrides):
            return self._create("providers", PROVIDER, overrides)

        def request(self, **overrides):
            return self._create("requests", REQUEST, overrides)

        def briefing(self, **overrides):
            return self._create("briefings", BRIEFING, overrides)

    return Make()
