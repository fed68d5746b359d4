from decimal import Decimal

from django import forms

from configurator.models import KitTemplate
from core.models import MAX_ANNUAL_PRICE_DOWN_PCT
from parts.domain.provenance import CURRENCIES


def policy_choices() -> list[tuple[str, str]]:
    from configurator.selectors import sourcing_policy_list

    return [(p.code, f"{p.name} ({p.code})") for p in sourcing_policy_list()]


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


class NewConfigurationForm(RequirementsFields):
    name = forms.CharField(max_length=200)
    template = forms.ModelChoiceField(queryset=KitTemplate.objects.all(), to_field_name="code",
                                      empty_label=None, label="Kit")
    sourcing_policy = forms.ChoiceField(choices=policy_choices, initial="china-excluded",
                                        label="Sourcing policy")
    field_order = ["name", "template", "sourcing_policy"]


class ChooseForm(forms.Form):
    slot = forms.SlugField()
    sku = forms.CharField(max_length=64)


class QuantityForm(forms.Form):
    slot = forms.SlugField()
    quantity = forms.IntegerField(min_value=0, max_value=100000, label="Quantity per kit")


class SlotForm(forms.Form):
    slot = forms.SlugField()


class PolicyForm(forms.Form):
    sourcing_policy = forms.ChoiceField(choices=policy_choices, label="Sourcing policy")


class RepairForm(forms.Form):
    slot = forms.SlugField()
    to_sku = forms.CharField(max_length=64, required=False)
    quantity = forms.IntegerField(min_value=0)


class ScheduleForm(forms.Form):
    """Rows of year × kits; blank rows are ignored."""

    def __init__(self, *args, rows: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for i in range(rows):
            self.fields[f"year_{i}"] = forms.IntegerField(min_value=2000, max_value=2100, required=False,
                                                          label=f"Year {i + 1}")
            self.fields[f"kits_{i}"] = forms.IntegerField(min_value=0, max_value=100_000_000,
                                                          required=False, label=f"Kits in year {i + 1}")

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for i in range(self.rows):
            year, kits = cleaned.get(f"year_{i}"), cleaned.get(f"kits_{i}")
            if year is None and kits is None:
                continue
            if year is None or kits is None:
                self.add_error(f"year_{i}" if year is None else f"kits_{i}", "fill both year and kits")
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
