"""WTForms forms generated from the marshmallow schemas.

The form only carries text to the schema: it has no validators of its own (but the
CSRF token), so a field's rules live once, in `schemas/`. Required fields are marked
for the eye and the browser; the schema still decides.
"""
from flask_admin.form.widgets import Select2Widget
from flask_wtf import FlaskForm
from flask_admin.model.fields import InlineFieldList, InlineFormField
from markupsafe import Markup, escape
from wtforms import fields as wtf
from wtforms import validators as wtv
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.form import Form
from wtforms.utils import unset_value

from backoffice.i18n import _l, labelled
from backoffice.references import label_cache
from backoffice.store.app import get_store
from backoffice.subforms import SubformWidget
from schemas import fields as sf

EMPTY_CHOICE = SelectChoice("", "—")


class PlainOptions:
    """Options written directly: WTForms' general attribute writer cost a third of an edit form (50 options)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>')


class Select(PlainOptions, widgets.Select):
    """WTForms' select, with plain options."""


class Select2(PlainOptions, Select2Widget):
    """Flask-Admin's Select2 select, with plain options."""


class SchemaRequired(wtv.InputRequired):
    """Marks a field as required (asterisk, `required` attribute) and leaves the checking to the schema."""

    def __call__(self, form, field):
        return None


class RefField(wtf.SelectField):
    """A select of records of another collection that always offers the record already chosen."""

    def __init__(self, *args, collection, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)
        self.collection = collection

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        _keep_chosen(self, [self.data])


class RefMultipleField(wtf.SelectMultipleField):
    """A multi-select of records of another collection that always offers those already chosen."""

    def __init__(self, *args, collection, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)
        self.collection = collection

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        _keep_chosen(self, self.data or [])


def _keep_chosen(field, keys):
    # The select only offers choosable records (open requests, active providers); a closed
    # request already chosen must still show, or saving the form would silently drop it.
    choices = list(field.choices)
    offered = {choice.value for choice in choices}
    labels = label_cache(get_store())
    choices += [SelectChoice(key, labels.get(field.collection, key)) for key in keys if key and key not in offered]
    # Set as a list: a callable left in place would be read again, without the record already chosen.
    field.choices = choices


def form_class(schema, exclude=(), readonly=(), base=FlaskForm):
    """Build a form class with one field per loadable schema field, in declaration order."""
    attrs = {}
    for name, field in schema.fields.items():
        if field.dump_only or name in exclude:
            continue
        attrs[name] = _form_field(field, readonly=name in readonly, marks_required=True)
    return type(f"{type(schema).__name__}Form", (base,), attrs)


def _form_field(field, readonly=False, marks_required=True):
    metadata = field.metadata
    kwargs = {"label": metadata.get("label", field.name), "description": metadata.get("help")}
    validators = [SchemaRequired()] if field.required and marks_required else []
    render_kw = {}
    if readonly:
        render_kw["readonly"] = True
    if metadata.get("placeholder"):
        render_kw["placeholder"] = metadata["placeholder"]

    if isinstance(field, sf.Nested):
        return InlineFormField(_subform(field.schema), widget=SubformWidget(), **kwargs)
    if isinstance(field, sf.NestedList):
        return InlineFieldList(InlineFormField(_subform(field.inner.schema, in_list=True), widget=SubformWidget()), min_entries=0, **kwargs)
    if isinstance(field, sf.StaffEmail):
        return RefField(choices=_staff_choices, collection="users", widget=Select2(), validators=validators,
                        render_kw=render_kw, **kwargs)
    if isinstance(field, (sf.Ref, sf.RefList)):
        collection = field.collection
        many = isinstance(field, sf.RefList)
        choices = _reference_choices(collection, many)
        if many:
            return RefMultipleField(
                choices=choices,
                collection=collection,
                widget=Select2(multiple=True),
                validators=validators,
                render_kw=render_kw,
                **kwargs,
            )
        return RefField(
            choices=choices, collection=collection, widget=Select2(), validators=validators, render_kw=render_kw, **kwargs
        )
    if isinstance(field, sf.ChoiceList):
        choices = _choices(field.choices)
        return wtf.SelectMultipleField(
            choices=choices, validate_choice=False, widget=Select2(multiple=True), validators=validators, render_kw=render_kw, **kwargs
        )
    if isinstance(field, sf.Choice):
        choices = _choices(field.choices)
        if field.load_default is None or not isinstance(field.load_default, str):
            choices = [EMPTY_CHOICE] + choices
        else:
            kwargs["default"] = field.load_default
        return wtf.SelectField(
            choices=choices, validate_choice=False, widget=Select(), validators=validators, render_kw=render_kw, **kwargs
        )
    if isinstance(field, sf.Boolean):
        if isinstance(field.load_default, bool):
            kwargs["default"] = field.load_default
        return wtf.BooleanField(render_kw=render_kw, **kwargs)
    if isinstance(field, sf.Text) and metadata.get("multiline"):
        # No maxlength: the browser would cut a longer paste without a word. A counter shows the limit
        # (backoffice.js) and the schema refuses a longer text with a message.
        render_kw.update({"data-max-length": metadata["max_length"], "rows": 4})
        return wtf.TextAreaField(validators=validators, render_kw=render_kw, **kwargs)
    if isinstance(field, sf.Text):
        render_kw["data-max-length"] = metadata["max_length"]
    if isinstance(field, sf.Money):
        render_kw.update(inputmode="decimal")
    if isinstance(field, sf.Integer):
        render_kw.update(inputmode="numeric")
    if metadata.get("picker") == "date":
        # A text box with our picker, not the browser's date input: that one shows the browser's language and
        # order (mm/dd/yyyy in an English Chromium), whatever the page's.
        render_kw.update({"data-role": "datepicker", "data-date-format": "DD/MM/YYYY", "inputmode": "numeric",
                          "autocomplete": "off", "placeholder": _l("dd/mm/yyyy")})
        return DayField(validators=validators, render_kw=render_kw, **kwargs)
    if metadata.get("picker") == "datetime":
        # The same for a moment: Flask-Admin's datetime picker (24-hour time), put in the page's language by dates.js.
        render_kw.update({"data-role": "datetimepicker", "data-date-format": "DD/MM/YYYY HH:mm", "inputmode": "numeric",
                          "autocomplete": "off", "placeholder": _l("dd/mm/yyyy hh:mm")})
        return MomentField(validators=validators, render_kw=render_kw, **kwargs)
    if metadata.get("input_type"):
        render_kw["type"] = metadata["input_type"]
    return wtf.StringField(validators=validators, render_kw=render_kw, **kwargs)


