"""Configuration: safe defaults, then the environment, then the overrides a caller passes."""
import datetime as dt
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def load(overrides=None):
    """Return the configuration as a dict, failing fast on unsafe combinations."""
    config = {
        "MONGO_URI": os.environ.get("MONGO_URI") or None,
        "MONGO_DBNAME": os.environ.get("MONGO_DBNAME") or None,
        "BACKOFFICE_DATA_DIR": os.environ.get("BACKOFFICE_DATA_DIR", str(ROOT / "instance" / "data")),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # A few seconds, not pymongo's 30: a person waits for the error page.
        "MONGO_TIMEOUT_MS": int(os.environ.get("MONGO_TIMEOUT_MS", "3000")),
        "TRANSLATIONS_DIR": str(ROOT / "translations"),
        "SEEDS_DIR": str(ROOT / "seeds"),
        "PAGE_SIZE": 25,
        "WTF_CSRF_TIME_LIMIT": None,
        # Werkzeug's scrypt at its default cost (about a quarter second per hash on this size of machine).
        "PASSWORD_HASH_METHOD": "scrypt",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A session ends after this long without a request (a request renews it: see auth.renew_session).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "60"))),
        # Not a new signed cookie on every response (a fifteenth of a page's time): auth.renew_session
        # renews it once a minute at most.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # A request body larger than this is refused (413) before it is read; file uploads have their own limit.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Above the 20 MB a file may have (backoffice/files.py), so that a file a little too big gets the
        # upload's own message; a body beyond this is cut off with a 413 before it is read.
        "MAX_UPLOAD_LENGTH": 32 * 1024 * 1024,
        # How many reverse proxies in front of the app add X-Forwarded-For / -Proto (0: trust none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # ... and after this long from sign-in, however busy (a stolen cookie is not good for ever).
        "SESSION_ABSOLUTE_LIFETIME": dt.timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))),
        # The centre's letterhead and contact on every document it sends (briefings, letters).
        "FRAMEWORK_REFERENCE": os.environ.get("FRAMEWORK_REFERENCE", "PB/2023/CMP-PARTICIPATION"),
        "CENTRE_ADDRESS_FR": os.environ.get("CENTRE_ADDRESS_FR", "Rue de Namur 59, 1000 Bruxelles"),
        "CENTRE_ADDRESS_NL": os.environ.get("CENTRE_ADDRESS_NL", "Naamsestraat 59, 1000 Brussel"),
        "CENTRE_EMAIL": os.environ.get("CENTRE_EMAIL", "participation@perspective.brussels"),
        "CENTRE_PHONE": os.environ.get("CENTRE_PHONE", "+32 2 435 42 00"),
        # E-mail over SMTP; without MAIL_SERVER every message stays queued in the outbox.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or "25"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "on"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or os.environ.get("CENTRE_EMAIL", "participation@perspective.brussels"),
        # Seconds to wait for the mail server: a person waits for the page that sends.
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT") or "10"),
    }
    config.update(overrides or {})
    config.setdefault("STORE_ENGINE", os.environ.get("STORE_ENGINE") or _engine(config))
    if config["STORE_ENGINE"] not in ENGINES:
        raise ConfigError(f"STORE_ENGINE is one of {', '.join(ENGINES)}, not {config['STORE_ENGINE']!r}.")
    if not config["SECRET_KEY"]:
        if config["STORE_ENGINE"] == "mongodb" and not config.get("TESTING"):
            raise ConfigError("SECRET_KEY must be set when the app runs on MongoDB.")
        # The embedded demo store and the tests get a throw-away key per process.
        config["SECRET_KEY"] = secrets.token_hex(32)
    elif config["STORE_ENGINE"] == "mongodb":
        check_secret_key(config["SECRET_KEY"])
    if config["STORE_ENGINE"] == "mongodb" and not config.get("TESTING"):
        # Outside the demo the app is served over HTTPS (behind its proxy): the cookie never travels in clear.
        config.setdefault("SESSION_COOKIE_SECURE", os.environ.get("SESSION_COOKIE_SECURE", "1") != "0")
    return config


# 32 random bytes, as `secrets.token_hex(32)` writes them (64 characters) or any text at least as long.
MIN_SECRET_BYTES = 32
GENERATE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_secret_key(key):
    """Refuse a SECRET_KEY shorter than 32 bytes or too regular to be random (ConfigError says how to make one)."""
    raw = key.encode() if isinstance(key, str) else bytes(key)
    # A random key of 32 bytes or more uses many different characters; "x" * 40 or a word repeated does not.
    if len(raw) < MIN_SECRET_BYTES or len(set(raw)) < 12:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} random bytes; make one with: {GENERATE}")


# The stores (backoffice.store): the embedded SQLite file, MongoDB, and mongomock for tests.
ENGINES = ("sqlite", "mongodb", "mongomock")


def _engine(config):
    """MongoDB when a URI is given; mongomock for tests; the embedded SQLite store otherwise."""
    if config.get("MONGO_URI"):
        return "mongodb"
    if config.get("TESTING"):
        return "mongomock"
    return "sqlite"
