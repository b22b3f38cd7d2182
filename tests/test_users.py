"""Users: created on the command line with a password never typed in the arguments, deactivated by an admin."""
import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD, csrf_token

NEW_PASSWORD = "a long enough password"
WRONG_PASSWORD_MESSAGE = "The e-mail address or the password is wrong."


def sign_in(test_client, email, password):
    return test_client.form_post("/login", {"email": email, "password": password})


def test_create_a_user_with_the_password_on_stdin(runner, store, anonymous):
    result = runner.invoke(args=["users", "create", "New.Person@perspective.example", "--role", "staff"], input=NEW_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert "new.person@perspective.example" in result.output
    assert NEW_PASSWORD not in result.output
    stored = store.find_one("users", {"email": "new.person@perspective.example"})
    assert stored["role"] == "staff"
    assert stored["active"] is True
    assert stored["password_hash"].startswith("scrypt:")
    assert NEW_PASSWORD not in str(stored)

    response = sign_in(anonymous, "new.person@perspective.example", NEW_PASSWORD)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/"
    assert anonymous.get("/admin/requests/").status_code == 200


def test_a_short_password_is_refused_and_nothing_is_stored(runner, store):
    result = runner.invoke(args=["users", "create", "short@perspective.example", "--role", "staff"], input="short\n")

    assert result.exit_code != 0
    assert "password" in result.output.lower()
    assert "not created" in result.output
    assert store.count("users", {}) == 0


def test_the_password_cannot_be_given_as_an_argument(runner, store):
    help_text = runner.invoke(args=["users", "create", "--help"]).output
    assert "--password" not in help_text

    result = runner.invoke(
        args=["users", "create", "argument@perspective.example", "--role", "staff", "--password", NEW_PASSWORD],
        input=NEW_PASSWORD + "\n",
    )

    assert result.exit_code == 2
    assert "No such option" in result.output
    assert store.count("users", {}) == 0


def test_an_unknown_role_is_refused(runner, store):
    result = runner.invoke(args=["users", "create", "boss@perspective.example", "--role", "root"], input=NEW_PASSWORD + "\n")

    assert result.exit_code == 2
    assert store.count("users", {}) == 0


def test_the_same_e_mail_cannot_be_used_twice(runner, store):
    runner.invoke(args=["users", "create", "twice@perspective.example", "--role", "staff"], input=NEW_PASSWORD + "\n")

    result = runner.invoke(args=["users", "create", "Twice@perspective.example", "--role", "admin"], input=NEW_PASSWORD + "\n")

    assert result.exit_code != 0
    assert [user["role"] for user in store.find("users", {})] == ["staff"]


def _form_fields(page):
    """What the browser sends for the edit form as shown: text inputs, chosen options, ticked boxes."""
    form = page[page.index('<main'):]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = value.group(1) if value else "y"
        elif kind not in ("submit", "button"):
            data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', options)
        if chosen:
            data[name] = chosen.group(1) or chosen.group(2)
    return data


def test_an_admin_deactivates_a_user_who_can_then_no_longer_sign_in(app, client_as, make_user, store, anonymous):
    leaving = make_user("staff", "leaving@perspective.example")
    admin = client_as("admin")
    url = f"/admin/users/edit/?id={leaving['_id']}"
    page = admin.get(url).get_data(as_text=True)
    data = _form_fields(page)
    assert data.get("active") is not None, "the form shows the user as active"
    assert "password" not in " ".join(data) and "scrypt" not in page

    password_hash = store.find_one("users", {"_id": leaving["_id"]})["password_hash"]

    del data["active"]  # untick "Active"
    response = admin.post(url, data=data)

    assert response.status_code == 302
    stored = store.find_one("users", {"_id": leaving["_id"]})
    assert stored["active"] is False
    assert stored["role"] == "staff" and stored["password_hash"] == password_hash
    [entry] = list(store.find("audit", {"collection": "users", "record": leaving["_id"], "action": "update"}))
    assert entry["actor"] == "admin@perspective.example"
    assert {"field": "active", "before": True, "after": False} in entry["changes"]

    refused = sign_in(anonymous, "leaving@perspective.example", PASSWORD)

    assert refused.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in refused.get_data(as_text=True)
    assert anonymous.get("/admin/").status_code == 302


def test_a_user_deactivated_by_an_admin_loses_an_open_session(client_as, store):
    staff = client_as("staff", "leaving@perspective.example")
    admin = client_as("admin")
    leaving = store.find_one("users", {"email": "leaving@perspective.example"})
    url = f"/admin/users/edit/?id={leaving['_id']}"
    data = _form_fields(admin.get(url).get_data(as_text=True))
    del data["active"]
    admin.post(url, data=data)

    response = staff.get("/admin/requests/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_the_users_list_shows_no_password_hashes(client_as, make_user):
    make_user("staff")
    admin = client_as("admin")

    for url in ("/admin/users/", "/admin/users/export/csv/"):
        response = admin.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "scrypt" not in body and "password_hash" not in body, url
    assert "staff@perspective.example" in admin.get("/admin/users/").get_data(as_text=True)


def test_an_admin_cannot_create_or_delete_users_in_the_admin(client_as, make_user, store):
    staff = make_user("staff")
    admin = client_as("admin")
    count = store.count("users", {})
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "/admin/users/new/" not in page and "/admin/users/delete/" not in page

    admin.form_post("/admin/users/delete/", {"id": str(staff["_id"])}, form_url="/admin/users/")
    admin.form_post("/admin/users/action/", {"action": "delete", "rowid": str(staff["_id"])}, form_url="/admin/users/")
    admin.form_post("/admin/users/new/", {"email": "sneaky@perspective.example", "name": "S", "role": "admin"}, form_url="/admin/users/")

    assert store.count("users", {}) == count
    assert store.find_one("users", {"_id": staff["_id"]}) is not None


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_and_managers_cannot_manage_users(client_as, store, role):
    test_client = client_as(role)
    someone = store.find_one("users", {})

    for url in ("/admin/users/", f"/admin/users/edit/?id={someone['_id']}", f"/admin/users/details/?id={someone['_id']}"):
        response = test_client.get(url)
        assert response.status_code == 403, url
        assert "You do not have the right to see this page or do this action." in response.get_data(as_text=True)

    token = csrf_token(test_client.get("/admin/").get_data(as_text=True))
    response = test_client.post(
        f"/admin/users/edit/?id={someone['_id']}",
        data={"csrf_token": token, "email": someone["email"], "name": "x", "role": "admin", "language": "fr", "active": "y", "version": "1"},
    )
    assert response.status_code == 403
    assert store.find_one("users", {"_id": someone["_id"]})["role"] == role
