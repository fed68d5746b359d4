"""The configurator's rules engine: pure Python, no Django.

Build a `Snapshot` (types), pick a `KitTemplate` (templates.BUILTIN_TEMPLATES)
and a `SourcingPolicy` (sourcing.BUILTIN_POLICIES), then call `evaluate()`.
Guided options (`slot_options`, `all_slot_options`) and repair suggestions
(`suggest_repairs`) read a `CatalogIndex` built once from the whole catalog;
`completion_status` says whether a kit can still be completed without an error
(guided options never offer a part after which it could not: `DEAD_END`).
"""

from configurator.domain.completion import DEAD_END, Completion, completable, completion_status
from configurator.domain.engine import evaluate, violations_involving
from configurator.domain.options import (
    CatalogIndex,
    Option,
    SlotOptions,
    all_slot_options,
    candidate_snapshot,
    part_policy_violations,
    parts_satisfying_policy,
    slot_options,
)
from configurator.domain.repairs import Repair, apply_repair, suggest_repairs
from configurator.domain.sourcing import BUILTIN_POLICIES, PolicyVersion, SourcingPolicy
from configurator.domain.templates import BUILTIN_TEMPLATES, magnet_quantity
from configurator.domain.types import (
    KitTemplate,
    Line,
    Part,
    Requirements,
    ScheduleYear,
    SlotDef,
    Snapshot,
    Stage,
    Validation,
    Violation,
)

__all__ = [
    "BUILTIN_POLICIES",
    "BUILTIN_TEMPLATES",
    "DEAD_END",
    "CatalogIndex",
    "Completion",
    "KitTemplate",
    "Line",
    "Option",
    "Part",
    "PolicyVersion",
    "Repair",
    "Requirements",
    "ScheduleYear",
    "SlotDef",
    "SlotOptions",
    "Snapshot",
    "SourcingPolicy",
    "Stage",
    "Validation",
    "Violation",
    "all_slot_options",
    "apply_repair",
    "candidate_snapshot",
    "completable",
    "completion_status",
    "evaluate",
    "magnet_quantity",
    "part_policy_violations",
    "parts_satisfying_policy",
    "slot_options",
    "suggest_repairs",
    "violations_involving",
]
