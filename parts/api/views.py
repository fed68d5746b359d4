from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.errors import NotFound
from parts import selectors
from parts.api.serializers import PartListParams, PartOutput


class PartListApi(GenericAPIView):
    serializer_class = PartOutput

    @extend_schema(
        operation_id="parts_list",
        parameters=[PartListParams],
        responses=PartOutput(many=True),
    )
    def get(self, request):
        params = PartListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        policy = filters.pop("policy", None)
        parts = selectors.part_list(**filters)
        if policy:
            parts = parts.filter(sku__in=_skus_satisfying(policy))
        page = self.paginate_queryset(parts)
        return self.get_paginated_response(PartOutput(page, many=True).data)


class PartDetailApi(GenericAPIView):
    serializer_class = PartOutput
    lookup_field = "sku"

    @extend_schema(operation_id="parts_retrieve", responses=PartOutput)
    def get(self, request, sku: str):
        part = selectors.part_get(sku=sku)
        if part is None:
            raise NotFound(f"no part with SKU {sku!r}", code="part_not_found")
        return Response(PartOutput(part).data)


def _skus_satisfying(policy_code: str) -> frozenset[str]:
    # The verdicts come from the configurator's rule packs over its cached catalog view.
    from configurator.catalog import catalog_view
    from configurator.domain.options import parts_satisfying_policy
    from configurator.selectors import sourcing_policy_get
    from core import clock

    view = catalog_view()
    return parts_satisfying_policy(
        view.index, sourcing_policy_get(policy_code), clock.today(), view.restricted_entities
    )
