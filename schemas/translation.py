"""`gettext` and `lazy_gettext`: flask-babel's, with the request's catalogue found once per request.

flask-babel looks up the request's state, domain, locale and catalogue again for every
string, through some ten context-local lookups: about 9 µs a string, and a details page
or an edit form translates a hundred strings (labels, choices, buttons). Here the
catalogue found for the request's locale (flask-babel's `get_locale()`, which it keeps for
the request) is kept in `g` and used while that locale holds; `force_locale` (a briefing printed in its own language) sets
another locale, so the catalogue is looked up again. Outside a request or an app
context, flask-babel answers as usual.

This module is imported by `schemas` and `backoffice.i18n` alike, so it imports neither.
"""
from flask import g, has_app_context
from flask_babel import LazyString, get_locale, get_translations

_KEPT = "backoffice_catalogue"


def catalogue(domain=None):
    """The translations of the current locale, in flask-babel's domain or `domain`, kept per request."""
    if not has_app_context():  # flask-babel answers as usual
        return _translations(domain)
    locale = get_locale()
    kept_as = _KEPT if domain is None else f"{_KEPT}_{domain.domain[0]}"
    kept = g.get(kept_as)
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = _translations(domain)
    setattr(g, kept_as, (locale, translations))
    return translations


def _translations(domain):
    return get_translations() if domain is None else domain.get_translations()


def gettext(string, **variables):
    """`string` translated into the current language, `%(name)s` placeholders filled from `variables`."""
    text = catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    """The singular or plural form for `num`, translated; `%(num)d` is filled in too."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


class Label(LazyString):
    """A lazy translated string that also says what it translates (`msgid`, `context`), so that code can
    read it in every language without a request (backoffice.search finds closed-list values by their names)."""

    def __init__(self, func, msgid, context=None, **variables):
        args = (msgid,) if context is None else (context, msgid)
        super().__init__(func, *args, **variables)
        self.msgid, self.context = msgid, context


def lazy_gettext(string, **variables):
    """A string translated when it is shown, in the language of that moment (labels made at import)."""
    return Label(gettext, string, **variables)


def pgettext(context, string, **variables):
    """`string` translated in `context` ("request status"): one English word, two French genders."""
    text = catalogue().upgettext(context, string)
    return text % variables if variables else text


def lazy_pgettext(context, string, **variables):
    """`pgettext` when the string is shown (choices made at import)."""
    return Label(pgettext, string, context=context, **variables)
