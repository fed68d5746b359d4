"""Two staff adding an organization's last webhook endpoint at once, in the admin (PostgreSQL).

The admin form counted the endpoints without a lock: both saw 9 of 10, and the second one's
save found 10 under the service's lock and raised — a 500 instead of the form's error.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client

from core.models import Organization
from orders import webhooks
from orders.models import WebhookEndpoint
from tests.integration.test_import_accept_locks import _waiting_on_a_lock
from tests.workers import wait_for

pytestmark = pytest.mark.postgres

ADD = f"/{django_settings.COREKIT_ADMIN_PATH}orders/webhookendpoint/add/"


def test_staff_adding_the_last_endpoint_at_once_get_the_forms_error(transactional_db, admin_user, make_org,
                                                                     settings, fake_dns):
    settings.COREKIT_WEBHOOKS_PER_ORGANIZATION = 2
    organization = make_org()
    webhooks.webhook_create(organization=organization, url="https://erp.example/1")
    held, release = threading.Event(), threading.Event()
    answers: list = []

    def another_admin_adding_the_last_one():  # holds the organization, then adds the 2nd
        try:
            with transaction.atomic():
                Organization.objects.select_for_update().filter(pk=organization.pk).first()
                held.set()
                release.wait(30)
                WebhookEndpoint.objects.create(organization=organization, url="https://erp.example/2",
                                               events=[], secret="s" * 32)
        finally:
            connection.close()

    def this_admin():
        client = Client()
        client.force_login(admin_user)
        try:
            answers.append(client.post(ADD, {"organization": organization.pk,
                                             "url": "https://erp.example/3", "active": "on"}))
        except Exception as exc:  # the test client re-raises a view's exception (a 500)
            answers.append(exc)
        finally:
            connection.close()

    other = threading.Thread(target=another_admin_adding_the_last_one, daemon=True)
    other.start()
    assert held.wait(10)
    mine = threading.Thread(target=this_admin, daemon=True)
    mine.start()
    wait_for(_waiting_on_a_lock, timeout=10, what="the admin's save to wait for the organization")
    release.set()
    for thread in (other, mine):
        thread.join(60)

    [answer] = answers
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 200 and "at most 2 webhook endpoints" in answer.content.decode()
    assert WebhookEndpoint.objects.filter(organization=organization).count() == 2


def test_a_registration_under_way_does_not_hold_up_the_organizations_other_writes(transactional_db, make_org):
    """The count's lock (FOR UPDATE) also blocked every insert referring to the organization
    — its quotes, configurations, API keys — for as long as the registration took, a URL
    check's DNS lookup included."""
    from core.services import api_key_create

    organization = make_org()
    held, release = threading.Event(), threading.Event()

    def registering():
        try:
            with transaction.atomic():
                webhooks.webhook_room_check(organization, locked=True)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=registering, daemon=True)
    thread.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            key = api_key_create(organization=organization, name="ERP")  # a row referring to it
        assert key.raw_key
    finally:
        release.set()
        thread.join(30)
