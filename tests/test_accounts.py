"""Accounts: the last active administrator stays, the recovery commands, the password policy, the demo accounts."""
import re
from html import unescape

import pytest

from backoffice.store.app import get_store
from conftest import PASSWORD, cells
from test_sessions import edit_user

LAST_ADMIN = "This is the last active administrator: make another user an active administrator first."
# The commands speak French unless told otherwise (like the rest of the CLI's messages from the schemas).
LAST_ADMIN_FR = "C'est le dernier administrateur actif\u00a0: faites d'abord d'un autre utilisateur un administrateur actif."
TOO_EASY_FR = "Ce mot de passe est trop facile à deviner"
OWN_EMAIL_FR = "Le mot de passe ne peut pas contenir votre adresse e-mail"


def text(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("change", [{"role": "manager"}, {"active": False}])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client_as, store, change):
    admin = client_as("admin")

    response = edit_user(admin, store, "admin@perspective.example", **change)

    assert LAST_ADMIN in text(response.get_data(as_text=True))
    stored = store.find_one("users", {"email": "admin@perspective.example"})
    assert (stored["role"], stored["active"]) == ("admin", True)
    assert admin.get("/admin/users/").status_code == 200


def test_an_admin_may_step_down_when_another_active_admin_remains(client_as, make_user, store):
    admin = client_as("admin")
    make_user("admin", "second@perspective.example")

    edit_user(admin, store, "admin@perspective.example", role="manager")

    assert store.find_one("users", {"email": "admin@perspective.example"})["role"] == "manager"


def test_an_inactive_admin_does_not_count_as_the_remaining_one(client_as, make_user, store):
    admin = client_as("admin")
    make_user("admin", "second@perspective.example")
    store.update("users", store.find_one("users", {"email": "second@perspective.example"})["_id"], {"active": False})

    response = edit_user(admin, store, "admin@perspective.example", role="staff")

    assert LAST_ADMIN in text(response.get_data(as_text=True))
    assert store.find_one("users", {"email": "admin@perspective.example"})["role"] == "admin"


# Recovery commands ----------------------------------------------------------------------

def test_set_role_gives_a_new_role_and_ends_the_users_sessions(client_as, runner, store):
    staff = client_as("staff")

    result = runner.invoke(args=["users", "set-role", "STAFF@perspective.example", "manager"])

    assert result.exit_code == 0, result.output
    assert store.find_one("users", {"email": "staff@perspective.example"})["role"] == "manager"
    assert staff.get("/admin/requests/").status_code == 302


def test_set_role_refuses_to_demote_the_last_active_admin(make_user, runner, store):
    make_user("admin")

    result = runner.invoke(args=["users", "set-role", "admin@perspective.example", "staff"])

    assert result.exit_code != 0
    assert LAST_ADMIN_FR in result.output
    assert store.find_one("users", {"email": "admin@perspective.example"})["role"] == "admin"


def test_reactivate_lets_a_deactivated_user_sign_in_again(make_user, runner, store, anonymous):
    make_user("staff")
    store.update("users", store.find_one("users", {"email": "staff@perspective.example"})["_id"], {"active": False})

    result = runner.invoke(args=["users", "reactivate", "staff@perspective.example"])

    assert result.exit_code == 0, result.output
    response = anonymous.form_post("/login", {"email": "staff@perspective.example", "password": PASSWORD})
    assert response.status_code == 302


def test_set_password_reads_stdin_and_the_new_password_signs_in(client_as, runner, anonymous):
    staff = client_as("staff")
    new = "quiet orchard lantern seventy"

    result = runner.invoke(args=["users", "set-password", "staff@perspective.example"], input=new + "\n")

    assert result.exit_code == 0, result.output
    assert staff.get("/admin/requests/").status_code == 302
    assert anonymous.form_post("/login", {"email": "staff@perspective.example", "password": PASSWORD}).status_code == 200
    assert anonymous.form_post("/login", {"email": "staff@perspective.example", "password": new}).status_code == 302


def test_an_unknown_e_mail_is_named(runner):
    result = runner.invoke(args=["users", "reactivate", "nobody@perspective.example"])

    assert result.exit_code != 0
    assert "No user has the e-mail address nobody@perspective.example." in result.output


# Password policy --------------------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("aaaaaaaaaaaa", TOO_EASY_FR),
    ("password1234", TOO_EASY_FR),
    ("qwertyuiopasdf", TOO_EASY_FR),
    ("1234567890123", TOO_EASY_FR),
    ("new.person@perspective.example", OWN_EMAIL_FR),
    ("New.Person-2026!x", OWN_EMAIL_FR),
])
def test_guessable_passwords_are_refused(runner, store, password, message):
    result = runner.invoke(args=["users", "create", "new.person@perspective.example", "--role", "staff"], input=password + "\n")

    assert result.exit_code != 0
    assert message in result.output
    assert store.count("users", {}) == 0


def test_a_phrase_of_unrelated_words_is_accepted(runner, store):
    result = runner.invoke(args=["users", "create", "new.person@perspective.example", "--role", "staff"],
                           input="quiet orchard lantern seventy\n")

    assert result.exit_code == 0, result.output
    assert store.count("users", {}) == 1


# Demo accounts --------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_demo_accounts_print_the_real_port_and_the_stored_roles(app, runner, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    runner.invoke(args=["demo-accounts"])
    store = get_store(app)
    staff = store.find_one("users", {"email": "staff@demo.example"})
    store.update("users", staff["_id"], {"role": "manager"})  # an admin changed the demo account since

    output = runner.invoke(args=["demo-accounts"]).output

    assert "http://127.0.0.1:8123/login" in output
    staff_line = next(line for line in output.splitlines() if "staff@demo.example" in line)
    assert "role manager" in staff_line


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_demo_requests_name_the_colleagues_they_are_assigned_to(app, runner, client):
    runner.invoke(args=["seed"])
    runner.invoke(args=["demo-accounts"])

    page = client.get("/admin/requests/?search=REQ-2026").get_data(as_text=True)

    assigned = set(cells(page, "assigned_to"))
    # By name (the e-mail stays on hover), not "s.janssens@perspective.example".
    assert assigned and assigned <= {"An Peeters", "Marc Dubois", "Sofie Janssens", "Yasmina El Amrani", ""}, assigned


def test_users_list_prints_each_user_by_email_with_role_and_state(runner, store, make_user):
    make_user("staff", "zoe@perspective.example")
    gone = make_user("manager", "ali@perspective.example")
    store.update("users", gone["_id"], {"active": False})

    output = runner.invoke(args=["users", "list"]).output

    assert output.splitlines() == [
        "ali@perspective.example\tmanager\tinactive",
        "zoe@perspective.example\tstaff\tactive",
    ]
