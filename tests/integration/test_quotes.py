"""Quote services in-process: request rules, generation, failure and retry, lifecycle, orders."""

from decimal import Decimal

import pytest

from core.errors import Conflict, Unprocessable
from core.models import OutboxMessage
from orders import services
from orders.models import Order, Quote
from parts.models import ExchangeRate
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db
S = Quote.Status


@pytest.fixture
def config(buyer):
    load_demo_catalog()
    return family_configuration(buyer.membership.organization, user=buyer)


def _request(config, buyer, **kw) -> Quote:
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency=kw.pop("currency", "KRW"),
                                      **kw),
    )
    return quote


def _pdf_text(quote) -> str:
    import subprocess

    quote.refresh_from_db()
    return subprocess.run(["pdftotext", quote.document.path, "-"], capture_output=True, text=True,
                          check=True).stdout


def test_request_creates_a_queued_quote_and_an_outbox_message(config, buyer):
    quote = _request(config, buyer, annual_price_down_pct=Decimal("2"))
    assert quote.status == S.QUEUED and quote.number.startswith("Q-") and quote.version == 1
    assert quote.snapshot["lines"][1] == {"slot": "magnet", "sku": "MAG-N48SH-GD-4930-SGI-KR",
                                          "quantity": 16}
    # The quote's one message (the catalog view's publication request may sit beside it).
    message = OutboxMessage.objects.exclude(task="configurator.publish_catalog_view").get()
    assert (message.task, message.kwargs) == ("orders.generate_quote", {"quote_id": quote.pk})


def test_same_idempotency_key_returns_the_same_quote(config, buyer):
    first = _request(config, buyer, idempotency_key="abc-1")
    again = _request(config, buyer, idempotency_key="abc-1")
    other = _request(config, buyer, idempotency_key="abc-2")
    assert first.pk == again.pk != other.pk
    assert Quote.objects.count() == 2


def test_a_configuration_with_errors_is_refused_with_its_violations(buyer):
    load_demo_catalog()
    broken = family_configuration(buyer.membership.organization,
                                  swap={"magnet": "MAG-N45H-D-4930-SGI-KR"})
    with pytest.raises(Unprocessable) as exc:
        _request(broken, buyer)
    assert exc.value.status == 422
    codes = {v["code"] for v in exc.value.extra["validation"]["violations"]}
    assert "MAGNET_TEMP" in codes
    assert Quote.objects.count() == 0


def test_generate_prices_renders_and_is_idempotent(config, buyer, mailoutbox):
    quote = _request(config, buyer)
    ready = services.quote_generate(quote_id=quote.pk)
    assert ready.status == S.READY and ready.attempts == 1
    years = ready.pricing["years"]
    assert [y["year"] for y in years] == [2028, 2029, 2030, 2031, 2032]
    assert ready.total == sum(Decimal(y["amount"]) for y in years)
    assert all(Decimal(y["amount"]) == Decimal(y["amount"]).quantize(Decimal(1)) for y in years)
    assert ready.document.read(4) == b"%PDF"
    assert ready.pricing["compliance_per_year"][0]["compliant"] is True
    # Running it again (a redelivered message) changes nothing.
    again = services.quote_generate(quote_id=quote.pk)
    assert again.attempts == 1 and again.total == ready.total
    assert list(ready.events.values_list("kind", flat=True)) == ["requested", "ready"]


def test_a_pricing_failure_leaves_the_quote_failed_with_a_reason_and_retryable(config, buyer):
    ExchangeRate.objects.filter(to_currency="EUR").delete()
    ExchangeRate.objects.filter(from_currency="EUR").delete()
    quote = _request(config, buyer, currency="EUR")
    failed = services.quote_generate(quote_id=quote.pk)
    assert failed.status == S.FAILED
    assert "pricing failed" in failed.failure_reason and "EUR" in failed.failure_reason
    with pytest.raises(Conflict):
        services.quote_send(quote=failed, user=buyer)
    retried = services.quote_retry(quote=failed, user=buyer)
    assert retried.status == S.QUEUED
    # Still no rate: fails again; with a rate it prices.
    ExchangeRate.objects.create(date="2026-11-01", from_currency="EUR", to_currency="KRW",
                                rate=Decimal("1520.5"))
    ExchangeRate.objects.create(date="2026-11-01", from_currency="EUR", to_currency="USD",
                                rate=Decimal("1.10"))
    assert services.quote_generate(quote_id=quote.pk).status == S.READY


