"""Quotes (versioned, frozen snapshots), orders (exactly one per quote), webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.history import history_user
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT, Organization, OrganizationOwnedQuerySet
from parts.models import CURRENCY_CHOICES

IDEMPOTENCY_KEY_MAX_LENGTH = 200
PO_NUMBER_MAX_LENGTH = 64


class Quote(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PRICING = "pricing", "Pricing"
        READY = "ready", "Ready"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        # A later version of the same quote number replaced it (not the same as lapsing).
        SUPERSEDED = "superseded", "Superseded"
        FAILED = "failed", "Failed"

    class Step(models.TextChoices):
        """Where the worker is while the quote is open (and where it stopped if it failed)."""

        QUEUED = "queued", "Queued"
        PRICING = "pricing", "Checking the configuration and pricing every year"
        RENDERING = "rendering", "Rendering the document"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=20, db_index=True)
    version = models.PositiveIntegerField(default=1)
    configuration = models.ForeignKey(
        "configurator.Configuration", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="quotes",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    failure_reason = models.TextField(blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    annual_price_down_pct = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    manual_discount_pct = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    approval_required = models.BooleanField(default=False)
    # Why sales must approve: the terms that go below the organization's agreement.
    approval_reason = models.CharField(max_length=300, blank=True)
    # The sales rep who set each term of this version that needs approval (in a re-quote; a
    # buyer's own price-down has none): another rep approves them (four eyes).
    discount_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_down_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The frozen inputs: configuration (lines, part data, requirements, policy), schedule.
    snapshot = models.JSONField(default=dict)
    # The frozen result: per-year lines, per-part breakdown, index values and rates used.
    pricing = models.JSONField(default=dict, blank=True)
    validation = models.JSONField(default=dict, blank=True)
    total = models.DecimalField(max_digits=24, decimal_places=2, null=True, blank=True)
    pricing_date = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    document = models.FileField(upload_to="quotes/", blank=True)
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH, blank=True)
    # SHA-256 of the request the key first came with: the same key with another body is refused.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    pricing_started_at = models.DateTimeField(null=True, blank=True)
    progress_step = models.CharField(max_length=12, choices=Step.choices, default=Step.QUEUED)
    step_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Who changed status, discount, approval and when (the frozen JSON is versioned by the
    # quote's own versions, not copied on every save).
    history = HistoricalRecords(excluded_fields=["snapshot", "pricing", "validation", "updated_at",
                                                 "progress_step", "step_started_at"],
                                get_user=history_user)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="quote_number_version_unique"),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="quote_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(annual_price_down_pct__gte=0)
                & Q(annual_price_down_pct__lte=MAX_ANNUAL_PRICE_DOWN_PCT),
                name="quote_price_down_range",
            ),
            models.CheckConstraint(
                condition=Q(manual_discount_pct__gte=0) & Q(manual_discount_pct__lt=100),
                name="quote_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def approval_pending(self) -> bool:
        """Terms below the agreement that no sales rep has approved yet: no final price."""
        return self.approval_required and self.approved_at is None


class QuoteEvent(models.Model):
    """What happened to a quote, who did it, when: the quote's audit trail."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor = models.CharField(max_length=150, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["quote", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


def order_event_kind(status: str) -> str:
    """The quote trail's record of an order's status change: "order cancelled", ... (what
    orders.services records, and what orders.notifications checks before mailing it)."""
    return f"order {Order.Status(status).label.lower()}"


class Order(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        IN_DELIVERY = "in_delivery", "In delivery"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="orders")
    # One order per quote, enforced by the database whatever the concurrency.
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="order")
    number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    total = models.DecimalField(max_digits=24, decimal_places=2)
    accepted_by = models.CharField(max_length=150, blank=True)
    # Placing an order is deliberate: the buyer's purchase-order number and its confirmation
    # of the quote's terms (what was shown to it, frozen).
    po_number = models.CharField("PO number", max_length=PO_NUMBER_MAX_LENGTH, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_terms = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last change of status (in delivery, completed, cancelled) and, for a cancellation,
    # the reason sales gave: the buyer is told both (page, API, webhook, e-mail).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class OrderDelivery(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    year = models.PositiveSmallIntegerField()
    kits = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=24, decimal_places=2)
    first_delivery = models.DateField()

    class Meta:
        ordering = ["order", "year"]
        constraints = [
            models.UniqueConstraint(fields=["order", "year"], name="order_delivery_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.kits} kits"


class WebhookEndpoint(models.Model):
    EVENTS = ("quote.ready", "quote.failed", "order.created", "order.status_changed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="HMAC-SHA256 key for the signature header")
    events = models.JSONField(default=list, help_text="event names; empty means all")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.CharField(max_length=80, help_text="stable id: receivers de-duplicate on it")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    in_flight_until = models.DateTimeField(
        null=True, blank=True, help_text="an attempt is under way until then (one at a time)")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"

