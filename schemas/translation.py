"""`gettext` and `lazy_gettext`: flask-babel's, with the request's locale and catalogue found once per request.

flask-babel looks up the request's state, domain, locale and catalogue again for every
string, through some ten context-local lookups: about 9 µs a string, and a details page
or an edit form translates a hundred strings (labels, choices, buttons) and formats a
dozen amounts and dates. Here the locale flask-babel chose for the request and its
catalogue are kept in `g` together, and read from there. `force_locale` (a briefing
printed in its provider's language) is flask-babel's, made to set the kept pair aside
while it holds: use this module's, never flask-babel's own (tests/test_i18n.py checks
that no module imports that one). Outside an app context, flask-babel answers as usual.

This module is imported by `schemas` and `backoffice.i18n` alike, so it imports neither.
"""
from contextlib import contextmanager

import flask_babel
from flask import g, has_app_context
from flask_babel import LazyString, get_locale, get_translations

_KEPT = "backoffice_language"


def _kept():
    """(locale, catalogue) of the moment, found once per request or app context and per forced locale."""
    if not has_app_context():  # flask-babel answers as usual
        return get_locale(), get_translations()
    kept = g.get(_KEPT)
    if kept is None:
        kept = (get_locale(), get_translations())
        setattr(g, _KEPT, kept)
    return kept


def locale():
    """The `babel.Locale` pages are rendered in now (flask-babel's `get_locale()`, kept); None outside an app context."""
    return _kept()[0]


def catalogue():
    """The translations of the current locale, in flask-babel's domain, kept per request."""
    return _kept()[1]


@contextmanager
def force_locale(language):
    """flask-babel's `force_locale`: `language` while the block runs, the request's own again after it."""
    if not has_app_context():
        with flask_babel.force_locale(language):
            yield
        return
    outer = g.pop(_KEPT, None)
    try:
        with flask_babel.force_locale(language):
            yield
    finally:
        g.pop(_KEPT, None)
        if outer is not None:
            setattr(g, _KEPT, outer)


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
