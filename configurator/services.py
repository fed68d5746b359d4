"""Writes for configurations, and the one place a kit is checked against the engine."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from array import array
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Q

from configurator import catalog_artifacts, events, selectors
from configurator import models as m
from configurator.catalog import (
    catalog_view,
    pinned_view,
    version_label,
    view_knowing,
    view_publish_with_import,
)
from configurator.domain import evaluate, limits
from configurator.domain import types as d
from configurator.domain.completion import completion_status
from configurator.domain.options import default_quantity, parts_satisfying_policy
from configurator.domain.repairs import Repair, apply_repair
from configurator.domain.sourcing import BUILTIN_POLICIES, DEFAULT_POLICY
from configurator.domain.templates import BUILTIN_TEMPLATES
from configurator.selectors import REQUIREMENT_FIELDS, configurations_using
from core import clock, outbox
from core.db import lock_timed_out, lock_wait_at_most
from core.errors import Conflict, ValidationFailed
from parts.models import Part
from parts.selectors import catalog_stamp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineInput:
    slot: str
    sku: str
    quantity: int | None = None  # None: the template's default (magnets: the formula)


@dataclass(frozen=True)
class ConfigurationInput:
    template: str
    name: str = ""
    sourcing_policy: str = DEFAULT_POLICY
    requirements: dict = field(default_factory=dict)
    schedule: Sequence[tuple[int, int]] = ()
    lines: Sequence[LineInput] = ()


@dataclass(frozen=True)
class Resolved:
    """An input checked against the catalog: what the engine and the database need."""

    template_id: int
    snapshot: d.Snapshot


def _requirements(raw: dict) -> d.Requirements:
    unknown = sorted(set(raw) - set(REQUIREMENT_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"requirements.{unknown[0]}: unknown requirement",
            fields={f"requirements.{k}": ["unknown requirement"] for k in unknown},
        )
    def integer(key: str) -> int | None:
        return None if raw.get(key) is None else int(Decimal(str(raw[key])))

    def decimal(key: str) -> Decimal | None:
        return None if raw.get(key) is None else Decimal(str(raw[key]))

    return d.Requirements(
        dc_bus_voltage_v=integer("dc_bus_voltage_v"),
        max_speed_rpm=integer("max_speed_rpm"),
        max_magnet_temp_c=decimal("max_magnet_temp_c"),
        max_winding_temp_c=decimal("max_winding_temp_c"),
    )


def configuration_resolve(data: ConfigurationInput, *, organization, advice: bool = False,
                          kept_policy: str | None = None) -> Resolved:
    """Check every reference in the input (template, policy, slots, SKUs); all errors at once.

    The sourcing policy must be one the organization may use: a built-in, a global custom
    policy or its own (another organization's code is answered as unknown). `kept_policy`: the
    policy the kit already had (saved, copied or quoted under it), which it keeps even if a
    sales rep has retired it since: retiring a policy stops new kits choosing it, not the
    programs running under it. `advice`: the snapshot only advises (a validation request),
    so the bookings may be up to a second old."""
    view = view_knowing(skus=[ln.sku for ln in data.lines], templates=[data.template])
    errors: dict[str, list[str]] = {}
    template_id, template_snapshot = view.templates.get(data.template, (None, None))
    if template_snapshot is None:
        errors["template"] = [
            f"unknown kit template {data.template!r} ({', '.join(view.templates)})"
        ]
    policy = selectors.sourcing_policy_get(data.sourcing_policy, organization,
                                           retired=data.sourcing_policy == kept_policy)
    if policy is None:
        errors["sourcing_policy"] = [f"unknown sourcing policy {data.sourcing_policy!r}"]
    _check_bounds(data, errors)
    years = [year for year, _ in data.schedule]
    for i, year in enumerate(years):
        if years.index(year) != i:
            errors[f"schedule[{i}].year"] = [f"year {year} appears twice"]

    slot_codes = [s.code for s in template_snapshot.slots] if template_snapshot else []
    parts: dict[str, d.Part] = {}
    seen: set[str] = set()
    for i, line in enumerate(data.lines):
        if template_snapshot and line.slot not in slot_codes:
            errors[f"lines[{i}].slot"] = [
                f"{line.slot!r} is not a slot of {data.template} ({', '.join(slot_codes)})"
            ]
        if line.slot in seen:
            errors[f"lines[{i}].slot"] = [f"slot {line.slot!r} is filled twice"]
        seen.add(line.slot)
        part = view.index.get(line.sku)
        if part is None:
            errors[f"lines[{i}].sku"] = [f"unknown SKU {line.sku!r}"]
        else:
            parts[line.sku] = part
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", fields=errors)

    # Quantities left blank take the domain's default (the magnet formula with the kit's
    # rotor core, else the slot's minimum): judged on the kit as submitted.
    submitted = [d.Line(slot=ln.slot, part=parts[ln.sku], quantity=ln.quantity or 1) for ln in data.lines]
    snapshot = selectors.snapshot_build(
        template=template_snapshot,
        requirements=_requirements(data.requirements),
        lines=submitted,
        policy=policy,
        schedule=[d.ScheduleYear(year=y, kits=k) for y, k in data.schedule],
        restricted=view.restricted_entities,
        recent_bookings=advice,
    )
    snapshot = replace(snapshot, lines=tuple(
        replace(line, quantity=ln.quantity if ln.quantity is not None
                else default_quantity(snapshot, line.slot, line.part))
        for ln, line in zip(data.lines, submitted, strict=True)
    ))
    return Resolved(template_id=template_id, snapshot=snapshot)


def _check_bounds(data: ConfigurationInput, errors: dict[str, list[str]]) -> None:
    """The limits of configurator.domain.limits, whatever door the input came through."""
    if len(data.name or "") > limits.NAME_MAX_LENGTH:
        errors["name"] = [f"must be at most {limits.NAME_MAX_LENGTH} characters"]
    if len(data.schedule) > limits.MAX_SCHEDULE_YEARS:
        errors["schedule"] = [f"at most {limits.MAX_SCHEDULE_YEARS} years"]
    for i, (year, kits) in enumerate(data.schedule[: limits.MAX_SCHEDULE_YEARS]):
        if not isinstance(year, int) or not limits.YEAR_MIN <= year <= limits.YEAR_MAX:
            errors[f"schedule[{i}].year"] = [f"must be between {limits.YEAR_MIN} and {limits.YEAR_MAX}"]
        if not isinstance(kits, int) or not 0 <= kits <= limits.MAX_KITS_PER_YEAR:
            errors[f"schedule[{i}].kits"] = [f"must be between 0 and {limits.MAX_KITS_PER_YEAR:,}"]
    if len(data.lines) > limits.MAX_LINES:
        errors["lines"] = [f"at most {limits.MAX_LINES} lines"]
    for i, line in enumerate(data.lines[: limits.MAX_LINES]):
        if line.quantity is not None and not 0 <= line.quantity <= limits.MAX_QUANTITY_PER_KIT:
            errors[f"lines[{i}].quantity"] = [
                f"must be between 0 and {limits.MAX_QUANTITY_PER_KIT:,} per kit"]


def completion_of(snapshot: d.Snapshot) -> dict:
    """Whether the kit can still be completed without an error; if not, why and what would relax it."""
    return completion_status(snapshot, catalog_view().index).to_dict()


def configuration_check(*, data: ConfigurationInput, organization) -> dict:
    """The validation object of an unsaved configuration, with its completion status and the
    catalog stamp that judged both (one view for the whole check, even if the process swaps
    in a newer one meanwhile)."""
    with pinned_view():
        snapshot = configuration_resolve(data, organization=organization, advice=True).snapshot
        view = catalog_view()  # the pinned one (resolving may have moved it to the current catalog)
        return {**evaluate(snapshot).to_dict(), "completion": completion_of(snapshot),
                "catalog_version": version_label(view.version)}


def _store_validation(
    configuration: m.Configuration, validation: d.Validation, snapshot: d.Snapshot | None = None
) -> None:
    configuration.validation = validation.to_dict()
    if snapshot is not None:
        configuration.validation["completion"] = completion_of(snapshot)
    configuration.is_valid = validation.valid
    configuration.is_complete = validation.complete
    configuration.validated_at = clock.now()


def _write(configuration: m.Configuration, data: ConfigurationInput, resolved: Resolved) -> None:
    configuration.template_id = resolved.template_id
    configuration.name = data.name or configuration.name or resolved.snapshot.template.name
    configuration.sourcing_policy = data.sourcing_policy
    req = resolved.snapshot.requirements
    configuration.dc_bus_voltage_v = req.dc_bus_voltage_v
    configuration.max_speed_rpm = req.max_speed_rpm
    configuration.max_magnet_temp_c = req.max_magnet_temp_c
    configuration.max_winding_temp_c = req.max_winding_temp_c
    _store_validation(configuration, evaluate(resolved.snapshot), resolved.snapshot)
    configuration.invalidated_by_change = ""
    configuration.save()
    configuration.lines.all().delete()
    configuration.schedule.all().delete()
    part_ids = dict(
        Part.objects.filter(sku__in=[ln.part.sku for ln in resolved.snapshot.lines])
        .values_list("sku", "pk")
    )
    m.ConfigurationLine.objects.bulk_create([
        m.ConfigurationLine(configuration=configuration, slot=ln.slot,
                            part_id=part_ids[ln.part.sku], quantity=ln.quantity)
        for ln in resolved.snapshot.lines
    ])
    m.ScheduleYear.objects.bulk_create([
        m.ScheduleYear(configuration=configuration, year=s.year, kits=s.kits)
        for s in resolved.snapshot.schedule
    ])


@transaction.atomic
def configuration_create(*, organization, user=None, data: ConfigurationInput,
                         kept_policy: str | None = None) -> m.Configuration:
    resolved = configuration_resolve(data, organization=organization, kept_policy=kept_policy)
    configuration = m.Configuration(organization=organization, created_by=user)
    _write(configuration, data, resolved)
    return configuration


def configuration_input_of(configuration: m.Configuration) -> ConfigurationInput:
    """A saved configuration as input again (for partial updates and clones)."""
    return ConfigurationInput(
        template=configuration.template.code,
        name=configuration.name,
        sourcing_policy=configuration.sourcing_policy,
        requirements={
            k: getattr(configuration, k) for k in REQUIREMENT_FIELDS
            if getattr(configuration, k) is not None
        },
        schedule=[(s.year, s.kits) for s in configuration.schedule.all()],
        lines=[LineInput(slot=ln.slot, sku=ln.part.sku, quantity=ln.quantity)
               for ln in configuration.lines.all()],
    )


@dataclass(frozen=True)
class SavedInput:
    """A saved configuration as input, with what a quote records of it."""

    pk: int
    name: str
    template_name: str
    organization_id: int
    data: ConfigurationInput


def configuration_input_get(*, organization, pk: int) -> SavedInput | None:
    """One of the caller's configurations as input, from plain rows (None: not the caller's)."""
    saved = selectors.configuration_rows(organization=organization, pk=pk)
    if saved is None:
        return None
    return SavedInput(pk=pk, name=saved.name, template_name=saved.template_name,
                      organization_id=saved.organization_id,
                      data=ConfigurationInput(
                          template=saved.template_code, name=saved.name,
                          sourcing_policy=saved.sourcing_policy,
                          requirements={k: v for k, v in saved.requirements.items() if v is not None},
                          schedule=saved.schedule,
                          lines=[LineInput(slot=slot, sku=sku, quantity=quantity)
                                 for slot, sku, quantity in saved.lines]))


def configuration_ensure_changeable(*, configuration: m.Configuration) -> None:
    """A configuration that has an accepted order is that order's record: copy it to change it."""
    order_number = selectors.configuration_order_number(configuration=configuration)
    if order_number:
        raise Conflict(
            f"this configuration was ordered ({order_number}) and can no longer be changed; "
            "copy it to work on a new version", code="configuration_ordered",
        )


