from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from parts.domain.specs import CATEGORIES, CATEGORY_LABELS
from parts.forms import (
    CatalogImportForm,
    ProvenanceStageForm,
    SupplierForm,
    part_admin_form_for,
    spec_field_names,
)
from parts.models import (
    CapacityBooking,
    CatalogImportJob,
    ExchangeRate,
    Index,
    IndexValue,
    Part,
    PartIndexLink,
    PriceTier,
    ProvenanceStage,
    Supplier,
)
from parts.selectors import capacity_report, catalog_export
from parts.services import (
    ImportReport,
    catalog_import_job_create,
    catalog_import_runs_in_background,
    catalog_import_text,
    index_value_record,
    part_saved,
    parts_set_active,
    supplier_save,
    suppliers_set_restricted,
)


class ProvenanceInline(admin.TabularInline):
    model = ProvenanceStage
    form = ProvenanceStageForm
    extra = 0


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    extra = 0


class IndexLinkInline(admin.TabularInline):
    model = PartIndexLink
    extra = 0
    autocomplete_fields = ("index",)


def _impact_message(model_admin, request, text: str) -> None:
    url = reverse("admin:configurator_changeimpact_changelist")
    model_admin.message_user(request, format_html(
        '{} Saved configurations using them are being re-checked: <a href="{}">impact list</a>.',
        text, url), messages.SUCCESS)


class ProvenanceCountryFilter(admin.SimpleListFilter):
    title = "country of any provenance stage"
    parameter_name = "stage_country"

    def lookups(self, request, model_admin):
        countries = (
            ProvenanceStage.objects.order_by("country").values_list("country", flat=True).distinct()
        )
        return [(c, c) for c in countries]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(provenance__country=self.value()).distinct()
        return queryset


