from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from configurator.api.serializers import CatalogListParams
from configurator.selectors import parts_satisfying
from core.api.tenancy import request_organization
from core.errors import NotFound
from parts import selectors
from parts.api.serializers import PartOutput


class PartListApi(GenericAPIView):
    serializer_class = PartOutput

    @extend_schema(
        operation_id="parts_list",
        parameters=[CatalogListParams],
        responses=PartOutput(many=True),
    )
    def get(self, request):
        organization = request_organization(request)
        params = CatalogListParams(data=request.query_params, context={"organization": organization})
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        policy = filters.pop("policy", None)
        parts = selectors.part_list(**filters)
        if policy:
            parts = parts_satisfying(parts, policy=policy, organization=organization)
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

