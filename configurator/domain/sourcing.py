"""Sourcing policies as versioned rule packs, and the program-schedule checks.

A policy is data: each version carries the parameters below, and one checker
reads them, so a new version (or a policy stored elsewhere) needs no code.

    categories            part categories the pack covers (absent: every part)
    excluded_countries    ISO 3166-1 alpha-2 codes a covered stage may not be in
    excluded_stages       the covered stages (absent: every declared stage)
    required_stages       category (or "*" for every part) -> stages that must be
                          declared; a missing one is ORIGIN_UNKNOWN
    restricted_entities   true: suppliers and stage companies are matched against
                          the snapshot's restricted entities (ENTITY_RESTRICTED)
    concentration_max_pct share of the kit's rare-earth mass one country may
                          carry at any stage (CONCENTRATION)
    concentration_exempt_countries   countries that share may pass through freely
    check_evidence        true: lapsed stage evidence is EVIDENCE_EXPIRED

Per-year evaluation: a scheduled program is judged year by year with the
version in force on 1 January of each delivery year (a year with kits); the
same finding in several years is one violation naming those years. Without a
schedule the version in force today applies.

Evidence is judged over the program (domain.md section 7): EVIDENCE_EXPIRED
when a stage's document has lapsed on the pricing day (a document is valid
through its expiry day), and EVIDENCE_RENEWAL, one warning per document naming
the delivery years, when it expires before a delivery year begins. Both are
warnings: certificates are renewed in the normal course, but the buyer's
compliance pack must say which ones, and by when.

CAPACITY and LEAD_TIME belong to the schedule, not to a policy: they run under
every policy, `none` included, and not at all without a schedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from configurator.domain.codes import (
    CAPACITY,
    CONCENTRATION,
    ENTITY_RESTRICTED,
    EVIDENCE_EXPIRED,
    EVIDENCE_RENEWAL,
    LEAD_TIME,
    ORIGIN_EXCLUDED,
    ORIGIN_UNKNOWN,
)
from configurator.domain.context import KitContext, violation
from configurator.domain.types import ERROR, WARNING, Line, Part, ScheduleYear, Snapshot, Violation
from configurator.domain.units import one_decimal, plain, thousands
from parts.domain.provenance import MAGNET_REQUIRED_STAGES
from parts.domain.provenance import STAGES as STAGES  # re-exported: the rule packs read it here

MINING = "mining"
SEPARATION = "separation"
METAL_ALLOY = "metal_alloy"
MAGNET_MANUFACTURING = "magnet_manufacturing"
STEEL_MAKING = "steel_making"
COMPONENT_MANUFACTURING = "component_manufacturing"
ASSEMBLY = "assembly"
# The stage table is the catalog's (parts.domain.provenance), read here under the names
# the rule packs use.
MAGNET_STAGES = MAGNET_REQUIRED_STAGES

# The 27 member states (Greece is GR in ISO 3166-1, EL only in EU usage).
# fmt: off
EU_COUNTRIES: frozenset[str] = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# fmt: on


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    effective_from: date
    description: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class SourcingPolicy:
    code: str
    name: str
    description: str
    source: str
    versions: tuple[PolicyVersion, ...]  # in the order they were made

    def version_in_force(self, day: date) -> PolicyVersion | None:
        """The newest version that has taken effect by `day`: each version takes over from the
        ones made before it on its own date (the built-in packs, made in date order, are in
        force by date; a custom policy edited to take effect before a version that had not yet
        taken effect withdraws that version)."""
        current: PolicyVersion | None = None
        for candidate in self.versions:
            if candidate.effective_from <= day:
                current = candidate
        return current

    def version_on(self, day: date) -> PolicyVersion:
        """The version in force on `day` (`version_in_force`); LookupError when none is."""
        version = self.version_in_force(day)
        if version is None:
            raise LookupError(f"{self.code} has no version in force on {day.isoformat()}")
        return version


def versions_ever_in_force(versions: Iterable[PolicyVersion]) -> tuple[PolicyVersion, ...]:
    """`versions` (in the order they were made) without those a later one withdrew before
    they took effect: a version is never in force when one made after it takes effect on or
    before its date."""
    kept: list[PolicyVersion] = []
    for version in versions:
        kept = [v for v in kept if v.effective_from < version.effective_from]
        kept.append(version)
    return tuple(kept)


def _params(**values: Any) -> Mapping[str, Any]:
    # Read-only: the built-in packs are shared module state.
    return MappingProxyType(values)


_DFARS_COUNTRIES = frozenset({"CN", "RU", "KP", "IR"})
_DFARS_2019_STAGES = (METAL_ALLOY, MAGNET_MANUFACTURING)
_DFARS_2027_STAGES = (MINING, SEPARATION, METAL_ALLOY, MAGNET_MANUFACTURING)

BUILTIN_POLICIES: dict[str, SourcingPolicy] = {
    p.code: p
    for p in (
        SourcingPolicy(
            code="china-excluded",
            name="China excluded",
            description=(
                "No declared supply-chain stage in China; every required stage must be "
                "declared (magnets: mining, separation, metal alloy, magnet manufacturing; "
                "every part: component manufacturing)."
            ),
            source="POSCO INTERNATIONAL press release, 'China Excluded' supply chain for rare earth magnets",
            versions=(
                PolicyVersion(
                    version="1",
                    effective_from=date.min,
                    description="Any declared stage in CN is excluded.",
                    params=_params(
                        excluded_countries=frozenset({"CN"}),
                        required_stages=MappingProxyType(
                            {"magnet": MAGNET_STAGES, "*": (COMPONENT_MANUFACTURING,)}
                        ),
                        check_evidence=True,
                    ),
                ),
            ),
        ),
        SourcingPolicy(
            code="dfars-7052",
            name="DFARS 252.225-7052",
            description=(
                "Restriction on the acquisition of certain magnets: NdFeB magnets melted or "
                "produced in China, Russia, North Korea or Iran; from 2027-01-01 also mined "
                "or separated there."
            ),
            source="DFARS 252.225-7052; 84 FR 18156; 84 FR 72239; 89 FR 46816",
            versions=(
                PolicyVersion(
                    version="2019",
                    effective_from=date(2019, 4, 30),  # interim rule, 84 FR 18156
                    description="Metal alloy and magnet manufacturing outside CN, RU, KP, IR.",
                    params=_params(
                        categories=("magnet",),
                        excluded_countries=_DFARS_COUNTRIES,
                        excluded_stages=_DFARS_2019_STAGES,
                        required_stages=MappingProxyType({"magnet": _DFARS_2019_STAGES}),
                        check_evidence=True,
                    ),
                ),
                PolicyVersion(
                    version="2027",
                    effective_from=date(2027, 1, 1),  # 89 FR 46816
                    description="Adds mining and separation of the rare earths.",
                    params=_params(
                        categories=("magnet",),
                        excluded_countries=_DFARS_COUNTRIES,
                        excluded_stages=_DFARS_2027_STAGES,
                        required_stages=MappingProxyType({"magnet": _DFARS_2027_STAGES}),
                        check_evidence=True,
                    ),
                ),
            ),
        ),
        SourcingPolicy(
            code="eu-crma",
            name="EU Critical Raw Materials Act",
            description=(
                "Warns when more than 65 % of the kit's rare-earth mass passes through one "
                "non-EU country at any stage."
            ),
            source="Regulation (EU) 2024/1252",
            versions=(
                PolicyVersion(
                    version="2024",
                    effective_from=date(2024, 5, 23),  # entry into force
                    description="65 % single-country benchmark (Art. 5(1)(d)).",
                    params=_params(
                        concentration_max_pct=Decimal(65),
                        concentration_exempt_countries=EU_COUNTRIES,
                        check_evidence=True,
                    ),
                ),
            ),
        ),
        SourcingPolicy(
            code="uflpa",
            name="Uyghur Forced Labor Prevention Act",
            description=(
                "No part whose supplier, or any of whose stage companies, is a supplier "
                "marked restricted in the catalog."
            ),
            source="Uyghur Forced Labor Prevention Act (P.L. 117-78)",
            versions=(
                PolicyVersion(
                    version="2022",
                    effective_from=date(2022, 6, 21),  # rebuttable presumption in force
                    description="Restricted suppliers, matched by code or name.",
                    params=_params(restricted_entities=True, check_evidence=True),
                ),
            ),
        ),
        SourcingPolicy(
            code="none",
            name="No sourcing policy",
            description="No sourcing restriction.",
            source="",
            versions=(
                PolicyVersion(version="1", effective_from=date.min, description="Nothing.", params=_params()),
            ),
        ),
    )
}

# The policy a new configuration starts with, whatever door it comes through (API, web,
# service, model default).
DEFAULT_POLICY = "china-excluded"

class _Finding(NamedTuple):
    """A policy violation before it knows which years and versions it covers."""

    code: str
    severity: str
    text: str
    slots: tuple[str, ...]
    skus: tuple[str, ...]


def _finding(code: str, text: str, involved: Iterable[tuple[str, Part]], severity: str = ERROR) -> _Finding:
    shaped = violation(code, text, involved, severity=severity)
    return _Finding(code, severity, text, shaped.slots, shaped.skus)


def _covered(params: Mapping[str, Any], parts: Sequence[tuple[str, Part]]) -> list[tuple[str, Part]]:
    categories = params.get("categories")
    if categories is None:
        return list(parts)
    return [(slot, part) for slot, part in parts if part.category in categories]


def policy_findings(
    params: Mapping[str, Any],
    parts: Sequence[tuple[str, Part]],
    lines: Sequence[Line],
    restricted: frozenset[str],
) -> list[_Finding]:
    findings: list[_Finding] = []
    covered = _covered(params, parts)

    excluded = params.get("excluded_countries")
    if excluded:
        stages = params.get("excluded_stages")
        for slot, part in covered:
            for stage in part.provenance:
                if (stages is None or stage.stage in stages) and stage.country.upper() in excluded:
                    findings.append(
                        _finding(
                            ORIGIN_EXCLUDED,
                            f"{part.sku} {stage.stage} in {stage.country.upper()} "
                            f"({stage.company}) is excluded",
                            [(slot, part)],
                        )
                    )

    required = params.get("required_stages")
    if required:
        for slot, part in covered:
            needed = (*required.get(part.category, ()), *required.get("*", ()))
            declared = {stage.stage for stage in part.provenance}
            for stage_name in dict.fromkeys(needed):
                if stage_name not in declared:
                    findings.append(
                        _finding(
                            ORIGIN_UNKNOWN,
                            f"{part.sku} declares no {stage_name} stage, which is required",
                            [(slot, part)],
                        )
                    )

    if params.get("restricted_entities") and restricted:
        for slot, part in covered:
            for label in {part.supplier_code, part.supplier_name}:
                if label and label.strip().upper() in restricted:
                    findings.append(
                        _finding(
                            ENTITY_RESTRICTED,
                            f"{part.sku} supplier {part.supplier_name} ({part.supplier_code}) "
                            "is a restricted entity",
                            [(slot, part)],
                        )
                    )
                    break
            for stage in part.provenance:
                if stage.company and stage.company.strip().upper() in restricted:
                    findings.append(
                        _finding(
                            ENTITY_RESTRICTED,
                            f"{part.sku} {stage.stage} company {stage.company} is a restricted entity",
                            [(slot, part)],
                        )
                    )

    max_pct = params.get("concentration_max_pct")
    if max_pct is not None:
        findings.extend(_concentration(params, Decimal(max_pct), lines))
    return findings


def _concentration(params: Mapping[str, Any], max_pct: Decimal, lines: Sequence[Line]) -> list[_Finding]:
    exempt = params.get("concentration_exempt_countries", frozenset())
    categories = params.get("categories")
    total = Decimal(0)
    through: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    carriers: dict[tuple[str, str], list[tuple[str, Part]]] = defaultdict(list)
    for line in lines:
        part = line.part
        if categories is not None and part.category not in categories:
            continue
        mass = part.rare_earth_kg * line.quantity
        if mass <= 0:
            continue
        total += mass
        # A stage declared in two countries carries the whole mass through each:
        # the split is unknown, and the warning should err towards being raised.
        for key in {(stage.stage, stage.country.upper()) for stage in part.provenance}:
            through[key] += mass
            carriers[key].append((line.slot, part))
    findings = []
    if total <= 0:
        return findings
    for (stage_name, country), mass in sorted(through.items()):
        if country in exempt or mass * 100 <= max_pct * total:
            continue
        findings.append(
            _finding(
                CONCENTRATION,
                f"{one_decimal(mass * 100 / total)} % of the kit's rare-earth mass "
                f"({plain(mass.normalize())} of {plain(total.normalize())} kg) passes through "
                f"{stage_name} in {country}, over the {plain(max_pct)} % single-country limit",
                carriers[(stage_name, country)],
                severity=WARNING,
            )
        )
    return findings


def delivery_years(schedule: Iterable[ScheduleYear]) -> dict[int, int]:
    """Kits per year for the years that have deliveries, in year order."""
    kits: dict[int, int] = defaultdict(int)
    for entry in schedule:
        kits[entry.year] += entry.kits
    return {year: kits[year] for year in sorted(kits) if kits[year] > 0}


def _year_span(years: Sequence[int]) -> str:
    """2027-2031 style runs: "2026, 2028\u20132031"."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)


