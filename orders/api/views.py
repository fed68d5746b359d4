from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.tenancy import request_organization
from core.api.throttling import PrincipalRateThrottle, QuoteRequestThrottle
from core.errors import Conflict, NotFound
from core.models import OutboxMessage
from orders import selectors, services, webhooks
from orders.api.serializers import (
    OrderOutput,
    QuoteAcceptInput,
    QuoteOutput,
    QuoteRequestInput,
    WebhookCreatedOutput,
    WebhookInput,
    WebhookOutput,
)
from orders.models import Quote, WebhookEndpoint


def _user(request):
    return request.user if getattr(request.user, "pk", None) else None


def _quote(request, pk: int):
    quote = selectors.quote_get(organization=request_organization(request), pk=pk)
    if quote is None:
        raise NotFound("no such quote", code="quote_not_found")
    return quote


def _dispatch_state(quote) -> str:
    # Only a queued quote can still wait for its task to be published: once a worker has
    # picked it up, its message was dispatched. This keeps the outbox lookup (a match on a
    # JSON key) off every poll of a quote being priced or done.
    if quote.status != Quote.Status.QUEUED:
        return "dispatched"
    message = getattr(quote, "generation_message", None)  # the request that created it
    if message is not None:
        return "dispatched" if message.dispatched_at is not None else "deferred"
    pending = OutboxMessage.objects.filter(
        dispatched_at__isnull=True, task="orders.generate_quote", kwargs__quote_id=quote.pk
    ).exists()
    return "deferred" if pending else "dispatched"


class QuoteListApi(GenericAPIView):
    serializer_class = QuoteOutput
    throttle_classes = [PrincipalRateThrottle, QuoteRequestThrottle]

    @extend_schema(operation_id="quotes_list", responses=QuoteOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.quote_queryset(request_organization(request)))
        return self.get_paginated_response(QuoteOutput(page, many=True).data)

    @extend_schema(
        request=QuoteRequestInput, responses={202: QuoteOutput},
        parameters=[OpenApiParameter(
            "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
            description="at most 200 characters (a longer key is refused); the same key with the "
                        "same body returns the same quote, with another body 409 "
                        "idempotency_key_reused; keys are kept per organization as long as "
                        "their quote (at least 24 hours)")],
    )
    def post(self, request):
        body = QuoteRequestInput(data=request.data)
        body.is_valid(raise_exception=True)
        v = body.validated_data
        quote, _ = services.quote_request(
            organization=request_organization(request), user=_user(request),
            request=services.QuoteRequest(
                configuration_id=v["configuration"], currency=v.get("currency"),
                schedule=[(s["year"], s["kits"]) for s in v["schedule"]] if "schedule" in v else None,
                annual_price_down_pct=v.get("annual_price_down_pct"),
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            ),
        )
        data = QuoteOutput(quote, context={"dispatch": _dispatch_state(quote)}).data
        response = Response(data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/quotes/{quote.pk}/"
        return response


class QuoteDetailApi(GenericAPIView):
    serializer_class = QuoteOutput

    def get(self, request, pk: int):
        quote = _quote(request, pk)
        return Response(QuoteOutput(quote, context={"dispatch": _dispatch_state(quote)}).data)


class QuoteDocumentApi(GenericAPIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        quote = _quote(request, pk)
        if not quote.document:
            raise Conflict(f"the document is not ready (status {quote.status})", code="document_not_ready")
        return FileResponse(quote.document.open("rb"), content_type="application/pdf",
                            filename=f"{quote.number}-v{quote.version}.pdf")


class QuoteAcceptApi(GenericAPIView):
    serializer_class = OrderOutput

    @extend_schema(request=QuoteAcceptInput, responses={201: OrderOutput, 200: OrderOutput})
    def post(self, request, pk: int):
        quote = _quote(request, pk)
        body = QuoteAcceptInput(data=request.data)
        body.is_valid(raise_exception=True)
        order, created = services.quote_accept(
            quote=quote, user=_user(request), po_number=body.validated_data["po_number"],
            terms_accepted=body.validated_data["terms_accepted"])
        order = selectors.order_get(organization=request_organization(request), pk=order.pk)
        return Response(OrderOutput(order).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class QuoteRejectApi(GenericAPIView):
    serializer_class = QuoteOutput

    @extend_schema(request=None, responses=QuoteOutput)
    def post(self, request, pk: int):
        quote = services.quote_reject(quote=_quote(request, pk), user=_user(request),
                                      reason=str(request.data.get("reason", ""))[:500]
                                      if hasattr(request.data, "get") else "")
        return Response(QuoteOutput(quote).data)


class OrderListApi(GenericAPIView):
    serializer_class = OrderOutput

    @extend_schema(operation_id="orders_list", responses=OrderOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.order_queryset(request_organization(request)))
        return self.get_paginated_response(OrderOutput(page, many=True).data)


class OrderDetailApi(GenericAPIView):
    serializer_class = OrderOutput

    def get(self, request, pk: int):
        order = selectors.order_get(organization=request_organization(request), pk=pk)
        if order is None:
            raise NotFound("no such order", code="order_not_found")
        return Response(OrderOutput(order).data)


class WebhookListApi(GenericAPIView):
    serializer_class = WebhookOutput

    @extend_schema(operation_id="webhooks_list", responses=WebhookOutput(many=True))
    def get(self, request):
        qs = WebhookEndpoint.objects.for_organization(request_organization(request))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(WebhookOutput(page, many=True).data)

    @extend_schema(request=WebhookInput, responses={201: WebhookCreatedOutput})
    def post(self, request):
        body = WebhookInput(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_create(
            organization=request_organization(request), url=body.validated_data["url"],
            events=body.validated_data["events"],
        )
        return Response(WebhookCreatedOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(GenericAPIView):
    serializer_class = WebhookOutput

    def delete(self, request, pk: int):
        webhooks.webhook_delete(organization=request_organization(request), pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


