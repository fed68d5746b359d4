"""Reads for the configurator: templates, configurations, and engine snapshots.

Fetch, then compute (Saleor's checkout/fetch.py): everything the engine needs is
loaded here in a fixed number of queries and turned into frozen domain dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from configurator import models as m
from configurator.catalog import (  # noqa: F401  (the engine's snapshots, read through selectors too)
    REFERENCE_CURRENCY,
    catalog_view,
    kit_template_list,
    kit_template_snapshot,
    note_asked,
    part_snapshot,
    part_snapshots_by_sku,
    restricted_entities,
    usd_rates,
    view_knowing,
)
from configurator.domain import types as d
from configurator.domain.option_order import DEFAULT_SORT, sorted_slot_options
from configurator.domain.options import parts_satisfying_policy
from configurator.domain.options.memo import remembered_all_slot_options, remembered_slot_options
from configurator.domain.repairs import MULTI, Repair, suggest_repairs
from configurator.domain.sourcing import (
    BUILTIN_POLICIES,
    PolicyVersion,
    SourcingPolicy,
    versions_ever_in_force,
)
from core import clock
from core.compiled import CompiledQuery
from parts.domain.provenance import ALWAYS_REQUIRED_STAGES, MAGNET_REQUIRED_STAGES, STAGE_LABELS
from parts.domain.specs import CATEGORY_LABELS
from parts.models import Part, Supplier
from parts.selectors import capacity_booked, entity_keys, parts_naming_entities


def custom_policy_rules_text(version: m.CustomPolicy | m.CustomPolicyVersion) -> str:
    """What one version of a custom policy forbids and checks, in a line: its description in
    the engine, the admin's version table and the quote document's year table."""
    stages = ", ".join(STAGE_LABELS.get(s, s) for s in version.excluded_stages) or "every stage"
    categories = ", ".join(CATEGORY_LABELS.get(c, c) for c in version.categories) or "every part"
    countries = ", ".join(version.excluded_countries) or "no country"
    text = f"excludes {countries} at {stages}, for {categories}"
    if version.require_declared_stages:
        text += "; an undeclared required stage is an error"
    checks = [label for field, label in (("check_restricted_entities", "restricted entities"),
                                         ("check_evidence", "evidence expiry")) if getattr(version, field)]
    return text + (f"; checks {' and '.join(checks)}" if checks else "")


def _custom_policy_version(version: m.CustomPolicy | m.CustomPolicyVersion) -> PolicyVersion:
    """One version of a sales rep's rule pack (the policy row is its newest) as the engine's."""
    params: dict = {
        "excluded_countries": frozenset(c.upper() for c in version.excluded_countries),
        "restricted_entities": version.check_restricted_entities,
        "check_evidence": version.check_evidence,
    }
    if version.excluded_stages:
        params["excluded_stages"] = tuple(version.excluded_stages)
    if version.categories:
        params["categories"] = tuple(version.categories)
    if version.require_declared_stages:
        params["required_stages"] = MappingProxyType(
            {"magnet": MAGNET_REQUIRED_STAGES + ALWAYS_REQUIRED_STAGES, "*": ALWAYS_REQUIRED_STAGES})
    return PolicyVersion(version=f"c{version.version}", effective_from=version.effective_from,
                         description=custom_policy_rules_text(version), params=MappingProxyType(params))


def custom_policy_snapshot(policy: m.CustomPolicy) -> SourcingPolicy:
    """A sales rep's rule pack as the engine's data-driven policy: its earlier versions, each
    in force until a later one takes effect, then its newest (the row itself). Versions a later
    edit withdrew before they took effect are left out."""
    versions = [*(_custom_policy_version(v) for v in policy.earlier_versions.all()),
                _custom_policy_version(policy)]
    return SourcingPolicy(
        code=policy.code, name=policy.name, description=policy.description or policy.name,
        source=policy.source or "custom policy", versions=versions_ever_in_force(versions),
    )


# Custom policies belong to one organization, or (no organization) to everyone. Each reader
# says whose policies it may see; the default, None, sees only the global ones, so a
# caller that forgets to say never shows one customer's policy to another.
ALL_ORGANIZATIONS = object()  # staff screens: every organization's policies


def custom_policy_queryset(organization=None, *, retired: bool = False):
    """The custom policies `organization` may see; `retired`: the inactive ones too."""
    qs = m.CustomPolicy.objects.all() if retired else m.CustomPolicy.objects.filter(active=True)
    qs = qs.prefetch_related("earlier_versions")
    if organization is ALL_ORGANIZATIONS:
        return qs
    if organization is None:
        return qs.filter(organization__isnull=True)
    return qs.filter(Q(organization__isnull=True) | Q(organization=organization))


def sourcing_policy_list(organization=None) -> list[SourcingPolicy]:
    customs = [custom_policy_snapshot(p) for p in custom_policy_queryset(organization)]
    return [*BUILTIN_POLICIES.values(), *customs]


def sourcing_policy_get(code: str, organization=None, *, retired: bool = False) -> SourcingPolicy | None:
    """A policy the organization may use; another organization's custom policy is unknown.
    `retired`: a custom policy a sales rep retired too (for the kits that already name it)."""
    if code in BUILTIN_POLICIES:
        return BUILTIN_POLICIES[code]
    custom = custom_policy_queryset(organization, retired=retired).filter(code=code).first()
    return custom_policy_snapshot(custom) if custom else None


def sourcing_policy_judging(code: str, organization) -> SourcingPolicy:
    """The policy a saved configuration names, retired or not: a custom policy a sales rep
    retires can no longer be chosen, but the kits that chose it go on being judged by it
    (they were judged by no rules at all, `none`, and shown valid). Deleting one that kits
    name is refused (configurator.admin); a code that matches nothing judges by `none`."""
    return sourcing_policy_get(code, organization, retired=True) or BUILTIN_POLICIES["none"]


def sourcing_policy_codes(organization=None) -> list[str]:
    return [*BUILTIN_POLICIES,
            *custom_policy_queryset(organization).values_list("code", flat=True)]


def configuration_queryset(organization) -> QuerySet[m.Configuration]:
    """The caller's configurations only (another organization's answer 404)."""
    return (
        m.Configuration.objects.for_organization(organization)
        .select_related("template")
        .prefetch_related(
            "template__slots",
            Prefetch("lines", queryset=m.ConfigurationLine.objects.select_related("part").order_by("id")),
            Prefetch("schedule", queryset=m.ScheduleYear.objects.order_by("year")),
        )
    )


def configuration_get(*, organization, pk: int) -> m.Configuration | None:
    return configuration_queryset(organization).filter(pk=pk).first()


def snapshot_build(
    *,
    template: d.KitTemplate,
    requirements: d.Requirements,
    lines: Iterable[d.Line],
    policy: SourcingPolicy,
    schedule: Iterable[d.ScheduleYear] = (),
    restricted: frozenset[str] | None = None,
    own_orders: Iterable[str] = (),
    recent_bookings: bool = False,
) -> d.Snapshot:
    """`recent_bookings`: the bookings may be this process's reading of up to a second ago
    (parts.selectors.capacity_booked): for advice on web requests only."""
    schedule = tuple(schedule)
    return d.Snapshot(
        template=template,
        requirements=requirements,
        lines=tuple(lines),
        policy=policy,
        schedule=schedule,
        today=clock.today(),
        restricted_entities=restricted_entities() if restricted is None else restricted,
        # Every part's bookings in the program's years (one query): guided options judge
        # candidates outside the kit against the same free capacity as the kit's own parts.
        booked=capacity_booked(years=[s.year for s in schedule if s.kits > 0], exclude_references=own_orders,
                               recent=recent_bookings),
    )


def configuration_snapshot(configuration: m.Configuration) -> d.Snapshot:
    """A saved configuration (loaded with `configuration_queryset`) as an engine snapshot."""
    lines = list(configuration.lines.all())  # loaded with the part by configuration_queryset
    view = view_knowing(skus=[ln.part.sku for ln in lines], templates=[configuration.template.code])
    parts = {ln.part.sku: view.index.get(ln.part.sku) for ln in lines}
    return snapshot_build(
        template=view.templates[configuration.template.code][1],
        requirements=requirements_of(configuration),
        lines=[d.Line(slot=ln.slot, part=parts[ln.part.sku], quantity=ln.quantity) for ln in lines],
        policy=sourcing_policy_judging(configuration.sourcing_policy, configuration.organization_id),
        schedule=[d.ScheduleYear(year=s.year, kits=s.kits) for s in configuration.schedule.all()],
        restricted=view.restricted_entities,
        # The configuration's own accepted order booked its units: not judged against itself.
        own_orders=_own_order_numbers(configuration.pk),
    )


REQUIREMENT_FIELDS = ("dc_bus_voltage_v", "max_speed_rpm", "max_magnet_temp_c", "max_winding_temp_c")


@dataclass(frozen=True)
class ConfigurationRows:
    """A saved configuration as plain values (what answers under load need of it)."""

    pk: int
    name: str
    template_code: str
    template_name: str
    sourcing_policy: str
    organization_id: int
    ordered: bool  # one of its quotes became an order
    requirements: dict  # field -> value, None included
    lines: list[tuple[str, str, int]]  # (slot, sku, quantity) in line order
    schedule: list[tuple[int, int]]  # (year, kits) by year


_CONFIGURATION_ROWS = CompiledQuery(lambda pk, organization: (
    m.Configuration.objects.for_organization(organization).filter(pk=pk)
    # By the id, not OuterRef("pk"): correlated with the outer row, PostgreSQL ran the check
    # once per line, each time over every quote of the configuration.
    .annotate(ordered=Exists(_with_orders(pk)))
    .order_by("lines__id")
    .values_list("name", "template__code", "template__name", "sourcing_policy", "organization_id",
                 "ordered", *REQUIREMENT_FIELDS, "lines__slot", "lines__part__sku", "lines__quantity")
))
_SCHEDULE_ROWS = CompiledQuery(lambda configuration: (
    m.ScheduleYear.objects.filter(configuration_id=configuration).order_by("year")
    .values_list("year", "kits")
))


def configuration_rows(*, organization, pk: int) -> ConfigurationRows | None:
    """One of the caller's configurations read as plain rows (None: not the caller's, or
    none): the configuration with its template and lines in one query, its schedule in
    another (the model with its four prefetches takes four queries and builds instances).
    Both queries' SQL is built once per process (`core.compiled`): under load, building
    them cost more than running them."""
    rows = _CONFIGURATION_ROWS.rows(pk=int(pk), organization=organization)
    if not rows:
        return None
    name, template_code, template_name, policy, organization_id, ordered, *requirements = (
        rows[0][:6 + len(REQUIREMENT_FIELDS)])
    return ConfigurationRows(
        pk=pk, name=name, template_code=template_code, template_name=template_name,
        sourcing_policy=policy, organization_id=organization_id, ordered=ordered,
        requirements=dict(zip(REQUIREMENT_FIELDS, requirements, strict=True)),
        lines=[(slot, sku, quantity) for *_, slot, sku, quantity in rows if slot is not None],
        schedule=[tuple(row) for row in _SCHEDULE_ROWS.rows(configuration=int(pk))],
    )


def configuration_snapshot_get(*, organization, pk: int) -> d.Snapshot | None:
    """One of the caller's configurations as an engine snapshot, from `configuration_rows`;
    the bookings are this process's recent reading, unless the configuration became an
    order (a third query then leaves its own bookings out). For the answers that need only
    the engine's view of the kit (guided options, under load); the same snapshot as
    `configuration_snapshot` of the model instance, bookings up to a second old aside."""
    saved = configuration_rows(organization=organization, pk=pk)
    if saved is None:
        return None
    # The previous catalog's view does not deny a part or template the catalog just gained.
    view = view_knowing(skus=[sku for _slot, sku, _q in saved.lines], templates=[saved.template_code])
    return snapshot_build(
        template=view.templates[saved.template_code][1],
        requirements=d.Requirements(**saved.requirements),
        lines=[d.Line(slot=slot, part=view.index.get(sku), quantity=quantity)
               for slot, sku, quantity in saved.lines],
        policy=sourcing_policy_judging(saved.sourcing_policy, saved.organization_id),
        schedule=[d.ScheduleYear(year=year, kits=kits) for year, kits in saved.schedule],
        restricted=view.restricted_entities,
        # Only a configuration that became an order needs its own bookings left out; the
        # others may be judged on this process's recent reading of the bookings.
        own_orders=_own_order_numbers(pk) if saved.ordered else (),
        recent_bookings=True,
    )


def _with_orders(configuration_pk: int) -> QuerySet:
    """The configuration, once per quote of it that became an order (none: never ordered)."""
    return m.Configuration.objects.filter(pk=configuration_pk, quotes__order__isnull=False)


def _own_order_numbers(configuration_pk: int) -> QuerySet:
    """The numbers of the orders this configuration's quotes became, as a subquery (the
    configuration is not judged against the capacity its own order booked)."""
    return _with_orders(configuration_pk).values("quotes__order__number")


def requirements_of(configuration: m.Configuration) -> d.Requirements:
    return d.Requirements(
        dc_bus_voltage_v=configuration.dc_bus_voltage_v,
        max_speed_rpm=configuration.max_speed_rpm,
        max_magnet_temp_c=configuration.max_magnet_temp_c,
        max_winding_temp_c=configuration.max_winding_temp_c,
    )


# Above this many changed parts, they are first narrowed to the parts saved configurations
# use: a catalog-wide import changes 100k parts, and 100k bound values in one IN list cost
# a second of the database's and this process's CPU right after the import's commit.
PARTS_NARROWED_ABOVE = 500


def configurations_using(*, part_ids: Iterable[int] = (), supplier_ids: Iterable[int] = ()):
    """Saved configurations (all organizations) with a line on one of these parts or suppliers."""
    part_ids, supplier_ids = list(part_ids), list(supplier_ids)
    if len(part_ids) > PARTS_NARROWED_ABOVE:
        used = set(m.ConfigurationLine.objects.order_by().values_list("part_id", flat=True).distinct())
        part_ids = [pk for pk in part_ids if pk in used]
    match = Q(pk__in=[])
    if part_ids:
        match |= Q(lines__part_id__in=part_ids)
    if supplier_ids:
        # A supplier is also named by other parts: as the company of their stages, or as
        # their own supplier under another record with its code or name, in any case, padded
        # or not — as the engine matches them (uflpa). An exact match on the stage's company
        # alone missed "HPRA" and "HAI PHONG RARE EARTH ALLOYS JSC".
        keys = set().union(*(entity_keys(code, name) for code, name in
                             Supplier.objects.filter(pk__in=supplier_ids).values_list("code", "name")))
        match |= Q(lines__part__supplier_id__in=supplier_ids)
        match |= Q(lines__part_id__in=Subquery(parts_naming_entities(keys)))
    return m.Configuration.objects.filter(match).distinct()


def configuration_options(*, configuration: m.Configuration | None = None, slot: str | None, offset: int,
                          limit: int, include_excluded: bool, snapshot: d.Snapshot | None = None,
                          search: str = "", sort: str = DEFAULT_SORT):
    """Guided options for one slot or every slot of a saved configuration (or of its snapshot)
    (no dead ends offered), the parts that fit in `sort` order (configurator.domain.option_order;
    default cost per kit)."""
    view = catalog_view()
    snapshot = snapshot or configuration_snapshot(configuration)
    note_asked(snapshot, slot)  # the next catalog view answers it once before it is swapped in
    if sort != DEFAULT_SORT:
        slots = [slot] if slot else [s.code for s in snapshot.template.slots]
        return {code: sorted_slot_options(snapshot, view.index, code, sort=sort, offset=offset,
                                          limit=limit, include_excluded=include_excluded,
                                          search=search)
                for code in slots}
    # A kit asked again on the same catalog view is answered from the view's memory.
    if slot:
        return {slot: remembered_slot_options(snapshot, view.index, slot, offset=offset, limit=limit,
                                              include_excluded=include_excluded, search=search)}
    return remembered_all_slot_options(snapshot, view.index, offset=offset, limit=limit,
                                       include_excluded=include_excluded, search=search)


def configuration_repairs(*, configuration: m.Configuration, limit: int = 10):
    return suggest_repairs(configuration_snapshot(configuration), catalog_view().index, limit=limit)


def configuration_repair_find(*, configuration: m.Configuration, slot: str = "", to_sku: str = "",
                              quantity: int | None = None, steps: str = "") -> Repair | None:
    """The suggested repair a form names (its slot, SKU and quantity; or, for a multi-step
    repair, its steps as "slot=sku;slot=sku"), among those suggested for the kit as it is
    now: None when it is no longer suggested."""
    for repair in configuration_repairs(configuration=configuration):
        if steps:
            if repair.kind == MULTI and steps == ";".join(f"{s.slot}={s.to_sku or ''}" for s in repair.steps):
                return repair
        elif (repair.kind != MULTI and repair.slot == slot and (repair.to_sku or "") == to_sku
              and repair.quantity == quantity):
            return repair
    return None


def skus_satisfying_policy(policy_code: str, organization=None) -> frozenset[str]:
    """SKUs with no error-severity finding under the policy in force today (a policy the
    organization may see; an unknown one: none)."""
    policy = sourcing_policy_get(policy_code, organization)
    if policy is None:
        return frozenset()
    view = catalog_view()
    return parts_satisfying_policy(view.index, policy, clock.today(), view.restricted_entities)


def policy_verdict_key(policy: SourcingPolicy, today) -> str | None:
    """The version of `policy` in force on `today` ("v2", custom "c3"); None: none in force
    (every part satisfies it)."""
    version = policy.version_in_force(today)
    return version.version if version is not None else None


def policy_verdict_set_get(*, policy: SourcingPolicy, today, stamp: tuple) -> m.PolicyVerdictSet | None:
    """The stored verdicts of this policy version, as of `today`, for exactly this catalog
    stamp, with their group (one query); None when they have not been built yet."""
    return (m.PolicyVerdictSet.objects.select_related("group")
            .filter(policy_code=policy.code, policy_version=policy_verdict_key(policy, today),
                    as_of=today, catalog_version=stamp[0], catalog_changed_at=stamp[1])
            .first())


def parts_with_verdict(parts: QuerySet[Part], *, verdict_set: m.PolicyVerdictSet) -> QuerySet[Part]:
    """The parts of `parts` that satisfy a stored verdict set: a join on its group's parts, or
    an anti-join when the group lists the failing ones (none listed: no condition at all)."""
    group = verdict_set.group
    if group.lists == m.PolicyVerdictGroup.Lists.SATISFYING:
        return parts.filter(policy_verdict__group_id=group.pk)
    if not group.parts:
        return parts
    listed = m.PolicyVerdict.objects.filter(group_id=group.pk, part_id=OuterRef("pk"))
    return parts.filter(~Exists(listed))


def part_ids_by_sku() -> dict[str, int]:
    """Every part's id by SKU (one query), to store verdicts judged on SKUs."""
    return dict(Part.objects.values_list("sku", "pk"))


def parts_satisfying(parts: QuerySet[Part], *, policy: str, organization=None) -> QuerySet[Part]:
    """Policy-aware catalog browsing: the parts of `parts` with no error-severity finding under
    the policy in force today. The one filter the web catalog, the admin and the API use."""
    return parts.filter(sku__in=skus_satisfying_policy(policy, organization))


def configuration_order_number(*, configuration) -> str | None:
    """The number of an accepted order made from this configuration, if any."""
    return (configuration.quotes.filter(order__isnull=False)
            .values_list("order__number", flat=True).first())
