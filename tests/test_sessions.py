"""Sessions end on the server: sign-out, deactivation, a role or password change end every copy of the cookie.

The session cookie is signed, so before this a copied cookie stayed good until it expired:
each user now has a session version in the database that every request checks.
"""
import datetime as dt
from urllib.parse import urlsplit

import pytest

from backoffice import auth, users
from backoffice.store.app import get_store
from conftest import PASSWORD, csrf_token

LOT_FORM = {"code": "L9", "name_fr": "Lot neuf", "name_nl": "Nieuw perceel", "active": "y"}


def is_login_redirect(response):
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (a saved or stolen cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_after_sign_out_a_saved_cookie_exports_and_creates_nothing(app, client, store, make):
    make.lot()
    make.request()
    token = csrf_token(client.get("/admin/lots/new/").get_data(as_text=True))
    saved = copy_of(app, client)
    assert saved.get("/admin/requests/export/csv/").status_code == 200

    client.form_post("/logout", {}, form_url="/admin/")

    assert is_login_redirect(saved.get("/admin/requests/export/csv/"))
    created = saved.post("/admin/lots/new/", data=dict(LOT_FORM, csrf_token=token))
    assert is_login_redirect(created)
    assert store.count("lots", {"code": "L9"}) == 0


def test_sign_out_on_one_device_ends_the_others(app, client_as, store):
    laptop = client_as("staff")
    phone = app.test_client()
    token = csrf_token(phone.get("/login").get_data(as_text=True))
    phone.post("/login", data={"email": "staff@perspective.example", "password": PASSWORD, "csrf_token": token})
    assert phone.get("/admin/requests/").status_code == 200

    laptop.form_post("/logout", {}, form_url="/admin/")

    assert is_login_redirect(phone.get("/admin/requests/"))


def edit_user(admin, store, email, **changes):
    user = store.find_one("users", {"email": email})
    form = {"name": user["name"], "role": user["role"], "language": user["language"], "version": str(user["version"])}
    if user.get("active", True):
        form["active"] = "y"
    form.update(changes)
    if changes.get("active") is False:
        form.pop("active")
    return admin.form_post(f"/admin/users/edit/?id={user['_id']}", form)


def test_a_role_change_ends_the_users_sessions(client_as, store):
    staff = client_as("staff")
    admin = client_as("admin")
    assert staff.get("/admin/requests/").status_code == 200

    edit_user(admin, store, "staff@perspective.example", role="manager")

    assert store.find_one("users", {"email": "staff@perspective.example"})["role"] == "manager"
    assert is_login_redirect(staff.get("/admin/requests/"))


def test_a_password_change_ends_the_users_sessions(app, client, store):
    with app.app_context():
        user = store.find_one("users", {"email": "staff@perspective.example"})
        users.set_password(get_store(app), user, "a new and quite different passphrase", actor="cli")

    assert is_login_redirect(client.get("/admin/requests/"))


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, monkeypatch):
    signed_in = auth.now()
    for hours in (1, 6, 11):
        monkeypatch.setattr(auth, "now", lambda hours=hours: signed_in + dt.timedelta(hours=hours))
        assert client.get("/admin/requests/").status_code == 200

    monkeypatch.setattr(auth, "now", lambda: signed_in + dt.timedelta(hours=12, minutes=1))

    assert is_login_redirect(client.get("/admin/requests/"))


def _new_cookie(response):
    """The session cookie a response sets, or None when it leaves the browser's as it is."""
    return next((value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")), None)


def test_a_busy_session_is_renewed_once_a_minute_not_on_every_page(client, monkeypatch):
    start = auth.now()
    monkeypatch.setattr(auth, "now", lambda: start)
    client.get("/admin/requests/")  # whatever this minute's first page did

    assert _new_cookie(client.get("/admin/requests/")) is None
    assert _new_cookie(client.get("/admin/lots/")) is None

    monkeypatch.setattr(auth, "now", lambda: start + dt.timedelta(seconds=61))
    renewed = _new_cookie(client.get("/admin/requests/"))

    assert renewed is not None and "Expires=" in renewed and "HttpOnly" in renewed
    assert _new_cookie(client.get("/admin/requests/")) is None


@pytest.mark.parametrize("idle, signed_in", [(dt.timedelta(minutes=58), True), (dt.timedelta(minutes=60, seconds=5), False)])
def test_a_session_left_idle_for_its_lifetime_is_signed_out(app, client_as, monkeypatch, idle, signed_in):
    """The idle end is the cookie's: signed at the last renewal, refused by the server an hour later."""
    import itsdangerous.timed
    import time
    from types import SimpleNamespace

    assert app.config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=1)
    then = time.time() - idle.total_seconds()
    with monkeypatch.context() as past:  # signed in and last seen `idle` ago
        past.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: then))
        past.setattr(auth, "now", lambda: dt.datetime.fromtimestamp(then, dt.timezone.utc).replace(tzinfo=None))
        client = client_as("staff")
        assert client.get("/admin/requests/").status_code == 200

    page = client.get("/admin/requests/")

    assert (page.status_code == 200) is signed_in
    assert is_login_redirect(page) is not signed_in
