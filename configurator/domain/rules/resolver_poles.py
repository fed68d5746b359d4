"""RESOLVER_POLES: the resolver's pole pairs against the rotor's poles.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, Field, Judgement, Rule, spec_int
from configurator.domain.templates import RESOLVER, ROTOR_CORE
from configurator.domain.types import Violation


class ResolverPoles(Rule):
    code = codes.RESOLVER_POLES
    slots = (ROTOR_CORE, RESOLVER)
    reads = {
        ROTOR_CORE: (Field(INT, "poles"),),
        RESOLVER: (Field(INT, "pole_pairs"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            poles = spec_int(rotor, "poles")
            for resolver in ctx.parts(RESOLVER):
                pairs = spec_int(resolver, "pole_pairs")
                if poles is None or pairs is None or pairs == 1 or pairs * 2 == poles:
                    continue
                expected = f"1 or {poles // 2}" if poles % 2 == 0 else "1"
                yield violation(
                    self.code,
                    f"resolver {resolver.sku} has {pairs} pole pairs; rotor {rotor.sku} with "
                    f"{poles} poles needs {expected}",
                    [(ROTOR_CORE, rotor), (RESOLVER, resolver)],
                )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == ROTOR_CORE:
            poles = ci.buckets("int", "poles")
            for resolver in ctx.parts(RESOLVER):
                pairs = spec_int(resolver, "pole_pairs")
                if pairs is not None and pairs != 1:
                    m.add(self.code, poles.present & ~poles.get(2 * pairs))
        elif slot == RESOLVER:
            pairs = ci.buckets("int", "pole_pairs")
            for rotor in ctx.parts(ROTOR_CORE):
                rotor_poles = spec_int(rotor, "poles")
                if rotor_poles is None:
                    continue
                fine = pairs.get(1) | (pairs.get(rotor_poles // 2) if rotor_poles % 2 == 0 else 0)
                m.add(self.code, pairs.present & ~fine)