@transaction.atomic
def configuration_repair_apply(*, configuration: m.Configuration, repair: Repair) -> m.Configuration:
    """Make a suggested repair exactly as the domain judged it (configurator.domain.apply_repair),
    then save the kit's lines and revalidate."""
    try:
        after = apply_repair(selectors.configuration_snapshot(configuration), repair, catalog_view().index)
    except KeyError as exc:
        raise Conflict(f"part {exc.args[0]} is no longer in the catalog", code="repair_stale") from None
    lines = [LineInput(slot=ln.slot, sku=ln.part.sku, quantity=ln.quantity) for ln in after.lines]
    return configuration_update(configuration=configuration, changes={"lines": lines})


@transaction.atomic
def configuration_update(*, configuration: m.Configuration, changes: dict) -> m.Configuration:
    """Change some of name, template, sourcing_policy, requirements, schedule, lines; revalidate."""
    m.Configuration.objects.select_for_update().filter(pk=configuration.pk).first()
    configuration_ensure_changeable(configuration=configuration)
    current = configuration_input_of(configuration)
    requirements = dict(current.requirements)
    if "requirements" in changes:
        requirements.update(changes["requirements"])
        requirements = {k: v for k, v in requirements.items() if v is not None}
    data = ConfigurationInput(
        template=changes.get("template", current.template),
        name=changes.get("name", current.name),
        sourcing_policy=changes.get("sourcing_policy", current.sourcing_policy),
        requirements=requirements,
        schedule=changes.get("schedule", current.schedule),
        lines=changes.get("lines", current.lines),
    )
    _write(configuration, data, configuration_resolve(data, organization=configuration.organization_id,
                                                      kept_policy=current.sourcing_policy))
    return configuration


