"""The one admin view every collection view extends: schema-driven forms, lists and details.

Flask-Admin's pymongo view stores `form.data` as is and replaces whole documents;
this view instead loads every save through the schema (`backoffice.records`), edits
only the version the user saw, and shows referenced records by name. It reads and
writes through the store (`backoffice.views.store_list`), never a pymongo collection.
"""
from urllib.parse import urlencode

from flask import abort, current_app, flash, g, get_flashed_messages, redirect, request, url_for
from flask_babel import format_decimal
from flask_admin import babel as admin_babel
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.pymongo import ModelView
from flask_admin.form import rules
from flask_wtf import FlaskForm
from flask_admin.helpers import is_form_submitted
from markupsafe import Markup, escape
from wtforms import HiddenField

from backoffice import audit, exports, imports, records, workbooks
from backoffice.admin_strings import bulk_delete_message
from backoffice.auth import READERS, WRITERS, allowed, current_actor
from backoffice.forms import attach_errors, form_class, schema_input
from backoffice.formatting import moment, table_html, value_text
from backoffice.i18n import _, _l, current_language, ngettext
from backoffice.paths import flat_fields, value_at
from backoffice.references import COLLECTION_NAMES, label_cache, referrer_groups
from backoffice.views.access import RoleGuard
from backoffice.views.arguments import BoundedListArguments
from backoffice.views.filters import TranslatedFilters
from backoffice.views.links import linked_formatter
from backoffice.views.store_list import StoreCollection, StoreListMixin, default_order
from schemas import fields as sf


AUDIT_COLUMNS = ("created_at", "created_by", "updated_at", "updated_by")
# The characters werkzeug leaves unescaped in query strings, so that links read as url_for writes them.
QUERY_SAFE = "!$'()*,/:;?@"


class HiddenFields(rules.BaseRule):
    """For form rule sets: the hidden fields (version, CSRF token) count as shown.

    form.hidden_tag() writes them; without this rule Flask-Admin would drop them from
    any form that lays its fields out with rules.
    """

    visible_fields = ["version", "csrf_token"]

    def __call__(self, form, form_opts=None, field_args=None):
        return ""
# View methods that change data: refused on the server to roles without the right to write.
WRITE_VIEWS = {
    "create_view", "edit_view", "delete_view", "action_view", "ajax_update",
    "move_view", "create_briefing_view", "eligibility_view", "invite_view", "respond_view", "award_view",
    "close_lot_view", "withdraw_view", "upload_file_view", "delete_file_view",
    "import_view", "import_confirm_view",
}


