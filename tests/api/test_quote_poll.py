"""Polling a quote: the outbox is consulted only while the quote can still be waiting for it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orders import services
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def polled(buyer):
    load_demo_catalog()
    client = APIClient()
    client.force_login(buyer)
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="KRW"))

    def poll() -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/quotes/{quote.pk}/")
        assert response.status_code == 200
        return response.json(), sum('"core_outboxmessage"' in q["sql"] for q in ctx.captured_queries)

    return quote, poll


def test_a_queued_quote_says_whether_its_task_was_dispatched(polled):
    _quote, poll = polled
    body, outbox_queries = poll()
    assert body["status"] == "queued" and body["dispatch"] in {"dispatched", "deferred"}
    assert outbox_queries == 1


def test_polling_a_ready_quote_does_not_read_the_outbox(polled):
    quote, poll = polled
    services.quote_generate(quote_id=quote.pk)
    body, outbox_queries = poll()
    assert body["status"] == "ready" and body["dispatch"] == "dispatched"
    assert outbox_queries == 0
