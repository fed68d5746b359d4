from itertools import pairwise

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.models import (
    Configuration,
    ConfigurationLine,
    CustomPolicy,
    CustomPolicyVersion,
    KitSlot,
    KitTemplate,
)
from configurator.models import ScheduleYear as ScheduleYearRow
from configurator.selectors import (
    ALL_ORGANIZATIONS,
    custom_policy_rules_text,
    custom_policy_snapshot,
    parts_satisfying,
    skus_satisfying_policy,
    sourcing_policy_list,
)
from configurator.services import configuration_delete, custom_policy_save
from core import clock
from core.errors import ApplicationError
from core.history_admin import HistoryAdmin
from parts.admin import PartAdmin
from parts.domain.provenance import ISO_COUNTRIES, STAGE_LABELS, STAGES
from parts.domain.specs import CATEGORIES, CATEGORY_LABELS
from parts.forms import country_multiple_field
from parts.models import Part


class SatisfiesPolicyFilter(admin.SimpleListFilter):
    title = "satisfies sourcing policy"
    parameter_name = "policy"

    def lookups(self, request, model_admin):
        return [(p.code, p.name) for p in sourcing_policy_list(ALL_ORGANIZATIONS)]

    def queryset(self, request, queryset):
        if self.value():
            return parts_satisfying(queryset, policy=self.value(), organization=ALL_ORGANIZATIONS)
        return queryset


# The catalog's admin, with the configurator's policy-aware filter: parts does not know
# sourcing policies, so the filter is added here, one layer up.
admin.site.unregister(Part)


@admin.register(Part)
class PolicyAwarePartAdmin(PartAdmin):
    list_filter = (*[f for f in PartAdmin.list_filter if f != "active"], SatisfiesPolicyFilter, "active")


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

    # Buyers' configurations change only through the configurator's services (web and API),
    # which re-validate them; the admin shows them and deletes drafts through the service.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A configuration with quotes is kept as their record (configuration_delete refuses).
        if obj is not None and obj.quotes.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        configuration_delete(configuration=obj)

    def delete_queryset(self, request, queryset):
        kept = []
        for configuration in queryset:
            try:
                configuration_delete(configuration=configuration)
            except ApplicationError as exc:
                kept.append(f"{configuration.name}: {exc.message}")
        for text in kept:
            self.message_user(request, text, messages.WARNING)

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


