"""The catalog: suppliers, parts with per-category specs, provenance, prices, indices, rates.

Specs live in one JSON column validated against the category's schema in
`parts.domain.specs` (ten categories with different fields; a column per field would
be mostly empty). Everything the database can guard, it guards: unique SKU, positive
quantities, known currencies, one provenance row per stage.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.history import history_user
from parts.domain.catalog import MAX_LEAD_TIME_DAYS
from parts.domain.provenance import CURRENCIES, STAGE_LABELS, STAGES
from parts.domain.specs import CATEGORIES, CATEGORY_LABELS

SKU_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
sku_validator = RegexValidator(
    SKU_PATTERN, "SKU: letters, digits, '-', '_' and '.' only, at most 64 characters."
)
country_validator = RegexValidator(r"^[A-Z]{2}$", "ISO 3166-1 alpha-2 country code, e.g. KR.")

CATEGORY_CHOICES = [(code, CATEGORY_LABELS[code]) for code in CATEGORIES]
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
STAGE_CHOICES = [(code, STAGE_LABELS[code]) for code in STAGES]


class Supplier(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[sku_validator])
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[country_validator])
    restricted = models.BooleanField(
        default=False, help_text="Listed entity (e.g. UFLPA): parts through it are flagged."
    )
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Part(models.Model):
    sku = models.CharField("SKU", max_length=64, unique=True, validators=[sku_validator])
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES, db_index=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="parts")
    specs = models.JSONField(default=dict)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    lead_time_days = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_LEAD_TIME_DAYS)])
    moq = models.PositiveIntegerField("MOQ", help_text="Minimum order quantity, units")
    annual_capacity = models.PositiveIntegerField(help_text="Units a year the supplier can deliver")
    active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(moq__gt=0), name="part_moq_positive"),
            # Added to today in every lead-time check: a date past year 9999 is a 500 there.
            models.CheckConstraint(condition=Q(lead_time_days__lte=MAX_LEAD_TIME_DAYS),
                                   name="part_lead_time_bounded"),
            models.CheckConstraint(
                condition=Q(currency__in=list(CURRENCIES)), name="part_currency_known"
            ),
            models.CheckConstraint(
                condition=Q(category__in=list(CATEGORIES)), name="part_category_known"
            ),
        ]
        indexes = [models.Index(fields=["category", "active"])]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class ProvenanceStage(models.Model):
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="provenance")
    stage = models.CharField(max_length=32, choices=STAGE_CHOICES)
    country = models.CharField(max_length=2, validators=[country_validator], db_index=True)
    company = models.CharField(max_length=200)
    evidence_reference = models.CharField(max_length=120, blank=True)
    evidence_expires = models.DateField(null=True, blank=True)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["part", "id"]
        constraints = [
            models.UniqueConstraint(fields=["part", "stage"], name="provenance_one_row_per_stage"),
            models.CheckConstraint(
                condition=Q(stage__in=list(STAGES)), name="provenance_stage_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.country} ({self.company})"


class PriceTier(models.Model):
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="price_tiers")
    min_qty = models.PositiveIntegerField(help_text="Yearly units from which this price applies")
    unit_price = models.DecimalField(max_digits=20, decimal_places=6)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["part", "min_qty"]
        constraints = [
            models.UniqueConstraint(fields=["part", "min_qty"], name="price_tier_unique_min_qty"),
            models.CheckConstraint(condition=Q(min_qty__gt=0), name="price_tier_min_qty_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="price_tier_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"≥{self.min_qty}: {self.unit_price}"


class Index(models.Model):
    """A raw-material price index kept by sales reps (NdPr oxide, Dy oxide, ...)."""

    code = models.CharField(max_length=32, unique=True, validators=[sku_validator])
    unit = models.CharField(max_length=32, help_text="e.g. USD/kg")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "indices"

    def __str__(self) -> str:
        return f"{self.code} ({self.unit})"


class IndexValue(models.Model):
    index = models.ForeignKey(Index, on_delete=models.CASCADE, related_name="values")
    date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=6)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["index", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["index", "date"], name="index_value_one_per_day"),
            models.CheckConstraint(condition=Q(value__gte=0), name="index_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.index.code} {self.date}: {self.value}"


class PartIndexLink(models.Model):
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="index_links")
    index = models.ForeignKey(Index, on_delete=models.PROTECT, related_name="part_links")
    base_value = models.DecimalField(max_digits=20, decimal_places=6)
    kg_per_unit = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        ordering = ["part", "index"]
        constraints = [
            models.UniqueConstraint(fields=["part", "index"], name="index_link_unique"),
            models.CheckConstraint(
                condition=Q(kg_per_unit__gte=0), name="index_link_kg_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part.sku} ↔ {self.index.code}"


class ExchangeRate(models.Model):
    """1 unit of `from_currency` buys `rate` units of `to_currency` from `date` on."""

    date = models.DateField()
    from_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    to_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-date", "from_currency", "to_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "from_currency", "to_currency"], name="exchange_rate_one_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")),
                name="exchange_rate_distinct_currencies",
            ),
            models.CheckConstraint(
                condition=Q(from_currency__in=list(CURRENCIES))
                & Q(to_currency__in=list(CURRENCIES)),
                name="exchange_rate_currency_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} 1 {self.from_currency} = {self.rate} {self.to_currency}"


class CatalogStamp(models.Model):
    """One row whose version moves on every catalog write, so in-process caches know when to reload."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"catalog v{self.version}"


class CatalogImportJob(models.Model):
    """A large catalog file imported by a worker (the web request only stores it).

    The import itself keeps its contract: one transaction, all or nothing. The job's own
    row records the phase for the progress page; its final state is written in the import's
    transaction, so a job shown as done has been applied, and one that a killed worker left
    behind is simply run again.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "refused"

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    dry_run = models.BooleanField(default=True)
    content = models.BinaryField(blank=True, default=b"", editable=False,
                                 help_text="the uploaded file, cleared once the job has run")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=60, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    report = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"catalog import #{self.pk} ({self.get_status_display()})"


class CapacityBooking(models.Model):
    """Units of a part an accepted order takes from its supplier's capacity in one year.

    Capacity is shared by every buyer (domain.md section 7): a part's free capacity in
    a year is its `annual_capacity` less the sum of these rows. Rows are written only by
    `parts.services.capacity_book`, under a lock on the parts' rows, in the transaction
    that accepts the order; `reference` is the order number (for sales reps, never shown
    to other buyers).
    """

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="capacity_bookings")
    year = models.PositiveSmallIntegerField()
    units = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=40, help_text="The order that booked the units")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["part", "year", "id"]
        indexes = [models.Index(fields=["year", "part"])]
        constraints = [
            models.UniqueConstraint(fields=["part", "year", "reference"], name="capacity_booking_once"),
            models.CheckConstraint(condition=Q(units__gt=0), name="capacity_booking_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} {self.year}: {self.units} ({self.reference})"
