from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from configurator.domain import limits
from configurator.domain.conflicts import change_hint
from configurator.domain.option_order import DEFAULT_SORT, KEY_SPECS, SORTS
from configurator.domain.sourcing import DEFAULT_POLICY
from configurator.selectors import sourcing_policy_codes
from configurator.services import REQUIREMENT_FIELDS, ConfigurationInput, LineInput
from core.api.serializers import StrictInput
from parts.api.serializers import PartListParams
from parts.domain.specs import CATEGORY_LABELS


class SlotOutput(serializers.Serializer):
    code = serializers.CharField()
    category = serializers.CharField()
    min_qty = serializers.IntegerField()
    max_qty = serializers.IntegerField()
    required = serializers.BooleanField()
    formula = serializers.CharField(allow_blank=True)


class KitTemplateOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    slots = SlotOutput(many=True, source="slots.all")


class PolicyVersionOutput(serializers.Serializer):
    version = serializers.CharField()
    effective_from = serializers.DateField()
    description = serializers.CharField()


class SourcingPolicyOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    source = serializers.CharField()
    versions = PolicyVersionOutput(many=True)


class RequirementsSerializer(StrictInput):
    dc_bus_voltage_v = serializers.IntegerField(min_value=1, max_value=2000, required=False,
                                                allow_null=True)
    max_speed_rpm = serializers.IntegerField(min_value=1, max_value=100000, required=False,
                                             allow_null=True)
    max_magnet_temp_c = serializers.DecimalField(max_digits=6, decimal_places=1, required=False,
                                                 allow_null=True)
    max_winding_temp_c = serializers.DecimalField(max_digits=6, decimal_places=1, required=False,
                                                  allow_null=True)


class ScheduleYearSerializer(StrictInput):
    year = serializers.IntegerField(min_value=limits.YEAR_MIN, max_value=limits.YEAR_MAX)
    kits = serializers.IntegerField(min_value=0, max_value=limits.MAX_KITS_PER_YEAR)


class LineSerializer(StrictInput):
    slot = serializers.CharField(max_length=40)
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(
        min_value=0, max_value=limits.MAX_QUANTITY_PER_KIT, required=False, allow_null=True,
        help_text="per kit; omitted: the slot's default (magnets: the formula)",
    )


class ConfigurationInputSerializer(StrictInput):
    name = serializers.CharField(max_length=limits.NAME_MAX_LENGTH, required=False, allow_blank=True)
    template = serializers.CharField(max_length=40)
    sourcing_policy = serializers.CharField(max_length=40, default=DEFAULT_POLICY)
    requirements = RequirementsSerializer(required=False)
    schedule = ScheduleYearSerializer(many=True, required=False, max_length=limits.MAX_SCHEDULE_YEARS)
    lines = LineSerializer(many=True, required=False, max_length=limits.MAX_LINES)

    def to_input(self) -> ConfigurationInput:
        v = self.validated_data
        return ConfigurationInput(
            template=v["template"],
            name=v.get("name", ""),
            sourcing_policy=v.get("sourcing_policy", DEFAULT_POLICY),
            requirements={k: x for k, x in v.get("requirements", {}).items() if x is not None},
            schedule=[(s["year"], s["kits"]) for s in v.get("schedule", [])],
            lines=[LineInput(slot=ln["slot"], sku=ln["sku"], quantity=ln.get("quantity"))
                   for ln in v.get("lines", [])],
        )


_TENTH = Decimal("0.1")


class _Unusual(Exception):
    """Not the plain form: let ConfigurationInputSerializer judge it (and word any error)."""


def _text(value, max_length: int, *, blank: bool = False) -> str:
    # What CharField keeps unchanged: printable ASCII without surrounding whitespace.
    if (type(value) is not str or len(value) > max_length or value != value.strip()
            or not value.isascii() or not value.isprintable() or (not value and not blank)):
        raise _Unusual
    return value


