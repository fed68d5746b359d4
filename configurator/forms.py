import re
from decimal import Decimal

from django import forms

from configurator.domain import limits
from configurator.domain.sourcing import DEFAULT_POLICY
from configurator.models import KitTemplate
from configurator.selectors import sourcing_policy_get, sourcing_policy_list
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT
from parts.domain.provenance import CURRENCIES


def policy_choices(organization=None) -> list[tuple[str, str]]:
    """The policies this organization may use: built-ins, global custom ones and its own."""
    return [(p.code, f"{p.name} ({p.code})") for p in sourcing_policy_list(organization)]


class OrganizationPolicies:
    """A form whose sourcing-policy picker lists only the organization's policies, and `kept`,
    the kit's own policy, if a sales rep has retired it since (the kit keeps it; others cannot
    choose it)."""

    def __init__(self, *args, organization=None, kept: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = policy_choices(organization)
        if kept and kept not in dict(choices):
            retired = sourcing_policy_get(kept, organization, retired=True)
            if retired is not None:
                choices.append((kept, f"{retired.name} ({kept}, retired: kept by this kit)"))
        self.fields["sourcing_policy"].choices = choices


class RequirementsFields(forms.Form):
    dc_bus_voltage_v = forms.IntegerField(label="DC bus voltage (V)", min_value=1, max_value=2000,
                                          required=False)
    max_speed_rpm = forms.IntegerField(label="Maximum speed (rpm)", min_value=1, max_value=100000,
                                       required=False)
    max_magnet_temp_c = forms.DecimalField(label="Magnet temperature (°C)", max_digits=6,
                                           decimal_places=1, required=False)
    max_winding_temp_c = forms.DecimalField(label="Winding temperature (°C)", max_digits=6,
                                            decimal_places=1, required=False)

    def requirements(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items()
                if k in RequirementsFields.base_fields and v is not None}


class NewConfigurationForm(OrganizationPolicies, RequirementsFields):
    name = forms.CharField(max_length=limits.NAME_MAX_LENGTH)
    template = forms.ModelChoiceField(queryset=KitTemplate.objects.all(), to_field_name="code",
                                      empty_label=None, label="Kit")
    sourcing_policy = forms.ChoiceField(choices=(), initial=DEFAULT_POLICY,
                                        label="Sourcing policy")
    field_order = ["name", "template", "sourcing_policy"]


class ChooseForm(forms.Form):
    slot = forms.SlugField(max_length=40)
    sku = forms.CharField(max_length=64)


class QuantityForm(forms.Form):
    slot = forms.SlugField(max_length=40)
    quantity = forms.IntegerField(min_value=0, max_value=limits.MAX_QUANTITY_PER_KIT,
                                  label="Quantity per kit")


class SlotForm(forms.Form):
    slot = forms.SlugField(max_length=40)


class PolicyForm(OrganizationPolicies, forms.Form):
    sourcing_policy = forms.ChoiceField(choices=(), label="Sourcing policy")


class RepairForm(forms.Form):
    slot = forms.SlugField(max_length=40)
    to_sku = forms.CharField(max_length=64, required=False)
    quantity = forms.IntegerField(min_value=0, max_value=limits.MAX_QUANTITY_PER_KIT)


_ROW_FIELD = re.compile(r"(year|kits)_([0-9]{1,9})")


class ScheduleForm(forms.Form):
    """Rows of year × kits; blank rows are ignored. At most MAX_SCHEDULE_YEARS years (as the API)."""

    MAX_ROWS = limits.MAX_SCHEDULE_YEARS + 10  # form fields built at most; more rows is an error

    def __init__(self, *args, rows: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested_rows = rows
        self.rows = rows = max(0, min(rows, self.MAX_ROWS))
        for i in range(rows):
            self.fields[f"year_{i}"] = forms.IntegerField(
                min_value=limits.YEAR_MIN, max_value=limits.YEAR_MAX, required=False,
                label=f"Year {i + 1}")
            self.fields[f"kits_{i}"] = forms.IntegerField(
                min_value=0, max_value=limits.MAX_KITS_PER_YEAR, required=False,
                label=f"Kits in year {i + 1}")

    def clean(self):
        cleaned = super().clean()
        too_many = f"A program schedule has at most {limits.MAX_SCHEDULE_YEARS} years."
        if self.requested_rows > self.MAX_ROWS:
            raise forms.ValidationError(too_many, code="too_many_years")
        beyond = sorted({int(m[2]) + 1 for key in self.data if (m := _ROW_FIELD.fullmatch(key))
                         and int(m[2]) >= self.rows and str(self.data.get(key, "")).strip()})
        if beyond:  # rows the form was not told of: saving the others would drop them silently
            raise forms.ValidationError(
                f"The schedule sent row {beyond[0]} but the form holds {self.rows} rows; "
                "nothing was saved. Reload the page and enter it again.", code="rows_beyond_form")
        filled = sum(1 for i in range(self.rows)
                     if cleaned.get(f"year_{i}") is not None or cleaned.get(f"kits_{i}") is not None)
        if filled > limits.MAX_SCHEDULE_YEARS:
            self.add_error(None, forms.ValidationError(too_many, code="too_many_years"))
        seen = set()
        for i in range(self.rows):
            year, kits = cleaned.get(f"year_{i}"), cleaned.get(f"kits_{i}")
            if year is None and kits is None:
                continue
            if year is None or kits is None:
                missing = f"year_{i}" if year is None else f"kits_{i}"
                if not self.has_error(missing):  # a value refused already says why (-5 kits)
                    self.add_error(missing, "Fill in both the year and the kits.")
            elif year in seen:
                self.add_error(f"year_{i}", f"{year} appears twice")
            seen.add(year)
        return cleaned

    def schedule(self) -> list[tuple[int, int]]:
        rows = [(self.cleaned_data.get(f"year_{i}"), self.cleaned_data.get(f"kits_{i}"))
                for i in range(self.rows)]
        return sorted((y, k) for y, k in rows if y is not None and k is not None)

    def rows_for_display(self):
        return [(self[f"year_{i}"], self[f"kits_{i}"]) for i in range(self.rows)]


class QuoteRequestForm(forms.Form):
    """Defaults come from the organization's commercial terms (see `for_terms`)."""

    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCIES], initial="KRW")
    annual_price_down_pct = forms.DecimalField(
        label="Annual price-down (%)", min_value=0, max_value=MAX_ANNUAL_PRICE_DOWN_PCT,
        max_digits=4, decimal_places=2, initial=0,
    )

    @classmethod
    def for_terms(cls, terms, data=None) -> "QuoteRequestForm":
        form = cls(data, initial={"currency": terms.default_currency,
                                  "annual_price_down_pct": terms.agreed_price_down_pct})
        form.fields["annual_price_down_pct"].help_text = (
            f"Agreed in your supply agreement: {Decimal(terms.agreed_price_down_pct).normalize():f} %. "
            f"More (up to {MAX_ANNUAL_PRICE_DOWN_PCT} %) needs approval by corekit sales "
            "before the quote can be accepted.")
        return form