@transaction.atomic
def configuration_clone(*, configuration: m.Configuration, user=None, name: str = "") -> m.Configuration:
    data = configuration_input_of(configuration)
    if len(name) > limits.NAME_MAX_LENGTH:
        raise ValidationFailed(f"name: must be at most {limits.NAME_MAX_LENGTH} characters",
                               fields={"name": [f"at most {limits.NAME_MAX_LENGTH} characters"]})
    clone_name = name or f"{configuration.name[: limits.NAME_MAX_LENGTH - 7]} (copy)"
    data = ConfigurationInput(**{**data.__dict__, "name": clone_name})
    clone = configuration_create(organization=configuration.organization, user=user, data=data,
                                 kept_policy=data.sourcing_policy)
    clone.cloned_from = configuration
    clone.save(update_fields=["cloned_from"])
    return clone


@transaction.atomic
def configuration_delete(*, configuration: m.Configuration) -> None:
    """Delete a draft. A configuration with quotes (and so any order) is kept as their record:
    the web, the API and the admin all refuse through here, with the same error."""
    m.Configuration.objects.select_for_update().filter(pk=configuration.pk).first()
    configuration_ensure_changeable(configuration=configuration)
    if configuration.quotes.exists():
        raise Conflict(
            "This configuration has quotes; it is kept as their record (copy it to change it).",
            code="configuration_has_quotes",
        )
    configuration.delete()


