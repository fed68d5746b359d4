from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.errors import ApplicationError
from core.history_admin import HistoryAdmin
from parts.domain.catalog import field_diff
from parts.domain.specs import CATEGORIES, CATEGORY_LABELS
from parts.forms import (
    REASON_FIELD,
    CatalogImportForm,
    ProvenanceStageForm,
    ReasonRequiredInlineFormSet,
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
    catalog_import_job_progress,
    catalog_import_job_run,
    catalog_import_preview_commit,
    catalog_import_preview_committable,
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
    formset = ReasonRequiredInlineFormSet
    extra = 0


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    formset = ReasonRequiredInlineFormSet
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
class PartAdmin(HistoryAdmin):
    list_display = (
        "sku", "name", "category", "supplier", "origin", "lead_time_days", "moq_display",
        "capacity_display", "active",
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

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page's "Changes" column, field by field: each spec on its own line
        (not the whole specs dict), and the price tiers and supply-chain stages changed by
        the same save (they live in their own tables, so a tiers-only edit showed nothing)."""
        records = list(historical_records)
        if not records:
            return
        older_than_page = records[-1].prev_record
        for newer, older in zip(records, [*records[1:], older_than_page], strict=True):
            rows = []
            if newer.history_type == "+":
                rows.append({"field": "part", "old": "—", "new": "created"})
            elif older is not None:
                delta = newer.diff_against(older, foreign_keys_are_objs=foreign_keys_are_objs)
                for change in delta.changes:
                    if change.field == "specs":
                        rows += [{"field": f"spec {path}", "old": old, "new": new}
                                 for path, old, new in field_diff(change.old or {}, change.new or {})]
                    elif change.field != "updated_at":
                        label = Part._meta.get_field(change.field).verbose_name
                        rows.append({"field": label, "old": change.old, "new": change.new})
            newer.history_delta_changes = rows
        self._attach_child_changes(records)

    @staticmethod
    def _attach_child_changes(records) -> None:
        """Tier and stage history rows between one part save and the next belong to the first."""
        part_id = records[0].id
        start = records[-1].history_date
        children = sorted(
            [*PriceTier.history.filter(part_id=part_id, history_date__gte=start),
             *ProvenanceStage.history.filter(part_id=part_id, history_date__gte=start)],
            key=lambda h: h.history_date,
        )
        bounds = sorted(records, key=lambda r: r.history_date)
        verbs = {"+": "added", "-": "removed", "~": "changed"}
        for child in children:
            owner = None
            for record in bounds:
                if record.history_date <= child.history_date:
                    owner = record
            if owner is None:
                continue
            is_tier = hasattr(child, "unit_price")
            if is_tier:
                field, value = f"price tier ≥{child.min_qty:,}", f"{child.unit_price.normalize()}"
            else:
                field, value = f"provenance {child.stage}", f"{child.country}, {child.company}"
            old, new = ("—", value) if child.history_type != "-" else (value, "removed")
            if child.history_type == "~" and child.prev_record is not None:
                prev = child.prev_record
                old = (f"{prev.unit_price.normalize()}" if is_tier
                       else f"{prev.country}, {prev.company}")
            owner.history_delta_changes = [
                *getattr(owner, "history_delta_changes", []),
                {"field": f"{field} ({verbs.get(child.history_type, '')})", "old": old, "new": new},
            ]

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

    @admin.display(description="MOQ", ordering="moq")
    def moq_display(self, part: Part) -> str:
        return f"{part.moq:,}"

    @admin.display(description="annual capacity", ordering="annual_capacity")
    def capacity_display(self, part: Part) -> str:
        return f"{part.annual_capacity:,}" if part.annual_capacity is not None else "—"

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

    def save_model(self, request, obj, form, change):
        reason = (form.cleaned_data.get(REASON_FIELD) or "").strip()
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Each changed tier or stage carries the rep's reason into its history record."""
        reason = (form.cleaned_data.get(REASON_FIELD) or "").strip()
        if not reason or formset.model not in (PriceTier, ProvenanceStage):
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row._change_reason = reason
            row.delete()
        for row in rows:
            row._change_reason = reason
            row.save()
        formset.save_m2m()
        return None

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
                "import/<int:job_id>/commit/", self.admin_site.admin_view(self.import_commit_view),
                name="parts_part_import_commit",
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
        report = preview_job = None
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if catalog_import_runs_in_background(upload.size):
                job = catalog_import_job_create(
                    content=upload.read(), file_name=upload.name or "", user=request.user,
                    dry_run=form.cleaned_data["dry_run"])
                return redirect(reverse("admin:parts_part_import_job", args=[job.pk]))
            if form.cleaned_data["dry_run"]:
                # A preview keeps the file (as a job) so "Commit this import" needs no re-upload.
                preview_job = catalog_import_job_create(
                    content=upload.read(), file_name=upload.name or "", user=request.user,
                    dry_run=True, enqueue=False)
                preview_job = catalog_import_job_run(job_id=preview_job.pk)
                report = ImportReport.from_dict(preview_job.report)
            else:
                report = catalog_import_text(text=upload.read(), dry_run=False, user=request.user)
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
            "preview_job": preview_job,
            "committable": preview_job is not None and catalog_import_preview_committable(preview_job),
            "jobs": CatalogImportJob.objects.defer("content").select_related("created_by")[:10],
        }
        return TemplateResponse(request, "admin/parts/part/import.html", context)

    def import_commit_view(self, request, job_id: int):
        """Commit a clean preview from the file it kept (POST only; no second upload)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            job = catalog_import_preview_commit(job_id=job_id, user=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(reverse("admin:parts_part_import"))
        if job.status == CatalogImportJob.Status.DONE:
            report = ImportReport.from_dict(job.report)
            self.message_user(request, "Catalog imported: " + report.summary(), messages.SUCCESS)
        return redirect(reverse("admin:parts_part_import_job", args=[job.pk]))


    def import_job_view(self, request, job_id: int):
        """A background import's progress; the page reloads itself until the job is over."""
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        job = get_object_or_404(CatalogImportJob.objects.defer("content"), pk=job_id)
        finished = job.status in (CatalogImportJob.Status.DONE, CatalogImportJob.Status.FAILED)
        job.phase, job.progress = catalog_import_job_progress(job)  # live while it runs
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Catalog import #{job.pk}",
            "job": job,
            "finished": finished,
            "report": ImportReport.from_dict(job.report) if finished and job.report else None,
            "preview_job": job,
            "committable": finished and catalog_import_preview_committable(job),
        }
        return TemplateResponse(request, "admin/parts/part/import_job.html", context)


@admin.register(Supplier)
class SupplierAdmin(HistoryAdmin):
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
class IndexValueAdmin(HistoryAdmin):
    list_display = ("index", "date", "value")
    list_filter = ("index",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        index_value_record(index=obj.index, day=obj.date, value=obj.value, user=request.user, row=obj)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(HistoryAdmin):
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
        # A year of ASCII digits ("²" is a digit to isdigit(), not to int(); 10**30 no year).
        wanted = int(year) if year.isascii() and year.isdigit() and len(year) <= 4 else None
        rows = capacity_report(year=wanted, sku=sku)
        years = sorted(set(CapacityBooking.objects.values_list("year", flat=True).distinct()))
        return TemplateResponse(request, "admin/parts/capacitybooking/report.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": "Capacity: booked against annual capacity", "rows": rows, "years": years,
            "year": year, "sku": sku,
        })
