import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from configurator.models import ChangeImpact
from core import clock
from core.domain.money import money_text
from core.errors import ApplicationError
from core.history_admin import HistoryAdmin
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT
from orders import services, webhooks
from orders.domain import quote_states
from orders.models import (
    Order,
    OrderDelivery,
    Quote,
    QuoteEvent,
    WebhookDelivery,
    WebhookEndpoint,
    order_event_kind,
)


class QuoteEventInline(admin.TabularInline):
    model = QuoteEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "detail")

    def has_add_permission(self, request, obj=None):
        return False


# A change page whose every field is read-only offers no save buttons (its actions are
# on the list); a save would write nothing anyway.
READ_ONLY_PAGE = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
ORDER_EVENT_KINDS = tuple(order_event_kind(status) for status in Order.Status.values
                          if status != Order.Status.CONFIRMED)


def _run(modeladmin, request, queryset, action, label: str, noun: str = "quote"):
    """Run a desk action's service on each selected row; each refusal is a message of its own."""
    done = 0
    for row in queryset:
        try:
            action(row)
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{row}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{label}: {done} {noun}(s).", messages.SUCCESS)


def _ask(modeladmin, request, template: str, form, title: str, **rows):
    """An action's intermediate page: its form, for the rows selected."""
    return TemplateResponse(request, template, {
        **modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, "form": form,
        "title": title, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, **rows,
    })


class ExpiringSoonFilter(admin.SimpleListFilter):
    title = "validity"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("7", "expiring within 7 days"), ("30", "expiring within 30 days")]

    def queryset(self, request, queryset):
        if self.value() in ("7", "30"):
            today = clock.today()
            return queryset.filter(status__in=quote_states.OFFERED,
                                   valid_until__gte=today,
                                   valid_until__lte=today + dt.timedelta(days=int(self.value())))
        return queryset