@transaction.atomic
def configuration_revalidate(*, configuration: m.Configuration, reason: str = "") -> bool:
    """Re-check a saved configuration against today's catalog; True if it just became invalid.
    One transaction: the impact record and the configuration's new state appear together."""
    was_valid = configuration.is_valid
    snapshot = selectors.configuration_snapshot(configuration)
    validation = evaluate(snapshot)
    _store_validation(configuration, validation, snapshot)
    became_invalid = was_valid and not validation.valid
    if became_invalid:
        configuration.invalidated_by_change = reason[:300] or "catalog change"
        m.ChangeImpact.objects.create(
            configuration=configuration, organization_id=configuration.organization_id,
            reason=configuration.invalidated_by_change,
            errors=[v.to_dict() for v in validation.errors],
        )
    elif validation.valid:
        configuration.invalidated_by_change = ""
    configuration.save(update_fields=[
        "validation", "is_valid", "is_complete", "validated_at", "invalidated_by_change",
    ])
    return became_invalid


def configurations_revalidate(*, part_ids=(), supplier_ids=(), reason: str = "") -> list[int]:
    """Re-check every saved configuration using these parts or suppliers; ids that became invalid."""
    ids = list(configurations_using(part_ids=part_ids, supplier_ids=supplier_ids)
               .values_list("pk", flat=True))
    return _revalidate(ids, reason)


def _revalidate(ids: Sequence[int], reason: str) -> list[int]:
    invalid = []
    for pk in ids:
        configuration = _for_revalidation().filter(pk=pk).first()
        if configuration is not None and configuration_revalidate(
            configuration=configuration, reason=reason
        ):
            invalid.append(pk)
    return invalid