def policy_violations(snapshot: Snapshot, ctx: KitContext) -> list[Violation]:
    """The sourcing policy's violations, per delivery year when there is a schedule."""
    parts = ctx.distinct_parts()
    years = list(delivery_years(snapshot.schedule))
    out = rule_pack_violations(snapshot, parts, snapshot.lines, years)
    out.extend(_evidence(snapshot, parts, years))
    return out


def rule_pack_violations(
    snapshot: Snapshot, parts: Sequence[tuple[str, Part]], lines: Sequence[Line], years: Sequence[int]
) -> list[Violation]:
    """The rule packs' findings (origin, stages, entities, concentration) without the evidence checks.

    `policy_violations` of a kit is this plus the evidence warnings; guided options
    call it for one candidate (`parts` = its slot and part, `lines` empty), whose
    error findings are its own.
    """
    policy = snapshot.policy
    restricted = snapshot.restricted_entities
    out: list[Violation] = []

    if not years:
        version = policy.version_in_force(snapshot.today)
        if version is not None:
            for f in policy_findings(version.params, parts, lines, restricted):
                message = f"{f.text} under {policy.code} v{version.version}"
                out.append(Violation(f.code, f.severity, message, f.slots, f.skus))
    else:
        # Years under one version share their findings: compute each version once.
        by_version: dict[str, tuple[PolicyVersion, list[int]]] = {}
        for year in years:
            version = policy.version_in_force(date(year, 1, 1))
            if version is not None:
                by_version.setdefault(version.version, (version, []))[1].append(year)
        merged: dict[_Finding, tuple[list[int], list[str]]] = {}
        for version, version_years in by_version.values():
            for f in dict.fromkeys(policy_findings(version.params, parts, lines, restricted)):
                found_years, versions = merged.setdefault(f, ([], []))
                found_years.extend(version_years)
                versions.append(version.version)
        for f, (found_years, versions) in merged.items():
            found_years.sort()
            labels = ", ".join(f"v{v}" for v in versions)
            message = f"{f.text} under {policy.code} {labels} for deliveries {_year_span(found_years)}"
            out.append(Violation(f.code, f.severity, message, f.slots, f.skus, tuple(found_years)))
    return out


