"""What every rule is made of: its forward check, its inverted form and the fields it reads.

A compatibility rule is written once, in its own module of this package:

* `check(ctx)` is the forward check the engine runs on a kit;
* `exclude(slot, j)` is the same rule inverted for guided options: from the
  other chosen parts and the requirements it derives the bit set of the slot's
  candidates the rule excludes (see configurator.domain.options.judge);
* `reads` lists, per slot, the spec fields the rule compares and how the
  options index reads them, so the index builds (and completion classes by)
  exactly the fields the rules use.

A rule without an inverted form says why in `not_inverted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple, Protocol

from configurator.domain.context import KitContext
from configurator.domain.types import Part, Requirements, Violation
from configurator.domain.units import to_decimal, to_int

# How the options index reads a field (configurator.domain.options.index):
DEC = "dec"  # a Decimal (to_decimal), sorted, with NaN and infinities judged one by one
INT = "int"  # an int (to_int), sorted and bucketed by value
STR = "str"  # str(value) (a missing value reads as the field's default), bucketed
RAW = "raw"  # the value as stored, bucketed
TRUE = "true"  # whether the value is the boolean True
LABEL_KINDS = (STR, RAW, TRUE)


class Field(NamedTuple):
    kind: str
    name: str
    default: Any = None


def spec_dec(part: Part, field: str) -> Decimal | None:
    return to_decimal(part.specs.get(field))


def spec_int(part: Part, field: str) -> int | None:
    return to_int(part.specs.get(field))


class Masks(Protocol):
    def add(self, code: str, mask: int) -> None: ...


class Judgement(Protocol):
    """One slot of one kit being judged by the options index (options.judge.Judge).

    `ci` is the slot's category index (bit sets over the candidates), `ctx` the
    kit without the slot's own lines, `masks.add(code, bits)` records exclusions.
    """

    slot: str
    ci: Any
    ctx: KitContext
    req: Requirements
    masks: Masks


class Rule:
    code: ClassVar[str]
    slots: ClassVar[tuple[str, ...]]
    #: Per slot, the spec fields the rule compares (options index reads them this way).
    reads: ClassVar[Mapping[str, tuple[Field, ...]]] = {}
    #: Set, with the reason, when the rule has no inverted form.
    not_inverted: ClassVar[str] = ""

    def applies(self, ctx: KitContext) -> bool:
        return any(ctx.parts(slot) for slot in self.slots)

    def check(self, ctx: KitContext) -> Iterable[Violation]:
        raise NotImplementedError

    def exclude(self, slot: str, j: Judgement) -> None:
        """The inverted form: add to `j.masks` the candidates for `slot` this rule excludes."""
        raise NotImplementedError

    @classmethod
    def inverted(cls) -> bool:
        return cls.exclude is not Rule.exclude