@admin.register(Part)
class PartAdmin(SimpleHistoryAdmin):
    list_display = (
        "sku", "name", "category", "supplier", "origin", "lead_time_days", "moq",
        "annual_capacity", "active",
    )
    list_filter = ("category", "supplier", ProvenanceCountryFilter, "active")
    search_fields = ("sku", "name")
    list_select_related = ("supplier",)
    list_per_page = 50
    inlines = (ProvenanceInline, PriceTierInline, IndexLinkInline)
    actions = ("deactivate", "activate")
    change_list_template = "admin/parts/part/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("provenance")

    @admin.display(description="price and provenance changes")
    def audit_trail(self, part: Part) -> str:
        """Who changed this part's prices and supply chain, and when (newest first)."""
        rows = [
            (h.history_date, h.history_user, h.get_history_type_display(),
             f"tier ≥{h.min_qty}: {h.unit_price.normalize()} {part.currency}", h.history_change_reason)
            for h in PriceTier.history.filter(part_id=part.pk).select_related("history_user")[:30]
        ] + [
            (h.history_date, h.history_user, h.get_history_type_display(),
             f"{h.stage}: {h.country}, {h.company}", h.history_change_reason)
            for h in ProvenanceStage.history.filter(part_id=part.pk).select_related("history_user")[:30]
        ]
        if not rows:
            return "—"
        rows.sort(key=lambda r: r[0], reverse=True)
        return format_html(
            "<table><tr><th>when</th><th>who</th><th>what</th><th>value</th><th>why</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                             ((f"{d:%Y-%m-%d %H:%M}", u or "—", t, v, r or "")
                              for d, u, t, v, r in rows[:30])),
        )

    @admin.display(description="origin (stages)")
    def origin(self, part: Part) -> str:
        return " → ".join(s.country for s in part.provenance.all()) or "—"

    def _category(self, request, obj) -> str | None:
        if obj is not None:
            return obj.category
        value = request.POST.get("category") or request.GET.get("category")
        return value if value in CATEGORIES else None

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = part_admin_form_for(self._category(request, obj))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        category = self._category(request, obj)
        fieldsets = [
            (None, {"fields": ("sku", "name", "category", "supplier", "active")}),
            ("Supply", {"fields": ("currency", "lead_time_days", "moq", "annual_capacity")}),
        ]
        if obj is not None:
            fieldsets.append(("Audit", {"fields": ("audit_trail",), "classes": ("collapse",)}))
        if category:
            fieldsets.append((
                f"Specifications — {CATEGORY_LABELS[category]}",
                {"fields": spec_field_names(category)},
            ))
        else:
            fieldsets.append((
                "Specifications",
                {"fields": (), "description": (
                    "Choose the category and press “Save and continue editing”… or pick it "
                    "from the links above: its specification fields appear here."
                )},
            ))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # A part's specs belong to its category; changing it would orphan them.
        return ("category", "audit_trail") if obj else ()

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["category_links"] = [
            (code, label, f"{reverse('admin:parts_part_add')}?category={code}")
            for code, label in CATEGORY_LABELS.items()
        ]
        return super().add_view(request, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        part_saved(part=form.instance, user=request.user, created=not change)

    @admin.action(description="Deactivate selected parts", permissions=["change"])
    def deactivate(self, request, queryset):
        count = len(parts_set_active(parts=queryset, active=False, user=request.user))
        _impact_message(self, request, f"{count} part(s) deactivated.")

    @admin.action(description="Activate selected parts", permissions=["change"])
    def activate(self, request, queryset):
        count = len(parts_set_active(parts=queryset, active=True, user=request.user))
        _impact_message(self, request, f"{count} part(s) activated.")

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_view),
                name="parts_part_import",
            ),
            path(
                "import/<int:job_id>/", self.admin_site.admin_view(self.import_job_view),
                name="parts_part_import_job",
            ),
            path(
                "export/", self.admin_site.admin_view(self.export_view),
                name="parts_part_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        import json

        from django.http import HttpResponse
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        response = HttpResponse(json.dumps(catalog_export(), indent=2, ensure_ascii=False),
                                content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="corekit-catalog.json"'
        return response

    def import_view(self, request):
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        report = None
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if catalog_import_runs_in_background(upload.size):
                job = catalog_import_job_create(
                    content=upload.read(), file_name=upload.name or "", user=request.user,
                    dry_run=form.cleaned_data["dry_run"])
                return redirect(reverse("admin:parts_part_import_job", args=[job.pk]))
            report = catalog_import_text(
                text=upload.read(), dry_run=form.cleaned_data["dry_run"], user=request.user,
            )
            if report.ok and not report.dry_run:
                self.message_user(request, "Catalog imported: " + report.summary(), messages.SUCCESS)
            elif not report.ok:
                self.message_user(
                    request, f"{len(report.errors)} error(s): nothing was written.", messages.ERROR
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import catalog",
            "form": form,
            "report": report,
            "jobs": CatalogImportJob.objects.defer("content").select_related("created_by")[:10],
        }
        return TemplateResponse(request, "admin/parts/part/import.html", context)


    def import_job_view(self, request, job_id: int):
        """A background import's progress; the page reloads itself until the job is over."""
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        job = get_object_or_404(CatalogImportJob.objects.defer("content"), pk=job_id)
        finished = job.status in (CatalogImportJob.Status.DONE, CatalogImportJob.Status.FAILED)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Catalog import #{job.pk}",
            "job": job,
            "finished": finished,
            "report": ImportReport.from_dict(job.report) if finished and job.report else None,
        }
        return TemplateResponse(request, "admin/parts/part/import_job.html", context)


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    form = SupplierForm
    list_display = ("code", "name", "country", "restricted", "part_count")
    list_filter = ("restricted", "country")
    search_fields = ("code", "name")
    actions = ("mark_restricted", "mark_unrestricted")

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_parts=Count("parts"))

    @admin.display(description="parts", ordering="_parts")
    def part_count(self, supplier) -> str:
        url = reverse("admin:parts_part_changelist") + f"?supplier__id__exact={supplier.pk}"
        return format_html('<a href="{}">{}</a>', url, supplier._parts)

    def save_model(self, request, obj, form, change):
        supplier_save(supplier=obj, user=request.user)

    @admin.action(description="Mark selected suppliers restricted", permissions=["change"])
    def mark_restricted(self, request, queryset):
        ids = suppliers_set_restricted(suppliers=queryset, restricted=True, user=request.user)
        _impact_message(self, request, f"{len(ids)} supplier(s) restricted.")

    @admin.action(description="Clear the restricted flag", permissions=["change"])
    def mark_unrestricted(self, request, queryset):
        ids = suppliers_set_restricted(suppliers=queryset, restricted=False, user=request.user)
        _impact_message(self, request, f"{len(ids)} supplier(s) cleared.")


