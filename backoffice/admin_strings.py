"""Flask-Admin's own strings that our pages can show, translated in our catalogues.

Flask-Admin ships French and Dutch catalogues of its own ("Editer", "Créer Nouvel
Enregistrement", "Weergave Record"); listing its msgids here puts them in our
messages.pot, so they are translated by us, in the register of the rest of the
interface. `backoffice.i18n` lays our translations over Flask-Admin's catalogue, so its
templates and its Python code (flash messages, row action titles, filter operations)
read ours. Only the strings of the model views are here: the file and Redis views are
not used.
"""
from schemas.translation import lazy_gettext as _l, ngettext

ADMIN_STRINGS = (
    _l("Add"), _l("Add Filter"), _l("Already exists."), _l("Apply"),
    _l("Are you sure you want to delete selected records?"),
    _l("Are you sure you want to delete this record?"),
    _l("Cancel"), _l("Create"), _l("Create New Record"), _l("Delete"), _l("Delete Record"), _l("Delete?"),
    _l("Deletion is disabled."), _l("Details"), _l("Edit"), _l("Edit Record"), _l("Export"),
    _l('Export type "%(type)s" is not supported.'),
    _l("Failed to create record."), _l("Failed to create record. %(error)s"),
    _l("Failed to delete record. %(error)s"), _l("Failed to delete records. %(error)s"),
    _l("Failed to save record."), _l("Failed to update record. %(error)s"),
    _l("Filter"), _l("Home"), _l("Invalid Choice: could not coerce"), _l("Invalid Filter Value: %(value)s"),
    _l("Invalid JSON"), _l("Invalid time format"), _l("List"), _l("New"), _l("No"), _l("Not a valid choice"),
    _l("Permission denied."), _l("Please select at least one record."), _l("Please select model"),
    _l("Record does not exist."), _l("Record was successfully created."), _l("Record was successfully saved."),
    _l("Reset Filters"), _l("Save"), _l("Save and Add Another"), _l("Save and Continue Editing"), _l("Search"),
    _l("Select all records"), _l("Select record"), _l("Sort by %(name)s"), _l("There are no items in the table."),
    _l("This field requires at least one item."), _l("View Record"), _l("With selected"), _l("Yes"),
    _l("between"), _l("contains"), _l("empty"), _l("equals"), _l("greater than"), _l("in list"), _l("items"),
    _l("not between"), _l("not contains"), _l("not equal"), _l("not in list"), _l("smaller than"),
)



def bulk_delete_message(count):
    """Flask-Admin's message after a bulk delete (its one plural string), in our words."""
    return ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", count, count=count)