def test_discount_above_threshold_needs_approval_before_send(config, buyer, sales_rep, second_rep):
    quote = services.quote_generate(quote_id=_request(config, buyer).pk)
    v2 = services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("8"))
    assert v2.number == quote.number and v2.version == 2 and v2.approval_required
    v2 = services.quote_generate(quote_id=v2.pk)
    quote.refresh_from_db()
    assert quote.status == S.SUPERSEDED  # superseded by v2, not lapsed
    assert v2.total < quote.total
    with pytest.raises(Conflict, match="approval"):
        services.quote_send(quote=v2, user=sales_rep)
    with pytest.raises(Conflict):
        services.quote_accept(quote=v2, user=buyer, **PLACE_ORDER)
    assert "DRAFT" in _pdf_text(v2)  # issued while the discount awaited approval
    with pytest.raises(Conflict, match="another sales rep approves them"):
        services.quote_approve(quote=v2, user=sales_rep)  # who set the discount
    services.quote_approve(quote=v2, user=second_rep)
    assert OutboxMessage.objects.filter(task="orders.render_quote_document",
                                        kwargs__quote_id=v2.pk).exists()
    assert "DRAFT" not in _pdf_text(services.quote_document_render(quote_id=v2.pk))
    sent = services.quote_send(quote=v2, user=sales_rep)
    assert sent.status == S.SENT
    order, created = services.quote_accept(quote=sent, user=buyer, **PLACE_ORDER)
    assert created and order.total == v2.total


def test_an_accepted_quote_is_not_re_priced(config, buyer, sales_rep):
    """Its order stands: a new version would be a second offer of the same number, and
    accepting it collided with the first order's number (a 500)."""
    quote = services.quote_generate(quote_id=_request(config, buyer).pk)
    order, _ = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    with pytest.raises(Conflict, match="was accepted") as refused:
        services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("2"))
    assert refused.value.code == "quote_accepted"
    assert list(Quote.objects.filter(number=quote.number).values_list("version", "status")) == [
        (1, S.ACCEPTED)]
    assert Order.objects.get() == order


@pytest.mark.parametrize("state", ["queued", "failed"])
def test_a_re_quote_supersedes_a_version_not_yet_priced(config, buyer, sales_rep, state):
    """Not only offered versions: one still queued (or failed, then retried) would become a
    second offer beside the new version, and the buyer could accept the cheaper one."""
    v1 = _request(config, buyer)
    if state == "failed":
        v1 = services.quote_fail(quote_id=v1.pk, reason="no rate")
    v2 = services.quote_requote(quote=v1, user=sales_rep, manual_discount_pct=Decimal("2"))
    v1.refresh_from_db()
    assert v1.status == S.SUPERSEDED
    # Its worker (or a retry) finds it superseded and leaves it.
    assert services.quote_generate(quote_id=v1.pk).status == S.SUPERSEDED
    with pytest.raises(Conflict):
        services.quote_retry(quote=v1, user=sales_rep)
    assert services.quote_generate(quote_id=v2.pk).status == S.READY
    assert list(Quote.objects.filter(number=v1.number).exclude(status=S.SUPERSEDED)
                .values_list("version", flat=True)) == [2]
    with pytest.raises(Conflict):
        services.quote_accept(quote=v1, user=buyer, **PLACE_ORDER)


def test_accept_creates_one_order_with_the_delivery_schedule(config, buyer):
    quote = services.quote_generate(quote_id=_request(config, buyer).pk)
    order, created = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    again, created_again = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    assert created and not created_again and order.pk == again.pk
    assert Order.objects.count() == 1
    assert [(d.year, d.kits) for d in order.deliveries.all()] == [
        (2028, 20000), (2029, 60000), (2030, 100000), (2031, 100000), (2032, 80000)]
    assert sum(d.amount for d in order.deliveries.all()) == order.total == quote.total
    quote.refresh_from_db()
    assert quote.status == S.ACCEPTED


