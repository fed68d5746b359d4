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


@pytest.fixture
def auditor(make_user, make_org):
    """A member of the read-only audit group: staff, may view, may change nothing."""
    from django.contrib.auth.models import Group

    from core.services import AUDIT_GROUP, staff_groups_ensure

    staff_groups_ensure()
    user = make_user("auditor", org=make_org("corekit", "internal"), role="buyer")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=AUDIT_GROUP))
    return user