class CustomPolicyForm(forms.ModelForm):
    excluded_countries = country_multiple_field(
        help_text="countries a covered stage may not be in")
    excluded_stages = forms.MultipleChoiceField(
        choices=[(s, STAGE_LABELS[s]) for s in STAGES], required=False,
        widget=forms.CheckboxSelectMultiple, help_text="stages the exclusion covers; none: every stage")
    categories = forms.MultipleChoiceField(
        choices=list(CATEGORY_LABELS.items()), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="part categories covered; none: every part")

    class Meta:
        model = CustomPolicy
        fields = ("code", "name", "organization", "description", "source", "excluded_countries",
                  "excluded_stages", "categories", "require_declared_stages",
                  "check_restricted_entities", "check_evidence", "effective_from", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # About 250 countries: the admin's two-box picker with a search box, not a long
        # ctrl-click list.
        countries = self.fields["excluded_countries"]
        countries.widget = FilteredSelectMultiple("countries", is_stacked=False)
        countries.widget.choices = countries.choices
        self.fields["effective_from"].help_text = (
            "the day these rules take effect. An edit dated later keeps the rules in force today "
            "until that day; an edit dated on or before a version still to come withdraws it.")
        if "organization" in self.fields:
            self.fields["organization"].empty_label = "— every organization (a global policy) —"
            self.fields["organization"].label = "Belongs to"

    def clean_organization(self):
        # Scoping a policy to one customer must not pull it from under another's kits.
        organization = self.cleaned_data.get("organization")
        code = self.instance.code if self.instance.pk else None
        if organization is not None and code:
            others = Configuration.objects.filter(sourcing_policy=code).exclude(
                organization=organization).count()
            if others:
                raise forms.ValidationError(
                    f"{others} configuration(s) of other organizations use {code!r}: keep it "
                    "global, or write a new policy for this organization.")
        return organization

    def clean_code(self):
        code = self.cleaned_data["code"]
        # Codes are told apart without case: "UFLPA" beside "uflpa" listed two different
        # rule packs under one name to every organization.
        if code.lower() in BUILTIN_POLICIES:
            raise forms.ValidationError(f"{code!r} is a built-in policy")
        if CustomPolicy.objects.filter(code__iexact=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"a policy with the code {code!r} exists (codes ignore case)")
        return code

    def _codes(self, name: str, allowed, upper: bool = False) -> list[str]:
        value = self.cleaned_data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError("choose from the list")
        value = [v.upper() if upper else v for v in value]
        bad = [v for v in value if v not in allowed]
        if bad:
            raise forms.ValidationError(f"unknown: {', '.join(bad)}")
        return value

    def clean_excluded_countries(self):
        return self._codes("excluded_countries", ISO_COUNTRIES, upper=True)

    def clean_excluded_stages(self):
        return self._codes("excluded_stages", STAGES)

    def clean_categories(self):
        return self._codes("categories", CATEGORIES)


@admin.register(CustomPolicy)
class CustomPolicyAdmin(HistoryAdmin):
    form = CustomPolicyForm
    list_display = ("code", "name", "scope", "version", "effective_from", "active",
                    "satisfying_parts")
    list_filter = ("active", "organization")
    list_select_related = ("organization",)

    @admin.display(description="versions")
    def version_table(self, policy) -> str:
        """Every version of the policy, newest first, and which is in force today: an edit keeps
        the rules before it in force until its own date."""
        if policy.pk is None:
            return "—"
        snapshot = custom_policy_snapshot(policy)
        timeline = [v.version for v in snapshot.versions]  # the versions judging, in date order
        starts = {v.version: v.effective_from for v in snapshot.versions}
        in_force = snapshot.version_in_force(clock.today())
        rows = [*policy.earlier_versions.all(), policy]
        made_after = {row.version: later for row, later in pairwise(rows)}

        def status(row) -> str:
            code, since = f"c{row.version}", row.effective_from.isoformat()
            if code in timeline:
                following = timeline.index(code) + 1
                until = starts[timeline[following]] if following < len(timeline) else None
                if in_force is not None and code == in_force.version:
                    return "in force" + (f" until {until.isoformat()}" if until else "")
                if row.effective_from > clock.today():
                    return f"takes effect on {since}" + (f", until {until.isoformat()}" if until else "")
                return f"was in force from {since} to {until.isoformat()}" if until else "was in force"
            replaced = row.saved_at.date() if isinstance(row, CustomPolicyVersion) else None
            if replaced is not None and row.effective_from <= replaced:
                later = made_after[row.version]
                return (f"was in force from {since} until replaced on {replaced.isoformat()} "
                        f"by v{later.version}, dated {later.effective_from.isoformat()}")
            return "withdrawn before it took effect"

        return format_html(
            '<table class="policy-versions"><thead><tr><th>version</th><th>from</th><th>status</th>'
            "<th>rules</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>v{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                             ((row.version, row.effective_from.isoformat(), status(row),
                               custom_policy_rules_text(row)) for row in reversed(rows))))

    @admin.display(description="belongs to", ordering="organization__name")
    def scope(self, policy) -> str:
        return policy.organization.name if policy.organization_id else "every organization"

    def get_readonly_fields(self, request, obj=None):
        # Configurations refer to a policy by its code: it cannot change under them.
        return ("code", "version_table") if obj is not None else ()
    change_list_template = "admin/configurator/custompolicy/change_list.html"

    @admin.display(description="parts that satisfy it")
    def satisfying_parts(self, policy) -> str:
        count = len(skus_satisfying_policy(policy.code, ALL_ORGANIZATIONS)) if policy.active else 0
        url = reverse("admin:parts_part_changelist") + f"?policy={policy.code}"
        return format_html('<a href="{}">{} part(s)</a>', url, count)

    def save_model(self, request, obj, form, change):
        custom_policy_save(policy=obj, user=request.user)

    def has_delete_permission(self, request, obj=None):
        # A policy saved kits name is retired (inactive), not deleted: they go on being
        # judged by it (a deleted one left them judged by no rules at all).
        if obj is not None and Configuration.objects.filter(sourcing_policy=obj.code).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, where the check above applies
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "builtin_policies": BUILTIN_POLICIES.values()}
        return super().changelist_view(request, extra_context)
