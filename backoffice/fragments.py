"""Parts of pages written once and kept: the main menu, the details pages' field labels.

The menu is the same for every page of one view, for one role, in one language: which
entries a user sees depends only on their role (every view's `is_accessible` asks
`auth.allowed(roles)`), which one is marked current only on the view, and the labels
only on the language. Rendering it through Flask-Admin's macro took a sixth of a details
page. Kept per process, keyed by all of those and the script root its links start with;
a changed role or language takes another key, so nothing stale is ever shown.

The frame's fixed parts (its style sheets, its scripts and the texts the page's scripts
read from `<body>`) depend only on the view and the language: kept the same way.
"""
from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup, escape

from backoffice.i18n import current_language


def cached_menu(admin_view, part="menu", caller=None):
    """`{% call cached_menu(admin_view) %}{{ layout.menu() }}{% endcall %}`: the menu (or its links, `part="links"`), rendered once per key."""
    role = current_user.role if current_user.is_authenticated else None
    return _kept("backoffice_menus", (part, role, admin_view.endpoint, id(admin_view)), caller)


def cached_frame(admin_view, part, caller=None):
    """`{% call cached_frame(admin_view, "scripts") %}...{% endcall %}`: a fixed part of the page's frame, rendered once per view and language."""
    return _kept("backoffice_frames", (part, admin_view.endpoint, id(admin_view)), caller)


def _kept(kind, key, caller):
    # Every kept fragment's links start with the script root and its words are in the page's language.
    key = (*key, request.script_root, current_language())
    kept = current_app.extensions.setdefault(kind, {})
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(caller())
    return html


def column_labels(admin_view, columns):
    """The labels of a details page's (name, label) columns as text in the current language, translated once per language.

    The labels are the schema's, fixed for the life of the view: translating the 26 of a
    request one by one, on every page, was a tenth of its template's time.
    """
    key = (admin_view.endpoint, id(admin_view), current_language(), tuple(name for name, _label in columns))
    kept = current_app.extensions.setdefault("backoffice_column_labels", {})
    labels = kept.get(key)
    if labels is None:
        labels = kept[key] = [escape(label) for _name, label in columns]  # as the template wrote each one
    return labels


def init_app(app):
    """Offer the fragments to the templates."""
    app.jinja_env.globals["cached_menu"] = cached_menu
    app.jinja_env.globals["cached_frame"] = cached_frame
    app.jinja_env.globals["column_labels"] = column_labels
