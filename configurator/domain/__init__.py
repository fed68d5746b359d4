"""The configurator's rules engine: pure Python, no Django.

Build a `Snapshot` (types), pick a `KitTemplate` (templates.BUILTIN_TEMPLATES)
and a `SourcingPolicy` (sourcing.BUILTIN_POLICIES), then call `evaluate()`.
"""

from configurator.domain.engine import evaluate, violations_involving
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
    "KitTemplate",
    "Line",
    "Part",
    "PolicyVersion",
    "Requirements",
    "ScheduleYear",
    "SlotDef",
    "Snapshot",
    "SourcingPolicy",
    "Stage",
    "Validation",
    "Violation",
    "evaluate",
    "magnet_quantity",
    "violations_involving",
]
