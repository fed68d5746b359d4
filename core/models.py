from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.domain.money import CURRENCIES
from core.history import history_user


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


# The most a buyer may ever ask as an annual price-down (domain.md section 7): above it the
# request is an input error, not something sales could approve.
MAX_ANNUAL_PRICE_DOWN_PCT = 10

# Incoterms 2020.
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")


def default_discount_approval_threshold() -> Decimal:
    """The threshold for organizations whose agreement does not set one (5 % unless configured)."""
    return Decimal(settings.COREKIT_DISCOUNT_APPROVAL_THRESHOLD_PCT).quantize(Decimal("0.01"))


# The terms that decide whether a quote needs a sales rep's approval.
APPROVAL_LIMITS = ("agreed_price_down_pct", "discount_approval_threshold_pct")
LIMIT_LABELS = {"agreed_price_down_pct": "agreed annual price-down",
                "discount_approval_threshold_pct": "manual-discount approval threshold"}


class CommercialTerms(models.Model):
    """An organization's supply agreement as kept by sales reps; quotes default to it.

    A quote whose annual price-down exceeds `agreed_price_down_pct`, or whose manual
    discount exceeds `discount_approval_threshold_pct`, waits for a sales rep's approval.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="commercial_terms"
    )
    legal_name = models.CharField(max_length=200, blank=True,
                                  help_text="the contracting legal entity; the name when empty")
    address = models.TextField(max_length=1000, blank=True, help_text="registered address")
    default_currency = models.CharField(
        max_length=3, choices=[(c, c) for c in CURRENCIES], default="KRW",
        help_text="the quote currency when a request does not name one",
    )
    agreed_price_down_pct = models.DecimalField(
        "agreed annual price-down (%)", max_digits=4, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(0), MaxValueValidator(MAX_ANNUAL_PRICE_DOWN_PCT)],
        help_text=f"from the supply agreement, 0–{MAX_ANNUAL_PRICE_DOWN_PCT} %; a quote asking more "
                  "needs a sales rep's approval",
    )
    discount_approval_threshold_pct = models.DecimalField(
        "manual-discount approval threshold (%)", max_digits=4, decimal_places=2,
        default=default_discount_approval_threshold,
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("99.99"))],
        help_text="a manual discount above it needs a sales rep's approval",
    )
    incoterms = models.CharField(max_length=3, choices=[(c, c) for c in INCOTERMS], default="FCA")
    incoterms_place = models.CharField(max_length=100, blank=True,
                                       help_text="named place, e.g. 'Ulsan plant'")
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days net)", default=60, validators=[MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = "commercial terms"
        verbose_name_plural = "commercial terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(agreed_price_down_pct__gte=0)
                & Q(agreed_price_down_pct__lte=MAX_ANNUAL_PRICE_DOWN_PCT),
                name="terms_price_down_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_approval_threshold_pct__gte=0)
                & Q(discount_approval_threshold_pct__lt=100),
                name="terms_discount_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(payment_terms_days__lte=365), name="terms_payment_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"terms of {self.organization}"

    @property
    def payment_terms(self) -> str:
        return f"{self.payment_terms_days} days net"

    @property
    def incoterms_display(self) -> str:
        return f"{self.incoterms} {self.incoterms_place}".strip()


class TermsChange(models.Model):
    """A sales rep's raise of an organization's approval limits, waiting for another rep.

    A higher agreed price-down or manual-discount threshold lets that customer's later
    quotes through with no approval at all, so the rep who asks for it does not make it
    effective alone: it is kept here until a second sales rep approves it (or it is
    rejected, or withdrawn by its proposer). Lowering a limit applies at once. Empty
    proposed values leave that limit as it is."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second sales rep"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded by a later change of the limits"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="terms_changes")
    agreed_price_down_pct = models.DecimalField(
        "agreed annual price-down (%)", max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_ANNUAL_PRICE_DOWN_PCT)])
    discount_approval_threshold_pct = models.DecimalField(
        "manual-discount approval threshold (%)", max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("99.99"))])
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "commercial terms change"
        ordering = ("-proposed_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(status="pending"),
                                    name="terms_change_one_pending"),
            models.CheckConstraint(
                condition=Q(agreed_price_down_pct__isnull=True)
                | (Q(agreed_price_down_pct__gte=0) & Q(agreed_price_down_pct__lte=MAX_ANNUAL_PRICE_DOWN_PCT)),
                name="terms_change_price_down_range"),
            models.CheckConstraint(
                condition=Q(discount_approval_threshold_pct__isnull=True)
                | (Q(discount_approval_threshold_pct__gte=0) & Q(discount_approval_threshold_pct__lt=100)),
                name="terms_change_threshold_range"),
        ]

    def __str__(self) -> str:
        return f"terms change for {self.organization} ({self.get_status_display().lower()})"

    def proposed(self) -> dict[str, Decimal]:
        """The limits this change raises, by field name."""
        return {name: value for name in APPROVAL_LIMITS if (value := getattr(self, name)) is not None}

    def decide(self, status: str, user, at) -> None:
        """Record the decision (approved, rejected, withdrawn, superseded): by whom, when."""
        self.status, self.decided_by, self.decided_at = status, user, at
        self.save(update_fields=["status", "decided_by", "decided_at"])

    def describe(self) -> str:
        """"agreed annual price-down to 8.00 %", and so on."""
        return ", ".join(f"{LIMIT_LABELS[name]} to {value:.2f} %" for name, value in self.proposed().items())


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
    """A task to run, written in the same transaction as the change that needs it.

    The message is kept until its task has *finished*, not merely until it is handed
    to the broker: if the broker loses it (Redis restarted without persistence) or the
    worker dies, the relay publishes it again when neither its publication nor a
    worker's sign of progress is more recent than COREKIT_OUTBOX_STALE_SECONDS. Tasks are
    idempotent, so a message run twice does its work once.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                         help_text="last time it was handed to the broker")
    progress_at = models.DateTimeField(
        null=True, blank=True,
        help_text="a worker's last sign of progress (task started), or when a retry is due")
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                        help_text="its task finished")
    attempts = models.PositiveIntegerField(default=0, help_text="publish attempts")
    publish_count = models.PositiveIntegerField(default=0, help_text="times handed to the broker")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        # Not the arguments: they may name a person (a password reset's address), and this
        # is every admin page's title and breadcrumb.
        return f"{self.task} #{self.pk}"

    @property
    def state(self) -> str:
        if self.completed_at is not None:
            return "done"
        if self.dispatched_at is None:
            return "pending"
        return "running"


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
