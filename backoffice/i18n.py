"""Offered languages, locale selection and the translation helpers `_` and `_l`."""
from flask import g, has_request_context, request, session
from flask_admin import babel as admin_babel
from flask_babel import Babel, get_locale

from schemas.translation import catalogue, gettext, lazy_gettext, ngettext

# French first: it is the default when nothing else decides.
LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "_", "_l", "ngettext", "current_language", "init_app"]


def select_locale():
    """Pick the user's remembered choice, then Accept-Language, then French (also outside requests)."""
    if not has_request_context():
        return g.get("cli_language", DEFAULT_LANGUAGE)
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def remember_language_choice():
    """Store `?lang=` in the session when it names an offered language; ignore it otherwise."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted


def admin_gettext(string, **variables):
    """Flask-Admin's own strings (its templates' `_gettext`), its catalogue found once per request."""
    text = catalogue(admin_babel.domain).ugettext(string)
    return text % variables if variables else text


def current_language():
    """The two-letter code of the language pages are rendered in."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def init_app(app):
    """Wire flask-babel with our catalogues and the language switch."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    # Stored moments are UTC; people read Brussels time.
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Brussels")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.config["TRANSLATIONS_DIR"]))
    Babel(app, locale_selector=select_locale)
    # The templates' `_()` as the code's: the request's catalogue found once, not per string.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: catalogue().ugettext(string),
        ngettext=lambda singular, plural, num: catalogue().ungettext(singular, plural, num),
        newstyle=True,
        pgettext=lambda context, string: catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: catalogue().unpgettext(context, singular, plural, num),
    )
    app.before_request(remember_language_choice)
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
