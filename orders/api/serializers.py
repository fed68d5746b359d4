from decimal import Decimal

from rest_framework import serializers

from configurator.domain import limits
from core.api.serializers import FieldsBoundOnce, StrictInput
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT
from orders.models import PO_NUMBER_MAX_LENGTH, WebhookEndpoint
from orders.selectors import quote_terms
from orders.services import approval_state
from parts.domain.provenance import CURRENCIES

MAX_PROGRAM_YEARS = limits.MAX_SCHEDULE_YEARS


class ScheduleYearInput(StrictInput):
    year = serializers.IntegerField(min_value=limits.YEAR_MIN, max_value=limits.YEAR_MAX)
    kits = serializers.IntegerField(min_value=0, max_value=limits.MAX_KITS_PER_YEAR)


class QuoteRequestInput(StrictInput):
    configuration = serializers.IntegerField(min_value=1)
    currency = serializers.ChoiceField(
        choices=list(CURRENCIES), required=False,
        help_text="defaults to the organization's default quote currency")
    schedule = ScheduleYearInput(many=True, required=False,
                                 help_text="defaults to the configuration's schedule")
    annual_price_down_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0),
        max_value=Decimal(MAX_ANNUAL_PRICE_DOWN_PCT), required=False,
        help_text=f"0–{MAX_ANNUAL_PRICE_DOWN_PCT} %; defaults to the price-down agreed with the "
                  "organization; more than the agreed one makes the quote wait for a sales rep's "
                  "approval",
    )

    def validate_schedule(self, value):
        years = [s["year"] for s in value]
        if len(set(years)) != len(years):
            raise serializers.ValidationError("each year at most once")
        if len(years) > MAX_PROGRAM_YEARS:
            raise serializers.ValidationError(f"at most {MAX_PROGRAM_YEARS} delivery years")
        if value and not any(s["kits"] for s in value):
            raise serializers.ValidationError("at least one year with kits")
        return value


class QuoteAcceptInput(StrictInput):
    po_number = serializers.CharField(max_length=PO_NUMBER_MAX_LENGTH,
                                      help_text="your purchase-order number")
    terms_accepted = serializers.BooleanField(
        help_text="true: you accept the quote's terms (currency, total, incoterms, payment "
                  "terms, validity)")

    def validate_terms_accepted(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("must be true to place the order")
        return value


class QuoteYearOutput(serializers.Serializer):
    year = serializers.IntegerField()
    kits = serializers.IntegerField()
    unit_kit_price = serializers.CharField()
    amount = serializers.CharField()


class QuoteOutput(FieldsBoundOnce):
    id = serializers.IntegerField()
    number = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    configuration = serializers.IntegerField(source="configuration_id", allow_null=True)
    currency = serializers.CharField()
    annual_price_down_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    manual_discount_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    approval_required = serializers.BooleanField()
    approved = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField(
        help_text="'not_needed', 'pending' (awaiting a sales rep's approval: no final price is "
                  "shown and the quote cannot be accepted) or 'approved'")
    approval_reason = serializers.CharField()
    approved_at = serializers.DateTimeField(allow_null=True)
    incoterms = serializers.SerializerMethodField()
    payment_terms = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    years = serializers.SerializerMethodField()
    parts = serializers.SerializerMethodField(help_text="per-part breakdown, first delivery year")
    total = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    index_values_used = serializers.SerializerMethodField()
    exchange_rates_used = serializers.SerializerMethodField()
    compliance = serializers.SerializerMethodField()
    pricing_date = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    document_url = serializers.SerializerMethodField()
    dispatch = serializers.SerializerMethodField(
        help_text="'dispatched', or 'deferred' when the queue was unreachable: the request is "
                  "stored and will be processed when it is back"
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_approved(self, quote) -> bool:
        return quote.approved_at is not None

    def get_approval(self, quote) -> str:
        return approval_state(quote)

    def get_incoterms(self, quote) -> str:
        terms = quote_terms(quote)
        return f"{terms['incoterms']} {terms.get('incoterms_place', '')}".strip()

    def get_payment_terms(self, quote) -> str:
        return quote_terms(quote)["payment_terms"]

    def to_representation(self, quote):
        data = super().to_representation(quote)
        if quote.approval_pending:
            # Terms below the agreement are not an offer until sales approves them.
            data["total"] = None
            data["years"] = [{**y, "unit_kit_price": None, "amount": None} for y in data["years"]]
            data["parts"] = []
        return data

    def get_schedule(self, quote) -> list[dict]:
        return quote.snapshot.get("schedule", [])

    def get_years(self, quote) -> list[dict]:
        return [{k: y[k] for k in ("year", "kits", "unit_kit_price", "amount")}
                for y in quote.pricing.get("years", [])]

    def get_parts(self, quote) -> list[dict]:
        years = quote.pricing.get("years", [])
        return years[0]["parts"] if years else []

    def get_index_values_used(self, quote) -> list[dict]:
        return quote.pricing.get("index_values_used", [])

    def get_exchange_rates_used(self, quote) -> list[dict]:
        return quote.pricing.get("exchange_rates_used", [])

    def get_compliance(self, quote) -> dict:
        return {"policy": quote.pricing.get("policy"),
                "per_year": quote.pricing.get("compliance_per_year", []),
                "warnings": quote.pricing.get("warnings", [])}

    def get_document_url(self, quote) -> str | None:
        if not quote.document:
            return None
        return f"/api/v1/quotes/{quote.pk}/document/"

    def get_dispatch(self, quote) -> str:
        return self.context.get("dispatch", "dispatched")


class DeliveryOutput(serializers.Serializer):
    year = serializers.IntegerField()
    kits = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=24, decimal_places=2)
    first_delivery = serializers.DateField()


class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    quote = serializers.IntegerField(source="quote_id")
    quote_number = serializers.CharField(source="quote.number")
    status = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=24, decimal_places=2)
    po_number = serializers.CharField()
    accepted_by = serializers.CharField()
    terms_accepted_at = serializers.DateTimeField(allow_null=True)
    accepted_terms = serializers.JSONField(help_text="the quote's terms as the buyer confirmed them")
    deliveries = DeliveryOutput(many=True, source="deliveries.all")
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField(
        allow_null=True, help_text="when sales last changed its status (null: still as placed)")
    status_reason = serializers.CharField(help_text="why it was cancelled, as sales gave it; else empty")


class WebhookInput(StrictInput):
    url = serializers.URLField(max_length=500)

    def validate_url(self, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("must be an http(s) URL")
        return value
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(WebhookEndpoint.EVENTS)), required=False, default=list
    )


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="shown once: verify X-Corekit-Signature with it")
