"""Operations on users: create, set a password, check a sign-in. The CLI and the admin call these."""
from flask import current_app
from marshmallow import ValidationError
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice import audit, records
from backoffice.i18n import _
from schemas.user import PasswordSchema

# A hash to compare against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


def create_user(db, email, role, password, name=None, language="fr", actor="cli"):
    """Store a new active user through the schema, with a hashed password; return the document."""
    password_hash = hash_password(password, email)
    doc = records.create(
        "users",
        {"email": email, "role": role, "name": name or email.split("@")[0], "language": language},
        actor=actor,
        db=db,
    )
    db["users"].update_one({"_id": doc["_id"]}, {"$set": {"password_hash": password_hash}})
    audit.record(db, "password", actor, "users", doc)
    return doc


def hash_password(password, email=None):
    """Check the password's rules (through its schema, against the user's e-mail) and return its scrypt hash."""
    try:
        PasswordSchema().load({"password": password} | ({"email": email} if email else {}))
    except ValidationError as error:
        raise records.SaveRefused(records.plain_messages(error.messages)) from None
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def set_password(db, user, password, actor):
    """Replace a user's password; every session the user had ends."""
    db["users"].update_one({"_id": user["_id"]}, {"$set": {"password_hash": hash_password(password, user.get("email"))}, "$inc": {SESSION_VERSION: 1}})
    audit.record(db, "password", actor, "users", user)


# Each session cookie carries the user's session version at sign-in; raising it ends them all.
SESSION_VERSION = "session_version"


def session_version(user):
    """The version a session of this user must carry to be valid."""
    return user.get(SESSION_VERSION, 0)


def end_sessions(db, user_id):
    """End every session of this user at once, on every device (sign-out, role or status change)."""
    db["users"].update_one({"_id": user_id}, {"$inc": {SESSION_VERSION: 1}})


def authenticate(db, email, password):
    """The active user with this e-mail and password, or None (same work whether or not the e-mail exists)."""
    user = db["users"].find_one({"email": str(email).strip().lower()})
    stored = user.get("password_hash") if user else None
    valid = check_password_hash(stored or _DUMMY_HASH, str(password))
    if user is None or not stored or not valid or not user.get("active", True):
        return None
    return user


def last_admin_refusal(db, user, role, active):
    """Why giving `user` this role and status is refused (no active administrator would be left), or None."""
    if user.get("role") != "admin" or not user.get("active", True) or (role == "admin" and active):
        return None
    others = db["users"].count_documents({"role": "admin", "active": True, "_id": {"$ne": user["_id"]}})
    if others:
        return None
    return _("This is the last active administrator: make another user an active administrator first.")


def change_access(db, user, role, active, actor):
    """Give `user` a role and an active status through the schema; their sessions end. Refused on the last admin."""
    refusal = last_admin_refusal(db, user, role, active)
    if refusal:
        raise records.SaveRefused({"role": [refusal]})
    data = records.editable_data("users", user) | {"role": role, "active": active}
    saved = records.update("users", user, data, actor=actor, expected_version=user.get("version"), db=db)
    end_sessions(db, user["_id"])
    return saved
