"""Links between records: a reference on a details page opens the record it names.

Records refer to each other by natural key (REQ-2026-0042, an enterprise number, L2);
`/admin/<collection>/key/?key=…` opens the record with that key, so a link needs no
extra query to find the other record's id.
"""
from flask import url_for
from markupsafe import Markup

from backoffice.formatting import table_html
from backoffice.paths import value_at
from backoffice.references import label_cache
from schemas import fields as sf

# The collections that have a details page to open (users' references are e-mail addresses, not links).
LINKED = {"requests", "briefings", "providers", "lots"}


def record_url(collection, key):
    """The address of the record of `collection` whose natural key is `key`."""
    return url_for(f"{collection}.by_key_view", key=key)


def record_link(collection, key, text=None):
    """A link to a record, reading `text` (its label by default)."""
    if collection not in LINKED or not key:
        return Markup("{}").format(text if text is not None else key or "")
    return Markup('<a href="{}">{}</a>').format(record_url(collection, key), text if text is not None else key)


def linked_formatter(path, field, plain):
    """A details-page formatter: references become links to their records; other values as `plain` shows them."""
    if isinstance(field, sf.Ref) and field.collection in LINKED:
        def show(view, context, model, name):
            value = value_at(model, path)
            return record_link(field.collection, value, label_cache(view.store).get(field.collection, value)) if value else ""
    elif isinstance(field, sf.RefList) and field.collection in LINKED:
        def show(view, context, model, name):
            labels = label_cache(view.store)
            return Markup(", ").join(record_link(field.collection, key, labels.get(field.collection, key))
                                     for key in value_at(model, path) or [])
    elif isinstance(field, sf.NestedList):
        def show(view, context, model, name):
            return table_html(field, value_at(model, path) or [], label_cache(view.store), link=record_link)
    else:
        return plain
    return show
