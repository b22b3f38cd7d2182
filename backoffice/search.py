"""Search that ignores case and accents: `ecole` finds `École`.

Each document stores `search_terms`, the normalised words of its searchable fields;
a search matches every typed word as the start of one of those terms, so a real
MongoDB answers from the index (an anchored prefix) instead of scanning raw text.
"""
import functools
import re
import unicodedata
from pathlib import Path

from babel import support

from backoffice.paths import value_at
from schemas.choices import MUNICIPALITY_NAMES, ORGANISATION_TYPES, THEMES
from schemas.translation import Label

WORD = re.compile(r"[a-z0-9]+")
# Digits broken by dots, slashes or dashes (0123.456.749, 2026-0042) also count as one number.
NUMBER_RUN = re.compile(r"[0-9](?:[0-9.\s/-]*[0-9])?")
FIELD = "search_terms"
MAX_WORDS = 8
# Raise it whenever a change here gives a stored document other terms: records stored before
# then are re-indexed (`flask --app app search reindex`, and after each `seed`; backoffice/reindex.py).
# 2: themes, organisation types and lots found by their titles (issue 16); 3: a lot's titles no longer stored
# in the documents that name it (matched at search time, `words`), closed lists named from our catalogues.
SEARCH_RULES_VERSION = 3


def normalise(text):
    """Lower case, without accents."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def terms(values):
    """The sorted search terms of some field values."""
    found = set()
    for value in values:
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            text = normalise(item)
            found.update(WORD.findall(text))
            found.update(re.sub(r"\D", "", run) for run in NUMBER_RUN.findall(text))
    return sorted(found)


# Coded values found by their names in every language (French, Dutch, English): "Schaarbeek" finds the
# requests of Schaerbeek, "Jeugd" those about youth, "Burgercollectief" those of citizen collectives.
LANGUAGES = ("fr", "nl", "en")
# Closed lists, by the dotted path of the searched field: their labels, read from our catalogues.
NAMED_VALUES = {"municipality": MUNICIPALITY_NAMES, "themes": THEMES, "organisation.type": ORGANISATION_TYPES}
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
# Referenced records found by their titles: "Ontwerp van participatieprocessen" finds what asks for L2. The
# documents hold the key (L2) among their terms; a searched word that starts a word of a lot's title also
# matches that key (`words`), so a lot renamed is found by its new title at once, and the stored terms stay
# the same whatever app, command or import computes them.
TITLED_REFERENCES = {"lots": ("code", ("name_fr", "name_nl", "name_en"))}
# What a search with nothing searchable in it ("(", "%") matches: nothing, rather than everything.
NOTHING = {"_id": {"$in": []}}


def document_terms(doc, paths):
    """The search terms of a document from its fields at the given dotted paths (coded values by their names)."""
    return terms(_named(path, value_at(doc, path)) for path in paths)


def _named(path, value):
    """A closed-list value by its names in every language (the value itself if it has none)."""
    if value is None or path not in NAMED_VALUES:
        return value
    items = value if isinstance(value, list) else [value]
    return [name for item in items for name in label_in_every_language(NAMED_VALUES[path], item) or [item]]


@functools.cache
def _catalogue(language):
    return support.Translations.load(str(TRANSLATIONS), [language], "messages")


def label_in_every_language(choices, value):
    """The label of `value` in a closed list, in French, Dutch and English (none for an unknown value).

    Read from our catalogues directly, not through the request's language: the terms are the same
    whichever app, command or request computes them.
    """
    if not isinstance(value, str) or value not in choices:
        return []
    label = choices[value]
    if isinstance(label, tuple):
        return list(label)
    if isinstance(label, Label):
        return [_catalogue(language).upgettext(label.context, label.msgid) if label.context
                else _catalogue(language).ugettext(label.msgid) for language in LANGUAGES]
    return [str(label)]


def words(store, prefixes):
    """The searched words of typed prefixes, each also matching the keys of the records whose titles it starts.

    "ontwerp" finds the terms starting with it and the documents that hold "l2", the key of the
    lot "Ontwerp van participatieprocessen". The titles are read at each search (a few records).
    """
    from backoffice.store.query import Word  # here, not at the top: the store's queries are built on this module

    titled = {}
    for collection, (key_field, title_fields) in TITLED_REFERENCES.items():
        for doc in store.find(collection, {}, projection={key_field: 1, **{name: 1 for name in title_fields}}):
            if isinstance(doc.get(key_field), str):
                titled[normalise(doc[key_field])] = terms(doc.get(name) for name in title_fields)
    return [
        Word(prefix, tuple(sorted(key for key, title in titled.items() if any(term.startswith(prefix) for term in title))))
        for prefix in prefixes
    ]
