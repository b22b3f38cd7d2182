"""Sub-forms (a request's organisation, contact, eligibility…) rendered through one template module.

Flask-Admin's `InlineFormField` renders each sub-form by rendering a template
(`admin/model/inline_form.html`), which imports `admin/lib.html` with its context again:
a fifth of an edit form's time went there. `SubformWidget` writes the same HTML through a
macro of `admin/model/subform.html`, whose module is made once per app and template
version: the module holds only macros and what Flask-Admin's widget gives every sub-form
(its `_gettext`, `_ngettext` and `h`), nothing of a request.
"""
from flask import current_app
from flask_admin import helpers
from flask_admin.babel import gettext, ngettext
from markupsafe import Markup

TEMPLATE = "admin/model/subform.html"


class SubformWidget:
    """Renders an `InlineFormField` as Flask-Admin's `InlineFormWidget` does, without a template render per field."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("form_opts", getattr(field, "form_opts", None))
        return Markup(_module().inline_form(field, form_opts=kwargs["form_opts"]))


def _module():
    # get_template answers from the environment's cache (and reloads a changed file where the app
    # asks for it): the module is made again only for a new Template object.
    template = current_app.jinja_env.get_template(TEMPLATE)
    made = current_app.extensions.setdefault("backoffice_subform_module", {})
    module = made.get(id(template))
    if module is None or module[0] is not template:
        made.clear()
        module = made[id(template)] = (template, template.make_module({"_gettext": gettext, "_ngettext": ngettext, "h": helpers}))
    return module[1]
