"""PATCH validates each schedule year and line whole, as the docs say (no 500 on a missing field)."""

import pytest

from configurator.models import Configuration
from tests.api.test_configurations import family_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def config_url(partner_client):
    from tests.factories import load_demo_catalog

    load_demo_catalog()
    created = partner_client.post("/api/v1/configurations/", family_body(), format="json")
    assert created.status_code == 201, created.json()
    return f"/api/v1/configurations/{created.json()['id']}/"


@pytest.mark.parametrize(("body", "field"), [
    ({"schedule": [{"year": 2028}]}, "schedule[0].kits"),
    ({"lines": [{"slot": "magnet"}]}, "lines[0].sku"),
])
def test_a_patch_with_an_incomplete_item_is_400_naming_it(partner_client, config_url, body, field):
    before = partner_client.get(config_url).json()
    response = partner_client.patch(config_url, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    after = partner_client.get(config_url).json()
    assert (after["schedule"], after["lines"]) == (before["schedule"], before["lines"])
    assert Configuration.objects.count() == 1


def test_a_patch_of_one_field_leaves_the_others(partner_client, config_url):
    lines = partner_client.get(config_url).json()["lines"]
    response = partner_client.patch(config_url, {"name": "renamed"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "renamed"
    assert response.json()["lines"] == lines
