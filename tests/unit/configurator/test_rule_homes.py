"""Each compatibility rule lives in one module: its check, its inverted form and the fields it reads.

The options index (configurator.domain.options) judges candidates with the
rules' inverted forms and builds its bit sets from the fields the rules
declare; completion classes parts by the same fields. These tests keep that
single home honest: a rule code without a module, a module without an inverted
form (or a stated reason), or an inverted form reading an undeclared field fails.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import configurator.domain.rules as rules_package
from configurator.domain import codes
from configurator.domain.context import KitContext
from configurator.domain.rules import (
    COMPATIBILITY_RULES,
    DECIMAL_FIELDS,
    INT_FIELDS,
    LABEL_FIELDS,
    RULES,
    Rule,
    inverted_rules,
)
from configurator.domain.rules.base import DEC, INT, LABEL_KINDS, Field
from configurator.domain.types import Requirements
from tests.unit.configurator import prius

KINDS = {DEC, INT, *LABEL_KINDS}


def _rule_modules() -> dict[str, list[tuple[str, type[Rule]]]]:
    """Per rule code, the (module, class) pairs that define a rule with it."""
    found: dict[str, list[tuple[str, type[Rule]]]] = {}
    for info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"{rules_package.__name__}.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Rule) and cls is not Rule and cls.__module__ == module.__name__:
                found.setdefault(cls.code, []).append((module.__name__, cls))
    return found


MODULES = _rule_modules()


@pytest.mark.parametrize("code", sorted(codes.COMPATIBILITY_CODES))
def test_every_compatibility_code_has_exactly_one_rule_module(code):
    homes = MODULES.get(code, [])
    assert len(homes) == 1, f"{code} is defined in {[m for m, _c in homes] or 'no module'}"
    module, cls = homes[0]
    # One rule per module: the module is the rule's home, nothing else's.
    others = [c for c, pairs in MODULES.items() for m, _cls in pairs if m == module and c != code]
    assert not others, f"{module} also defines {others}"
    # Its forward check.
    assert cls.check is not Rule.check, f"{code} has no check"
    # Its inverted form, or the reason it has none.
    assert cls.inverted() or cls.not_inverted.strip(), f"{code} has neither an inverted form nor a note"
    assert not (cls.inverted() and cls.not_inverted), f"{code} has an inverted form and says it has none"
    # The fields it reads, per slot it reads, each with a kind the index knows.
    assert cls.reads, f"{code} declares no fields"
    for slot, fields in cls.reads.items():
        assert slot in cls.slots, f"{code} declares fields for {slot}, a slot it does not read"
        assert fields
        for f in fields:
            assert isinstance(f, Field) and f.kind in KINDS, (code, slot, f)
    # And the engine runs it.
    assert sum(isinstance(rule, cls) for rule in RULES) == 1


def test_rule_codes_are_the_contract_codes():
    assert {rule.code for rule in COMPATIBILITY_RULES} == set(codes.COMPATIBILITY_CODES)
    assert {rule.code for rule in RULES} - set(codes.COMPATIBILITY_CODES) == set(codes.STRUCTURE_CODES)


def test_index_fields_are_exactly_the_inverted_rules_declarations():
    declared: dict[str, set[tuple[str, str]]] = {}
    for rule in COMPATIBILITY_RULES:
        if rule.inverted():
            for slot, fields in rule.reads.items():
                declared.setdefault(slot, set()).update((f.kind, f.name) for f in fields)
    derived: dict[str, set[tuple[str, str]]] = {}
    for slot, names in DECIMAL_FIELDS.items():
        derived.setdefault(slot, set()).update((DEC, n) for n in names)
    for slot, names in INT_FIELDS.items():
        derived.setdefault(slot, set()).update((INT, n) for n in names)
    for slot, labels in LABEL_FIELDS.items():
        derived.setdefault(slot, set()).update((kind, n) for kind, n, _d in labels)
    assert derived == declared


# ------------------------------------------------------ the inverted forms read what they declare


class _Values:
    """Stands for the index's sorted values or buckets of one field: every query is empty."""

    present = 0
    masks: dict[Any, int] = {}

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: 0


class _RecordingCategory:
    """A category index that notes which fields are read, and how."""

    all = 0

    def __init__(self) -> None:
        self.read: set[tuple[str, str]] = set()

    def num(self, field: str) -> _Values:
        self.read.add((DEC, field))
        return _Values()

    def ints(self, field: str) -> _Values:
        self.read.add((INT, field))
        return _Values()

    def buckets(self, kind: str, field: str, default: Any = None) -> _Values:
        self.read.add((INT if kind == "int" else kind, field))
        return _Values()


class _Masks:
    def __init__(self) -> None:
        self.codes: set[str] = set()

    def add(self, code: str, mask: int) -> None:
        self.codes.add(code)


@dataclasses.dataclass
class _Judgement:
    slot: str
    ci: _RecordingCategory
    ctx: KitContext
    req: Requirements
    masks: _Masks


@pytest.mark.parametrize("rule", [r for r in COMPATIBILITY_RULES if r.inverted()], ids=lambda r: r.code)
def test_inverted_forms_read_exactly_the_declared_fields_and_report_only_their_code(rule):
    # Requirements that switch every requirement rule on (a high bus needs pd-free insulation).
    requirements = dataclasses.replace(
        prius.REQUIREMENTS,
        max_speed_rpm=20_000,
        dc_bus_voltage_v=800,
        max_magnet_temp_c=200,
        max_winding_temp_c=200,
    )
    read_anywhere: set[tuple[str, str, str]] = set()
    for slot in rule.slots:
        snap = prius.snapshot(requirements=requirements)
        rest = dataclasses.replace(snap, lines=tuple(ln for ln in snap.lines if ln.slot != slot))
        ci = _RecordingCategory()
        j = _Judgement(slot, ci, KitContext(rest), requirements, _Masks())
        rule.exclude(slot, j)
        declared = {(f.kind, f.name) for f in rule.reads.get(slot, ())}
        assert ci.read <= declared, f"{rule.code} for {slot} reads undeclared {ci.read - declared}"
        assert j.masks.codes <= {rule.code}
        assert rule in inverted_rules(slot)
        read_anywhere |= {(slot, kind, name) for kind, name in ci.read}
    # On a full kit with every requirement set, each declared field is read (none is stale).
    assert read_anywhere == {(slot, f.kind, f.name) for slot, fields in rule.reads.items() for f in fields}


def test_a_rule_without_an_inverted_form_never_blocks():
    """The one rule judged by no inverted form is a warning: it excludes no candidate."""
    without = [rule for rule in COMPATIBILITY_RULES if not rule.inverted()]
    assert [rule.code for rule in without] == [codes.LAMINATION_MATCH]
    rotor = prius.with_specs(prius.ROTOR_CORE, lamination_thickness_mm="0.27", lamination_grade="M270-27")
    stator = prius.with_specs(prius.STATOR_CORE, lamination_thickness_mm="0.30", lamination_grade="M250-30")
    ctx = KitContext(prius.snapshot(rotor_core=rotor, stator_core=stator))
    found = [v for rule in without for v in rule.check(ctx)]
    assert found and all(v.severity == "warning" for v in found)
