"""Users, for administrators: list, change role or language, deactivate."""
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
    column_list = ("email", "name", "role", "language", "active")
    column_sortable_list = ("email", "name", "role")
    column_default_sort = ("email", False)
    column_filters = [ChoiceEqual("role", _l("Role"), ROLES)]
