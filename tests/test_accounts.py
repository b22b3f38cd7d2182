"""Accounts: the last active administrator stays, the recovery commands, the password policy, the demo accounts."""
import re
from html import unescape

import pytest

from test_sessions import edit_user

LAST_ADMIN = "This is the last active administrator: make another user an active administrator first."


def text(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("change", [{"role": "manager"}, {"active": False}])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client_as, database, change):
    admin = client_as("admin")

    response = edit_user(admin, database, "admin@perspective.example", **change)

    assert LAST_ADMIN in text(response.get_data(as_text=True))
    stored = database["users"].find_one({"email": "admin@perspective.example"})
    assert (stored["role"], stored["active"]) == ("admin", True)
    assert admin.get("/admin/users/").status_code == 200


def test_an_admin_may_step_down_when_another_active_admin_remains(client_as, make_user, database):
    admin = client_as("admin")
    make_user("admin", "second@perspective.example")

    edit_user(admin, database, "admin@perspective.example", role="manager")

    assert database["users"].find_one({"email": "admin@perspective.example"})["role"] == "manager"


def test_an_inactive_admin_does_not_count_as_the_remaining_one(client_as, make_user, database):
    admin = client_as("admin")
    make_user("admin", "second@perspective.example")
    database["users"].update_one({"email": "second@perspective.example"}, {"$set": {"active": False}})

    response = edit_user(admin, database, "admin@perspective.example", role="staff")

    assert LAST_ADMIN in text(response.get_data(as_text=True))
    assert database["users"].find_one({"email": "admin@perspective.example"})["role"] == "admin"
