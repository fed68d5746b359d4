from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A person. Their organization and role come from their membership."""

    email = models.EmailField("email address", blank=True)


class Organization(models.Model):
    class Kind(models.TextChoices):
        AUTOMAKER = "automaker", "Automaker (buyer)"
        PARTNER = "partner", "Partner (API integration)"
        INTERNAL = "internal", "corekit (our company)"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SALES_REP = "sales_rep", "Sales rep"
        PARTNER = "partner", "Partner integration"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class OrganizationOwnedQuerySet(models.QuerySet):
    """The one place where customer-owned rows are scoped to the caller's organization."""

    def for_organization(self, organization: Organization | None):
        if organization is None:
            return self.none()
        return self.filter(organization=organization)


class ApiKey(models.Model):
    """A partner's key. Only a SHA-256 hash is stored; the key is shown once at creation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.PARTNER
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=~Q(prefix=""), name="apikey_prefix_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OutboxMessage(models.Model):
    """A task to dispatch, written in the same transaction as the change that needs it.

    If the broker is down at request time nothing is lost: the relay sends what is
    still pending once Redis answers again.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"


class SignInFailure(models.Model):
    """One failed sign-in, counted per username and per client address.

    In the database rather than the cache so that every web process shares the count and
    sign-in keeps working (and keeps being throttled) when Redis is away. `key` is a hash
    of "user:<name>" or "addr:<address>": people type passwords into the username field,
    and those are not kept.
    """

    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="signinfailure_key_at")]

    def __str__(self) -> str:
        return f"{self.key[:12]}… at {self.at:%Y-%m-%d %H:%M:%S}"
