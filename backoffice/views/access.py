"""Who may open a view's pages, through Flask-Admin's public access hooks.

Flask-Admin asks `is_accessible()` before every method of a view (and to show its menu
entry) and answers a refusal with `inaccessible_callback()`. Reading a view needs one of
its `read_roles`; its methods named in `write_views` (those that change data) need one of
its `write_roles`, refused on the server whatever the page showed.
"""
from flask import abort, has_request_context, request

from backoffice.auth import allowed, require


class RoleGuard:
    """A view's access by role: signed out, the sign-in page; signed in without the role, a 403 page."""

    read_roles = ()
    write_roles = ()
    write_views = frozenset()

    def is_accessible(self):
        """True when the signed-in user may read the view, and write if the request is one of its writing methods."""
        if not allowed(self.read_roles):
            return False
        return not self.writing() or allowed(self.write_roles)

    def writing(self):
        """True when the current request is one of this view's methods that change data."""
        if not has_request_context() or not request.endpoint:
            return False
        view, _, method = request.endpoint.rpartition(".")
        return view == self.endpoint and method in self.write_views

    def inaccessible_callback(self, name, **kwargs):
        """Signed out: to the sign-in page (and back here after it); otherwise a 403 page."""
        return require(self.read_roles) or abort(403)