def kit_templates_seed() -> int:
    """Make sure the built-in templates exist (domain.md section 3); sales reps' edits are kept."""
    created = 0
    for template in BUILTIN_TEMPLATES.values():
        row, made = m.KitTemplate.objects.get_or_create(code=template.code,
                                                       defaults={"name": template.name})
        created += made
        if made:
            m.KitSlot.objects.bulk_create([
                m.KitSlot(template=row, code=s.code, category=s.category, min_qty=s.min_qty,
                          max_qty=s.max_qty, required=s.required, formula=s.formula or "",
                          position=i)
                for i, s in enumerate(template.slots)
            ])
    return created


def configurations_revalidate_for_policy(*, policy_code: str | None = None, reason: str) -> list[int]:
    """Re-check saved configurations under one policy (or all): after a rule-pack release, or on
    the day a new version of a pack takes effect (e.g. DFARS on 2027-01-01)."""
    qs = m.Configuration.objects.all()
    if policy_code:
        qs = qs.filter(sourcing_policy=policy_code)
    invalid = []
    for configuration in _for_revalidation().filter(pk__in=qs.values("pk")):
        if configuration_revalidate(configuration=configuration, reason=reason):
            invalid.append(configuration.pk)
    return invalid


@transaction.atomic
def custom_policy_save(*, policy: m.CustomPolicy, user=None) -> m.CustomPolicy:
    """Create or edit a sales rep's rule pack, recorded in the history with who made it; the
    catalog stamp moves (parts.receivers) and every saved configuration under the code is
    re-checked by a worker.

    An edit that changes the rules or their date is a new version (`cN`), and keeps the one it
    replaces (`CustomPolicyVersion`): the old rules stay in force until the new version's
    date, so a change agreed for next year does not lift today's rules in the meantime. Other
    edits (name, description, source, retiring it) keep the version."""
    saved_by = user if getattr(user, "pk", None) else None
    if policy.pk is not None:
        current = m.CustomPolicy.objects.select_for_update().filter(pk=policy.pk).first()
        if current is not None and any(getattr(current, f) != getattr(policy, f)
                                       for f in m.POLICY_VERSION_FIELDS):
            m.CustomPolicyVersion.objects.create(
                policy=current, version=current.version, saved_at=clock.now(), saved_by=saved_by,
                **{f: getattr(current, f) for f in m.POLICY_VERSION_FIELDS})
            policy.version = current.version + 1
        elif current is not None:  # a new name, description or status: the same rules, same label
            policy.version = current.version
    policy._history_user = saved_by
    policy.save()
    by = f" by {saved_by.get_username()}" if saved_by else ""
    outbox.enqueue("configurator.revalidate_policy", policy_code=policy.code,
                   reason=f"policy {policy.code} v{policy.version} saved{by}")
    events.policy_verdicts_refresh()
    return policy


def policies_taking_effect(day, *, since=None) -> list[str]:
    """The built-in packs with a version taking effect on `day` (or on any day after `since`
    up to `day`), and the sales reps' custom policies (retired ones too: kits still name them)
    taking effect then: their kits were judged by the rules before it (custom ones were left
    out, and stayed "valid" a day later while a fresh check refused them)."""
    first = day if since is None else since + dt.timedelta(days=1)
    builtin = [p.code for p in BUILTIN_POLICIES.values()
               if any(first <= v.effective_from <= day for v in p.versions)]
    custom = (m.CustomPolicy.objects.filter(Q(effective_from__range=(first, day))
                                            | Q(earlier_versions__effective_from__range=(first, day)))
              .order_by("code").distinct())
    return builtin + list(custom.values_list("code", flat=True))


# A first run re-checks the versions that took effect this many days back at most.
POLICY_RECHECK_FIRST_DAYS = 7


