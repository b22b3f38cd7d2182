"""A write that cannot take its turn (`Conflict`: the store wrote nothing) is told to the person like a record
changed meanwhile, or as a page that says to try again: never a 500, never half a save."""
import contextlib

import pytest

from backoffice.store import Conflict
from backoffice.store.app import get_store
from conftest import REQUEST_FORM


@pytest.fixture
def busy_store(app, monkeypatch):
    """Call it to make every later transaction of the app's store fail to take its turn."""

    def busy():
        @contextlib.contextmanager
        def refused():
            raise Conflict("the write lock stayed taken")
            yield  # pragma: no cover (a generator, as a context manager must be)

        monkeypatch.setattr(get_store(app), "transaction", refused)

    return busy


def test_an_edit_that_cannot_take_its_turn_is_shown_like_a_stale_version(client, app, make, busy_store):
    make.lot()
    created = make.request(project_title="Old title")
    busy_store()

    response = client.form_post(f"/admin/requests/edit/?id={created['_id']}",
                                dict(REQUEST_FORM, project_title="New title", version="1"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Someone else changed this record while you were editing it; nothing was saved." in page
    assert "Reload the current version" in page
    assert get_store(app).get("requests", created["_id"])["project_title"] == "Old title"


def test_a_create_that_cannot_take_its_turn_says_to_try_again(client, app, make, busy_store):
    make.lot()
    busy_store()

    response = client.form_post("/admin/requests/new/", REQUEST_FORM)

    assert response.status_code == 200
    assert "Someone else was saving at the same moment; nothing was saved. Please try again." in response.get_data(as_text=True)
    assert get_store(app).count("requests") == 0


def test_a_delete_that_cannot_take_its_turn_deletes_nothing(client, app, make, busy_store):
    make.lot()
    created = make.request()
    busy_store()

    response = client.form_post("/admin/requests/delete/", {"id": str(created["_id"])}, form_url="/admin/requests/",
                                follow_redirects=True)

    assert response.status_code == 200
    assert "Someone else changed this record meanwhile; it was not deleted." in response.get_data(as_text=True)
    assert get_store(app).get("requests", created["_id"]) is not None


def test_any_other_write_that_cannot_take_its_turn_is_a_page_in_the_users_language(client, busy_store):
    client.get("/admin/?lang=nl")
    busy_store()

    response = client.form_post("/logout", {}, form_url="/admin/")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Iemand anders sloeg op hetzelfde moment iets op; er werd niets opgeslagen." in page
    assert "Conflict" not in page and "write lock" not in page