class AwaitingApprovalFilter(admin.SimpleListFilter):
    title = "approval"
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        return [("awaiting", "awaiting approval"), ("approved", "approved")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(approval_required=True, approved_at__isnull=True,
                                   status__in=quote_states.APPROVAL_QUEUE)
        if self.value() == "approved":
            return queryset.filter(approved_at__isnull=False)
        return queryset


class RequoteForm(forms.Form):
    manual_discount_pct = forms.DecimalField(
        label="Manual discount (%)", min_value=Decimal(0), max_value=Decimal("99.99"), decimal_places=2,
        help_text="Above the organization's approval threshold the new version needs a sales "
                  "rep's approval.",
    )
    annual_price_down_pct = forms.DecimalField(
        label="Annual price-down (%)", min_value=Decimal(0), max_value=MAX_ANNUAL_PRICE_DOWN_PCT,
        decimal_places=2, required=False,
        help_text="Empty: keep each quote's. Above the agreed one the new version needs approval.",
    )


@admin.register(Quote)
class QuoteAdmin(HistoryAdmin):
    list_display = ("number", "version", "organization", "status", "currency", "total_display",
                    "years", "policy_verdict", "approval", "valid_until", "created_at")
    list_filter = ("status", AwaitingApprovalFilter, ExpiringSoonFilter, "organization", "currency")
    search_fields = ("number", "organization__name")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    inlines = (QuoteEventInline,)
    actions = ("approve", "send", "requote", "reject", "retry")
    readonly_fields = (
        "number", "version", "organization", "configuration", "requested_by", "status",
        # Prices are frozen: a discount or price-down changes only through "Re-price as a new
        # version", which prices it and asks for approval when it goes below the agreement.
        "failure_reason", "currency", "annual_price_down_pct", "manual_discount_pct",
        "approval_required", "approval_reason", "discount_set_by", "price_down_set_by", "approved_by",
        "approved_at", "total_display", "pricing_date", "valid_until", "year_table", "compliance",
        "document_link", "attempts", "created_at", "ready_at", "sent_at", "decided_at",
    )
    exclude = ("snapshot", "pricing", "validation", "document", "idempotency_key",
               "idempotency_fingerprint", "pricing_started_at", "total", "progress_step",
               "step_started_at")

    def save_model(self, request, obj, form, change):
        """Nothing on a quote is edited here: every field is read-only, and each change is a
        desk action through its service. A save writes nothing, so it cannot put back a
        status (or anything else) that a worker changed while the form was processed."""
        return

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url,
                                   {**READ_ONLY_PAGE, **(extra_context or {})})

    @admin.display(description="total", ordering="total")
    def total_display(self, quote) -> str:
        return money_text(quote.total, quote.currency)

    @admin.display(description="years")
    def years(self, quote) -> str:
        years = [s["year"] for s in quote.snapshot.get("schedule", [])]
        return f"{min(years)}–{max(years)}" if years else "—"

    @admin.display(description="policy verdict")
    def policy_verdict(self, quote) -> str:
        per_year = quote.pricing.get("compliance_per_year")
        if not per_year:
            return "—"
        bad = [str(y["year"]) for y in per_year if not y["compliant"]]
        renew = [str(y["year"]) for y in per_year if y["compliant"] and y.get("renewals")]
        if bad:
            return f"not compliant in {', '.join(bad)}"
        # Never a bare "compliant" while evidence lapses before a delivery.
        return f"compliant if evidence is renewed for {', '.join(renew)}" if renew else "compliant"

    @admin.display(description="approval")
    def approval(self, quote) -> str:
        if not quote.approval_required:
            return "not needed"
        return "approved" if quote.approved_at else "AWAITING APPROVAL"

    @admin.display(description="per-year table")
    def year_table(self, quote) -> str:
        rows = quote.pricing.get("years", [])
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>year</th><th>kits</th><th>unit kit price</th><th>amount</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                             ((y["year"], f"{y['kits']:,}",
                               money_text(y["unit_kit_price"], quote.currency),
                               money_text(y["amount"], quote.currency))
                              for y in rows)),
        )

    @admin.display(description="compliance")
    def compliance(self, quote) -> str:
        """One line a year (its verdict, and how many findings or documents to renew), each
        opening to the list, one per line: the renewals of a five-year program were one
        paragraph of some eighty joined sentences."""
        def year(y) -> str:
            items = y["findings"] if not y["compliant"] else y.get("renewals") or []
            verdict = ("not compliant" if not y["compliant"] else
                       "compliant if renewed" if items else "compliant")
            if not items:
                return format_html("<div>{} ({}): {}</div>", y["year"], y["version"], verdict)
            plural = "s" if len(items) != 1 else ""
            noun = f"finding{plural}" if not y["compliant"] else f"evidence document{plural} to renew"
            return format_html(
                "<details><summary>{} ({}): {} · {} {}</summary>{}</details>",
                y["year"], y["version"], verdict, len(items), noun,
                format_html_join("", "<div>{}</div>", ((item,) for item in items)))
        per_year = quote.pricing.get("compliance_per_year", [])
        return format_html_join("", "{}", ((year(y),) for y in per_year)) or "—"

    @admin.display(description="PDF")
    def document_link(self, quote) -> str:
        if not quote.document:
            return "—"
        return format_html('<a href="/api/v1/quotes/{}/document/">{}</a>', quote.pk,
                           quote.document.name.rsplit("/", 1)[-1])

    def has_add_permission(self, request):
        return False  # quotes are requested by buyers and partners

    @admin.action(description="Approve the price terms (price-down, discount)", permissions=["change"])
    def approve(self, request, queryset):
        _run(self, request, queryset, lambda q: services.quote_approve(quote=q, user=request.user),
             "Approved")

    @admin.action(description="Send to the customer", permissions=["change"])
    def send(self, request, queryset):
        _run(self, request, queryset, lambda q: services.quote_send(quote=q, user=request.user), "Sent")

    @admin.action(description="Re-price as a new version (with a manual discount)", permissions=["change"])
    def requote(self, request, queryset):
        form = RequoteForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _ask(self, request, "admin/orders/quote/requote.html", form,
                        "Re-price as a new version", quotes=queryset)
        discount = form.cleaned_data["manual_discount_pct"]
        price_down = form.cleaned_data["annual_price_down_pct"]
        _run(self, request, queryset,
             lambda q: services.quote_requote(quote=q, user=request.user, manual_discount_pct=discount,
                                              annual_price_down_pct=price_down),
             f"Re-priced with {discount} % discount")
        return None

    @admin.action(description="Mark rejected", permissions=["change"])
    def reject(self, request, queryset):
        _run(self, request, queryset, lambda q: services.quote_reject(quote=q, user=request.user),
             "Rejected")

    @admin.action(description="Retry failed quotes", permissions=["change"])
    def retry(self, request, queryset):
        _run(self, request, queryset, lambda q: services.quote_retry(quote=q, user=request.user),
             "Retried")


