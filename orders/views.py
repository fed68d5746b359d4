"""Buyer pages for quotes and orders, on the same services as the API."""

from __future__ import annotations

import math
from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from configurator.forms import QuoteRequestForm
from core.api.throttling import web_quote_request_wait
from core.errors import ApplicationError, Unprocessable
from core.web import organization_required
from orders import selectors, services
from orders.documents import volume_amount_chart_svg
from orders.models import Quote
from orders.progress import quote_progress

IN_PROGRESS = (Quote.Status.QUEUED, Quote.Status.PRICING)


def _quote(request, pk: int) -> Quote:
    quote = selectors.quote_get(organization=request.organization, pk=pk)
    if quote is None:
        raise Http404("no such quote")
    return quote


@require_POST
@organization_required
def quote_request(request, configuration_pk: int):
    from configurator.selectors import configuration_get
    from configurator.views import builder_context

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
    form = QuoteRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect(f"/configurations/{configuration_pk}/")
    try:
        quote, _ = services.quote_request(
            organization=request.organization, user=request.user,
            request=services.QuoteRequest(configuration_id=configuration_pk, **form.cleaned_data),
        )
    except Unprocessable as exc:
        messages.error(request, exc.message)
        return redirect(f"/configurations/{configuration_pk}/")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"/configurations/{configuration_pk}/")
    return redirect(f"/quotes/{quote.pk}/")


@organization_required
def quote_list(request):
    return render(request, "web/quote_list.html",
                  {"quotes": selectors.quote_queryset(request.organization)})


def _quote_context(quote: Quote) -> dict:
    years = quote.pricing.get("years", [])
    chart = volume_amount_chart_svg(
        [{"year": y["year"], "kits": y["kits"], "amount": Decimal(y["amount"])} for y in years],
        quote.currency,
    ) if years else ""
    return {
        "quote": quote, "years": years, "chart": chart,
        "in_progress": quote.status in IN_PROGRESS,
        "versions": selectors.quote_versions(quote),
        "acceptable": quote.status == Quote.Status.SENT or (
            quote.status == Quote.Status.READY
            and not (quote.approval_required and quote.approved_at is None)),
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


@require_POST
@organization_required
def quote_accept(request, pk: int):
    try:
        order, created = services.quote_accept(quote=_quote(request, pk), user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"/quotes/{pk}/")
    text = f"Order {order.number} placed." if created else f"Already ordered: {order.number}."
    messages.success(request, text)
    return redirect(f"/orders/{order.pk}/")


@require_POST
@organization_required
def quote_reject(request, pk: int):
    try:
        services.quote_reject(quote=_quote(request, pk), user=request.user,
                              reason=request.POST.get("reason", "")[:500])
        messages.success(request, "Quote rejected.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(f"/quotes/{pk}/")


@organization_required
def order_list(request):
    return render(request, "web/order_list.html", {"orders": selectors.order_queryset(request.organization)})


@organization_required
def order_detail(request, pk: int):
    order = selectors.order_get(organization=request.organization, pk=pk)
    if order is None:
        raise Http404("no such order")
    return render(request, "web/order_detail.html", {"order": order})
