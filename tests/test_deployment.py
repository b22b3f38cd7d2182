"""Deployment: the MongoDB image, authentication in compose, and gunicorn on loopback unless told otherwise.

docker-compose.yml is read as text (the checks are about what it says; no Docker here runs it).
"""
import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def service(name):
    """The text of one service of docker-compose.yml."""
    match = re.search(rf"^  {name}:\n(.*?)(?=^  \S|^\S)", COMPOSE, re.S | re.M)
    assert match, f"no service {name}"
    return match.group(1)


def test_the_mongodb_image_is_pinned_at_or_above_the_fixes():
    image = re.search(r"^\s+image:\s*mongo:(\S+)$", service("mongo"), re.M).group(1)
    version = tuple(int(part) for part in image.split("."))

    # CVE-2025-14847 ("MongoBleed") is fixed in 7.0.28, CVE-2026-6914 in 7.0.32.
    assert len(version) == 3 and (7, 0, 32) <= version < (8,), image


def test_mongodb_runs_with_authentication_and_the_app_has_its_own_user():
    mongo, app = service("mongo"), service("app")

    assert "MONGO_INITDB_ROOT_PASSWORD: ${MONGO_ROOT_PASSWORD:?" in mongo
    assert "--keyFile" in mongo and "./deploy/mongo-init:/docker-entrypoint-initdb.d" in mongo
    init = (ROOT / "deploy" / "mongo-init" / "create-app-user.js").read_text(encoding="utf-8")
    assert 'roles: [{ role: "readWrite", db: "backoffice" }]' in init
    uri = re.search(r"MONGO_URI:\s*(\S+)", app).group(1)
    assert uri.startswith("mongodb://backoffice:${MONGO_APP_PASSWORD:?") and "authSource=backoffice" in uri
    # No password is written in the repository: .env holds them and git ignores it.
    assert not re.search(r"^\s+\w*PASSWORD\w*:\s*[^$\s]", COMPOSE, re.M)
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    example = (ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^MONGO_ROOT_PASSWORD=$", example, re.M) and re.search(r"^SECRET_KEY=$", example, re.M)


def gunicorn_settings(monkeypatch, **environment):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_listens_on_loopback_unless_told_otherwise(monkeypatch):
    assert gunicorn_settings(monkeypatch)["bind"] == "127.0.0.1:8000"
    assert gunicorn_settings(monkeypatch, GUNICORN_BIND="0.0.0.0:8000")["bind"] == "0.0.0.0:8000"
    # In compose the container listens on all its interfaces, published on the host's loopback only.
    assert '"127.0.0.1:8000:8000"' in service("app")
