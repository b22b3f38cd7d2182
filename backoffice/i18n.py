"""Offered languages, locale selection and the translation helpers `_` and `_l`."""
import functools

from babel import Locale, support
from flask import g, has_request_context, request, session
from flask_admin import babel as admin_babel
from flask_admin import translations as admin_translations
from flask_babel import Babel

from schemas.translation import catalogue, force_locale, gettext, lazy_gettext, locale, ngettext, pgettext

# French first: it is the default when nothing else decides.
LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "_", "_l", "ngettext", "labelled", "current_language", "force_locale", "locale", "init_app"]


def labelled(label, value):
    """`label: value` as the language writes it (French puts a no-break space before the colon)."""
    return gettext("%(label)s: %(value)s", label=label, value=value)


# The last language this browser used, kept for a year: the sign-in page speaks it, not Accept-Language.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def select_locale():
    """Pick the session's language, then this browser's last one, then Accept-Language, then French.

    Outside requests (the command line) the language set for the command, else French.
    An unknown `?lang=` (`de`) changes nothing: the current choice stays.
    """
    if not has_request_context():
        return g.get("cli_language", DEFAULT_LANGUAGE)
    for chosen in (session.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def remember_language_choice():
    """Store `?lang=` in the session when it names an offered language; ignore it otherwise.

    `lang_chosen` marks it as a choice made in this session: made on the sign-in page, it
    wins over the language saved in the user's profile (see `backoffice.auth.login`).
    """
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        session["lang_chosen"] = wanted


def keep_language_in_browser(response):
    """Keep the page's language in a long-lived cookie, so the next sign-in page speaks it too."""
    language = session.get("lang") if has_request_context() else None
    if language in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def lay_our_words_over_flask_admin(translations_dir):
    """Flask-Admin's catalogue with ours laid over it, for each offered language.

    Flask-Admin reads its strings from its own domain ("admin"), whose French and Dutch
    are not ours ("Editer", "Weergave Record"). `backoffice.admin_strings` puts its msgids
    in our catalogues; here, its domain's translations (its templates' `_gettext` and its
    Python messages alike) become its own merged with ours, ours winning. The domain
    caches translations per (locale, domain): that public cache is where we put them.
    """
    for language in LANGUAGES:
        merged = support.Translations()
        for directory, domain in ((admin_translations.__path__[0], "admin"), (str(translations_dir), "messages")):
            found = support.Translations.load(directory, [language], domain)
            if isinstance(found, support.Translations):
                merged.merge(found)
                merged.plural = found.plural
        admin_babel.domain.cache[(language, admin_babel.domain.domain[0])] = merged


def date_picker_settings():
    """What the date pickers need to speak the page's language: CLDR's names, Monday first, dd/mm/yyyy.

    Belgian conventions in every language (fr_BE, nl_BE, en_BE): the week starts on Monday.
    Every page's frame carries them: built once per language and kept (read only).
    """
    return _date_picker_settings(current_language())


@functools.lru_cache(maxsize=8)
def _date_picker_settings(language):
    locale = Locale.parse(f"{language}_BE")
    short_days = locale.days["stand-alone"]["short"]  # 0 is Monday in CLDR
    return {
        "format": "DD/MM/YYYY",
        "separator": " – ",
        "locale": {
            # The picker counts from Sunday and turns the list to start on firstDay (0 is Sunday there).
            "daysOfWeek": [short_days[6]] + [short_days[day] for day in range(6)],
            "monthNames": [locale.months["stand-alone"]["abbreviated"][month] for month in range(1, 13)],
            "firstDay": (locale.first_week_day + 1) % 7,
            "applyLabel": gettext("Apply"),
            "cancelLabel": gettext("Cancel"),
            # A range's ends, not the "From" / "To" of a status history ("Statut précédent").
            "fromLabel": pgettext("date range", "From"),
            "toLabel": pgettext("date range", "To"),
            "weekLabel": gettext("Wk"),
            "customRangeLabel": gettext("Custom range"),
        },
    }


def select_list_messages():
    """What the searchable select lists (select2) say, in the page's language: "{count}" is filled in by the script."""
    counted = {"count": "{count}"}
    return {
        "noMatches": gettext("No matches found"),
        "searching": gettext("Searching…"),
        "loadMore": gettext("Loading more results…"),
        "ajaxError": gettext("Loading failed"),
        "tooShort": [gettext("Type one more character."), gettext("Type %(count)s more characters.", **counted)],
        "tooLong": [gettext("Delete one character."), gettext("Delete %(count)s characters.", **counted)],
        "tooBig": [gettext("You can select only one item."), gettext("You can select only %(count)s items.", **counted)],
        "matches": [gettext("One result: press Enter to choose it."),
                    gettext("%(count)s results: use the up and down arrow keys to choose one.", **counted)],
    }


def current_language():
    """The two-letter code of the language pages are rendered in."""
    now = locale()
    return now.language if now is not None else DEFAULT_LANGUAGE


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
    lay_our_words_over_flask_admin(app.config["TRANSLATIONS_DIR"])
    app.before_request(remember_language_choice)
    app.after_request(keep_language_in_browser)
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES,
                                 date_picker_settings=date_picker_settings, select_list_messages=select_list_messages)
