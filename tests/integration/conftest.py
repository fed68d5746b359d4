"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from orders import services
from tests.factories import family_configuration, load_demo_catalog


@pytest.fixture
def desk(client, sales_rep, buyer):
    """A sales rep signed in to the admin, and a priced quote of the demo family (KRW)."""
    load_demo_catalog()
    client.force_login(sales_rep)
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="KRW"))
    return client, services.quote_generate(quote_id=quote.pk)


@pytest.fixture
def web(client, buyer):
    """A buyer signed in to the web app, with the demo catalog loaded."""
    load_demo_catalog()
    client.force_login(buyer)
    return client


@pytest.fixture
def buyer_api(buyer):
    """A buyer signed in to the API (`/api/v1/`), with the demo catalog loaded."""
    from rest_framework.test import APIClient

    load_demo_catalog()
    client = APIClient()
    client.force_login(buyer)
    return client
