"""The forms' selects write exactly what WTForms and Flask-Admin would, only faster."""
from flask_admin.form.widgets import Select2Widget
from hypothesis import given
from hypothesis import strategies as st
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select as WTFormsSelect

from backoffice.forms import Select, Select2

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
choices = st.lists(st.tuples(texts, texts), min_size=1, max_size=8, unique_by=lambda pair: pair[0]).map(
    lambda pairs: [SelectChoice(value, label) for value, label in pairs]
)


@given(choices, st.data())
def test_a_select_writes_what_wtforms_writes(pairs, data):
    chosen = data.draw(st.sampled_from([choice.value for choice in pairs]))

    class Ours(Form):
        field = SelectField(choices=pairs, widget=Select(), validate_choice=False)

    class Theirs(Form):
        field = SelectField(choices=pairs, widget=WTFormsSelect(), validate_choice=False)

    assert str(Ours(field=chosen).field()) == str(Theirs(field=chosen).field())


@given(choices, st.data())
def test_a_select2_multiple_writes_what_flask_admin_writes(pairs, data):
    chosen = data.draw(st.lists(st.sampled_from([choice.value for choice in pairs]), unique=True))

    class Ours(Form):
        field = SelectMultipleField(choices=pairs, widget=Select2(multiple=True), validate_choice=False)

    class Theirs(Form):
        field = SelectMultipleField(choices=pairs, widget=Select2Widget(multiple=True), validate_choice=False)

    assert str(Ours(field=chosen).field(class_="form-control")) == str(Theirs(field=chosen).field(class_="form-control"))


def test_options_with_attributes_or_values_that_are_not_text_take_wtforms_own_way():
    special = [SelectChoice("a", "A", render_kw={"disabled": True}), SelectChoice(True, "Yes"), SelectChoice(3, "Three")]

    class Ours(Form):
        field = SelectField(choices=special, widget=Select(), validate_choice=False)

    class Theirs(Form):
        field = SelectField(choices=special, widget=WTFormsSelect(), validate_choice=False)

    html = str(Ours(field="a").field())
    assert html == str(Theirs(field="a").field())
    assert '<option disabled selected value="a">A</option>' in html and 'value="True"' in html