class DeliveryInline(admin.TabularInline):
    model = OrderDelivery
    verbose_name, verbose_name_plural = "delivery", "deliveries"
    extra = 0
    fields = ("year", "kits_display", "amount_display", "first_delivery")
    readonly_fields = fields
    can_delete = False

    @admin.display(description="kits")
    def kits_display(self, delivery) -> str:
        return f"{delivery.kits:,}"

    @admin.display(description="amount")
    def amount_display(self, delivery) -> str:
        return money_text(delivery.amount, delivery.order.currency)

    def has_add_permission(self, request, obj=None):
        return False


class CancelOrderForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown to the buyer (order page, e-mail, webhook) and recorded "
                                       "on the order's quote trail.")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "organization", "po_number", "status", "currency", "total_display",
                    "created_at")
    list_filter = ("status", "organization", "currency")
    search_fields = ("number", "po_number", "organization__name")
    list_select_related = ("organization",)
    # The status changes only through the actions (orders.services.order_status_change): a
    # cancellation saved straight from the form kept every unit of capacity it had booked.
    readonly_fields = ("number", "organization", "quote", "status", "status_changed_at", "status_reason",
                       "trail", "currency", "total_display",
                       "po_number", "accepted_by", "terms_accepted_at", "terms_display", "created_at")
    exclude = ("total", "accepted_terms")
    inlines = (DeliveryInline,)
    actions = ("mark_in_delivery", "mark_completed", "cancel")

    def save_model(self, request, obj, form, change):
        """Every field is read-only: a save writes nothing (the actions change the status)."""
        return

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url,
                                   {**READ_ONLY_PAGE, **(extra_context or {})})

    @admin.display(description="accepted terms")
    def terms_display(self, order) -> str:
        """The terms the buyer confirmed, one per line (they were shown as raw JSON)."""
        shown = dict(order.accepted_terms)
        if shown.get("total"):
            shown["total"] = money_text(Decimal(shown["total"]), shown.get("currency", order.currency))
        return format_html_join("", "<div>{}: {}</div>",
                                ((key.replace("_", " "), value) for key, value in shown.items())) or "—"

    @admin.display(description="trail")
    def trail(self, order) -> str:
        """The order's own events on its quote's trail: accepted, then each status change."""
        events = order.quote.events.filter(kind__in=("accepted", *ORDER_EVENT_KINDS)).order_by("at", "id")
        return format_html_join("", "<div>{}: {} by {}{}</div>",
                                ((e.at.strftime("%Y-%m-%d %H:%M"), e.kind, e.actor or "—",
                                  f" — {e.detail}" if e.detail else "") for e in events)) or "—"

    @admin.action(description="Mark in delivery", permissions=["change"])
    def mark_in_delivery(self, request, queryset):
        _run(self, request, queryset, lambda o: services.order_status_change(
            order=o, status=Order.Status.IN_DELIVERY, user=request.user), "Marked in delivery", "order")

    @admin.action(description="Mark completed", permissions=["change"])
    def mark_completed(self, request, queryset):
        _run(self, request, queryset, lambda o: services.order_status_change(
            order=o, status=Order.Status.COMPLETED, user=request.user), "Marked completed", "order")

    @admin.action(description="Cancel (gives back the capacity it booked)", permissions=["change"])
    def cancel(self, request, queryset):
        form = CancelOrderForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _ask(self, request, "admin/orders/order/cancel.html", form, "Cancel orders",
                        orders=queryset)
        reason = form.cleaned_data["reason"]
        _run(self, request, queryset, lambda o: services.order_status_change(
            order=o, status=Order.Status.CANCELLED, user=request.user, reason=reason), "Cancelled", "order")
        return None

    @admin.display(description="total", ordering="total")
    def total_display(self, order) -> str:
        return money_text(order.total, order.currency)

    def has_add_permission(self, request):
        return False


