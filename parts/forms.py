"""Forms for the catalog: spec fields become real typed form fields, one per schema field."""

from __future__ import annotations

from django import forms

from parts.domain.provenance import COUNTRY_CHOICES
from parts.domain.specs import CATEGORIES, FieldSpec, clean_specs, specs_from_json, specs_to_json
from parts.models import Part, ProvenanceStage, Supplier

SPEC_PREFIX = "spec__"


def country_field(*, required: bool = True, **kwargs) -> forms.ChoiceField:
    """A picker over the ISO 3166-1 alpha-2 table: names shown, codes stored, nothing typed
    (a typed "China" cut to two letters would have been saved as CH, Switzerland)."""
    return forms.ChoiceField(choices=[("", "— choose a country —"), *COUNTRY_CHOICES],
                             required=required, **kwargs)


def country_multiple_field(*, required: bool = True, **kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=COUNTRY_CHOICES, required=required,
                                     widget=forms.SelectMultiple(attrs={"size": 12}), **kwargs)


def spec_form_field(spec: FieldSpec) -> forms.Field:
    label = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
    common = {"label": label, "required": spec.required, "help_text": spec.help_text}
    if spec.kind == "int":
        min_value = 1 if spec.positive else spec.min_value
        field = forms.IntegerField(min_value=min_value, **common)
        if spec.even:
            field.help_text = (field.help_text + " Even number.").strip()
        return field
    if spec.kind == "decimal":
        min_value = spec.min_value if spec.min_value is not None else None
        return forms.DecimalField(min_value=min_value, decimal_places=6, **common)
    if spec.kind == "bool":
        # A required BooleanField would force "true"; the value is a real yes/no choice.
        return forms.TypedChoiceField(
            choices=[(True, "Yes"), (False, "No")], coerce=lambda v: v in (True, "True"),
            widget=forms.RadioSelect, **common,
        )
    if spec.kind == "choice":
        return forms.TypedChoiceField(
            choices=[(c, str(c)) for c in spec.choices],
            coerce=type(spec.choices[0]) if spec.choices else str, **common,
        )
    return forms.CharField(max_length=64, **common)


def spec_field_names(category: str | None) -> list[str]:
    return [SPEC_PREFIX + f.name for f in CATEGORIES.get(category or "", ())]


class PartAdminForm(forms.ModelForm):
    """Part with its specs as typed fields for its category, validated by the domain schema."""

    class Meta:
        model = Part
        fields = (
            "sku", "name", "category", "supplier", "active", "currency", "lead_time_days",
            "moq", "annual_capacity",
        )

    spec_category: str | None = None

    # Recorded as the history's change reason; required when price tiers or provenance
    # change (the inline formsets check it, see ReasonRequiredInlineFormSet).
    change_reason = forms.CharField(
        label="Reason for change", required=False, max_length=100,
        help_text="Required when price tiers or provenance change; kept in the part's history.",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.category == self.spec_category:
            stored = specs_from_json(self.spec_category, self.instance.specs or {})
            for name, value in stored.items():
                self.initial[SPEC_PREFIX + name] = value
        if "category" in self.fields and self.spec_category:
            self.initial.setdefault("category", self.spec_category)

    def clean(self):
        cleaned = super().clean()
        category = cleaned.get("category") if "category" in self.fields else self.instance.category
        if category and category != self.spec_category:
            self.add_error(
                "category",
                "The specifications shown are for another category: save the category first "
                "(choose it on the add page) before entering its specifications.",
            )
            return cleaned
        raw = {}
        for spec in CATEGORIES.get(category or "", ()):
            value = cleaned.get(SPEC_PREFIX + spec.name)
            if value is None or value == "":
                continue
            raw[spec.name] = value
        specs, errors = clean_specs(category or "", raw)
        for error in errors:
            field = SPEC_PREFIX + error.path if error.path else None
            if field and field not in self.fields:
                field = None
            self.add_error(field, error.message)
        self._clean_specs = specs
        return cleaned

    def save(self, commit=True):
        self.instance.specs = specs_to_json(getattr(self, "_clean_specs", {}))
        return super().save(commit=commit)


REASON_FIELD = "change_reason"


class ReasonRequiredInlineFormSet(forms.BaseInlineFormSet):
    """Price tiers and provenance are the audited facts of a part: changing any of them on an
    existing part needs a reason, which the history records with each changed row."""

    def clean(self):
        super().clean()
        if not self.instance.pk:
            return  # a new part: its first tiers and stages need no reason
        changed = any(
            (form.instance.pk is not None) if self._should_delete_form(form) else form.has_changed()
            for form in self.forms
        )
        if changed and not (self.data.get(REASON_FIELD) or "").strip():
            raise forms.ValidationError(
                f"{self.model._meta.verbose_name_plural.capitalize()} changed: give the "
                "“Reason for change” (above the Save button); it is recorded in the part's "
                "history.",
                code="reason_required")


class ProvenanceStageForm(forms.ModelForm):
    country = country_field()

    class Meta:
        model = ProvenanceStage
        fields = ("stage", "country", "company", "evidence_reference", "evidence_expires")


class SupplierForm(forms.ModelForm):
    country = country_field()

    class Meta:
        model = Supplier
        fields = ("code", "name", "country", "restricted")


class CatalogImportForm(forms.Form):
    file = forms.FileField(label="Catalog file (corekit-catalog/1 JSON)")
    dry_run = forms.BooleanField(
        label="Dry run: check and preview the changes without writing", required=False,
        initial=True,
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        limit = settings.COREKIT_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; at most {limit:,} bytes are accepted.")
        return upload


def part_admin_form_for(category: str | None) -> type[PartAdminForm]:
    """A PartAdminForm with the category's spec fields declared (so the admin can lay them out)."""
    attrs = {SPEC_PREFIX + spec.name: spec_form_field(spec) for spec in CATEGORIES.get(category or "", ())}
    attrs["spec_category"] = category
    return type(f"PartAdminForm_{category or 'none'}", (PartAdminForm,), attrs)