def test_expiry_saves_with_history_and_leaves_a_quote_accepted_meanwhile(config, buyer, monkeypatch):
    import datetime as dt

    from core import clock

    expiring = services.quote_generate(quote_id=_request(config, buyer).pk)
    accepted_meanwhile = services.quote_generate(quote_id=_request(config, buyer).pk)
    later = expiring.valid_until + dt.timedelta(days=1)
    real_locked = services.quote_locked

    def accepted_just_before_the_lock(pk):
        if pk == accepted_meanwhile.pk:  # its acceptance committed after the due list was read
            Quote.objects.filter(pk=pk).update(status=S.ACCEPTED)
        return real_locked(pk)

    monkeypatch.setattr(services, "quote_locked", accepted_just_before_the_lock)
    with clock.frozen(later):
        assert services.quote_expire_due() == 1
    expiring.refresh_from_db()
    accepted_meanwhile.refresh_from_db()
    assert expiring.status == S.EXPIRED and expiring.history.first().status == S.EXPIRED
    assert accepted_meanwhile.status == S.ACCEPTED
    assert not accepted_meanwhile.events.filter(kind="expired").exists()


def test_a_document_rendered_for_a_state_the_quote_has_left_is_not_stored(config, buyer, sales_rep,
                                                                          monkeypatch, settings):
    """An approval's re-render finishing after a re-quote's stored "ready" over "superseded"."""
    settings.COREKIT_QUOTE_RENDER_PDF = True
    quote = services.quote_generate(quote_id=_request(config, buyer, annual_price_down_pct=Decimal("5")).pk)
    nested = []

    def render(context):
        status = context["quote"]["status"]
        if status == S.READY and not nested:  # while the approval's render runs, a re-quote
            nested.append(True)               # supersedes the quote and its render completes
            services.quote_requote(quote=Quote.objects.get(pk=quote.pk), user=sales_rep,
                                   annual_price_down_pct=Decimal("0"))
            services.quote_document_render(quote_id=quote.pk)
        return f"PDF issued as {status}".encode()

    monkeypatch.setattr(services, "render_quote_pdf", render)
    services.quote_approve(quote=quote, user=sales_rep)
    services.quote_document_render(quote_id=quote.pk)  # the approval's render, finishing last
    quote.refresh_from_db()
    assert quote.status == S.SUPERSEDED
    assert quote.document.read() == b"PDF issued as superseded"


def test_a_quote_whose_kit_changed_since_is_not_accepted_until_the_kit_is_as_quoted(config, buyer, client):
    """Accepting it locked the configuration as ordered while it held other parts than the
    order (the buyer swapped the magnet after the quote)."""
    from configurator.models import Configuration

    quote = services.quote_generate(quote_id=_request(config, buyer).pk)
    quoted = config.lines.get(slot="magnet").part.sku
    client.force_login(buyer)
    swapped = client.post(f"/configurations/{config.pk}/choose/",
                          {"slot": "magnet", "sku": "MAG-N45H-D-4930-SGI-KR"})
    assert swapped.status_code == 302 and config.lines.get(slot="magnet").part.sku != quoted
    with pytest.raises(Conflict, match="the kit has changed since") as refused:
        services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    assert refused.value.code == "configuration_changed"
    assert not Order.objects.exists()
    api = client.post(f"/api/v1/quotes/{quote.pk}/accept/",
                      {"po_number": "PO-1", "terms_accepted": True}, content_type="application/json")
    assert api.status_code == 409 and api.json()["error"]["code"] == "configuration_changed"
    # Put back as quoted (a name change is no change to the kit): accepted.
    client.post(f"/configurations/{config.pk}/choose/", {"slot": "magnet", "sku": quoted})
    Configuration.objects.filter(pk=config.pk).update(name="renamed")
    order, created = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    assert created and order.quote == quote


