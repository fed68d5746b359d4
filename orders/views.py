"""Buyer pages for quotes and orders, on the same services as the API."""

from __future__ import annotations

import math
from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from configurator.forms import QuoteRequestForm
from configurator.selectors import configuration_get
from configurator.views import builder_context
from core import clock
from core.api.throttling import web_quote_request_wait
from core.errors import ApplicationError, Unprocessable
from core.selectors import commercial_terms_get
from core.web import organization_required
from orders import selectors, services
from orders.dashboard import organization_dashboard
from orders.documents import volume_amount_chart_svg
from orders.domain import quote_states
from orders.forms import PlaceOrderForm, RejectQuoteForm
from orders.models import Quote
from orders.progress import quote_progress


@organization_required
def home(request):
    """The organization's home: its configurations, quotes and orders, and what needs attention."""
    return render(request, "web/home.html", organization_dashboard(organization=request.organization))


def _quote(request, pk: int) -> Quote:
    quote = selectors.quote_get(organization=request.organization, pk=pk)
    if quote is None:
        raise Http404("no such quote")
    return quote


@require_POST
@organization_required
def quote_request(request, configuration_pk: int):
    configuration = configuration_get(organization=request.organization, pk=configuration_pk)
    if configuration is None:
        raise Http404("no such configuration")
    wait = web_quote_request_wait(request)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        messages.error(request, f"Too many quote requests: try again in {seconds} s.")
        response = render(request, "web/configuration_builder.html",
                          builder_context(request, configuration), status=429)
        response["Retry-After"] = str(seconds)
        return response
    form = QuoteRequestForm.for_terms(commercial_terms_get(organization=request.organization),
                                      request.POST)
    if not form.is_valid():  # show the form with its errors, on the builder page
        return render(request, "web/configuration_builder.html",
                      builder_context(request, configuration, quote_form=form), status=400)
    try:
        quote, _ = services.quote_request(
            organization=request.organization, user=request.user,
            request=services.QuoteRequest(configuration_id=configuration_pk, **form.cleaned_data),
        )
    except Unprocessable as exc:
        messages.error(request, _sentence(exc.message))
        return redirect(f"/configurations/{configuration_pk}/")
    except ApplicationError as exc:
        messages.error(request, _sentence(exc.message))
        return redirect(f"/configurations/{configuration_pk}/")
    return redirect(f"/quotes/{quote.pk}/")


@organization_required
def quote_list(request):
    return render(request, "web/quote_list.html",
                  {"quotes": selectors.quote_queryset(request.organization)})


def _acceptance_refusal(quote: Quote) -> tuple[str, str] | None:
    return quote_states.acceptance_refusal(status=quote.status, approval_pending=quote.approval_pending,
                                           valid_until=quote.valid_until, today=clock.today())


def _quote_context(quote: Quote) -> dict:
    # Terms below the agreement are no offer until sales approves them: no final price.
    awaiting_approval = quote_states.awaiting_approval(status=quote.status,
                                                       approval_pending=quote.approval_pending)
    # Whatever became of it (rejected, superseded, expired), a quote whose terms were never
    # approved never had a final price: the page shows none, as the API and the lists do.
    price_hidden = quote.approval_pending
    years = quote.pricing.get("years", [])
    chart = volume_amount_chart_svg(
        [{"year": y["year"], "kits": y["kits"], "amount": Decimal(y["amount"])} for y in years],
        quote.currency,
    ) if years and not price_hidden else ""
    return {
        "quote": quote, "years": years, "chart": chart,
        "in_progress": quote.status in quote_states.IN_PROGRESS,
        "awaiting_approval": awaiting_approval, "price_hidden": price_hidden,
        "terms": selectors.quote_terms(quote),
        "versions": selectors.quote_versions(quote),
        "acceptable": _acceptance_refusal(quote) is None,
        "order": getattr(quote, "order", None) if quote.status == Quote.Status.ACCEPTED else None,
        "progress": quote_progress(quote),
    }


@organization_required
def quote_detail(request, pk: int):
    quote = _quote(request, pk)
    return render(request, "web/quote_detail.html", _quote_context(quote))


@organization_required
def quote_status(request, pk: int):
    """Polled by the progress panel while the worker runs; swaps itself for the result."""
    quote = _quote(request, pk)
    return render(request, "web/_quote_panel.html", _quote_context(quote))


@organization_required
def quote_pdf(request, pk: int):
    quote = _quote(request, pk)
    if not quote.document:
        raise Http404("the document is not ready")
    return FileResponse(quote.document.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"{quote.number}-v{quote.version}.pdf")


def _sentence(text: str) -> str:
    """A service's message as a sentence on a page (they start in lower case, as API errors do)."""
    return text[:1].upper() + text[1:]


@organization_required
def quote_accept(request, pk: int):
    """The confirmation step: the terms, the buyer's PO number and a checkbox, then the order."""
    quote = _quote(request, pk)
    if quote.status == Quote.Status.ACCEPTED and hasattr(quote, "order"):
        return redirect(f"/orders/{quote.order.pk}/")
    refusal = _acceptance_refusal(quote)
    if refusal is not None:
        messages.error(request, f"This quote cannot be accepted: {refusal[1]}.")
        return redirect(f"/quotes/{pk}/")
    form = PlaceOrderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            order, created = services.quote_accept(
                quote=quote, user=request.user, po_number=form.cleaned_data["po_number"],
                terms_accepted=form.cleaned_data["terms_accepted"])
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                if field in form.fields:
                    form.add_error(field, errors)
            if not exc.fields:
                # The page again, with what the buyer typed (it was lost on a redirect) and
                # why: the kit no longer valid, the capacity taken, the kit changed...
                messages.error(request, _sentence(exc.message))
                return render(request, "web/quote_accept.html",
                              {"quote": quote, "form": form,
                               # no use trying again: a new quote is the way on
                               "refused": exc.code in ("kit_no_longer_valid", "capacity_exhausted"),
                               "terms": selectors.quote_terms_summary(quote)}, status=exc.status)
        else:
            text = f"Order {order.number} placed." if created else f"Already ordered: {order.number}."
            messages.success(request, text)
            return redirect(f"/orders/{order.pk}/")
    return render(request, "web/quote_accept.html",
                  {"quote": quote, "form": form, "terms": selectors.quote_terms_summary(quote)},
                  status=400 if form.is_bound else 200)


@organization_required
def quote_reject(request, pk: int):
    """Asks for the reason first (a confirmation page that works without JavaScript)."""
    quote = _quote(request, pk)
    if not quote_states.is_rejectable(status=quote.status):
        messages.error(request, f"Only an open quote can be rejected (this one is "
                                f"{quote.get_status_display().lower()}).")
        return redirect(f"/quotes/{pk}/")
    form = RejectQuoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_reject(quote=quote, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, "Quote rejected.")
        except ApplicationError as exc:
            messages.error(request, _sentence(exc.message))
        return redirect(f"/quotes/{pk}/")
    return render(request, "web/quote_reject.html", {"quote": quote, "form": form},
                  status=400 if form.is_bound else 200)


@organization_required
def order_list(request):
    return render(request, "web/order_list.html", {"orders": selectors.order_queryset(request.organization)})


@organization_required
def order_detail(request, pk: int):
    order = selectors.order_get(organization=request.organization, pk=pk)
    if order is None:
        raise Http404("no such order")
    return render(request, "web/order_detail.html", {"order": order})
