import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from core import outbox, services
from core.domain.countries import COUNTRY_CHOICES
from core.errors import Conflict
from core.forms import ThrottledAdminAuthenticationForm
from core.history_admin import HistoryAdmin
from core.models import (
    APPROVAL_LIMITS,
    ApiKey,
    CommercialTerms,
    Membership,
    Organization,
    OutboxMessage,
    TermsChange,
    User,
)


class SuperuserOnly:
    """Users, memberships and groups are the operator's: staff permissions never reach them,
    whatever a group is granted (a staff user who could edit users could make itself superuser)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


# The admin's sign-in checks the same lock as the web's (core.throttling).
admin.site.login_form = ThrottledAdminAuthenticationForm

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnly, DjangoGroupAdmin):
    pass


class MembershipInline(SuperuserOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class OrganizationForm(forms.ModelForm):
    # The ISO 3166-1 table as a picker (parts.domain.provenance is the one copy of it).
    country = forms.ChoiceField(choices=[("", "—"), *COUNTRY_CHOICES], required=False)

    class Meta:
        model = Organization
        fields = ("name", "slug", "kind", "country")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "kind", "country", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)

    def get_readonly_fields(self, request, obj=None):
        """A sales rep adds organizations of any kind but never changes one's kind: keys go
        to partner organizations only (`api_key_may_issue`), and a rep who could make a
        customer a partner for a moment could issue a key that then acts as that customer."""
        if obj is not None and not request.user.is_superuser:
            return ("kind",)
        return ()


class UserMembershipInline(SuperuserOnly, admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    can_delete = False


@admin.register(User)
class UserAdmin(SuperuserOnly, DjangoUserAdmin):
    inlines = (UserMembershipInline,)
    list_display = ("username", "email", "organization", "role", "is_staff", "is_active")
    list_select_related = ("membership__organization",)
    list_filter = ("membership__role", "membership__organization", "is_staff", "is_active")

    @admin.display(ordering="membership__organization__name")
    def organization(self, user):
        membership = getattr(user, "membership", None)
        return membership.organization if membership else "—"

    @admin.display(ordering="membership__role")
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"


class ApiKeyCreateForm(forms.ModelForm):
    issuer: User | None = None  # set per request by ApiKeyAdmin.get_form

    class Meta:
        model = ApiKey
        fields = ("organization", "name", "role")

    def clean(self):
        data = super().clean()
        organization, role = data.get("organization"), data.get("role")
        if organization and role and self.issuer is not None and not services.api_key_may_issue(
            user=self.issuer, organization=organization, role=role
        ):
            raise forms.ValidationError(
                "Sales reps issue partner keys to partner organizations; keys that act for a "
                "customer or for staff are issued by an operator (superuser)."
            )
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "role", "prefix", "created_at", "last_used_at", "active")
    list_filter = ("role", "organization")
    search_fields = ("name", "prefix", "organization__name")
    actions = ("revoke",)

    @admin.display(boolean=True)
    def active(self, key: ApiKey) -> bool:
        return key.is_active

    def get_queryset(self, request):
        keys = super().get_queryset(request)
        if request.user.is_superuser:
            return keys
        # Staff keys are the operator's: sales reps neither see nor revoke them.
        return keys.exclude(role=Membership.Role.SALES_REP)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = type("ApiKeyCreateForm", (ApiKeyCreateForm,), {"issuer": request.user})
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "name", "role")
        return ("organization", "name", "role", "prefix", "created_by", "created_at",
                "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A key's organization and role never change (issue a new key); revoking is the action.
        return ("organization", "role", "prefix", "created_by", "created_at", "last_used_at",
                "revoked_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(kind=Organization.Kind.PARTNER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(Membership.Role.PARTNER, Membership.Role.PARTNER.label)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.created_by = request.user
        issued = services.api_key_issue(api_key=obj, issued_by=request.user)
        request._corekit_issued_key = issued.raw_key

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(request, "_corekit_issued_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        # The raw key is shown on this one page and never stored: not in the database (only
        # its hash), not in a message (messages travel in a signed, readable cookie).
        response = TemplateResponse(request, "admin/core/apikey/created.html", {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": "API key issued", "api_key": obj, "raw_key": raw_key,
        })
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
        return response

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(api_key=key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "kwargs", "state", "created_at", "dispatched_at", "progress_at",
                    "completed_at", "publish_count", "last_error")
    list_filter = ("task", ("completed_at", admin.EmptyFieldListFilter))
    readonly_fields = ("task", "kwargs", "state", "created_at", "dispatched_at", "progress_at",
                       "completed_at", "attempts", "publish_count", "last_error")
    actions = ("publish_again",)
    # Arguments that name a person (a password reset's address and account): staff who may
    # not see users (reps, auditors) saw every reset's e-mail, superusers' included.
    PERSONAL = frozenset({"to_email", "user_id"})

    # ... and a failure's text may quote an address (SMTPRecipientsRefused names it).
    ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

    def _shown(self, request, fields) -> list[str]:
        if request.user.is_superuser:
            return list(fields)
        shown = {"kwargs": "kwargs_shown", "last_error": "last_error_shown"}
        return [shown.get(f, f) for f in fields]

    def get_list_display(self, request):
        return self._shown(request, self.list_display)

    def get_readonly_fields(self, request, obj=None):
        return self._shown(request, self.readonly_fields)

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="last error")
    def last_error_shown(self, message) -> str:
        return self.ADDRESS.sub("(address hidden)", message.last_error or "")

    @admin.display(description="kwargs")
    def kwargs_shown(self, message) -> dict:
        return {k: "(hidden)" if k in self.PERSONAL else v for k, v in (message.kwargs or {}).items()}

    def has_add_permission(self, request):
        return False

    @admin.action(description="Publish again (unfinished messages only)", permissions=["change"])
    def publish_again(self, request, queryset):
        # For messages the relay gave up on (COREKIT_OUTBOX_MAX_PUBLISHES) once the cause is
        # fixed; their tasks are idempotent, so publishing one that is still running is harmless.
        published = sum(outbox.publish(pk, again=True)
                        for pk in queryset.filter(completed_at__isnull=True).values_list("pk", flat=True))
        self.message_user(request, f"{published} message(s) published again.")


def _limits_text(terms: CommercialTerms) -> str:
    return " ".join(str(getattr(terms, name)) for name in APPROVAL_LIMITS)


class CommercialTermsForm(forms.ModelForm):
    """The terms, and the approval limits as the page showed them: a page opened before an
    approved raise (or another rep's change) would otherwise lower the limits back,
    unnoticed, when saved for some other field."""

    limits_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CommercialTerms
        fields = ("organization", "legal_name", "address", "default_currency", "agreed_price_down_pct",
                  "discount_approval_threshold_pct", "incoterms", "incoterms_place", "payment_terms_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["limits_seen"].initial = _limits_text(self.instance)

    def clean(self):
        cleaned = super().clean()
        seen = (cleaned.get("limits_seen") or "").split()
        if self.instance.pk and seen != _limits_text(self.instance).split():  # the stored ones, still
            for i, name in enumerate(APPROVAL_LIMITS):
                stored = getattr(self.instance, name)
                if i >= len(seen) or seen[i] != str(stored):
                    self.add_error(name, f"changed to {stored} % since this page was opened (an approved "
                                         f"raise, or another rep's change): reload the page and edit again")
        return cleaned


@admin.register(CommercialTerms)
class CommercialTermsAdmin(HistoryAdmin):
    """Each customer's supply agreement; every change is kept in the history."""

    list_display = ("organization", "legal_name", "default_currency", "agreed_price_down_pct",
                    "discount_approval_threshold_pct", "incoterms", "payment_terms_days",
                    "updated_at")
    form = CommercialTermsForm
    list_select_related = ("organization",)
    search_fields = ("organization__name", "legal_name")
    list_filter = ("default_currency", "incoterms")
    autocomplete_fields = ("organization",)
    fieldsets = (
        (None, {"fields": ("organization", "legal_name", "address")}),
        ("Pricing", {"fields": ("default_currency", "agreed_price_down_pct",
                                "discount_approval_threshold_pct", "limits_seen")}),
        ("Delivery and payment", {"fields": ("incoterms", "incoterms_place", "payment_terms_days")}),
    )

    def get_readonly_fields(self, request, obj=None):
        """An agreement stays with its organization: moved to another, its limits would reach
        that customer with nobody approving them."""
        return ("organization", "pending_change") if obj is not None else ("pending_change",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, ("Waiting for a second sales rep", {"fields": ("pending_change",)}))

    @admin.display(description="raise of approval limits")
    def pending_change(self, obj):
        change = obj.organization.terms_changes.filter(status=TermsChange.Status.PENDING).first()
        if change is None:
            return "none"
        url = reverse("admin:core_termschange_change", args=[change.pk])
        return format_html('<a href="{}">{}</a>, proposed by {} on {}', url, change.describe(),
                           change.proposed_by.get_username(), f"{change.proposed_at:%Y-%m-%d %H:%M} UTC")

    def save_model(self, request, obj, form, change):
        saved = services.commercial_terms_save(terms=obj, user=request.user)
        if saved.superseded is not None:
            old = saved.superseded
            self.message_user(
                request, f"The raise of the {old.describe()} that {old.proposed_by.get_username()} "
                         f"proposed on {old.proposed_at:%Y-%m-%d} is superseded by this change.",
                messages.WARNING)
        if (proposal := saved.proposal) is not None:
            self.message_user(
                request, f"Raising the {proposal.describe()} needs another sales rep's approval: it is "
                         f"proposed, not applied. The rest of the change is saved.", messages.WARNING)


@admin.register(TermsChange)
class TermsChangeAdmin(admin.ModelAdmin):
    """Raises of customers' approval limits, waiting for a second sales rep (four eyes)."""

    list_display = ("organization", "raise_", "limits_now", "status", "proposed", "decided")
    list_filter = ("status",)
    list_select_related = ("organization__commercial_terms", "proposed_by", "decided_by")
    search_fields = ("organization__name",)
    readonly_fields = ("organization", "agreed_price_down_pct", "discount_approval_threshold_pct",
                       "status", "proposed_by", "proposed_at", "decided_by", "decided_at")
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False  # proposed by editing the commercial terms

    _SHORT = {"agreed_price_down_pct": "price-down", "discount_approval_threshold_pct": "threshold"}

    @admin.display(description="raise")
    def raise_(self, obj):
        return ", ".join(f"{self._SHORT[name]} → {value:.2f} %" for name, value in obj.proposed().items())

    @admin.display(description="in force now")
    def limits_now(self, obj):
        terms = getattr(obj.organization, "commercial_terms", None) or CommercialTerms(
            organization=obj.organization)
        return ", ".join(f"{self._SHORT[name]} {getattr(terms, name):.2f} %" for name in APPROVAL_LIMITS)

    @admin.display(description="proposed", ordering="proposed_at")
    def proposed(self, obj):
        return f"{obj.proposed_by.get_username()}, {obj.proposed_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="decided", ordering="decided_at")
    def decided(self, obj):
        if obj.decided_by is None:
            return "—"
        return f"{obj.decided_by.get_username()}, {obj.decided_at:%Y-%m-%d %H:%M} UTC"

    def has_delete_permission(self, request, obj=None):
        # The record of who proposed and who decided stays; the operator may still delete an
        # organization, and its changes with it.
        return request.user.is_active and request.user.is_superuser

    @admin.action(description="Approve (another sales rep than the proposer)", permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, services.terms_change_approve, "approved: in force now")

    @admin.action(description="Reject (withdraw, for its proposer)", permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.terms_change_reject, "rejected: nothing changes")

    def _decide(self, request, queryset, decide, done: str) -> None:
        for change in queryset:
            try:
                decide(change=change, user=request.user)
            except Conflict as exc:
                self.message_user(request, f"{change.organization}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{change.organization}: the raise of the {change.describe()} is "
                                           f"{done}.", messages.SUCCESS)
