"""Signing in and out, the signed-in user, and who may do what."""
import datetime as dt
import math
from urllib.parse import urlsplit

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField

from backoffice import audit, system_records, throttle, users
from backoffice.clock import now
from backoffice.i18n import LANGUAGES, _, _l, ngettext
from backoffice.store.app import get_store

# What each role may do; the views ask these sets, never the role names.
READERS = {"admin", "staff", "manager"}
WRITERS = {"admin", "staff"}
ADMINS = {"admin"}

# The longest e-mail address there is (RFC 5321): anything longer is no address and is not even recorded.
MAX_EMAIL_LENGTH = 254

login_manager = LoginManager()
blueprint = Blueprint("auth", __name__)


class User(UserMixin):
    """The signed-in person, read from the users collection on each request."""

    def __init__(self, doc):
        self.doc = doc
        self.id = str(doc["_id"])
        self.email = doc["email"]
        self.name = doc.get("name", doc["email"])
        self.role = doc.get("role")
        self.language = doc.get("language")

    @property
    def is_active(self):
        return bool(self.doc.get("active", True))

    def can(self, roles):
        """True when the user's role is among `roles`."""
        return self.role in roles


@login_manager.user_loader
def load_user(user_id):
    """The active user with this id, if this session is still theirs.

    A deactivated user is signed out at their next request; so is a session older than
    SESSION_ABSOLUTE_LIFETIME, or one signed in before the user's sessions were ended
    (sign-out, password or role change): the cookie's version no longer matches.
    """
    try:
        doc = get_store().get("users", ObjectId(user_id))
    except (InvalidId, TypeError):
        return None
    if doc is None or not doc.get("active", True):
        return None
    if session.get("session_version") != users.session_version(doc):
        return None
    signed_in_at = session.get("signed_in_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    if not isinstance(signed_in_at, int) or now() - dt.datetime.fromtimestamp(signed_in_at, dt.timezone.utc).replace(tzinfo=None) > limit:
        return None
    return User(doc)


def current_actor():
    """Who is acting, as stored in created_by / updated_by and the audit trail."""
    return current_user.email if current_user.is_authenticated else "anonymous"


def allowed(roles):
    """True when someone is signed in with one of `roles` (for menus and buttons)."""
    return current_user.is_authenticated and current_user.can(roles)


def require(roles):
    """Refuse the current request unless the user is signed in with one of `roles`."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.can(roles):
        abort(403)
    return None


class LoginForm(FlaskForm):
    """The sign-in form: e-mail and password (and the CSRF token)."""

    email = EmailField(_l("E-mail"), render_kw={"autocomplete": "username", "required": True})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password", "required": True})
    next = HiddenField()


def safe_next(target):
    """`target` if it stays on this site (a path), else the home page: no open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("admin.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success renew the session and go where the user was heading."""
    # The posted form only: Flask-WTF would also read a JSON body, whose values need not be text.
    form = LoginForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        store = get_store()
        email = (form.email.data or "").strip().lower()
        if len(email) > MAX_EMAIL_LENGTH:
            return render_template("login.html", form=form, error=_("The e-mail address or the password is wrong.")), 200
        moment = now()
        try:
            taken = throttle.take_turn(store, email, request.remote_addr, moment)
        except throttle.Throttled as throttled:
            # One audit entry per wait, not one per attempt: a flood of tries adds nothing more to the trail.
            if throttled.first_refusal:
                audit.record(store, "sign_in_failed", email or "anonymous", details={"reason": "throttled"})
            seconds = max(1, math.ceil(throttled.wait.total_seconds()))
            message = ngettext("Too many failed attempts. Please wait %(num)d second and try again.",
                               "Too many failed attempts. Please wait %(num)d seconds and try again.", seconds)
            response = make_response(render_template("login.html", form=form, error=message), 429)
            response.headers["Retry-After"] = str(seconds)
            return response
        user = users.authenticate(store, email, form.password.data or "")
        if user is None:
            audit.record(store, "sign_in_failed", email or "anonymous")
            return render_template("login.html", form=form, error=_("The e-mail address or the password is wrong.")), 200
        throttle.succeeded(store, taken, moment)
        # A language chosen on the sign-in page is the user's new choice (kept in the profile); otherwise the
        # profile's language, which the sign-in page already spoke if this browser was used before.
        chosen = session.get("lang_chosen")
        language = session.get("lang")
        # A new session at sign-in: nothing from before (a planted session) carries over.
        session.clear()
        login_user(User(user))
        session.permanent = True
        session["session_version"] = users.session_version(user)
        session["signed_in_at"] = int(now().replace(tzinfo=dt.timezone.utc).timestamp())
        if chosen in LANGUAGES:
            session["lang"] = chosen
            if user.get("language") != chosen:
                system_records.update(store, "users", user["_id"], {"language": chosen})
        else:
            session["lang"] = user.get("language") if user.get("language") in LANGUAGES else language
        audit.record(store, "sign_in", user["email"], "users", user)
        return redirect(safe_next(form.next.data))
    return render_template("login.html", form=form, error=None)


@blueprint.route("/logout", methods=["POST"])
def logout():
    """Sign out (a POST with the CSRF token, so no link can sign a user out)."""
    if current_user.is_authenticated:
        # Every session of the user ends, not only this cookie: a copy of it opens nothing any more.
        store = get_store()
        with store.transaction():
            users.end_sessions(store, current_user.doc["_id"])
            audit.record(store, "sign_out", current_user.email, "users", current_user.doc)
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


# How often a busy session's cookie is signed anew, pushing its idle end back.
SESSION_RENEWAL = dt.timedelta(minutes=1)
EPOCH = dt.datetime(1970, 1, 1)


def renew_session():
    """Renew a signed-in session's cookie when the last renewal is a minute old or more.

    A session ends PERMANENT_SESSION_LIFETIME after its cookie was last signed: with a new
    cookie at most once a minute, an idle session ends between 59 and 60 minutes (with the
    default hour) after its last request, and the other requests send no cookie at all.
    """
    if session.permanent:
        period = (now() - EPOCH) // SESSION_RENEWAL
        if session.get("renewed") != period:
            session["renewed"] = period


def remember_language_in_profile():
    """When a signed-in user picks a language with ?lang=, keep it in their profile too."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and current_user.is_authenticated and current_user.language != wanted:
        system_records.update(get_store(), "users", current_user.doc["_id"], {"language": wanted})


def init_app(app):
    """Sessions that expire when idle, sign-in pages, and the user loader."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "basic"
    app.register_blueprint(blueprint)
    app.before_request(renew_session)
    app.before_request(remember_language_in_profile)