class TypedInput(widgets.TextInput):
    """A text input showing what was typed, else the stored value written as a person types it (`shown`)."""

    def __init__(self, shown):
        super().__init__()
        self.shown = shown

    def __call__(self, field, **kwargs):
        if "value" not in kwargs:
            if field.raw_data:
                kwargs["value"] = field.raw_data[0]
            else:
                kwargs["value"] = self.shown(field.data) if field.data is not None else ""
        return super().__call__(field, **kwargs)


class DayField(wtf.StringField):
    """A day typed as dd/mm/yyyy: stored days (yyyy-mm-dd) are shown that way; what was typed is kept as typed."""

    widget = TypedInput(sf.typed_day)


class MomentField(wtf.StringField):
    """A moment typed as dd/mm/yyyy hh:mm: stored ones (2027-03-15T14:30) are shown that way; typed text is kept."""

    widget = TypedInput(sf.typed_moment)


def _subform(schema, in_list=False):
    # Inside a list the template row is part of the page: a `required` there would block saving.
    attrs = {
        name: _form_field(field, marks_required=not in_list)
        for name, field in schema.fields.items()
        if not field.dump_only
    }
    return type(f"{type(schema).__name__}Form", (Form,), attrs)


def _reference_choices(collection, many):
    """Choices read when the form is built, so they follow the database and the language."""

    def choices():
        pairs = _choices(dict(label_cache(get_store()).choices(collection)))
        return pairs if many else [EMPTY_CHOICE] + pairs

    return choices


def _staff_choices():
    """The active staff users (and administrators), by name: whom a file can be assigned to."""
    users = get_store().find("users", {"role": {"$in": ["staff", "admin"]}, "active": True}, projection={"email": 1, "name": 1})
    people = sorted(users, key=lambda doc: (doc.get("name") or doc["email"]).lower())
    return [EMPTY_CHOICE] + [SelectChoice(doc["email"], f"{doc.get('name') or doc['email']} ({doc['email']})") for doc in people]


def _choices(labels):
    """Select options from a {value: label} mapping (labels stay lazy until rendered)."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def schema_input(form):
    """The form's content as schema input: blanks left out, empty list rows dropped, no CSRF token."""
    data = {name: value for name, value in form.data.items() if name != "csrf_token"}
    return _clean(data) or {}


def _clean(value):
    if isinstance(value, dict):
        cleaned = {key: _clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item is not None} or None
    if isinstance(value, list):
        return [item for item in (_clean(item) for item in value) if item is not None]
    if isinstance(value, str):
        return value.strip() or None
    return value


def attach_errors(form, errors):
    """Put the schema's messages next to the fields they concern; return messages with no field."""
    orphans = []
    for name, messages in errors.items():
        if name in form:
            orphans.extend(_attach(form[name], messages))
        else:
            orphans.extend(labelled(name, message) for message in _flatten(messages))
    return orphans


def _attach(field, messages):
    if isinstance(messages, list):
        if isinstance(field, InlineFormField):
            return [str(message) for message in messages]
        field.errors = list(field.errors or []) + [str(message) for message in messages]
        return []
    orphans = []
    for key, nested in messages.items():
        if isinstance(field, InlineFieldList) and str(key).isdigit() and int(key) < len(field.entries):
            orphans.extend(_attach(field.entries[int(key)], nested))
        elif isinstance(field, InlineFormField) and key in field.form:
            orphans.extend(_attach(field.form[key], nested))
        else:
            orphans.extend(_flatten(nested))
    return orphans


def _flatten(messages):
    if isinstance(messages, dict):
        return [text for nested in messages.values() for text in _flatten(nested)]
    return [str(message) for message in messages]