def _integer(value, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Unusual
    return value


def plain_configuration_input(data) -> ConfigurationInput | None:
    """A configuration body (POST validate) when it is in the plain form nearly every
    client sends: JSON types as the schema states them, no unknown keys, ASCII codes.
    Then it is exactly what `ConfigurationInputSerializer(data).to_input()` gives, in 21 µs
    instead of 456 µs for a 10-line kit (the serializer builds and runs a field object per
    value).
    Anything else (None): the serializer judges it, so every refusal keeps its wording
    (`tests/api/test_plain_input.py` holds the two to the same answers)."""
    try:
        if type(data) is not dict or not data.keys() <= _INPUT_KEYS or "template" not in data:
            raise _Unusual
        requirements = data.get("requirements", {})
        schedule = data.get("schedule", [])
        lines = data.get("lines", [])
        if (type(requirements) is not dict or not requirements.keys() <= _REQUIREMENT_KEYS
                or type(schedule) is not list or len(schedule) > limits.MAX_SCHEDULE_YEARS
                or type(lines) is not list or len(lines) > limits.MAX_LINES):
            raise _Unusual
        kept = {}
        for key, value in requirements.items():
            if value is None:
                continue
            if key in _DECIMAL_REQUIREMENTS:  # DecimalField(6, 1) of an integer
                kept[key] = Decimal(_integer(value, -99_999, 99_999)).quantize(_TENTH)
            else:
                kept[key] = _integer(value, *_INTEGER_REQUIREMENTS[key])  # its bounds
        years = []
        for row in schedule:
            if type(row) is not dict or row.keys() != {"year", "kits"}:
                raise _Unusual
            years.append((_integer(row["year"], limits.YEAR_MIN, limits.YEAR_MAX),
                          _integer(row["kits"], 0, limits.MAX_KITS_PER_YEAR)))
        parsed = []
        for row in lines:
            if type(row) is not dict or not {"slot", "sku"} <= row.keys() <= _LINE_KEYS:
                raise _Unusual
            quantity = row.get("quantity")
            parsed.append(LineInput(
                slot=_text(row["slot"], _SLOT_MAX), sku=_text(row["sku"], _SKU_MAX),
                quantity=None if quantity is None else _integer(quantity, 0, limits.MAX_QUANTITY_PER_KIT)))
        return ConfigurationInput(
            template=_text(data["template"], _TEMPLATE_MAX),
            name=_text(data["name"], _NAME_MAX, blank=True) if "name" in data else "",
            sourcing_policy=(_text(data["sourcing_policy"], _POLICY_MAX)
                             if "sourcing_policy" in data else DEFAULT_POLICY),
            requirements=kept, schedule=years, lines=parsed,
        )
    except _Unusual:
        return None


# The plain reading takes its keys and bounds from the serializers, so the two cannot drift.
_INPUT = ConfigurationInputSerializer().fields
_LINE = LineSerializer().fields
_REQUIREMENTS = RequirementsSerializer().fields
_INTEGER_REQUIREMENTS = {key: (f.min_value, f.max_value) for key, f in _REQUIREMENTS.items()
                         if isinstance(f, serializers.IntegerField)}
_DECIMAL_REQUIREMENTS = frozenset(key for key, f in _REQUIREMENTS.items()
                                  if isinstance(f, serializers.DecimalField)
                                  and (f.max_digits, f.decimal_places) == (6, 1))
_INPUT_KEYS, _LINE_KEYS, _REQUIREMENT_KEYS = frozenset(_INPUT), frozenset(_LINE), frozenset(_REQUIREMENTS)
_TEMPLATE_MAX, _NAME_MAX, _POLICY_MAX = (_INPUT[k].max_length
                                         for k in ("template", "name", "sourcing_policy"))
_SLOT_MAX, _SKU_MAX = _LINE["slot"].max_length, _LINE["sku"].max_length
if _INTEGER_REQUIREMENTS.keys() | _DECIMAL_REQUIREMENTS != _REQUIREMENT_KEYS:
    # a requirement field of another kind: plain_configuration_input must learn to read it
    raise TypeError("plain_configuration_input does not know every requirement field")


class ConfigurationPatchSerializer(ConfigurationInputSerializer):
    template = serializers.CharField(max_length=40, required=False)
    sourcing_policy = serializers.CharField(max_length=40, required=False)

    def to_changes(self) -> dict:
        v = self.validated_data
        changes: dict = {k: v[k] for k in ("name", "template", "sourcing_policy") if k in v}
        if "requirements" in v:
            changes["requirements"] = dict(v["requirements"])
        if "schedule" in v:
            changes["schedule"] = [(s["year"], s["kits"]) for s in v["schedule"]]
        if "lines" in v:
            changes["lines"] = [LineInput(slot=ln["slot"], sku=ln["sku"], quantity=ln.get("quantity"))
                                for ln in v["lines"]]
        return changes


class CloneInput(StrictInput):
    name = serializers.CharField(max_length=limits.NAME_MAX_LENGTH, required=False, allow_blank=True,
                                 help_text="the copy's name; default: the original's with (copy)")


class ViolationOutput(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()
    slots = serializers.ListField(child=serializers.CharField())
    skus = serializers.ListField(child=serializers.CharField())
    years = serializers.ListField(child=serializers.IntegerField(), required=False)
    change_hint = serializers.CharField(
        allow_null=True, required=False,
        help_text="for an error between two or more chosen parts (AIR_GAP, SHAFT_FIT, "
                  "END_PLATE_FIT, ...), which part to change, in words: \"Change the rotor core "
                  "(RC-8P-16044-508) or the end plate (EP-1620-525-SS).\"; GET "
                  "/configurations/{id}/repairs/ gives the fixes with their cost. null otherwise "
                  "(and on options' items)")


def with_change_hints(validation: dict, lines, slot_labels: dict[str, str] | None = None) -> dict:
    """The validation with each violation's `change_hint`, from the chosen (slot, sku) pairs."""
    chosen: dict[str, list[str]] = {}
    for slot, sku in lines:
        chosen.setdefault(slot, []).append(sku)
    labels = slot_labels or {slot: CATEGORY_LABELS.get(slot, slot.replace("_", " ")) for slot in chosen}
    return {**validation, "violations": [
        {**v, "change_hint": change_hint(v["slots"], chosen, labels) if v["severity"] == "error" else None}
        for v in validation.get("violations", [])]}


class CompletionOutput(serializers.Serializer):
    possible = serializers.BooleanField(
        help_text="a complete kit with no error exists that holds every part chosen")
    reason = serializers.CharField(help_text="why not, in plain words (empty when possible)")
    causes = serializers.ListField(
        child=serializers.CharField(),
        help_text="the smallest set of choices, requirements, schedule years or policy that rules "
                  "out every completion")
    relax = serializers.ListField(child=serializers.CharField(),
                                  help_text="changes any one of which would allow a completion")


class CatalogVersionOutput(serializers.Serializer):
    version = serializers.IntegerField(help_text="the catalog stamp's counter (moves on every catalog write)")
    changed_at = serializers.DateTimeField(allow_null=True, help_text="when the catalog last changed")


_CATALOG_VERSION_HELP = (
    "the catalog stamp whose catalog view judged this answer; right after a catalog change a "
    "web process may answer from the previous stamp for a few seconds while it loads the new view"
)


class ValidationOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    complete = serializers.BooleanField()
    violations = ViolationOutput(many=True)
    completion = CompletionOutput(required=False)
    catalog_version = CatalogVersionOutput(required=False, help_text=(
        _CATALOG_VERSION_HELP + " (present on live checks, absent on validations stored before it existed)"))


class LineOutput(serializers.Serializer):
    slot = serializers.CharField()
    sku = serializers.CharField(source="part.sku")
    name = serializers.CharField(source="part.name")
    quantity = serializers.IntegerField()


class ConfigurationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    template = serializers.CharField(source="template.code")
    sourcing_policy = serializers.CharField()
    requirements = serializers.SerializerMethodField()
    schedule = ScheduleYearSerializer(many=True, source="schedule.all")
    lines = LineOutput(many=True, source="lines.all")
    validation = serializers.SerializerMethodField()
    invalidated_by_change = serializers.CharField(
        help_text="set when a catalog or rule change made this configuration invalid"
    )
    cloned_from = serializers.IntegerField(source="cloned_from_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    validated_at = serializers.DateTimeField()

    @extend_schema_field(ValidationOutput)
    def get_validation(self, obj) -> dict:
        labels = {s.code: CATEGORY_LABELS.get(s.category, s.code) for s in obj.template.slots.all()}
        lines = [(ln.slot, ln.part.sku) for ln in obj.lines.all()]
        return ValidationOutput(with_change_hints(obj.validation, lines, labels)).data

    def get_requirements(self, obj) -> RequirementsSerializer:
        return RequirementsSerializer({k: getattr(obj, k) for k in REQUIREMENT_FIELDS}).data


class OptionsParams(serializers.Serializer):
    slot = serializers.CharField(required=False, help_text="one slot; all slots when omitted")
    offset = serializers.IntegerField(min_value=0, default=0,
                                      help_text="skip this many items of each slot's list")
    limit = serializers.IntegerField(min_value=1, max_value=200, default=20,
                                     help_text="items per slot")
    include_excluded = serializers.BooleanField(default=True)
    search = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                   help_text="only parts whose SKU, name or supplier contains this "
                                             "(any case)")
    sort = serializers.ChoiceField(
        choices=SORTS, default=DEFAULT_SORT,
        help_text=(
            "order of the parts that fit (the excluded ones follow in their own order, fewest "
            "reasons first): `cost` (default) cost per kit, lowest first; `lead_time` shortest "
            "first; `name` and `sku` A to Z; `spec` the slot's key spec ("
            + "; ".join(f"{category}: {spec.field}, {'highest' if spec.descending else 'smallest'} first"
                        for category, spec in KEY_SPECS.items())
            + "). Ties keep cost per kit order. Any other value is refused with 400 naming `sort`."
        ),
    )


class OptionOutput(serializers.Serializer):
    sku = serializers.CharField(source="part.sku")
    category = serializers.CharField(source="part.category")
    supplier = serializers.CharField(source="part.supplier_code")
    active = serializers.BooleanField(source="part.active")
    feasible = serializers.BooleanField()
    quantity = serializers.IntegerField()
    codes = serializers.ListField(child=serializers.CharField(),
                                  help_text="error codes that exclude it")
    violations = ViolationOutput(many=True)
    lead_time_days = serializers.IntegerField(source="part.lead_time_days")
    reference_unit_price_usd = serializers.DecimalField(
        source="part.reference_unit_price", max_digits=20, decimal_places=4, allow_null=True
    )


class SlotOptionsOutput(serializers.Serializer):
    slot = serializers.CharField()
    category = serializers.CharField()
    total = serializers.IntegerField()
    feasible_count = serializers.IntegerField()
    excluded_by_code = serializers.DictField(child=serializers.IntegerField())
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    items = OptionOutput(many=True, help_text=(
        "feasible parts first, cheapest per kit (unit price at the first delivery year's volume x "
        "quantity per kit), then lead time, or in the order `sort` asks for; DEAD_END marks a part "
        "that fits the chosen parts but that no complete kit can hold"))
    completion = serializers.SerializerMethodField()
    catalog_version = serializers.SerializerMethodField(help_text=_CATALOG_VERSION_HELP)

    @extend_schema_field(CompletionOutput)
    def get_completion(self, obj) -> dict | None:
        return self.context.get("completion")

    @extend_schema_field(CatalogVersionOutput)
    def get_catalog_version(self, obj) -> dict | None:
        return self.context.get("catalog_version")


_PRICE_FIELD = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)


def slot_options_data(options, *, completion: dict | None, catalog_version: dict | None) -> list[dict]:
    """What `SlotOptionsOutput(options, many=True)` renders, built directly: a slot's answer
    holds up to 200 items with their violations, and the generic serializers cost more than
    the engine that judged them. The serializer stays the documented schema;
    tests/api/test_options_output.py holds the two to the same JSON on real answers."""
    price = _PRICE_FIELD.to_representation
    return [{
        "slot": so.slot, "category": so.category, "total": so.total,
        "feasible_count": so.feasible_count,
        "excluded_by_code": {str(code): count for code, count in so.excluded_by_code.items()},
        "offset": so.offset, "limit": so.limit,
        "items": [{
            "sku": o.part.sku, "category": o.part.category, "supplier": o.part.supplier_code,
            "active": bool(o.part.active), "feasible": bool(o.feasible), "quantity": o.quantity,
            "codes": list(o.codes),
            "violations": [{"code": v.code, "severity": v.severity, "message": v.message,
                            "slots": list(v.slots), "skus": list(v.skus), "years": list(v.years),
                            "change_hint": None} for v in o.violations],
            "lead_time_days": o.part.lead_time_days,
            "reference_unit_price_usd": (None if o.part.reference_unit_price is None
                                         else price(o.part.reference_unit_price)),
        } for o in so.items],
        "completion": completion, "catalog_version": catalog_version,
    } for so in options]


class RepairStepOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["swap", "remove"])
    slot = serializers.CharField()
    from_sku = serializers.CharField(allow_null=True)
    to_sku = serializers.CharField(allow_null=True)
    quantity = serializers.IntegerField(help_text="the kit's quantity once every step is made")


class RepairOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["swap", "quantity", "add", "multi"])
    steps = RepairStepOutput(many=True, help_text="a multi-step repair's changes, in order")
    slot = serializers.CharField()
    from_sku = serializers.CharField(allow_null=True)
    to_sku = serializers.CharField(allow_null=True)
    quantity = serializers.IntegerField()
    fixes = serializers.ListField(child=serializers.CharField())
    errors_before = serializers.IntegerField()
    errors_after = serializers.IntegerField()
    added_cost_usd = serializers.DecimalField(source="added_cost", max_digits=20, decimal_places=4,
                                              allow_null=True)
    lead_time_days = serializers.IntegerField()
    message = serializers.CharField()


class CatalogListParams(PartListParams):
    """The catalog list's filters, with the configurator's own: a sourcing policy."""

    policy = serializers.CharField(
        required=False, max_length=40,
        help_text="a sourcing policy code (GET /sourcing-policies/): only parts that satisfy it "
                  "(no error-severity finding) today",
    )

    def validate_policy(self, value: str) -> str:
        codes = sourcing_policy_codes(self.context.get("organization"))
        if value not in codes:
            raise serializers.ValidationError(f"unknown policy {value!r}; one of {', '.join(codes)}")
        return value
