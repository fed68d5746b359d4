from django.contrib import admin
from django.utils.html import format_html, format_html_join

from configurator.models import ChangeImpact, Configuration, ConfigurationLine, KitSlot, KitTemplate
from configurator.models import ScheduleYear as ScheduleYearRow


class KitSlotInline(admin.TabularInline):
    model = KitSlot
    extra = 0


@admin.register(KitTemplate)
class KitTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "slot_list")
    inlines = (KitSlotInline,)
    prepopulated_fields = {"code": ("name",)}

    @admin.display(description="slots")
    def slot_list(self, template) -> str:
        return ", ".join(f"{s.code} {s.min_qty}..{s.max_qty}" for s in template.slots.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("slots")


class LineInline(admin.TabularInline):
    model = ConfigurationLine
    extra = 0
    raw_id_fields = ("part",)


class ScheduleInline(admin.TabularInline):
    model = ScheduleYearRow
    extra = 0


@admin.register(Configuration)
class ConfigurationAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "template", "sourcing_policy", "is_valid",
                    "is_complete", "invalidated_by_change", "updated_at")
    list_filter = ("organization", "template", "sourcing_policy", "is_valid")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization", "template")
    readonly_fields = ("violations", "validated_at", "invalidated_by_change", "created_at",
                       "updated_at", "cloned_from")
    exclude = ("validation",)
    inlines = (LineInline, ScheduleInline)

    @admin.display(description="latest validation")
    def violations(self, configuration) -> str:
        items = configuration.validation.get("violations", [])
        if not items:
            return "no violations" if configuration.validated_at else "not validated yet"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><b>{}</b> ({}): {}</li>",
                             ((v["code"], v["severity"], v["message"]) for v in items)),
        )


@admin.register(ChangeImpact)
class ChangeImpactAdmin(admin.ModelAdmin):
    list_display = ("created_at", "configuration", "organization", "reason", "error_codes")
    list_filter = ("organization",)
    search_fields = ("reason", "configuration__name")
    list_select_related = ("configuration", "organization")
    readonly_fields = ("created_at", "reason", "configuration", "organization", "errors")

    @admin.display(description="errors")
    def error_codes(self, impact) -> str:
        return ", ".join(sorted({e["code"] for e in impact.errors}))

    def has_add_permission(self, request):
        return False
