"""Serializers shared by the apps' APIs: strict input bodies, and output for hot read paths."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import SkipField

# Fields whose representation depends only on the value (not on the request or the
# serializer's context), so one bound copy can serve every serializer of a class.
_CONTEXT_FREE = (serializers.BooleanField, serializers.CharField, serializers.DateField,
                 serializers.DateTimeField, serializers.DecimalField, serializers.IntegerField,
                 serializers.JSONField)


class FieldsBoundOnce(serializers.Serializer):
    """An output serializer that does not copy its fields for every instance it renders.

    DRF deep-copies a serializer's declared fields each time one is created (`fields`): for
    the 30-field quote that copy cost more than reading the quote (0.4 ms of a 2 ms poll).
    Here the fields are bound once per class, on a serializer of their own, and reused;
    method fields are called on the serializer at hand, with its context. The answer is
    the one `serializers.Serializer.to_representation` gives (tested field by field). Only
    value-only fields (`_CONTEXT_FREE`) and method fields may be declared.
    """

    @classmethod
    def _plan(cls) -> list[tuple[str, serializers.Field | None, str | None]]:
        plan = cls.__dict__.get("_bound_plan")
        if plan is None:
            plan = []
            for field in cls()._readable_fields:
                if isinstance(field, serializers.SerializerMethodField):
                    plan.append((field.field_name, None, field.method_name))
                elif isinstance(field, _CONTEXT_FREE):
                    plan.append((field.field_name, field, None))
                else:
                    raise TypeError(f"{cls.__name__}.{field.field_name}: {type(field).__name__} "
                                    "may depend on its context; declare it on a plain Serializer")
            cls._bound_plan = plan  # per class (a race builds the same list twice)
        return plan

    def to_representation(self, instance) -> dict:
        ret = {}
        for name, field, method in self._plan():
            if method is not None:
                ret[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            ret[name] = None if attribute is None else field.to_representation(attribute)
        return ret


class StrictInput(serializers.Serializer):
    """An input body (or a nested object of one) with a key this serializer does not know is
    refused, the key named: `{"requirements": {"max_speed": 90000}}` (for max_speed_rpm) was
    dropped and the kit judged valid without it, and `"policy"` for `"sourcing_policy"`
    judged it under the default policy. DRF ignores unknown keys; a misspelt one here is a
    wrong answer, not a harmless extra."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["unknown field"] for key in unknown})
        return super().to_internal_value(data)
