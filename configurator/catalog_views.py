"""The buyer's catalog browser: filter the catalog (by a sourcing policy too), read a part's
specs, provenance, prices and how it fares under each policy. Mounted at /catalog/."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from configurator.catalog import catalog_view
from configurator.domain.options import part_policy_violations
from configurator.selectors import parts_satisfying, sourcing_policy_list
from core import clock
from core.web import organization_required
from parts import selectors
from parts.domain.provenance import COUNTRY_NAMES, STAGE_LABELS
from parts.domain.specs import CATEGORIES, CATEGORY_LABELS, spec_display_rows
from parts.models import ProvenanceStage, Supplier


def _policy_choices(organization):
    return [("", "any"), *((p.code, p.name) for p in sourcing_policy_list(organization))]


class CatalogFilter(forms.Form):
    category = forms.ChoiceField(required=False, choices=[("", "all categories"),
                                                          *CATEGORY_LABELS.items()])
    supplier = forms.ChoiceField(required=False)
    origin = forms.ChoiceField(required=False, label="Has a stage in")
    origin_excludes = forms.ChoiceField(required=False, label="No stage in")
    policy = forms.ChoiceField(required=False, choices=(), label="Satisfies policy")
    search = forms.CharField(required=False, max_length=64, label="SKU or name")
    spec = forms.ChoiceField(required=False, label="Spec")
    # Bounded: the value becomes a float in the JSON lookup ("1e400" would be infinity).
    spec_min = forms.DecimalField(required=False, label="from", max_digits=20, decimal_places=6)
    spec_max = forms.DecimalField(required=False, label="to", max_digits=20, decimal_places=6)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["policy"].choices = _policy_choices(organization)
        suppliers = Supplier.objects.values_list("code", "name")
        self.fields["supplier"].choices = [("", "all suppliers"), *suppliers]
        countries = sorted(set(ProvenanceStage.objects.values_list("country", flat=True)))
        choices = [("", "any"), *((c, f"{COUNTRY_NAMES.get(c, c)} ({c})") for c in countries)]
        self.fields["origin"].choices = choices
        self.fields["origin_excludes"].choices = choices
        category = self.data.get("category") if self.data else None
        numeric = [(f.name, f"{f.label} ({f.unit})" if f.unit else f.label)
                   for f in CATEGORIES.get(category or "", ()) if f.kind in ("int", "decimal")]
        self.fields["spec"].choices = [("", "choose a category first" if not numeric else "any"), *numeric]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("spec_min"), cleaned.get("spec_max")
        if low is not None and high is not None and low > high:
            self.add_error("spec_max", "must not be below 'from'")
        if (low is not None or high is not None) and not cleaned.get("spec"):
            self.add_error("spec", "choose the spec the range applies to")
        return cleaned


@organization_required
def catalog(request):
    form = CatalogFilter(request.GET or None, organization=request.organization)
    # An invalid field drops only its own filter: the others (category, supplier, origin, …)
    # still apply, and the error shows next to the field that caused it.
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    f = {name: cleaned.get(name) for name in form.fields}
    range_ok = not any(name in form.errors for name in ("spec", "spec_min", "spec_max"))
    parts = selectors.part_list(
        category=f["category"] or None, supplier=f["supplier"] or None, search=f["search"] or None,
        origin_excludes=[f["origin_excludes"]] if f["origin_excludes"] else (),
    )
    if f["origin"]:
        parts = parts.filter(provenance__country=f["origin"]).distinct()
    if range_ok and f["spec"] and f["spec_min"] is not None:
        parts = parts.filter(**{f"specs__{f['spec']}__gte": float(f["spec_min"])})
    if range_ok and f["spec"] and f["spec_max"] is not None:
        parts = parts.filter(**{f"specs__{f['spec']}__lte": float(f["spec_max"])})
    if f["policy"]:
        parts = parts_satisfying(parts, policy=f["policy"], organization=request.organization)
    page = Paginator(parts, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/catalog.html", {"form": form, "page": page, "query": query.urlencode()})


@organization_required
def part_detail(request, sku: str):
    part = selectors.part_get(sku=sku)
    if part is None:
        raise Http404("no such part")
    view = catalog_view()
    snapshot = view.index.get(part.sku)
    verdicts = []
    for policy in sourcing_policy_list(request.organization):
        found = part_policy_violations(snapshot, policy, clock.today(), view.restricted_entities)
        errors = [v for v in found if v.severity == "error"]
        verdicts.append((policy, errors, [v for v in found if v.severity != "error"]))
    stages = sorted(part.provenance.all(), key=lambda s: list(STAGE_LABELS).index(s.stage))
    return render(request, "web/part_detail.html", {
        "part": part, "specs": spec_display_rows(part.category, part.specs), "stages": stages,
        "verdicts": verdicts,
        "category_label": CATEGORY_LABELS[part.category],
        "tiers": list(part.price_tiers.all()),
        "today": clock.today(),
    })
