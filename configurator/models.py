"""Kit templates (editable by sales reps) and buyers' saved configurations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from configurator.domain.sourcing import DEFAULT_POLICY
from core.history import history_user
from core.models import Organization, OrganizationOwnedQuerySet
from parts.models import CATEGORY_CHOICES, Part


class KitTemplate(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class KitSlot(models.Model):
    class Formula(models.TextChoices):
        NONE = "", "fixed range"
        MAGNET = "magnet", "poles × magnets per pole × axial segments"

    template = models.ForeignKey(KitTemplate, on_delete=models.CASCADE, related_name="slots")
    code = models.SlugField(max_length=40)
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES)
    min_qty = models.PositiveIntegerField()
    max_qty = models.PositiveIntegerField()
    required = models.BooleanField(default=True)
    formula = models.CharField(max_length=20, choices=Formula.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="kit_slot_unique_code"),
            models.CheckConstraint(condition=Q(max_qty__gte=models.F("min_qty")),
                                   name="kit_slot_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code}:{self.code} ({self.min_qty}..{self.max_qty})"


class Configuration(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="configurations"
    )
    name = models.CharField(max_length=200)
    template = models.ForeignKey(KitTemplate, on_delete=models.PROTECT, related_name="+")
    sourcing_policy = models.CharField(max_length=40, default=DEFAULT_POLICY)
    dc_bus_voltage_v = models.PositiveIntegerField(null=True, blank=True)
    max_speed_rpm = models.PositiveIntegerField(null=True, blank=True)
    max_magnet_temp_c = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    max_winding_temp_c = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The latest validation (interfaces.md validation object) and when it was made.
    validation = models.JSONField(default=dict, blank=True)
    is_valid = models.BooleanField(default=False)
    is_complete = models.BooleanField(default=False)
    validated_at = models.DateTimeField(null=True, blank=True)
    # Set when a catalog or rule change turned a valid configuration invalid.
    invalidated_by_change = models.CharField(max_length=300, blank=True)

    objects = OrganizationOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ConfigurationLine(models.Model):
    configuration = models.ForeignKey(Configuration, on_delete=models.CASCADE, related_name="lines")
    slot = models.SlugField(max_length=40)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="configuration_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["configuration", "id"]
        constraints = [
            models.UniqueConstraint(fields=["configuration", "slot"], name="config_line_one_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.slot}: {self.quantity} × {self.part_id}"


class ScheduleYear(models.Model):
    configuration = models.ForeignKey(
        Configuration, on_delete=models.CASCADE, related_name="schedule"
    )
    year = models.PositiveSmallIntegerField()
    kits = models.PositiveIntegerField()

    class Meta:
        ordering = ["configuration", "year"]
        constraints = [
            models.UniqueConstraint(fields=["configuration", "year"], name="schedule_one_per_year"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100),
                                   name="schedule_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.kits} kits"


class ChangeImpact(models.Model):
    """A configuration that a catalog or rule change turned invalid: the sales rep's impact list."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(max_length=300)
    configuration = models.ForeignKey(
        Configuration, on_delete=models.CASCADE, related_name="impacts"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    errors = models.JSONField(default=list, help_text="the error violations after the change")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.configuration} invalid after {self.reason}"


