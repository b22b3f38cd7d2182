"""Links that carry the current query string along, without handing it to url_for.

`url_for(endpoint, **request.args)` lets a visitor's query string reach url_for's own
keyword arguments: `?endpoint=x` broke every page (a 500), `?_external=1&_scheme=...`
rewrote the links. Here the arguments only ever become the query string.
"""
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict


def with_query(url, args=None, **overrides):
    """`url` followed by `args` (a dict or MultiDict, e.g. request.args) as its query string, `overrides` replacing keys."""
    merged = MultiDict(args or {})
    for key, value in overrides.items():
        merged.setlist(key, [value])
    pairs = [(key, value) for key, values in merged.lists() for value in values]
    return f"{url}?{urlencode(pairs)}" if pairs else url
