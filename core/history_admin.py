"""The admin's history pages: a record to read, never a way to write."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, with its past versions read-only.

    Its version page saves the posted form as the current object ("revert"), and checks
    only the permission to *view* history before it does: a read-only auditor could post a
    past version's form with other values and rewrite a customer's commercial terms, an
    exchange rate or an index value, and a sales rep could bring a superseded or rejected
    quote back to "sent" past the quote's state machine. Every change goes through the
    change form and its service instead, so the version page answers GET only and offers
    no revert button (SIMPLE_HISTORY_REVERT_DISABLED hides it everywhere else)."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