class CollectionView(RoleGuard, TranslatedFilters, StoreListMixin, BoundedListArguments, ModelView):
    """A list, details, create, edit and delete view over one collection, driven by its schema."""

    schema = None
    read_roles = READERS
    write_roles = WRITERS
    write_views = WRITE_VIEWS
    allow_create = True
    allow_delete = True
    # Lists that load records from a CSV or XLSX file with a preview (backoffice.imports).
    allow_import = False
    details_template = "admin/record_details.html"
    can_export = True
    export_types = ["csv", "xlsx"]
    # Fields shown read-only when editing (natural keys), and left out of the create form.
    edit_readonly = ()
    create_excluded = ()
    # Flask-WTF forms: the app-wide CSRFProtect checks their token on every POST.
    form_base_class = FlaskForm
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    details_modal = False
    # What a success message says, naming the record ("Demande REQ-2026-0042 créée."): each view words its own,
    # so that French agrees with the record's gender.
    created_message = _l("Record %(name)s created.")
    saved_message = _l("Record %(name)s saved.")
    deleted_message = _l("Record %(name)s deleted.")
    built_edit_form = None  # the edit form's class (edit_form_class)

    def __init__(self, name, url, **kwargs):
        schema = self.schema()
        self.fields = _flatten_fields(schema)
        shown = dict(self.fields) | {name: schema.fields[name] for name in AUDIT_COLUMNS}
        self.column_labels = {path: field.metadata.get("label", path) for path, field in shown.items()}
        self.column_formatters = {path: _formatter(path, field) for path, field in shown.items()}
        # On a details page, references are links to the records they name.
        self.column_formatters_detail = {
            path: linked_formatter(path, shown[path], formatter) if path in shown else formatter
            for path, formatter in self.column_formatters.items()
        }
        # Multi-line texts keep the lines they were typed with on the details page.
        self.column_formatters_detail.update({path: _keeping_lines(self.column_formatters[path]) for path, field in shown.items()
                                              if isinstance(field, sf.Text) and field.metadata.get("multiline")})
        # Lists read at a glance: lot codes (title on hover), statuses as badges; details pages keep the full text.
        self.column_formatters.update({path: _list_formatter(path, field) for path, field in shown.items()
                                       if _list_formatter(path, field) is not None})
        # Columns a list shows shorter than the details page: the whole text is the cell's tooltip.
        self.shortened_columns = {path for path, field in shown.items()
                                  if isinstance(field, (sf.Ref, sf.RefList)) and field.collection == "lots"}
        if self.column_details_list is None:
            self.column_details_list = list(shown)
        super().__init__(StoreCollection(self.schema.collection), name=name, endpoint=url, url=url, **kwargs)

    # Access ------------------------------------------------------------

    @property
    def can_create(self):
        return self.allow_create and allowed(self.write_roles)

    @property
    def can_edit(self):
        return allowed(self.write_roles)

    @property
    def can_import(self):
        """Whether the user may load this list from a file: the list offers it and the user may write."""
        return self.allow_import and allowed(self.write_roles)

    @property
    def can_delete(self):
        return self.allow_delete and allowed(self.write_roles)

    def is_action_allowed(self, name):
        """Bulk actions all change records: a reader sees none (the server refuses them anyway)."""
        return allowed(self.write_roles) and super().is_action_allowed(name)

    def render(self, template, **kwargs):
        """Pages render as usual, with what our templates add.

        A details page gets the record's history, its workflow actions and its values
        already formatted; a list page its rows' cells and the links of their actions.
        """
        if template == self.details_template and kwargs.get("model") is not None:
            model = kwargs["model"]
            kwargs["history"] = self._history(model)
            kwargs["detail_cells"] = [self.get_detail_value(None, model, name) for name, _label in kwargs.get("details_columns") or []]
            kwargs.update(self.details_extras(model))
        if "list_row_actions" in kwargs:
            kwargs["row_url"] = self._row_urls(kwargs.get("return_url"))
            if not self.column_editable_list:  # cells edited in place keep Flask-Admin's own widgets
                kwargs["list_cells"] = self._list_cells(kwargs.get("data") or [], kwargs.get("list_columns") or [])
                kwargs["list_hovers"] = self._list_hovers(kwargs.get("data") or [], kwargs.get("list_columns") or [])
        return super().render(template, **kwargs)

    def _list_cells(self, rows, columns):
        """Each row's cells as Flask-Admin would show them, formatted in one pass (no formatter of ours needs the template's context)."""
        names = [name for name, _label in columns]
        return [[self.get_list_value(None, row, name) for name in names] for row in rows]

    def _list_hovers(self, rows, columns):
        """Each shortened cell's whole text, as the details page writes it (lots by title, an assignee's address)."""
        names = [name for name, _label in columns]
        shortened = [name if name in self.shortened_columns else None for name in names]
        return [[escape(self.column_formatters_detail[name](self, None, row, name)).striptags() if name else None
                 for name in shortened] for row in rows]

    def _row_urls(self, return_url):
        """The links of a list row's actions, from URLs built once per page.

        Building them with url_for for every row and action was a quarter of a list page.
        """
        bases = {kind: self.get_url(f".{kind}_view") for kind in ("details", "edit", "delete")}
        back = "&" + urlencode({"url": return_url}, safe=QUERY_SAFE) if return_url else ""

        def row_url(kind, row_id=None):
            if row_id is None:
                return bases[kind]
            return f"{bases[kind]}?{urlencode({'id': row_id}, safe=QUERY_SAFE)}{back}"

        return row_url

    def details_extras(self, model):
        """What a details page shows besides the fields and history (views with a workflow add to it)."""
        return {}

    def _history(self, model):
        labels = label_cache(self.store)
        return [
            {
                "when": moment(entry["at"]),
                "actor": entry["actor"],
                "action": audit.action_label(entry["action"]),
                "changes": [audit.describe_change(change, self.fields, labels) for change in entry.get("changes", [])]
                # A file added, downloaded or deleted names the file; a status move gives its comment.
                + audit.detail_lines(entry.get("details")),
            }
            for entry in audit.history(self.store, self.schema.collection, model["_id"])
        ]

    # Success messages --------------------------------------------------

    def record_title(self, model):
        """How success messages name a record: its natural key (a reference, a lot code)."""
        return str(model.get(self.schema.natural_key) or "")

    def after_model_change(self, form, model, is_created):
        """Word the success message after a save: the record's name, linked to its details page."""
        template = self.created_message if is_created else self.saved_message
        link = Markup('<a href="%s">%s</a>') % (self.get_url(".details_view", id=str(model["_id"])), self.record_title(model))
        g.backoffice_success = Markup(escape(str(template))) % {"name": link}

    def after_model_delete(self, model):
        """Word the success message after a delete: the record's name (no link: it is gone)."""
        g.backoffice_success = Markup(escape(str(self.deleted_message))) % {"name": self.record_title(model)}

    def _with_named_success(self, response):
        """Flask-Admin's anonymous "Record was successfully created." replaced by our named message."""
        named = g.pop("backoffice_success", None)
        if named is None:
            return response
        generic = {admin_babel.gettext("Record was successfully created."), admin_babel.gettext("Record was successfully saved."),
                   admin_babel.ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", 1, count=1)}
        kept = [(category, message) for category, message in get_flashed_messages(with_categories=True)
                if not (category == "success" and str(message) in generic)]
        for category, message in kept:
            flash(message, category)
        flash(named, "success")
        return response

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self._with_named_success(super().create_view())

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        return self._with_named_success(super().delete_view())

    # Forms -------------------------------------------------------------

    def scaffold_form(self):
        """The edit form: every loadable field, the natural key read-only, and the version seen."""
        form = form_class(self.schema(), readonly=self.edit_readonly, exclude=self.schema.managed_fields)
        form.version = HiddenField()
        return form

    def get_create_form(self):
        """The create form: like the edit form, without what the system fills in."""
        return form_class(self.schema(), exclude=tuple(self.create_excluded) + self.schema.managed_fields)

    def edit_form(self, obj=None):
        """An edit form filled with the record as its schema presents it."""
        data = records.editable_data(self.schema.collection, obj)
        if current_language() != "en":
            # Amounts read with a decimal comma in French and Dutch (the schema reads both).
            for path, field in self.fields.items():
                parent, _dot, name = path.rpartition(".")
                holder = data.get(parent) if parent else data
                if isinstance(field, sf.Money) and isinstance(holder, dict) and holder.get(name):
                    holder[name] = holder[name].replace(".", ",")
        form = self.edit_form_class()(request.form if request.method == "POST" else None, **data)
        if request.method != "POST":
            form.version.data = str(obj.get("version", ""))
        return form

    def edit_form_class(self):
        """The edit form's class, built once per view (as Flask-Admin builds its own)."""
        if self.built_edit_form is None:
            self.built_edit_form = self.get_edit_form()
        return self.built_edit_form

    def validate_form(self, form):
        """Nothing to check here: CSRFProtect checked the token, the schema checks the content when saving."""
        return is_form_submitted()

    def create_model(self, form):
        """Load the form through the schema and insert it; on refusal show the messages and write nothing."""
        try:
            model = records.create(self.schema.collection, schema_input(form), actor=current_actor())
        except records.SaveRefused as refused:
            self._show_refusal(form, refused)
            return False
        except records.StaleRecord:  # the store could not take this write's turn: nothing was written
            flash(_("Someone else was saving at the same moment; nothing was saved. Please try again."), "error")
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model):
        """Load the form through the schema and save it only over the version the user saw."""
        data = {name: value for name, value in schema_input(form).items() if name != "version"}
        try:
            expected = int(form.version.data) if form.version.data else None
        except ValueError:
            expected = -1
        try:
            records.update(self.schema.collection, model, data, actor=current_actor(), expected_version=expected)
        except records.SaveRefused as refused:
            self._show_refusal(form, refused)
            return False
        except records.StaleRecord:
            reload_url = self.get_url(".edit_view", id=str(model["_id"]))
            flash(
                Markup(escape(_("Someone else changed this record while you were editing it; nothing was saved."))
                       + Markup(' <a href="%s">') % reload_url + escape(_("Reload the current version")) + Markup("</a>")),
                "error",
            )
            return False
        self.after_model_change(form, model, False)
        return True

    def _show_refusal(self, form, refused):
        flash(_("The record was not saved. Please correct the fields marked in red."), "error")
        for message in attach_errors(form, refused.errors):
            flash(message, "error")

    def delete_model(self, model):
        """Delete the record unless others refer to it; then say which."""
        if model is None:  # an id in a bulk delete that names no record
            flash(_("This record does not exist (any more)."), "error")
            return False
        try:
            records.delete(self.schema.collection, model, actor=current_actor())
        except records.DeleteRefused:
            flash(self._refusal_list(model), "error")
            return False
        except records.StaleRecord:
            flash(_("Someone else changed this record meanwhile; it was not deleted."), "error")
            return False
        self.after_model_delete(model)
        return True

    def _refusal_list(self, model):
        """Why a record cannot be deleted: the records that refer to it, grouped by kind, linked, counted."""
        groups = referrer_groups(self.store, self.schema.collection, model)
        total = sum(count for _source, _named, count in groups)
        items = []
        for source, named, count in groups:
            links = Markup(", ").join(
                Markup('<a href="%s">%s</a>') % (url_for(f"{source}.details_view", id=str(record_id)), text)
                for record_id, text in named
            )
            more = count - len(named)
            if more:
                links += Markup(" ") + ngettext("and %(num)d more", "and %(num)d more", more)
            kind = Markup("%s (%s)") % (COLLECTION_NAMES[source], count)
            items.append(Markup("<li>%s</li>") % (Markup(escape(_("%(label)s: %(value)s"))) % {"label": kind, "value": links}))
        heading = ngettext("%(name)s cannot be deleted: %(num)d other record refers to it.",
                           "%(name)s cannot be deleted: %(num)d other records refer to it.", total,
                           name=self.record_title(model))
        return Markup("%s<ul class=\"mb-0\">%s</ul>") % (heading, Markup("").join(items))

    @action("delete", _l("Delete"), _l("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Delete the selected records; say how many were deleted only when some were (refusals say why)."""
        deleted = sum(1 for pk in ids if self.delete_model(self.get_one(pk)))  # an unknown id: delete_model says so
        g.pop("backoffice_success", None)  # one message for the batch, not one per record
        if deleted:
            flash(bulk_delete_message(deleted), "success")

    # Lists ------------------------------------------------------------

    def scaffold_list_columns(self):
        return [path for path in self.fields if "." not in path]

    def init_search(self):
        """Search is on when the schema names searchable fields."""
        return bool(self.schema.search_fields)

    def search_placeholder(self):
        return _("Search (accents and case ignored)")

    def get_list(self, page, sort_column, sort_desc, search_term, filters, execute=True, page_size=None):
        """One page of records (one `store.page`), with one query per referenced collection to name them."""
        count, rows = super().get_list(page, sort_column, sort_desc, search_term, filters, execute, page_size)
        if execute:
            self._prefetch_labels(rows, self.column_list or self.scaffold_list_columns())
        return count, rows

    def _query(self, search_term, filters):
        """The list's filters as one store filter (the search words go to the store as prefixes)."""
        return self.list_filter(search_term, filters)

    def list_sort(self, sort_column, sort_desc):
        """The column clicked, else the view's default order; the store breaks ties by `_id`."""
        return list_sort(self.schema, [(sort_column, sort_desc)] if self.sortable(sort_column) else default_order(self))

    _sort = list_sort

    def list_projection(self):
        """The top-level fields of the list's columns, and the version (for bulk actions)."""
        columns = self.column_list or self.scaffold_list_columns()
        return {column.split(".")[0]: 1 for column in columns} | {"version": 1}

    def _prefetch_labels(self, rows, columns):
        label_cache(self.store).prefetch_documents(rows, {column: self.fields.get(column) for column in columns})

    @expose("/key/")
    def by_key_view(self):
        """The details page of the record with this natural key: how links between records open it."""
        key = request.args.get("key", "")
        natural_key = self.schema.natural_key
        doc = self.store.find_one(self.schema.collection, {natural_key: key}, {"_id": 1}) if key and natural_key else None
        if doc is None:
            abort(404)
        return redirect(self.get_url(".details_view", id=str(doc["_id"])))

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """The list's records, with its current search, filters and sort, as a streamed CSV (`?sep=,`) or a workbook."""
        if export_type not in ("csv", "xlsx"):
            abort(404)
        view_args = self.list_arguments()
        # The filters go to the store as a filter, the words searched as prefixes (a search of signs only finds nothing).
        query = self._query(view_args.search, view_args.filters)
        typed = self.list_search(view_args.search)
        sort_column = self._sort_column(view_args.sort)
        sort = self._sort(sort_column[0] if sort_column else None, view_args.sort_desc)
        audit.record(
            self.store,
            "export",
            current_actor(),
            self.schema.collection,
            details={
                "format": export_type,
                "search": view_args.search or "",
                "filters": [str(value) for _i, _n, value in view_args.filters or []],
            },
        )
        if export_type == "xlsx":
            info = workbooks.export_info(str(self.name), self._export_details(view_args, sort_column), current_actor())
            name = exports.file_name(self.schema.collection, extension="xlsx")
            return workbooks.xlsx_response(
                lambda target: workbooks.write_list(target, self.store, self.schema.collection, query, sort, info,
                                                    str(self.name), search=typed), name
            )
        delimiter = "," if request.args.get("sep") == "," else ";"
        return exports.csv_response(self.store, self.schema.collection, query, delimiter, sort=sort, search=typed)

    def _sort_column(self, index):
        """The list column (name, label) at a sort index from the URL, or None."""
        columns = self.get_list_columns()
        column = columns[index] if index is not None and 0 <= index < len(columns) else None
        return column if column is not None and self.sortable(column[0]) else None

    # Imports ------------------------------------------------------------

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        """Upload a CSV or XLSX file and see, record by record, what importing it would do."""
        if not self.can_import:
            abort(404)
        if request.method == "GET":
            return self.render("admin/import.html", preview=None, problem=None, token=None, limits=self._import_limits())
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self.render("admin/import.html", preview=None, problem=_("Choose a file to import."), token=None,
                               limits=self._import_limits())
        # One byte more than allowed is enough to refuse a file that is too large.
        with upload.stream:
            content = upload.stream.read(imports.MAX_BYTES + 1)
        file_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        try:
            result = imports.preview(self.schema.collection, file_name, content, store=self.store)
        except imports.ImportRefused as refused:
            return self.render("admin/import.html", preview=None, problem=str(refused), token=None,
                               limits=self._import_limits())
        token = imports.keep(current_app, self.schema.collection, file_name, content, current_actor()) if result.importable else None
        return self.render("admin/import.html", preview=result, problem=None, token=token, limits=self._import_limits())

    @expose("/import/confirm/", methods=("POST",))
    def import_confirm_view(self):
        """Import the previewed file: every record or none."""
        if not self.can_import:
            abort(404)
        token = request.form.get("token")
        kept = imports.take(current_app, token, self.schema.collection, current_actor())
        if kept is None:
            flash(_("This import is no longer waiting for confirmation; upload the file again."), "error")
            return redirect(self.get_url(".import_view"))
        file_name, content = kept
        try:
            # Checked again as the records stand now: someone may have changed one since the preview.
            result = imports.preview(self.schema.collection, file_name, content, store=self.store)
            counts = imports.apply(result, current_actor(), store=self.store)
        except imports.ImportRefused as refused:
            flash(str(refused), "error")
            return redirect(self.get_url(".import_view"))
        imports.forget(current_app, token)
        flash(_("%(file)s imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.",
                file=file_name, new=counts["new"], changed=counts["changed"], unchanged=counts["unchanged"]), "success")
        return redirect(self.get_url(".index_view"))

    def _import_limits(self):
        return {"megabytes": format_decimal(imports.MAX_BYTES // 2**20), "lines": format_decimal(imports.MAX_LINES)}

    def _export_details(self, view_args, sort_column):
        """The list's search, filters and sort as a person reads them, for the workbook's second sheet."""
        filters = []
        known = self.get_filters() or []
        for index, _name, value in view_args.filters or []:
            flt = known[index]
            options = dict((str(key), str(label)) for key, label in (flt.get_options(self) or []))
            filters.append(f"{flt.name} {flt.operation()} {options.get(str(value), value)}")
        order = ""
        if sort_column:
            direction = _("descending") if view_args.sort_desc else _("ascending")
            order = f"{sort_column[1]} ({direction})"
        return [
            (_("Search"), view_args.search or ""),
            (_("Filters applied"), "; ".join(filters)),
            (_("Sorted by"), order),
        ]

    # Records ----------------------------------------------------------

    @expose("/details/")
    def details_view(self):
        """A record's page; a missing or unknown id is a 404 page (`get_one`), not a jump back to the list."""
        if not request.args.get("id"):
            abort(404)
        return super().details_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """A record's edit form; a missing or unknown id is a 404 page (`get_one`), not a jump back to the list."""
        if not request.args.get("id"):
            abort(404)
        return self._with_named_success(super().edit_view())

    # A record's page and form: an unknown or malformed id is a 404 page, not a jump back to the list.
    RECORD_PAGES = ("details_view", "edit_view")

    def get_one(self, id):
        """The record with this id, its references named; None when there is none (a 404 page for its page or form)."""
        doc = super().get_one(id)
        if doc is None:
            if request.endpoint in {f"{self.endpoint}.{page}" for page in self.RECORD_PAGES}:
                abort(404)
            return None
        self._prefetch_labels([doc], list(self.fields))
        return doc


def list_sort(schema, order):
    """A list's order [(column, descending?)] as a store sort [(column, 1 | -1)] that gives stable pages."""
    sort = [(column, -1 if desc else 1) for column, desc in order]
    if sort and sort[-1][0] in schema.unique_fields:
        return sort  # no two records share the value, and the field's own index serves the sort
    # _id last keeps pages stable when many records share a value (the sort's index ends with it too).
    return sort + [("_id", sort[0][1] if sort else 1)]


def default_list_sort(view_class):
    """The order a collection's list shows when nobody chose one (exports from the command line follow it)."""
    return list_sort(view_class.schema, default_order(view_class))


def _formatter(path, field):
    """A list/details formatter showing the value at `path` as a person reads it."""

    def show(view, context, model, name):
        value = value_at(model, path)
        labels = label_cache(view.store)
        if isinstance(field, sf.NestedList):
            return table_html(field, value or [], labels)
        if isinstance(field, sf.Timestamp):
            return moment(value)
        if isinstance(field, (sf.Choice, sf.ChoiceList)) and value is not None and value != []:
            return labels.choice_text(field, value)  # labels translated once per page, not per cell
        return value_text(field, value, labels)

    return show


def _keeping_lines(formatter):
    """A details formatter whose text keeps its line breaks (escaped, in a block that shows them)."""

    def show(view, context, model, name):
        text = formatter(view, context, model, name)
        return Markup('<div class="keep-lines">%s</div>') % text if text else ""

    return show


def _list_formatter(path, field):
    """A list cell shorter than the details page's, or None to show the same: lots by code, statuses as badges."""
    if isinstance(field, (sf.Ref, sf.RefList)) and field.collection == "lots":
        def lot_codes(view, context, model, name):
            codes = value_at(model, path)
            codes = codes if isinstance(codes, list) else [codes] if codes else []
            labels = label_cache(view.store)
            return Markup(", ").join(
                Markup('<abbr title="%s">%s</abbr>') % (labels.get("lots", code), code) for code in codes
            )

        return lot_codes
    if isinstance(field, sf.Choice) and not isinstance(field, sf.ChoiceList) and path.rpartition(".")[2] == "status":
        def badge(view, context, model, name):
            value = value_at(model, path)
            if value is None:
                return ""
            text = label_cache(view.store).choice_text(field, value)
            return Markup('<span class="badge status-badge status-%s">%s</span>') % (value, text)

        return badge
    return None


# Every loadable field by dotted path (moved to backoffice.paths; the name stays for bench/stock.py).
_flatten_fields = flat_fields
