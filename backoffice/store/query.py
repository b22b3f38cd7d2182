"""The store's query vocabulary, checked against the catalogue before any engine sees it.

A filter is a MongoDB-style document restricted to what the app uses:

    {}                                          every document
    {"status": "received"}                      equality (None also finds a missing field)
    {"lots": "L1"}, {"lots.lot": "L1"}          a list field holding the value
    {"status": {"$in": [...]}}, {"$nin": [...]} one of / none of
    {"status": {"$ne": "draft"}}                not equal
    {"at": {"$gte": day, "$lt": next_day}}      ranges ($gt, $gte, $lt, $lte), within the value's type
    {"$and": [filter, ...]}, {"$or": [...]}     combinations

Every path must be a field the catalogue declares (read from the schemas) or `_id`;
values are plain scalars (None, booleans, numbers, text, dates, ObjectIds), never
documents or operators picked from input, so no value from a URL becomes an operator.
A sort names declared one-value fields only (`lots` is refused), a projection names
top-level fields. Anything else raises `QueryRefused`: a programming error, not a user's.
"""
import datetime as dt
import re
from decimal import Decimal
from typing import NamedTuple

from bson import ObjectId
from bson.decimal128 import Decimal128

from backoffice import search

COMPARISONS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")
LISTS = ("$in", "$nin")
RANGES = ("$gt", "$gte", "$lt", "$lte")
SCALARS = (type(None), bool, int, float, str, dt.datetime, ObjectId, Decimal128, Decimal)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class QueryRefused(ValueError):
    """A filter, sort or projection outside the store's vocabulary."""


def check_filter(collection, query):
    """Return `query` as a list of (path, operator, value) leaves and $and/$or nodes; raise QueryRefused."""
    if query is None:
        return ("$and", [])
    if not isinstance(query, dict):
        raise QueryRefused(f"A filter is a dict, not {type(query).__name__}")
    clauses = []
    for name, condition in query.items():
        if name in ("$and", "$or"):
            if not isinstance(condition, (list, tuple)) or not condition:
                raise QueryRefused(f"{name} takes a non-empty list of filters")
            clauses.append((name, [check_filter(collection, item) for item in condition]))
            continue
        declared = collection.field(name)
        if declared is None or not declared.keyed:
            raise QueryRefused(f"{collection.name}.{name} is not a field queries may filter on")
        operators = condition if isinstance(condition, dict) else {"$eq": condition}
        if not operators:
            raise QueryRefused(f"{collection.name}.{name}: an empty condition")
        for operator, value in operators.items():
            clauses.append(("leaf", declared, operator, _check_value(collection, name, operator, value)))
    return ("$and", clauses)


def _check_value(collection, name, operator, value):
    where = f"{collection.name}.{name} {operator}"
    if operator in LISTS:
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise QueryRefused(f"{where} takes a list")
        values = list(value)
        for item in values:
            _scalar(where, item)
        return values
    if operator not in COMPARISONS:
        raise QueryRefused(f"{where}: unknown operator")
    _scalar(where, value)
    if operator in RANGES and value is None:
        raise QueryRefused(f"{where} None: compare with a value")
    return value


def _scalar(where, value):
    if not isinstance(value, SCALARS):
        raise QueryRefused(f"{where}: {type(value).__name__} is not a value a filter compares with")


def check_sort(collection, sort):
    """The sort as a list of (path, 1 | -1), each path a declared one-value field; raise QueryRefused."""
    checked = []
    for item in sort or ():
        if isinstance(item, str):
            item = (item, 1)
        path, direction = item
        declared = collection.field(path)
        if declared is None or not declared.sortable:
            raise QueryRefused(f"{collection.name} cannot be sorted on {path}: not a declared field with one value")
        if direction not in (1, -1):
            raise QueryRefused(f"sort direction of {path} is 1 or -1")
        checked.append((path, direction))
    return checked


def stable_sort(collection, sort):
    """`sort` ending with `_id` (in the direction of the last key) unless its last field is unique: pages stay put."""
    sort = check_sort(collection, sort)
    if sort and (sort[-1][0] == "_id" or sort[-1][0] in collection.unique_fields):
        return sort
    return sort + [("_id", sort[-1][1] if sort else 1)]


def check_projection(projection):
    """{name: 1} or {name: 0} of top-level names (a list means inclusion); None for whole documents."""
    if projection is None:
        return None
    if isinstance(projection, (list, tuple)):
        projection = {name: 1 for name in projection}
    if not isinstance(projection, dict):
        raise QueryRefused("A projection is a dict or a list of field names")
    spec = {}
    for name, wanted in projection.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise QueryRefused(f"{name!r}: projections name top-level fields")
        spec[name] = 1 if wanted in (1, True) else 0
    modes = {wanted for name, wanted in spec.items() if name != "_id"}
    if len(modes) > 1:
        raise QueryRefused("A projection either keeps or leaves out fields, not both")
    return spec


def project(doc, spec):
    """`doc` reduced by a checked projection, as MongoDB would return it."""
    if spec is None:
        return doc
    keep_id = spec.get("_id", 1) == 1
    kept = {name for name, wanted in spec.items() if wanted and name != "_id"}
    left_out = {name for name, wanted in spec.items() if not wanted and name != "_id"}
    if kept or not left_out:
        return {name: value for name, value in doc.items() if name in kept or (name == "_id" and keep_id)}
    return {name: value for name, value in doc.items() if name not in left_out and (name != "_id" or keep_id)}


class Word(NamedTuple):
    """A searched word: a document matches when one of its terms starts with `prefix`, or is one of `terms`.

    `terms` are whole terms that also count (a lot's key, L2, for a word of that lot's title:
    backoffice.search.words); a plain string searches its prefix alone.
    """

    prefix: str
    terms: tuple = ()


def check_prefixes(prefixes):
    """The searched words as a list of `Word`s with a non-empty prefix (each matched literally)."""
    if isinstance(prefixes, str):
        raise QueryRefused("search takes a list of prefixes; use store.prefixes(text) for typed text")
    checked = []
    for prefix in prefixes or ():
        word = Word(prefix) if isinstance(prefix, str) else prefix
        if not isinstance(word, Word) or not isinstance(word.prefix, str) or not all(isinstance(term, str) for term in word.terms):
            raise QueryRefused("search prefixes are strings or Words")
        if word.prefix:
            checked.append(Word(word.prefix, tuple(word.terms)))
    return checked


def prefixes(text):
    """The prefixes a typed search looks for: its words, lower case and without accents.

    `École 0123.456` gives ["ecole", "0123456"]: every document whose search terms start
    with each of them matches (backoffice.search computes the stored terms the same way).
    """
    found = []
    for word in search.normalise(text or "").split()[: search.MAX_WORDS]:
        if search.NUMBER_RUN.fullmatch(word):
            found.append(re.sub(r"\D", "", word))
        else:
            found.extend(search.WORD.findall(word))
    return [prefix for prefix in found if prefix]