def policies_recheck_due(today) -> list[int]:
    """Re-check the kits under every policy with a version taking effect since the last run
    (through today), then mark today done. Each kit's re-check commits on its own (as any
    re-check does); the mark moves only after all of them, so a run that fails is done again
    by the next one, and two runs at once only repeat idempotent work. The mark never moves
    back (a clock set back re-checks nothing twice)."""
    mark = m.PolicyRecheckMark.objects.filter(pk=1).values_list("through", flat=True).first()
    since = today - dt.timedelta(days=POLICY_RECHECK_FIRST_DAYS) if mark is None else mark
    # Today again, every run of the day: a version dated today may have been saved since (a
    # custom policy's edit is re-checked when saved; this is the daily safety net).
    since = min(since, today - dt.timedelta(days=1))
    invalid: list[int] = []
    for code in policies_taking_effect(today, since=since):
        invalid += configurations_revalidate_for_policy(
            policy_code=code, reason=f"{code} version effective by {today.isoformat()}")
    m.PolicyRecheckMark.objects.update_or_create(pk=1, defaults={"through": max(today, mark or today)})
    return invalid


def _for_revalidation():
    from django.db.models import Prefetch

    return m.Configuration.objects.select_related("template").prefetch_related(
        Prefetch("lines", queryset=m.ConfigurationLine.objects.select_related("part").order_by("id")),
        "schedule",
    )


# --- stored policy verdicts (GET /parts/?policy=) -------------------------------------


VERDICT_SETS_KEPT = dt.timedelta(minutes=10)  # old stamps' sets, for requests still using them


# A request that builds a verdict set waits at most this long for another transaction's
# lock on its group (an import storing the same answer holds it until its commit).
REQUEST_LOCK_WAIT_SECONDS = 0.2


def policy_verdict_set_build(*, policy, today=None, view=None, wait: bool = True,
                             part_ids: Callable[[], dict[str, int]] = selectors.part_ids_by_sku,
                             ) -> m.PolicyVerdictSet | None:
    """Store which parts satisfy `policy` (the version in force `today`) for the current catalog
    stamp, unless stored already; returns the set. None when the policy has no version in
    force (every part satisfies it) or this process's catalog view is not the current stamp's
    (nothing is stored that could be served for a catalog it was not judged on).

    The set points at a group holding the smaller side (satisfying or failing parts), and a
    group with the same answer is reused: after a change that changes no verdict (a price,
    a lead time), one row is written. `view`: the catalog view to judge with (this
    process's by default); `part_ids`: every part's id by SKU (one call). `wait=False` (a
    request): None rather than wait for a group another transaction holds: a catalog import
    storing the same answer holds it until its commit, seconds later."""
    today = today or clock.today()
    version = selectors.policy_verdict_key(policy, today)
    if version is None:
        return None
    stamp = catalog_stamp()
    found = selectors.policy_verdict_set_get(policy=policy, today=today, stamp=stamp)
    if found:
        return found
    view = view or catalog_view()
    if tuple(view.version) != tuple(stamp):
        return None
    skus = parts_satisfying_policy(view.index, policy, today, view.restricted_entities)
    satisfying, failing = [], []
    for sku, pk in part_ids().items():
        (satisfying if sku in skus else failing).append(pk)
    waiting = nullcontext() if wait else lock_wait_at_most(REQUEST_LOCK_WAIT_SECONDS)
    try:
        # The inner savepoint: a lock wait that runs out is undone alone.
        with transaction.atomic(), waiting, transaction.atomic():
            group = _verdict_group(satisfying, failing)
            return m.PolicyVerdictSet.objects.create(
                policy_code=policy.code, policy_version=version, as_of=today,
                catalog_version=stamp[0], catalog_changed_at=stamp[1], built_at=clock.now(),
                satisfying=len(satisfying), group=group)
    except IntegrityError:  # another process stored the same set first
        return selectors.policy_verdict_set_get(policy=policy, today=today, stamp=stamp)
    except OperationalError as exc:
        if not lock_timed_out(exc):
            raise
        return None


def _verdict_group(satisfying: list[int], failing: list[int]) -> m.PolicyVerdictGroup:
    """The stored group for this answer: found by its digest (and marked used, which keeps it
    from being dropped meanwhile), or written once."""
    lists, ids = m.PolicyVerdictGroup.Lists.SATISFYING, satisfying
    if len(failing) < len(satisfying):
        lists, ids = m.PolicyVerdictGroup.Lists.FAILING, failing
    ids = sorted(ids)
    digest = hashlib.sha256(lists.encode() + b"\0" + array("q", ids).tobytes()).hexdigest()
    now = clock.now()
    groups = m.PolicyVerdictGroup.objects.filter(digest=digest)
    if groups.update(used_at=now):
        return groups.get()
    try:
        with transaction.atomic():
            group = m.PolicyVerdictGroup.objects.create(digest=digest, lists=lists, parts=len(ids),
                                                        used_at=now)
    except IntegrityError:  # another process wrote the same group first
        groups.update(used_at=now)
        return groups.get()
    m.PolicyVerdict.objects.bulk_create([m.PolicyVerdict(group=group, part_id=pk) for pk in ids],
                                        batch_size=5000)
    return group


