from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parts.domain.provenance import ISO_COUNTRIES, STAGES
from parts.domain.specs import CATEGORIES


class SupplierOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    restricted = serializers.BooleanField()


class EvidenceOutput(serializers.Serializer):
    reference = serializers.CharField(source="evidence_reference")
    expires = serializers.DateField(source="evidence_expires", allow_null=True)


class ProvenanceOutput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGES)
    country = serializers.CharField()
    company = serializers.CharField()
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceOutput(allow_null=True))
    def get_evidence(self, stage) -> dict | None:
        if not (stage.evidence_reference or stage.evidence_expires):
            return None
        return EvidenceOutput(stage).data


class TierOutput(serializers.Serializer):
    min_qty = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=True)


class IndexLinkOutput(serializers.Serializer):
    index = serializers.CharField(source="index.code")
    base_value = serializers.DecimalField(max_digits=20, decimal_places=6)
    kg_per_unit = serializers.DecimalField(max_digits=20, decimal_places=6)


class PricingOutput(serializers.Serializer):
    currency = serializers.CharField()
    tiers = TierOutput(many=True, source="price_tiers.all")
    index_links = IndexLinkOutput(many=True, source="index_links.all")


class PartOutput(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=list(CATEGORIES))
    supplier = SupplierOutput()
    specs = serializers.DictField(help_text="Category-specific specs (domain.md section 2).")
    provenance = ProvenanceOutput(many=True, source="provenance.all")
    pricing = PricingOutput(source="*")
    lead_time_days = serializers.IntegerField()
    moq = serializers.IntegerField()
    annual_capacity = serializers.IntegerField()
    active = serializers.BooleanField()


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    """Only `true` or `false`: a typo must not silently mean 'no filter'."""

    default_error_messages = {"invalid": "must be true or false."}

    def to_internal_value(self, data):
        if data in ("true", True):
            return True
        if data in ("false", False):
            return False
        self.fail("invalid")

    def to_representation(self, value):
        return value


class PartListParams(serializers.Serializer):
    category = serializers.ChoiceField(choices=list(CATEGORIES), required=False)
    supplier = serializers.CharField(required=False, max_length=32, help_text="supplier code")
    search = serializers.CharField(required=False, max_length=100, help_text="part of a SKU or name")
    active = StrictBooleanField(required=False)
    origin_excludes = serializers.CharField(
        required=False, max_length=300,
        help_text="ISO country codes, comma-separated: only parts with no stage there (e.g. CN).",
    )

    def validate_origin_excludes(self, value: str) -> list[str]:
        codes = list(dict.fromkeys(c.strip().upper() for c in value.split(",") if c.strip()))
        bad = [c for c in codes if c not in ISO_COUNTRIES]
        if bad or not codes:
            raise serializers.ValidationError(
                f"not an ISO 3166-1 alpha-2 country code: {', '.join(bad) or value!r}"
            )
        return codes
