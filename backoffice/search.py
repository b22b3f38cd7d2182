"""Search that ignores case and accents: `ecole` finds `École`.

Each document stores `search_terms`, the normalised words of its searchable fields;
a search matches every typed word as the start of one of those terms, so a real
MongoDB answers from the index (an anchored prefix) instead of scanning raw text.
"""
import re
import unicodedata

from backoffice.paths import value_at
from schemas.choices import MUNICIPALITY_NAMES

WORD = re.compile(r"[a-z0-9]+")
# Digits broken by dots, slashes or dashes (0123.456.749, 2026-0042) also count as one number.
NUMBER_RUN = re.compile(r"[0-9](?:[0-9.\s/-]*[0-9])?")
FIELD = "search_terms"
MAX_WORDS = 8
# Raise it whenever a change here gives a stored document other terms: records stored before
# then are re-indexed (`flask --app app search reindex`, and after each `seed`; backoffice/reindex.py).
SEARCH_RULES_VERSION = 1


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


# Closed-list values found by their names in every language: "Schaarbeek" finds the requests of Schaerbeek.
NAMED_VALUES = {"municipality": MUNICIPALITY_NAMES}
# What a search with nothing searchable in it ("(", "%") matches: nothing, rather than everything.
NOTHING = {"_id": {"$in": []}}


def document_terms(doc, paths):
    """The search terms of a document from its fields at the given dotted paths (coded values by their names)."""
    return terms(_named(path, value_at(doc, path)) for path in paths)


def _named(path, value):
    names = NAMED_VALUES.get(path)
    return list(names[value]) if names and isinstance(value, str) and value in names else value


def query(search):
    """A filter matching documents whose terms start with every word typed; None for a blank search.

    A search of signs only ("(", "%") has no word to look for: it matches nothing.
    """
    clauses = []
    for word in normalise(search).split()[:MAX_WORDS]:
        if NUMBER_RUN.fullmatch(word):
            pieces = [re.sub(r"\D", "", word)]
        else:
            pieces = WORD.findall(word)
        clauses.extend({FIELD: {"$regex": "^" + re.escape(piece)}} for piece in pieces)
    if not clauses:
        return NOTHING if search and search.strip() else None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