def _evidence(snapshot: Snapshot, parts: Sequence[tuple[str, Part]], years: Sequence[int]) -> list[Violation]:
    policy = snapshot.policy
    today = snapshot.today
    version = policy.version_in_force(today)
    if version is None and years:
        # A pack not yet in force today still governs the evidence its first year relies on.
        version = policy.version_in_force(date(years[0], 1, 1))
    out = []
    if version is not None and version.params.get("check_evidence"):
        for slot, part in _covered(version.params, parts):
            for stage in part.provenance:
                expires = stage.evidence_expires
                if expires is not None and expires < today:
                    reference = stage.evidence_reference or "(no reference)"
                    out.append(
                        violation(
                            EVIDENCE_EXPIRED,
                            f"{part.sku} {stage.stage} evidence {reference} expired on "
                            f"{expires.isoformat()} (today {today.isoformat()})",
                            [(slot, part)],
                            severity=WARNING,
                        )
                    )
    out.extend(_evidence_renewals(policy, parts, years))
    return out


def evidence_covers(params: Mapping[str, Any], category: str, stage: str) -> bool:
    """Whether a rule pack relies on this stage's evidence (the compliance pack lists it)."""
    if not params.get("check_evidence"):
        return False
    categories = params.get("categories")
    if categories is not None and category not in categories:
        return False
    stages = params.get("excluded_stages")
    return stages is None or stage in stages


