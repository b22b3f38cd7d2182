"""Typed sort keys: byte strings that compare (memcmp) as MongoDB compares the values.

MongoDB orders values of different types by type first (null < numbers < strings <
objects < arrays < binary < ObjectId < booleans < dates), then within a type: numbers
numerically whatever their BSON type (int, long, double, Decimal128), strings by their
UTF-8 bytes (the default "simple" collation: `Z` < `a` < `É`), ObjectIds by their 12
bytes, dates by their milliseconds. A key is one type byte followed by bytes that keep
that order, so SQLite sorts, compares and indexes it as a plain BLOB.

A missing field has the key of null, as MongoDB sorts and matches it (`{f: None}` finds
both). Numbers are compared as IEEE doubles: exact for every integer below 2**53, which
covers every number the schemas allow (cents below 10**13, counts, versions).
"""
import datetime as dt
import math
import struct
from decimal import Decimal

from bson import ObjectId
from bson.decimal128 import Decimal128

NULL, NUMBER, TEXT, OBJECT, ARRAY, BINARY, OBJECT_ID, BOOLEAN, DATE = 1, 2, 3, 4, 5, 6, 7, 8, 9
EPOCH = dt.datetime(1970, 1, 1)
NULL_KEY = bytes([NULL])


def type_of(value):
    """MongoDB's type bracket of a value (the first byte of its key)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float, Decimal, Decimal128)):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if isinstance(value, dt.datetime):
        return DATE
    if isinstance(value, ObjectId):
        return OBJECT_ID
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, (list, tuple)):
        return ARRAY
    if isinstance(value, (bytes, bytearray)):
        return BINARY
    raise TypeError(f"No MongoDB order is known for a {type(value).__name__}")


def key(value):
    """The sort key of one value."""
    kind = type_of(value)
    if kind == NULL:
        return NULL_KEY
    if kind == NUMBER:
        return bytes([NUMBER]) + _number(value)
    if kind == TEXT:
        return bytes([TEXT]) + value.encode("utf-8")
    if kind == DATE:
        return bytes([DATE]) + _signed(milliseconds(value))
    if kind == OBJECT_ID:
        return bytes([OBJECT_ID]) + value.binary
    if kind == BOOLEAN:
        return bytes([BOOLEAN, 1 if value else 0])
    if kind == BINARY:
        return bytes([BINARY]) + bytes(value)
    # Objects and arrays are never sorted on (the catalogue refuses it); they get a key all the same,
    # ordered element by element, so that storing one never fails.
    items = value.items() if kind == OBJECT else enumerate(value)
    return bytes([kind]) + b"".join(len(k := key(item)).to_bytes(4, "big") + k for _name, item in items)


def type_range(value):
    """(lowest, highest) keys of the type bracket of `value`: `$lt 5` only compares with numbers."""
    kind = type_of(value)
    return bytes([kind]), bytes([kind + 1])


def milliseconds(moment):
    """Milliseconds since 1970 (UTC), truncated as BSON stores a date."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _signed(number):
    return (number + (1 << 63)).to_bytes(8, "big")


def _number(value):
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    number = float(value)
    if math.isnan(number):
        return b"\x00" * 8  # MongoDB puts NaN below every other number
    if number == 0:
        number = 0.0  # -0 equals 0
    raw = struct.pack(">d", number)
    if raw[0] & 0x80:
        return bytes(255 - byte for byte in raw)
    return bytes([raw[0] | 0x80]) + raw[1:]


def values_at(doc, path):
    """Every value a query on `path` meets in `doc`, walking lists as MongoDB does.

    `lots` of `{"lots": ["L1", "L2"]}` gives both codes; `lots.lot` of a list of
    sub-documents gives each one's `lot`. A missing value counts as one null; an empty
    list gives no value at all.
    """
    nodes = [doc]
    for part in path.split("."):
        following = []
        for node in nodes:
            if isinstance(node, dict):
                following.append(node.get(part))
            elif isinstance(node, list):
                following.extend(item.get(part) if isinstance(item, dict) else None for item in node)
            else:
                following.append(None)
        nodes = following
    found = []
    for node in nodes:
        if isinstance(node, list):
            found.extend(node)
        else:
            found.append(node)
    return found