def test_each_failure_after_a_retry_is_notified(config, buyer, mailoutbox):
    """The webhook's event id and the e-mail's once-only record were per quote: a second
    failure (after a retry, with another reason) reached neither the partner nor the buyer."""
    from orders import notifications
    from orders.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(organization=config.organization, url="https://erp.example/h",
                                   secret="s" * 43)
    ExchangeRate.objects.filter(to_currency="EUR").delete()
    ExchangeRate.objects.filter(from_currency="EUR").delete()
    quote = _request(config, buyer, currency="EUR")
    services.quote_generate(quote_id=quote.pk)
    services.quote_retry(quote=Quote.objects.get(pk=quote.pk), user=buyer)
    assert services.quote_generate(quote_id=quote.pk).status == S.FAILED  # still no rate
    for message in OutboxMessage.objects.filter(task="orders.send_quote_email").order_by("id"):
        notifications.quote_email_send(**message.kwargs)  # what the worker runs
    failures = WebhookDelivery.objects.filter(event="quote.failed").order_by("id")
    assert [d.event_id for d in failures] == [f"quote.failed:{quote.pk}:1", f"quote.failed:{quote.pk}:2"]
    assert all("EUR" in d.payload["data"]["failure_reason"] for d in failures)
    assert len(mailoutbox) == 2 and all("EUR" in m.body for m in mailoutbox)
    # A task run twice still sends each once.
    for message in OutboxMessage.objects.filter(task="orders.send_quote_email"):
        notifications.quote_email_send(**message.kwargs)
    assert len(mailoutbox) == 2


def test_a_webhook_task_for_a_deleted_endpoint_finishes(config, buyer):
    """It raised DoesNotExist on every run: its outbox message was published again every
    stale period, twenty times, then left to the operator."""
    from orders import tasks, webhooks
    from orders.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(organization=config.organization,
                                              url="https://erp.example/h", secret="s" * 43)
    services.quote_generate(quote_id=_request(config, buyer).pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    webhooks.webhook_delete(organization=config.organization, pk=endpoint.pk)
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
    assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == "endpoint deleted"


def test_a_quote_past_its_validity_is_neither_sent_nor_approved_before_the_expiry_runs(
        config, buyer, sales_rep):
    import datetime as dt

    from core import clock

    ready = services.quote_generate(quote_id=_request(config, buyer).pk)
    pending = services.quote_generate(quote_id=_request(config, buyer, annual_price_down_pct=Decimal("5")).pk)
    with clock.frozen(ready.valid_until + dt.timedelta(days=1)):  # expiry has not run yet
        for action in (lambda: services.quote_send(quote=ready, user=sales_rep),
                       lambda: services.quote_approve(quote=pending, user=sales_rep)):
            with pytest.raises(Conflict, match="expired on") as refused:
                action()
            assert refused.value.code == "quote_expired"
    assert Quote.objects.get(pk=ready.pk).status == S.READY
    assert Quote.objects.get(pk=pending.pk).approved_at is None
    with clock.frozen(ready.valid_until):  # its last day: still sent
        assert services.quote_send(quote=ready, user=sales_rep).status == S.SENT


def test_saving_a_quotes_change_form_writes_nothing(config, buyer, client, sales_rep):
    """Every field is read-only; a save wrote the whole row back, status included, as loaded."""
    quote = _request(config, buyer)
    client.force_login(sales_rep)
    url = f"/admin/orders/quote/{quote.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "idempotency_fingerprint" not in page.content.decode()
    real_save = Quote.save
    saved = []

    def counted(self, *args, **kwargs):
        saved.append(self.pk)
        return real_save(self, *args, **kwargs)

    Quote.save = counted
    try:
        response = client.post(url, {"idempotency_fingerprint": "tampered", "events-TOTAL_FORMS": "0",
                                     "events-INITIAL_FORMS": "0", "_save": "Save"})
    finally:
        Quote.save = real_save
    assert response.status_code in (200, 302)
    assert saved == []
    assert Quote.objects.get(pk=quote.pk).idempotency_fingerprint != "tampered"


def test_a_quote_whose_pricing_keeps_hitting_a_transient_error_ends_failed_and_retryable(
        config, buyer, monkeypatch):
    """After its retries it stayed "pricing" (the buyer's page: preparing, for ever)."""
    from django.db import OperationalError

    from orders import tasks

    quote = _request(config, buyer)

    def database_trouble(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "quote_generate", database_trouble)
    first = tasks.generate_quote.apply(args=[quote.pk], retries=0, throw=False)
    assert first.failed()
    quote.refresh_from_db()
    assert quote.status == S.FAILED
    assert quote.failure_reason.startswith("pricing could not complete after 6 attempts: OperationalError")
    monkeypatch.undo()
    services.quote_retry(quote=quote, user=buyer)
    assert services.quote_generate(quote_id=quote.pk).status == S.READY
