"""Webhook endpoints: the one place that creates, changes and deletes them.

The API, the admin (and any page) call these functions, so every endpoint gets the
same checks: the URL passes the SSRF guard (core.ssrf) — http(s) only, no credentials,
only public addresses unless allow-listed — and the signing secret is generated here,
never typed by a person.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction

from core import ssrf
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Organization
from orders.models import WebhookEndpoint

URL_MAX_LENGTH = 500


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def webhook_url_check(url: str, *, resolver: ssrf.Resolver | None = None) -> str:
    """The URL as it will be stored, or ValidationFailed on the `url` field with the reason."""
    url = (url or "").strip()
    if not url:
        raise ValidationFailed("url: a URL is required", fields={"url": ["a URL is required"]})
    if len(url) > URL_MAX_LENGTH:
        message = f"at most {URL_MAX_LENGTH} characters"
        raise ValidationFailed(f"url: {message}", fields={"url": [message]})
    try:
        ssrf.check_url(url, resolver=resolver)
    except ssrf.UnsafeURL as exc:
        raise ValidationFailed(f"url: {exc}", code="webhook_url_refused", fields={"url": [str(exc)]}) from exc
    return url


def _events(events) -> list[str]:
    events = list(dict.fromkeys(events or ()))
    unknown = [e for e in events if e not in WebhookEndpoint.EVENTS]
    if unknown:
        message = f"unknown events {', '.join(map(str, unknown))}; one of {', '.join(WebhookEndpoint.EVENTS)}"
        raise ValidationFailed(f"events: {message}", fields={"events": [message]})
    return events


def webhook_create(*, organization, url: str, events=(), active: bool = True,
                   resolver: ssrf.Resolver | None = None) -> WebhookEndpoint:
    """Register an endpoint with a generated secret (returned on the object: show it once)."""
    url = webhook_url_check(url, resolver=resolver)
    with transaction.atomic():
        webhook_room_check(organization, locked=True)
        return WebhookEndpoint.objects.create(
            organization=organization, url=url, events=_events(events), active=active,
            secret=new_secret(),
        )


def webhook_room_check(organization, *, locked: bool = False) -> None:
    """Every event is POSTed to each of an organization's endpoints by the shared workers
    (up to COREKIT_WEBHOOK_TIMEOUT_S an attempt): unlimited endpoints let one customer
    hold every worker, and everyone's quotes wait (300 were accepted, 300 deliveries a quote).

    `locked`: count under the organization's row lock, so that registrations of one
    organization are counted one at a time (inside the caller's transaction, which holds
    the lock until the endpoint is created)."""
    if locked:
        # NO KEY: registrations wait for each other, while the organization's new quotes and
        # configurations (whose foreign keys take a KEY SHARE lock on it) do not wait for a
        # registration, nor for the URL check it may still make.
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    limit = settings.COREKIT_WEBHOOKS_PER_ORGANIZATION
    if WebhookEndpoint.objects.filter(organization=organization).count() >= limit:
        raise Conflict(f"an organization may register at most {limit} webhook endpoints: delete one "
                       "first (one endpoint may receive every event)", code="webhook_limit")


def webhook_update(*, endpoint: WebhookEndpoint, url: str | None = None, events=None,
                   active: bool | None = None,
                   resolver: ssrf.Resolver | None = None) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        fields = []
        if url is not None and url != endpoint.url:
            endpoint.url = webhook_url_check(url, resolver=resolver)
            fields.append("url")
        if events is not None:
            endpoint.events = _events(events)
            fields.append("events")
        if active is not None:
            endpoint.active = bool(active)
            fields.append("active")
        if fields:
            endpoint.save(update_fields=fields)
    return endpoint


def webhook_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new generated secret; deliveries from now on are signed with it."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def webhook_delete(*, organization, pk: int) -> None:
    """Delete one of the organization's endpoints (another organization's answers 404)."""
    deleted, _ = WebhookEndpoint.objects.for_organization(organization).filter(pk=pk).delete()
    if not deleted:
        raise NotFound("no such webhook", code="webhook_not_found")
