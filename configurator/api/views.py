from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator import selectors, services
from configurator.api.serializers import (
    ConfigurationInputSerializer,
    ConfigurationOutput,
    ConfigurationPatchSerializer,
    KitTemplateOutput,
    SourcingPolicyOutput,
    ValidationOutput,
)
from core.api.tenancy import request_organization
from core.errors import NotFound


class KitTemplateListApi(GenericAPIView):
    serializer_class = KitTemplateOutput
    pagination_class = None

    def get(self, request):
        return Response(KitTemplateOutput(selectors.kit_template_list(), many=True).data)


class SourcingPolicyListApi(GenericAPIView):
    serializer_class = SourcingPolicyOutput
    pagination_class = None

    def get(self, request):
        return Response(SourcingPolicyOutput(selectors.sourcing_policy_list(), many=True).data)


class ConfigurationValidateApi(APIView):
    @extend_schema(request=ConfigurationInputSerializer, responses=ValidationOutput)
    def post(self, request):
        body = ConfigurationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.configuration_validate(data=body.to_input()).to_dict())


def _get_configuration(request, pk: int):
    configuration = selectors.configuration_get(organization=request_organization(request), pk=pk)
    if configuration is None:
        raise NotFound("no such configuration", code="configuration_not_found")
    return configuration


def _reload(request, configuration):
    return _get_configuration(request, configuration.pk)


class ConfigurationListApi(GenericAPIView):
    serializer_class = ConfigurationOutput

    @extend_schema(operation_id="configurations_list", responses=ConfigurationOutput(many=True))
    def get(self, request):
        qs = selectors.configuration_queryset(request_organization(request))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ConfigurationOutput(page, many=True).data)

    @extend_schema(request=ConfigurationInputSerializer, responses={201: ConfigurationOutput})
    def post(self, request):
        body = ConfigurationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        configuration = services.configuration_create(
            organization=request_organization(request),
            user=request.user if getattr(request.user, "pk", None) else None,
            data=body.to_input(),
        )
        return Response(
            ConfigurationOutput(_reload(request, configuration)).data, status=status.HTTP_201_CREATED
        )


class ConfigurationDetailApi(GenericAPIView):
    serializer_class = ConfigurationOutput

    def get(self, request, pk: int):
        return Response(ConfigurationOutput(_get_configuration(request, pk)).data)

    @extend_schema(request=ConfigurationPatchSerializer, responses=ConfigurationOutput)
    def patch(self, request, pk: int):
        configuration = _get_configuration(request, pk)
        body = ConfigurationPatchSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.configuration_update(configuration=configuration, changes=body.to_changes())
        return Response(ConfigurationOutput(_reload(request, configuration)).data)

    def delete(self, request, pk: int):
        services.configuration_delete(configuration=_get_configuration(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConfigurationCloneApi(GenericAPIView):
    serializer_class = ConfigurationOutput

    @extend_schema(request=None, responses={201: ConfigurationOutput})
    def post(self, request, pk: int):
        clone = services.configuration_clone(
            configuration=_get_configuration(request, pk),
            user=request.user if getattr(request.user, "pk", None) else None,
            name=str(request.data.get("name", "")) if hasattr(request.data, "get") else "",
        )
        return Response(ConfigurationOutput(_reload(request, clone)).data, status=status.HTTP_201_CREATED)
