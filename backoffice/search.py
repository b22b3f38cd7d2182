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
from flask import has_app_context

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
SEARCH_RULES_VERSION = 2  # 2: themes, organisation types and lots found by their titles (issue 16)


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
# References, by path: the referenced collection, whose records carry a title per language. A document's
# terms hold the key (L2) and the titles ("Ontwerp van participatieprocessen" finds what asks for L2).
NAMED_REFERENCES = {"lots": ("lots", "code", ("name_fr", "name_nl", "name_en"))}
# What a search with nothing searchable in it ("(", "%") matches: nothing, rather than everything.
NOTHING = {"_id": {"$in": []}}


def document_terms(doc, paths):
    """The search terms of a document from its fields at the given dotted paths (coded values by their names)."""
    return terms(_named(path, value_at(doc, path)) for path in paths)


def _named(path, value):
    """The names of a value's coded items in every language; a reference keeps its key too (L2), as lists show it."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if path in NAMED_VALUES:
        return [name for item in items for name in label_in_every_language(NAMED_VALUES[path], item) or [item]]
    if path in NAMED_REFERENCES:
        return [name for item in items for name in [item, *_referenced_names(NAMED_REFERENCES[path], item)]]
    return value


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


def _referenced_names(reference, key):
    """The titles of a referenced record (a lot's French, Dutch and English titles), read from the app's store.

    Read when the document is saved: a lot renamed later is found by its new title once the
    documents referring to it are saved or reindexed (`flask --app app search reindex`).
    """
    collection, key_field, name_fields = reference
    if not isinstance(key, str) or not has_app_context():
        return []
    from backoffice.store.app import get_store  # here, not at the top: the store is built on this module

    doc = get_store().find_one(collection, {key_field: key}, {name: 1 for name in name_fields})
    return [doc[name] for name in name_fields if doc and doc.get(name)]