class CustomPolicy(models.Model):
    """A sourcing rule pack written by a sales rep, judged by the same engine as the built-ins.

    Each save is a new version (the engine caches verdicts per version); the history
    records who changed what.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="the customer whose policy this is (only they see and use it); "
                  "empty: a global policy every organization sees",
    )
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="contract clause, regulation…")
    excluded_countries = models.JSONField(
        default=list, help_text='ISO codes a covered stage may not be in, e.g. ["CN", "RU"]'
    )
    excluded_stages = models.JSONField(
        default=list, blank=True, help_text="stages the exclusion covers; empty: every stage"
    )
    categories = models.JSONField(default=list, blank=True,
                                  help_text="part categories covered; empty: every part")
    require_declared_stages = models.BooleanField(
        default=True, help_text="an undeclared required stage is ORIGIN_UNKNOWN (magnets: the four "
        "raw-material stages; every part: component manufacturing)")
    check_restricted_entities = models.BooleanField(
        default=True, help_text="suppliers and stage companies marked restricted are ENTITY_RESTRICTED")
    check_evidence = models.BooleanField(default=True, help_text="expired evidence is a warning")
    effective_from = models.DateField()
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "custom sourcing policies"

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"


# The fields that make a version of a custom policy: its rules and the day they take effect.
# (The description, like the name and the source, is the policy's, not a version's: what a
# version forbids is its rules, described from them.)
POLICY_VERSION_FIELDS = ("effective_from", "excluded_countries", "excluded_stages", "categories",
                         "require_declared_stages", "check_restricted_entities", "check_evidence")


class CustomPolicyVersion(models.Model):
    """A custom policy's rules as they were before an edit changed them.

    The policy row holds its newest version; each edit that changes the rules or their date
    keeps the version before it here. A version is in force from its date until a later
    version's date: an edit taking effect next year leaves today's rules in force until
    then, and an edit dated on or before a version not yet in force withdraws it.
    """

    policy = models.ForeignKey(CustomPolicy, on_delete=models.CASCADE, related_name="earlier_versions")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    excluded_countries = models.JSONField(default=list)
    excluded_stages = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    require_declared_stages = models.BooleanField(default=True)
    check_restricted_entities = models.BooleanField(default=True)
    check_evidence = models.BooleanField(default=True)
    saved_at = models.DateTimeField(help_text="when the edit that replaced it was saved")
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 help_text="who made the edit that replaced it")

    class Meta:
        ordering = ["policy", "version"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="custom_policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.version} from {self.effective_from}"


class PolicyRecheckMark(models.Model):
    """The last day whose rule-pack versions taking effect have re-checked their kits (one
    row). The daily job catches up from there: a day with no run (workers down over a new
    year's day) is re-checked at the next run, not skipped."""

    through = models.DateField()

    def __str__(self) -> str:
        return f"policy re-checks done through {self.through}"


class CatalogArtifact(models.Model):
    """The catalog view built by a worker for one catalog stamp, as signed bytes.

    Web processes load it instead of building the view themselves. Kept in the database
    next to the stamp it was built from, so it survives a Redis restart and a process can
    load it while Redis is down. Rows are keyed by the stamp and by the code that built
    them (a rolling deploy never loads objects pickled by other code); superseded rows
    are deleted when a newer one is stored.
    """

    version = models.PositiveBigIntegerField()
    changed_at = models.DateTimeField(null=True)
    code = models.CharField(max_length=64, help_text="fingerprint of the domain code that built it")
    blob = models.BinaryField()
    size = models.PositiveBigIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)
    build_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "changed_at", "code"],
                                    name="catalog_artifact_unique_stamp"),
        ]

    def __str__(self) -> str:
        return f"catalog view v{self.version} ({self.size:,} bytes)"


class PolicyVerdictGroup(models.Model):
    """One list of parts judged by a policy, stored once and shared by every verdict set with
    the same answer (keyed by a digest of its side and part ids).

    A catalog change moves the stamp and needs a verdict set per policy for the new stamp,
    but most changes (a price, a lead time) change no verdict: the new sets then point at
    the groups already stored, and nothing but one set row per policy is written. A group
    lists the smaller side: the satisfying parts, or the failing ones when fewer fail (a
    policy every part satisfies lists nothing).
    """

    class Lists(models.TextChoices):
        SATISFYING = "satisfying", "the parts that satisfy the policy"
        FAILING = "failing", "the parts that fail the policy"

    digest = models.CharField(max_length=64, unique=True)
    lists = models.CharField(max_length=10, choices=Lists.choices)
    parts = models.PositiveIntegerField(help_text="parts listed")
    used_at = models.DateTimeField(help_text="last chosen for a verdict set (old unused groups are dropped)")

    def __str__(self) -> str:
        return f"{self.parts} {self.lists} parts ({self.digest[:12]})"


class PolicyVerdictSet(models.Model):
    """Which parts satisfy one sourcing policy version, as of one day, for one catalog stamp.

    `GET /parts/?policy=` joins on the set's group instead of sending the list of satisfying
    SKUs to the database with every page. A set is only ever used for the catalog stamp
    (version and time) it was built from, so a catalog or policy change (both move the
    stamp) can never be answered from an old set; `configurator.build_policy_verdicts`
    builds the sets of the new stamp after a change, and a request finding none builds
    its own once.
    """

    policy_code = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=40)
    as_of = models.DateField()
    catalog_version = models.PositiveBigIntegerField()
    catalog_changed_at = models.DateTimeField(null=True)
    built_at = models.DateTimeField()
    satisfying = models.PositiveIntegerField(default=0, help_text="parts that satisfy the policy")
    group = models.ForeignKey(PolicyVerdictGroup, on_delete=models.PROTECT, related_name="sets")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["policy_code", "policy_version", "as_of", "catalog_version", "catalog_changed_at"],
                name="policy_verdict_set_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_code} {self.policy_version} on {self.as_of} (catalog v{self.catalog_version})"


class PolicyVerdict(models.Model):
    """One part listed by a verdict group (satisfying or failing, as the group says)."""

    group = models.ForeignKey(PolicyVerdictGroup, on_delete=models.CASCADE, related_name="verdicts")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="+",
                             related_query_name="policy_verdict")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "part"], name="policy_verdict_group_once"),
        ]

    def __str__(self) -> str:
        return f"part {self.part_id} in verdict group {self.group_id}"
