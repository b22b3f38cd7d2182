"""Users, for administrators: list, change role or language, deactivate."""
from backoffice import records, users
from backoffice.auth import ADMINS
from backoffice.i18n import _l
from backoffice.views.base import CollectionView
from backoffice.views.filters import ChoiceEqual
from schemas.user import ROLES, UserSchema


class UserView(CollectionView):
    """Users are created with `flask users create` and deactivated here, never deleted (the audit names them)."""

    schema = UserSchema
    read_roles = ADMINS
    write_roles = ADMINS
    allow_create = False
    allow_delete = False
    edit_readonly = ("email",)
    saved_message = _l("User %(name)s saved.")
    column_list = ("email", "name", "role", "language", "active")
    column_sortable_list = ("email", "name", "role")
    column_default_sort = ("email", False)
    column_filters = [ChoiceEqual("role", _l("Role"), ROLES)]

    def update_model(self, form, model):
        """Save the user; refuse to leave no active administrator; a new role or status ends the user's sessions."""
        role, active = form.role.data, bool(form.active.data)
        refusal = users.last_admin_refusal(self.store, model, role, active)
        if refusal:
            self._show_refusal(form, records.SaveRefused({"role": [refusal]}))
            return False
        saved = super().update_model(form, model)
        if saved and (role != model.get("role") or active != model.get("active", True)):
            users.end_sessions(self.store, model["_id"])
        return saved