def evidence_renewal_years(expires: date | None, years: Iterable[int]) -> list[int]:
    """Delivery years that begin after the document has lapsed (valid through its expiry day)."""
    if expires is None:
        return []
    return [year for year in years if expires < date(year, 1, 1)]


def _evidence_renewals(
    policy: SourcingPolicy, parts: Sequence[tuple[str, Part]], years: Sequence[int]
) -> list[Violation]:
    """EVIDENCE_RENEWAL: one warning per document, naming the delivery years it must be renewed for.

    Each year is judged by the version in force on its 1 January, so a pack that only
    starts covering a part (or checking evidence) later asks nothing of earlier years.
    """
    needed: dict[tuple[str, str, str], list[int]] = {}
    holders: dict[tuple[str, str, str], tuple[str, Part, Any]] = {}
    # Per version in force, the stages with an expiry, with its year: a document lapses
    # before a year's deliveries (evidence_renewal_years) when it expires in an earlier year.
    dated: dict[int, list[tuple[int, tuple[str, str, str], tuple[str, Part, Any]]]] = {}
    for year in years:
        version = policy.version_in_force(date(year, 1, 1))
        if version is None or not version.params.get("check_evidence"):
            continue
        stages = dated.get(id(version))
        if stages is None:
            stages = dated[id(version)] = [
                (stage.evidence_expires.year, (slot, part.sku, stage.stage), (slot, part, stage))
                for slot, part in _covered(version.params, parts)
                for stage in part.provenance if stage.evidence_expires is not None]
        for expiry_year, key, holder in stages:
            if expiry_year < year:
                needed.setdefault(key, []).append(year)
                holders[key] = holder
    out = []
    for key, found_years in needed.items():
        slot, part, stage = holders[key]
        reference = stage.evidence_reference or "(no reference)"
        out.append(
            violation(
                EVIDENCE_RENEWAL,
                f"{part.sku} {stage.stage} evidence {reference} expires on "
                f"{stage.evidence_expires.isoformat()}, before deliveries {_year_span(found_years)}: "
                "it must be renewed",
                [(slot, part)],
                severity=WARNING,
                years=tuple(found_years),
            )
        )
    return out


