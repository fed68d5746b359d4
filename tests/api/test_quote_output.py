"""The quote's API answer: fields bound once per class give DRF's own answer, field by field."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from core.api.serializers import FieldsBoundOnce
from orders import services
from orders.api.serializers import QuoteOutput
from orders.models import Quote
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


def _drf_answer(monkeypatch, quote: Quote, context: dict) -> dict:
    """What DRF's generic serializer answers for the same quote and context (the oracle)."""
    with monkeypatch.context() as patch:
        patch.setattr(FieldsBoundOnce, "to_representation", serializers.Serializer.to_representation)
        return dict(QuoteOutput(quote, context=context).data)


@pytest.fixture
def quotes(buyer, settings):
    """Quotes in every state the answer distinguishes."""
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    organization = buyer.membership.organization
    config = family_configuration(organization, user=buyer)

    def request(currency: str = "KRW", **kwargs) -> Quote:
        quote, _ = services.quote_request(organization=organization, user=buyer,
                                          request=services.QuoteRequest(configuration_id=config.pk,
                                                                        currency=currency, **kwargs))
        return quote

    queued = request()
    ready = services.quote_generate(quote_id=request(currency="USD").pk)
    pending = services.quote_generate(quote_id=request(annual_price_down_pct=Decimal("9.5")).pk)
    failed = services.quote_fail(quote_id=request().pk, reason="pricing failed at tiers: none")
    with_document = services.quote_generate(quote_id=request().pk)
    Quote.objects.filter(pk=with_document.pk).update(document=f"quotes/{with_document.number}-v1.pdf")
    assert pending.approval_pending and ready.status == "ready" and failed.status == "failed"
    return [Quote.objects.get(pk=q.pk) for q in (queued, ready, pending, failed, with_document)]


@pytest.mark.parametrize("context", [{}, {"dispatch": "deferred"}])
def test_the_answer_is_drfs_own_for_every_state(quotes, monkeypatch, context):
    for quote in quotes:
        ours = dict(QuoteOutput(quote, context=context).data)
        assert ours == _drf_answer(monkeypatch, quote, context), quote.status
        assert list(ours) == list(_drf_answer(monkeypatch, quote, context))  # the same order too
    pending = quotes[2]
    assert QuoteOutput(pending).data["total"] is None and QuoteOutput(pending).data["parts"] == []


def test_a_list_answers_each_quote_like_a_single_one(quotes):
    many = QuoteOutput(quotes, many=True, context={"dispatch": "deferred"}).data
    assert [dict(d) for d in many] == [dict(QuoteOutput(q, context={"dispatch": "deferred"}).data)
                                       for q in quotes]


def test_fields_are_not_copied_for_each_quote(quotes, monkeypatch):
    assert QuoteOutput(quotes[1]).data["status"] == "ready"  # the class's fields, bound once

    def copied(self):
        raise AssertionError("the declared fields were copied for this serializer")

    monkeypatch.setattr(serializers.Serializer, "fields", property(copied))
    assert QuoteOutput(quotes[1]).data["status"] == "ready"


def test_a_field_that_may_read_its_context_is_refused():
    class Linked(FieldsBoundOnce):
        id = serializers.IntegerField()
        url = serializers.HyperlinkedIdentityField(view_name="quote-detail")

    with pytest.raises(TypeError, match=r"Linked\.url: HyperlinkedIdentityField"):
        _ = Linked(object()).data