class WebhookEndpointForm(forms.ModelForm):
    """URL (checked by the SSRF guard), events and active only: the secret is generated."""

    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in WebhookEndpoint.EVENTS], required=False,
        widget=forms.CheckboxSelectMultiple, help_text="none ticked: every event",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("organization", "url", "events", "active")

    def clean_url(self):
        try:
            return webhooks.webhook_url_check(self.cleaned_data.get("url", ""))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.fields.get("url") or [exc.message]) from exc

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("organization") is not None:
            try:
                # Counted under the organization's lock, held by the admin's transaction until
                # the endpoint is saved: two staff adding the last one at once saw 10 of 10 only
                # at the save, a 500.
                webhooks.webhook_room_check(data["organization"], locked=True)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Every write goes through orders.webhooks, like the API's."""

    form = WebhookEndpointForm
    list_display = ("url", "organization", "events", "active", "created_at")
    list_filter = ("active", "organization")
    actions = ("rotate_secret",)

    def _secret_field(self, request, obj) -> str:
        # Only to those who may change the endpoint: a read-only auditor who read it could
        # sign forged deliveries to the customer's ERP.
        return "signing_secret" if self.has_change_permission(request, obj) else "signing_secret_hidden"

    def get_fields(self, request, obj=None):
        fields = ["organization", "url", "events", "active"]
        return [*fields, self._secret_field(request, obj), "created_at"] if obj else fields

    def get_readonly_fields(self, request, obj=None):
        return ("organization", self._secret_field(request, obj), "created_at") if obj else ()

    @admin.display(description="signing secret")
    def signing_secret(self, obj):
        # Generated by the service; shown on this page (never in a message or cookie) so a
        # sales rep can hand it to the customer's IT, who verify X-Corekit-Signature with it.
        return obj.secret if obj and obj.pk else "generated when saved"

    @admin.display(description="signing secret")
    def signing_secret_hidden(self, obj):
        return "hidden: shown to those who may change this endpoint"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = webhooks.webhook_update(endpoint=obj, url=data["url"], events=data["events"],
                                            active=data["active"])
        else:
            saved = webhooks.webhook_create(organization=data["organization"], url=data["url"],
                                            events=data["events"], active=data["active"])
        for field in ("id", "url", "events", "active", "secret", "created_at", "organization_id"):
            setattr(obj, field, getattr(saved, field))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request, obj):
        webhooks.webhook_delete(organization=obj.organization, pk=obj.pk)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset.select_related("organization"):
            webhooks.webhook_delete(organization=endpoint.organization, pk=endpoint.pk)

    @admin.action(description="Generate a new signing secret", permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            webhooks.webhook_rotate_secret(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} secret(s) replaced; "
                                   "open an endpoint to see its new secret.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "response_code", "created_at",
                    "delivered_at")
    list_filter = ("status", "event")
    readonly_fields = ("endpoint", "event", "event_id", "payload", "status", "attempts",
                       "response_code", "last_error", "created_at", "delivered_at",
                       "in_flight_until")

    def has_add_permission(self, request):
        return False


# The configurator's impact list lives here because its column of open quotes is the
# quote desk's business (and the layers let only orders know both).
@admin.register(ChangeImpact)
class ChangeImpactAdmin(admin.ModelAdmin):
    list_display = ("created_at", "configuration", "organization", "reason", "error_codes", "open_quotes")
    list_filter = ("organization",)
    search_fields = ("reason", "configuration__name")
    list_select_related = ("configuration", "organization")
    readonly_fields = ("created_at", "reason", "configuration", "organization", "errors")

    @admin.display(description="errors")
    def error_codes(self, impact) -> str:
        return ", ".join(sorted({e["code"] for e in impact.errors}))

    @admin.display(description="open quotes on it")
    def open_quotes(self, impact) -> str:
        quotes = [q for q in impact.configuration.quotes.all() if q.status in quote_states.OPEN]
        if not quotes:
            return "—"
        return format_html_join(", ", '<a href="{}">{} v{}</a>', (
            (reverse("admin:orders_quote_change", args=[q.pk]), q.number, q.version) for q in quotes))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("configuration__quotes")

    def has_add_permission(self, request):
        return False
