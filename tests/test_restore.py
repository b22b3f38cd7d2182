"""A restore changes nothing unless the whole file is right: known collections, valid records, unique keys."""
import pytest
from bson import ObjectId, json_util

from conftest import TEST_SECRET_KEY  # noqa: F401  (the engines' fixtures come from conftest)
from test_backup import demo, everything  # noqa: F401  (the demo fixture)

JSON = json_util.CANONICAL_JSON_OPTIONS


@pytest.fixture
def saved(app, demo, tmp_path):
    """A good backup of the demo store, as a dict to spoil: save(content) writes it back to a file."""
    path = tmp_path / "backup.json"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    content = json_util.loads(path.read_text(encoding="utf-8"), json_options=JSON)

    def save(spoilt):
        spoilt_path = tmp_path / "spoilt.json"
        spoilt_path.write_text(json_util.dumps(spoilt, json_options=JSON), encoding="utf-8")
        return spoilt_path

    return content, save, path


def spoil_users(content, change):
    users = content["collections"]["users"]
    change(users)
    return content


def restore_refused(app, store, path, *expected):
    before = everything(store)
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    for text in expected:
        assert text in result.output, result.output
    assert "Nothing was changed." in result.output
    assert everything(store) == before
    return result


def test_two_users_sharing_an_e_mail_change_nothing(app, store, saved):
    content, save, good = saved
    users = content["collections"]["users"]
    twin = dict(users[0], _id=ObjectId(), name="Twin")
    content["collections"]["users"].append(twin)

    restore_refused(app, store, save(content), "users: email", "taken by more than one record")

    # The store, backup and a later restore of a good file all still work.
    assert app.test_cli_runner().invoke(args=["backup", str(good.parent / "again.json")]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["restore", str(good)]).exit_code == 0


def test_a_duplicate_id_leaves_the_users_as_they_were(app, store, saved):
    content, save, _good = saved
    users = content["collections"]["users"]
    users.append(dict(users[0], email="other@perspective.example"))

    restore_refused(app, store, save(content), "users: two documents share an _id")

    assert store.count("users", {}) == len(users) - 1


def test_an_invented_role_is_refused(app, store, saved):
    content, save, _good = saved
    content["collections"]["users"][0]["role"] = "root"

    restore_refused(app, store, save(content), "users", "role")


def test_an_unknown_collection_is_refused(app, store, saved):
    content, save, _good = saved
    content["collections"]["evil"] = [{"_id": ObjectId(), "payload": "x"}]

    restore_refused(app, store, save(content), "collections this app does not have: evil")


def test_a_reference_to_a_record_missing_from_the_file_is_refused(app, store, saved):
    content, save, _good = saved
    content["collections"]["lots"] = [lot for lot in content["collections"]["lots"] if lot["code"] != "L1"]

    restore_refused(app, store, save(content), "cannot be restored")


def test_a_restore_is_recorded_in_the_audit_trail(app, store, saved):
    _content, _save, good = saved

    assert app.test_cli_runner().invoke(args=["restore", str(good)]).exit_code == 0

    entry = store.find_one("audit", {"action": "restore"})
    assert (entry["actor"], entry["details"]["file"]) == ("cli", "backup.json")
    assert entry["details"]["counts"]["users"] == store.count("users", {})
