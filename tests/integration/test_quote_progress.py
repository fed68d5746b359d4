"""The buyer's quote page shows the worker's real step and the elapsed time, not a fixed bar."""

import datetime as dt
import re

import pytest

from core import clock
from orders import services
from orders.models import Quote
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db
S = Quote.Status


@pytest.fixture
def quote(buyer):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="EUR"),
    )
    return quote


@pytest.fixture
def web(client, buyer):
    client.force_login(buyer)
    return client


def _steps(html: str) -> dict[str, str]:
    return {key: state for state, key in re.findall(r'class="quote-step (\w+)" data-step="(\w+)"', html)}


def test_a_queued_quote_shows_queued_as_the_current_step_with_elapsed_time(web, quote):
    Quote.objects.filter(pk=quote.pk).update(created_at=clock.now() - dt.timedelta(seconds=75))
    html = web.get(f"/quotes/{quote.pk}/status/").content.decode()
    assert _steps(html) == {"queued": "current", "pricing": "pending", "rendering": "pending",
                            "ready": "pending"}
    assert 'aria-current="step"' in html and "Now: <b>Queued</b>" in html
    assert re.search(r'id="quote-elapsed">1 min 1\d s<', html)
    assert 'aria-valuenow="60"' not in html and 'aria-valuenow="20"' not in html


def test_the_worker_records_pricing_then_rendering_and_the_page_follows(web, quote, monkeypatch):
    seen = {}
    real_render = services.render_quote_pdf

    def watching_render(context):
        # Called by the worker while it renders: what does the buyer see at this moment?
        seen["step"] = Quote.objects.get(pk=quote.pk).progress_step
        seen["html"] = web.get(f"/quotes/{quote.pk}/status/").content.decode()
        return real_render(context)

    monkeypatch.setattr(services, "render_quote_pdf", watching_render)
    services.quote_generate(quote_id=quote.pk)

    assert seen["step"] == "rendering"
    assert _steps(seen["html"]) == {"queued": "done", "pricing": "done", "rendering": "current",
                                    "ready": "pending"}
    assert "Now: <b>Rendering the document</b>" in seen["html"]
    done = web.get(f"/quotes/{quote.pk}/status/").content.decode()
    assert 'id="quote-total"' in done  # the panel swapped itself for the result


def test_a_failed_quote_shows_the_step_it_failed_at_and_its_reason(web, quote):
    Quote.objects.filter(pk=quote.pk).update(status=S.PRICING, progress_step="pricing",
                                             step_started_at=clock.now())
    services.quote_fail(quote_id=quote.pk, reason="pricing failed at tiers: no tier for 10 kits")
    html = web.get(f"/quotes/{quote.pk}/").content.decode()
    assert "pricing failed at tiers: no tier for 10 kits" in html
    assert _steps(html) == {"queued": "done", "pricing": "failed", "rendering": "pending",
                            "ready": "pending"}
    assert "Stopped at" in html


def test_a_retried_quote_goes_back_to_queued(quote):
    Quote.objects.filter(pk=quote.pk).update(status=S.FAILED, progress_step="rendering")
    services.quote_retry(quote=Quote.objects.get(pk=quote.pk))
    assert Quote.objects.get(pk=quote.pk).progress_step == "queued"
