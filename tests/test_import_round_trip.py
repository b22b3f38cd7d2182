"""Every export of the demo data imports back unchanged, in each language and format."""
import os

import pytest

from backoffice import imports, seeding
from backoffice.store.app import get_store


@pytest.fixture(params=["mongodb"] if os.environ.get("MONGO_URI") else ["mongomock"])
def engine(request):
    """Seeding through the schemas takes seconds on the embedded store: one engine is enough here."""
    return request.param


@pytest.fixture
def staff(app, store, client_as):
    with app.test_request_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors, report.errors
    return client_as("staff")


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_export_of_the_demo_data_imports_back_unchanged(app, store, staff, language, kind):
    staff.get(f"/admin/?lang={language}")
    for collection in imports.COLLECTIONS:
        body = staff.get(f"/admin/{collection}/export/{kind}/").data

        with app.test_request_context():
            result = imports.preview(collection, f"{collection}.{kind}", body, store=get_store(app))

        assert result.counts == {"new": 0, "changed": 0, "unchanged": store.count(collection, {}), "error": 0}, [
            (line.lines, line.errors, line.changes) for line in result.records if line.status != "unchanged"
        ]
