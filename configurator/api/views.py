from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator import selectors, services
from configurator.api.serializers import (
    CloneInput,
    ConfigurationInputSerializer,
    ConfigurationOutput,
    ConfigurationPatchSerializer,
    KitTemplateOutput,
    OptionsParams,
    RepairOutput,
    SlotOptionsOutput,
    SourcingPolicyOutput,
    ValidationOutput,
    plain_configuration_input,
    slot_options_data,
    with_change_hints,
)
from configurator.catalog import catalog_view, pinned_view, version_label
from core.api.tenancy import request_organization
from core.errors import NotFound, ValidationFailed


class KitTemplateListApi(GenericAPIView):
    serializer_class = KitTemplateOutput
    pagination_class = None

    @extend_schema(responses=KitTemplateOutput(many=True))
    def get(self, request):
        return Response(KitTemplateOutput(selectors.kit_template_list(), many=True).data)


class SourcingPolicyListApi(GenericAPIView):
    serializer_class = SourcingPolicyOutput
    pagination_class = None

    @extend_schema(responses=SourcingPolicyOutput(many=True))
    def get(self, request):
        policies = selectors.sourcing_policy_list(request_organization(request))
        return Response(SourcingPolicyOutput(policies, many=True).data)


class ConfigurationValidateApi(APIView):
    @extend_schema(request=ConfigurationInputSerializer, responses=ValidationOutput)
    def post(self, request):
        data = plain_configuration_input(request.data)
        if data is None:
            body = ConfigurationInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.to_input()
        validation = services.configuration_check(data=data, organization=request_organization(request))
        return Response(with_change_hints(validation, [(ln.slot, ln.sku) for ln in data.lines]))


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
        # Not `partial=True`: that would also make each schedule year's and line's own
        # required fields optional (a year without `kits` crashed); the PATCH serializer
        # already makes every top-level field optional.
        body = ConfigurationPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.configuration_update(configuration=configuration, changes=body.to_changes())
        return Response(ConfigurationOutput(_reload(request, configuration)).data)

    def delete(self, request, pk: int):
        services.configuration_delete(configuration=_get_configuration(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConfigurationCloneApi(GenericAPIView):
    serializer_class = ConfigurationOutput

    @extend_schema(request=CloneInput, responses={201: ConfigurationOutput})
    def post(self, request, pk: int):
        configuration = _get_configuration(request, pk)
        body = CloneInput(data=request.data if hasattr(request.data, "get") else {})
        body.is_valid(raise_exception=True)
        clone = services.configuration_clone(
            configuration=configuration,
            user=request.user if getattr(request.user, "pk", None) else None,
            name=body.validated_data.get("name", ""),
        )
        return Response(ConfigurationOutput(_reload(request, clone)).data, status=status.HTTP_201_CREATED)


class ConfigurationOptionsApi(GenericAPIView):
    serializer_class = SlotOptionsOutput
    pagination_class = None

    @extend_schema(parameters=[OptionsParams], responses=SlotOptionsOutput(many=True))
    def get(self, request, pk: int):
        with pinned_view():  # options and completion judged by one catalog stamp
            # Plain rows, not the model with its prefetches: the engine needs only this.
            snapshot = selectors.configuration_snapshot_get(organization=request_organization(request), pk=pk)
            if snapshot is None:
                raise NotFound("no such configuration", code="configuration_not_found")
            params = OptionsParams(data=request.query_params)
            params.is_valid(raise_exception=True)
            slot = params.validated_data.get("slot")
            if slot and slot not in {s.code for s in snapshot.template.slots}:
                raise ValidationFailed(f"slot: {slot!r} is not a slot of {snapshot.template.code}",
                                       fields={"slot": ["unknown slot"]})
            options = selectors.configuration_options(
                snapshot=snapshot, slot=slot,
                offset=params.validated_data["offset"], limit=params.validated_data["limit"],
                include_excluded=params.validated_data["include_excluded"],
                search=params.validated_data.get("search", ""), sort=params.validated_data["sort"],
            )
            completion = services.completion_of(snapshot)
            judged_by = catalog_view()  # the pinned one (reading the kit may have moved it)
        return Response(slot_options_data(options.values(), completion=completion,
                                          catalog_version=version_label(judged_by.version)))


class ConfigurationRepairsApi(GenericAPIView):
    serializer_class = RepairOutput
    pagination_class = None

    @extend_schema(responses=RepairOutput(many=True))
    def get(self, request, pk: int):
        repairs = selectors.configuration_repairs(configuration=_get_configuration(request, pk))
        return Response(RepairOutput(repairs, many=True).data)