class IndexValueInline(admin.TabularInline):
    model = IndexValue
    extra = 1
    ordering = ("-date",)


class IndexValuesForm(forms.Form):
    date = forms.DateField(help_text="YYYY-MM-DD; quotes priced from this day on use the value")

    def __init__(self, *args, indices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indices = list(indices)
        for index in self.indices:
            self.fields[f"value_{index.pk}"] = forms.DecimalField(
                label=f"{index.code} ({index.unit})", min_value=0, max_digits=20, decimal_places=6)


@admin.register(Index)
class IndexAdmin(admin.ModelAdmin):
    list_display = ("code", "unit", "latest_value")
    search_fields = ("code",)
    inlines = (IndexValueInline,)
    actions = ("add_values",)

    def save_formset(self, request, form, formset, change):
        if formset.model is not IndexValue:
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row.delete()
        for row in rows:
            index_value_record(index=form.instance, day=row.date, value=row.value,
                               user=request.user, row=row)
        return None

    @admin.action(description="Add a dated value to the selected indices", permissions=["change"])
    def add_values(self, request, queryset):
        form = IndexValuesForm(request.POST if "apply" in request.POST else None, indices=queryset)
        if not form.is_valid():
            return TemplateResponse(request, "admin/parts/index/add_values.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                "indices": queryset, "title": "Add index values",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        day = form.cleaned_data["date"]
        for index in form.indices:
            index_value_record(index=index, day=day, value=form.cleaned_data[f"value_{index.pk}"],
                               user=request.user)
        self.message_user(request, f"{len(form.indices)} value(s) recorded for {day}.", messages.SUCCESS)
        return None

    @admin.display(description="latest value")
    def latest_value(self, index) -> str:
        value = index.values.order_by("-date").first()
        return f"{value.value} on {value.date}" if value else "—"


@admin.register(IndexValue)
class IndexValueAdmin(SimpleHistoryAdmin):
    list_display = ("index", "date", "value")
    list_filter = ("index",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        index_value_record(index=obj.index, day=obj.date, value=obj.value, user=request.user, row=obj)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ("date", "from_currency", "to_currency", "rate")
    list_filter = ("from_currency", "to_currency")
    date_hierarchy = "date"



@admin.register(CapacityBooking)
class CapacityBookingAdmin(admin.ModelAdmin):
    """Booked against capacity per part and year. Read-only: orders book, nobody edits a booking."""

    list_display = ("part", "year", "units", "reference", "created_at")
    list_filter = ("year",)
    search_fields = ("part__sku", "reference")
    list_select_related = ("part",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="parts_capacity_report"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        # The report is what sales reps come for; the raw bookings stay one click away.
        if "raw" not in request.GET and not any(k.startswith(("year", "q", "o", "p")) for k in request.GET):
            return self.report_view(request)
        return super().changelist_view(request, extra_context)

    def report_view(self, request):
        from django.core.exceptions import PermissionDenied
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = request.GET.get("y", "")
        sku = request.GET.get("sku", "").strip()[:64]
        rows = capacity_report(year=int(year) if year.isdigit() else None, sku=sku)
        years = sorted(set(CapacityBooking.objects.values_list("year", flat=True).distinct()))
        return TemplateResponse(request, "admin/parts/capacitybooking/report.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": "Capacity: booked against annual capacity", "rows": rows, "years": years,
            "year": year, "sku": sku,
        })
