"""Dotted paths into documents (`contact.email`), as schemas, lists and exports name fields."""
from schemas import fields as sf


def value_at(doc, path):
    """The value at a dotted path of a document, or None when any step is missing."""
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def flat_fields(schema, prefix=""):
    """Every loadable field by dotted path: `contact.email`, and `lots` for lists of sub-documents."""
    flat = {}
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        path = prefix + name
        if isinstance(field, sf.Nested):
            flat.update(flat_fields(field.schema, path + "."))
        else:
            flat[path] = field
    return flat
