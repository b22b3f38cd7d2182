"""Secrets and files: a real SECRET_KEY outside the demo, and only the app's account can read its key and data."""
import os
import secrets
import stat

import pytest

from backoffice import config, create_app
from backoffice.store import app as store_app
from backoffice.private_files import demo_secret_key

MONGO = {"MONGO_URI": "mongodb://127.0.0.1:9/backoffice"}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("key", ["x", "test-secret", "x" * 64, "abcd" * 16, "correct horse battery"])
def test_a_weak_secret_key_stops_the_app_outside_the_demo(key):
    with pytest.raises(config.ConfigError) as refused:
        config.load(MONGO | {"SECRET_KEY": key})

    assert "at least 32 random bytes" in str(refused.value)
    assert "secrets.token_hex(32)" in str(refused.value)


def test_a_random_secret_key_is_accepted_and_the_cookie_is_secure():
    loaded = config.load(MONGO | {"SECRET_KEY": secrets.token_hex(32)})

    assert loaded["SESSION_COOKIE_SECURE"] is True


def test_the_demo_cookie_stays_usable_over_plain_http():
    loaded = config.load({"SECRET_KEY": secrets.token_hex(32)})

    assert loaded["STORE_ENGINE"] == "sqlite"
    assert not loaded.get("SESSION_COOKIE_SECURE")


def test_the_demo_key_is_created_private_once(tmp_path):
    path = tmp_path / "instance" / "secret_key"

    key = demo_secret_key(str(path))

    assert len(bytes.fromhex(key)) == 32
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert demo_secret_key(str(path)) == key


def test_a_readable_demo_key_is_made_private(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    path = folder / "secret_key"
    path.write_text(secrets.token_hex(32))
    path.chmod(0o644)

    demo_secret_key(str(path))

    assert mode(path) == 0o600 and mode(folder) == 0o700


def test_the_embedded_stores_files_are_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "old-export.csv").write_text("x")
    app = create_app({"TESTING": True, "STORE_ENGINE": "sqlite", "BACKOFFICE_DATA_DIR": str(data),
                      "SECRET_KEY": secrets.token_hex(32)})
    try:
        store_app.get_store(app).insert("lots", {"code": "L1"})
    finally:
        store_app.close(app)

    assert mode(data) == 0o700
    files = [os.path.join(root, name) for root, _dirs, names in os.walk(data) for name in names]
    assert any(name.endswith(".sqlite3") for name in files)
    assert {path: mode(path) for path in files} == {path: 0o600 for path in files}
