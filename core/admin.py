from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core import services
from core.models import ApiKey, Membership, Organization, OutboxMessage, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)


class UserMembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
    class Meta:
        model = ApiKey
        fields = ("organization", "name", "role")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "role", "prefix", "created_at", "last_used_at", "active")
    list_filter = ("role", "organization")
    search_fields = ("name", "prefix", "organization__name")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at")
    actions = ("revoke",)

    @admin.display(boolean=True)
    def active(self, key: ApiKey) -> bool:
        return key.is_active

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "name", "role")
        return ("organization", "name", "role", "prefix", "created_by", "created_at",
                "last_used_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.created_by = request.user
        issued = services.api_key_issue(api_key=obj)
        self.message_user(
            request,
            f"New API key for {obj.organization} — copy it now, it is not shown again: "
            f"{issued.raw_key}",
            messages.WARNING,
        )

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

    def has_add_permission(self, request):
        return False