def free_capacity(part: Part, year: int, booked: Mapping[tuple[str, int], int]) -> int:
    """Units of `part` still free in `year`: its capacity less what accepted orders booked."""
    return max(part.annual_capacity - booked.get((part.sku, year), 0), 0)


def capacity_shortfalls(
    part: Part, per_kit: int, kits_by_year: Mapping[int, int], booked: Mapping[tuple[str, int], int]
) -> list[tuple[int, int, int]]:
    """(year, units needed, units free) for each year this program needs more than is free.

    Capacity 0 is taken at its word (nothing can be delivered): the catalog requires
    the field, so a zero is a fact about the supplier, not a gap.
    """
    out = []
    for year, kits in kits_by_year.items():
        units = kits * per_kit
        free = free_capacity(part, year, booked)
        if units > free:
            out.append((year, units, free))
    return out


def capacity_message(sku: str, capacity: int, over: Sequence[tuple[int, int, int]]) -> str:
    # Only totals: what others booked is shown as capacity no longer free, never by whom.
    listed = "; ".join(
        f"{year} needs {thousands(units)}, {thousands(free)} free" for year, units, free in over
    )
    return f"{sku} units exceed the capacity still free (annual capacity {thousands(capacity)}): {listed}"


def schedule_clean(
    part: Part,
    per_kit: int,
    kits_by_year: Mapping[int, int],
    booked: Mapping[tuple[str, int], int],
    today: date,
) -> bool:
    """Whether `schedule_violations` finds nothing for a SKU held at `per_kit` units a kit.

    The same two conditions, without building the messages: capacity still free in
    every delivery year, and ready by the first delivery. Guided options ask it for
    each page item before running the schedule in full.
    """
    if not kits_by_year:
        return True
    if capacity_shortfalls(part, per_kit, kits_by_year, booked):
        return False
    return today + timedelta(days=part.lead_time_days) <= date(next(iter(kits_by_year)), 1, 1)


def schedule_violations(snapshot: Snapshot) -> list[Violation]:
    """CAPACITY and LEAD_TIME against the program schedule, whatever the policy."""
    kits_by_year = delivery_years(snapshot.schedule)
    if not kits_by_year:
        return []
    per_kit: dict[str, int] = defaultdict(int)
    holders: dict[str, list[tuple[str, Part]]] = defaultdict(list)
    for line in snapshot.lines:
        per_kit[line.part.sku] += line.quantity
        holders[line.part.sku].append((line.slot, line.part))

    out: list[Violation] = []
    for sku in sorted(per_kit):
        part = holders[sku][0][1]
        over = capacity_shortfalls(part, per_kit[sku], kits_by_year, snapshot.booked)
        if over:
            out.append(
                violation(
                    CAPACITY,
                    capacity_message(sku, part.annual_capacity, over),
                    holders[sku],
                    years=tuple(year for year, _units, _free in over),
                )
            )

    first_year = next(iter(kits_by_year))
    first_delivery = date(first_year, 1, 1)
    for sku in sorted(per_kit):
        part = holders[sku][0][1]
        ready = snapshot.today + timedelta(days=part.lead_time_days)
        if ready > first_delivery:
            out.append(
                violation(
                    LEAD_TIME,
                    f"{sku} has a {part.lead_time_days}-day lead time: ordered today "
                    f"({snapshot.today.isoformat()}) it is ready {ready.isoformat()}, after the "
                    f"first delivery on {first_delivery.isoformat()}",
                    holders[sku],
                    years=(first_year,),
                )
            )
    return out
