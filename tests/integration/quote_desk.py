"""The sales rep's quote desk in the admin tests: its changelist and bulk actions."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

CHANGELIST = "admin:orders_quote_changelist"


def desk_action(client, action, quotes, **extra):
    """Run an admin bulk action on the quote changelist, following the redirect."""
    return client.post(reverse(CHANGELIST), {"action": action,
                                             ACTION_CHECKBOX_NAME: [q.pk for q in quotes], **extra},
                       follow=True)
