"""Dotted paths into documents (`contact.email`), as schemas, lists and exports name fields."""


def value_at(doc, path):
    """The value at a dotted path of a document, or None when any step is missing."""
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
