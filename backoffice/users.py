"""Operations on users: create, set a password, check a sign-in. The CLI and the admin call these."""
from flask import current_app
from marshmallow import ValidationError
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice import audit, records, system_records
from backoffice.i18n import _
from schemas.user import PasswordSchema

# A hash to compare against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


def create_user(store, email, role, password, name=None, language="fr", actor="cli"):
    """Store a new active user through the schema, with a hashed password; return the document.

    The user, the password and their audit entries are one transaction.
    """
    password_hash = hash_password(password, email)
    with records.one_transaction(store, "users"):
        doc = records.create(
            "users",
            {"email": email, "role": role, "name": name or email.split("@")[0], "language": language},
            actor=actor,
            store=store,
        )
        system_records.update(store, "users", doc["_id"], {"password_hash": password_hash})
        audit.record(store, "password", actor, "users", doc)
    return doc


def hash_password(password, email=None):
    """Check the password's rules (through its schema, against the user's e-mail) and return its scrypt hash."""
    try:
        PasswordSchema().load({"password": password} | ({"email": email} if email else {}))
    except ValidationError as error:
        raise records.SaveRefused(records.plain_messages(error.messages)) from None
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def set_password(store, user, password, actor):
    """Replace a user's password; every session the user had ends (one transaction, with its audit entry)."""
    password_hash = hash_password(password, user.get("email"))
    with records.one_transaction(store, "users"):
        system_records.update(store, "users", user["_id"], {"password_hash": password_hash})
        end_sessions(store, user["_id"])
        audit.record(store, "password", actor, "users", user)


# Each session cookie carries the user's session version at sign-in; raising it ends them all.
SESSION_VERSION = "session_version"


def session_version(user):
    """The version a session of this user must carry to be valid."""
    return user.get(SESSION_VERSION, 0)


def end_sessions(store, user_id):
    """End every session of this user at once, on every device (sign-out, role or status change)."""
    with store.transaction():  # read and raise in one turn: a session version only ever goes up
        user = store.get("users", user_id, {SESSION_VERSION: 1})
        if user is not None:
            system_records.update(store, "users", user_id, {SESSION_VERSION: session_version(user) + 1})


def authenticate(store, email, password):
    """The active user with this e-mail and password, or None (same work whether or not the e-mail exists)."""
    user = store.find_one("users", {"email": str(email).strip().lower()})
    stored = user.get("password_hash") if user else None
    valid = check_password_hash(stored or _DUMMY_HASH, str(password))
    if user is None or not stored or not valid or not user.get("active", True):
        return None
    return user


def last_admin_refusal(store, user, role, active):
    """Why giving `user` this role and status is refused (no active administrator would be left), or None."""
    if user.get("role") != "admin" or not user.get("active", True) or (role == "admin" and active):
        return None
    others = store.count("users", {"role": "admin", "active": True, "_id": {"$ne": user["_id"]}})
    if others:
        return None
    return _("This is the last active administrator: make another user an active administrator first.")


def change_access(store, user, role, active, actor):
    """Give `user` a role and an active status through the schema; their sessions end. Refused on the last admin.

    The check, the save and the end of the sessions are one transaction: two administrators
    removing each other's rights at once cannot both pass the check.
    """
    data = records.editable_data("users", user) | {"role": role, "active": active}
    with records.one_transaction(store, "users"):
        refusal = last_admin_refusal(store, user, role, active)
        if refusal:
            raise records.SaveRefused({"role": [refusal]})
        saved = records.update("users", user, data, actor=actor, expected_version=user.get("version"), store=store)
        end_sessions(store, user["_id"])
    return saved