def policy_verdicts_build_all(*, today=None, view=None) -> list[int]:
    """After a catalog or policy change: every policy's verdicts for the new stamp (judged with
    `view`, this process's by default); then the sets of older stamps, and the groups no set
    uses, dropped once no request can still be reading them."""
    part_ids = cache(selectors.part_ids_by_sku)  # read once, only if a set is to be built
    built = [verdict_set.pk for policy in selectors.sourcing_policy_list(selectors.ALL_ORGANIZATIONS)
             if (verdict_set := policy_verdict_set_build(policy=policy, today=today, view=view,
                                                         part_ids=part_ids))]
    cutoff = clock.now() - VERDICT_SETS_KEPT
    m.PolicyVerdictSet.objects.filter(built_at__lt=cutoff).exclude(catalog_version=catalog_stamp()[0]).delete()
    m.PolicyVerdictGroup.objects.filter(used_at__lt=cutoff).exclude(
        Exists(m.PolicyVerdictSet.objects.filter(group=OuterRef("pk")))).delete()
    return built


def catalog_publish_with_import(*, progress=None, part_ids=(), supplier_ids=(),
                                reason: str = "catalog import", **kwargs) -> None:
    """Receiver of `parts.signals.catalog_imported`, inside the import's transaction: the new
    catalog view and every policy's verdicts, built from the import's own rows and stored
    with them (`COREKIT_CATALOG_PUBLISH_WITH_IMPORT`), and the saved configurations its
    changes touch, re-checked with that view.

    After the commit, no worker has to build or load the new view: the tasks queued with
    the stamp find the view and the verdicts stored, and the configurations judged. Each
    step runs in a savepoint and its failure is logged, never the import's: that step is
    then done after the commit by a worker, as for any other change."""
    view = None
    if settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT:
        if progress:
            progress("publishing the new catalog view and policy verdicts to every process")
        view = view_publish_with_import()
    if view is not None:
        try:
            with transaction.atomic():
                policy_verdicts_build_all(view=view)
        except Exception:
            logger.exception("policy verdicts: not stored with the import; the verdicts task will build them")
    if not (view is not None and _revalidated_with_import(view, part_ids, supplier_ids, reason)):
        events.catalog_changed(part_ids=part_ids, supplier_ids=supplier_ids, reason=reason)
    if view is not None:
        # Last before the commit: every web process loads the view announced ahead (its
        # heartbeat says so), so that none loads anything once the new stamp is read.
        catalog_artifacts.await_prepared(
            view.version, timeout=settings.COREKIT_CATALOG_PREPARE_WAIT_SECONDS,
            on_wait=progress and (lambda: progress("waiting for every web process to load the new view")))


def _revalidated_with_import(view, part_ids, supplier_ids, reason: str) -> bool:
    """Re-check, in the import's transaction and with its new view, the saved configurations
    its changes touch; False (nothing written) when there are more than
    `COREKIT_IMPORT_REVALIDATES_AT_MOST` of them or the re-check fails: a worker does it.

    Their new state commits with the catalog that changed it, so no reader sees the new
    catalog beside a configuration still marked valid by the old one; the rows stay locked
    only for the rest of the import (the commit follows). A worker doing it after the commit
    first had to load the new view: 0.5 s of CPU at 100k parts, on the hosts' cores just
    when every web process loads it too."""
    at_most = settings.COREKIT_IMPORT_REVALIDATES_AT_MOST
    try:
        with transaction.atomic(), pinned_view(view):
            ids = list(configurations_using(part_ids=part_ids, supplier_ids=supplier_ids)
                       .order_by("pk").values_list("pk", flat=True)[:at_most + 1])
            if len(ids) > at_most:
                return False
            _revalidate(ids, reason)
    except Exception:
        logger.exception("configurations: not re-checked with the import; a worker will")
        return False
    return True
